"""The always-on bot: one asyncio process holding every long-running part.

Start order: health endpoint, chat adapters (each registered with the service once
connected), owed cards posted (the supervised ``card-poster`` task; start goes on
after one busy timeout if the database is locked), analysis workers, scheduler.
Every long-lived task runs under :class:`bot.kernel.supervise.Supervisor`. SIGTERM/SIGINT
begin a graceful shutdown: readiness goes false, the scheduler stops, workers take
no new job and running jobs get ``server.shutdown_grace_s`` to finish (the rest
go back to the queue), then adapters, the health server, the arXiv client and the
store are closed. The runtime never imports a chat SDK: adapters are passed in.
"""

from __future__ import annotations

import asyncio
import logging
import shutil
import signal
from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from typing import Any

from analysis.ask.asker import Asker
from bot.chat.answering import Answering
from bot.chat.service import RadarService
from bot.chat.workers import Workers
from bot.kernel.config import Config
from bot.kernel.platform import Adapter
from bot.runtime.health import HealthServer
from bot.runtime.scheduler import RadarScheduler
from bot.store.files import FileCache, remove_partials
from bot.watch.announce import post_owed

log = logging.getLogger(__name__)
LOW_DISK_BYTES = 1024 * 1024


def tidy_files(config: Config) -> None:
    """Remove partial files a killed process left; bring the cache under its size cap;
    say so clearly when the data disk is (nearly) full."""
    removed = remove_partials([Path(config.storage.cache_dir), Path(config.report.dir)])
    if removed:
        log.info("removed %d partial files left by an earlier run", removed)
    FileCache(config.storage).trim()
    data = Path(config.storage.path).absolute().parent
    free = shutil.disk_usage(data).free
    if free < LOW_DISK_BYTES:
        log.error(
            "the disk holding %s is full (%d kB free): nothing can be stored until space "
            "is freed; the bot keeps running and retries",
            data,
            free // 1024,
            extra={"event": "disk-full"},
        )


def scheduler_for(
    service: RadarService, clock: Callable[[], datetime] | None = None
) -> RadarScheduler:
    """The schedule of ``service``'s monitors, given only the parts it uses."""
    return RadarScheduler(
        service,
        service.arxiv,
        service.analyzer,
        service.uploads,
        service.supervisor,
        clock=clock,
    )


def workers_for(service: RadarService, **options: Any) -> Workers:
    """The analysis workers of ``service``, given only the parts they use.

    ``options`` are :class:`Workers`' timings and its ``connected`` check.
    """
    asker = Asker(service.config, service.store, service.arxiv, service.analyzer)
    return Workers(
        config=service.config,
        store=service.store,
        analyzer=service.analyzer,
        arxiv=service.arxiv,
        answering=Answering(service.config, service.store, asker),
        cards=service.cards,
        platforms=service.platforms,
        supervisor=service.supervisor,
        jobs_changed=service.jobs_changed,
        platforms_changed=service.platforms_changed,
        **options,
    )


class Runtime:
    """Scheduler, adapters, workers and health server around one :class:`RadarService`."""

    def __init__(
        self,
        service: RadarService,
        adapters: Sequence[Adapter],
        *,
        workers: Workers | None = None,
        scheduler: RadarScheduler | None = None,
        health_port: int | None = None,
    ) -> None:
        self.service = service
        self.adapters = list(adapters)
        self.workers = workers or workers_for(service, connected=self.connected)
        self.scheduler = scheduler or scheduler_for(service)
        self.health = HealthServer(
            service.config, service.supervisor, self.adapters, port=health_port
        )
        self.stopping = asyncio.Event()
        self._started: list[Adapter] = []
        self._poster: asyncio.Task[None] | None = None

    def connected(self, platform: str) -> bool:
        return any(a.is_connected() for a in self.adapters if a.platform.name == platform)

    async def run(self) -> None:
        """Run until SIGTERM or SIGINT (or :meth:`request_stop`), then shut down cleanly."""
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(signum, self.request_stop, signum)
        try:
            await self.start()
            await self.stopping.wait()
        finally:
            for signum in (signal.SIGTERM, signal.SIGINT):
                loop.remove_signal_handler(signum)
            await self.shutdown()

    def request_stop(self, signum: int | None = None) -> None:
        if signum is not None:
            log.info("received %s: shutting down", signal.Signals(signum).name)
        self.stopping.set()

    async def start(self) -> None:
        await asyncio.to_thread(tidy_files, self.service.config)
        await self.health.start()
        for adapter in self.adapters:
            await adapter.start()
            self._started.append(adapter)
            self.service.register(adapter.platform)
            log.info("%s connected", adapter.platform.name)
        await self._post_owed_cards()
        await self.workers.start()
        await self.scheduler.start()
        self.health.accepting = True
        mode = ", ".join(a.platform.name for a in self.adapters) or "no chat platform (embedded)"
        log.info("arxiv-radar running: %s", mode, extra={"event": "ready"})

    async def _post_owed_cards(self) -> None:
        """Post owed cards and report uploads before work starts; a locked database only
        delays them."""

        async def post() -> None:
            await post_owed(self.service)
            await self.service.uploads.deliver(self.service.platforms)

        self._poster = self.service.supervisor.spawn("card-poster", post)
        await asyncio.wait({self._poster}, timeout=self.service.config.storage.busy_timeout_s)

    async def shutdown(self) -> None:
        """Stop taking work, let running jobs finish within the grace period, close all."""
        self.health.accepting = False
        self.scheduler.shutdown()
        if self._poster is not None:
            self._poster.cancel()
            await asyncio.gather(self._poster, return_exceptions=True)
        await self.workers.stop(self.service.config.server.shutdown_grace_s)
        for adapter in reversed(self._started):
            try:
                await adapter.stop()
            except Exception:
                log.exception("stopping the %s adapter failed", adapter.platform.name)
        await self.health.stop()
        await self.service.arxiv.aclose()
        self.service.store.close()
        log.info("arxiv-radar stopped", extra={"event": "stopped"})
