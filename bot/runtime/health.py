"""The health endpoint: ``/healthz`` (alive), ``/readyz`` (ready, with details), ``/metrics``.

Both answer from memory and never wait on the database writer: database figures
come from :class:`~bot.kernel.health_state.HealthState`'s background reads, task and
scheduled-job states from the :class:`~bot.kernel.supervise.Supervisor`. ``/readyz``
answers JSON with the last poll (time and verdict) per monitor, the queue depth,
each platform's connection, every supervised task (state, restarts, last error),
every scheduled job's last verdict and the database check, with ``problems``
listing why it is not ready: status 503 until the runtime accepts work, during
shutdown, while a platform is disconnected, a task is down or restarting, the
last run of a scheduled job failed, or the database cannot be read. ``/metrics``
(``server.metrics``, needs prometheus-client): poll, card, job, reply-latency and
token figures from the database (they survive restarts), task restarts and
scheduled-job runs from memory.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import asdict
from typing import Any

from aiohttp import web
from sqlite_utils import Database

from bot.kernel.config import Config
from bot.kernel.health_state import HealthState
from bot.kernel.platform import Adapter
from bot.kernel.supervise import UNHEALTHY, Supervisor
from bot.store.metrics import health_snapshot

log = logging.getLogger(__name__)
PROMETHEUS_TYPE = "text/plain; version=0.0.4"


class HealthServer:
    """A small aiohttp server beside the bot on ``server.host:server.port``."""

    def __init__(
        self,
        config: Config,
        supervisor: Supervisor,
        adapters: Sequence[Adapter],
        *,
        port: int | None = None,
        refresh_s: float = 1.0,
    ) -> None:
        self.config = config
        self.supervisor = supervisor
        self.adapters = adapters
        self.host = config.server.host
        self.port = config.server.port if port is None else port
        self.accepting = False  # set by the runtime once started, cleared at shutdown
        with_metrics = config.server.metrics

        def read(db: Database) -> dict[str, Any]:
            return health_snapshot(db, with_metrics)

        self.state = HealthState(config.storage.path, read, refresh_s=refresh_s)
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        if self.config.server.metrics:
            if _prometheus_available():
                app.router.add_get("/metrics", self.metrics)
            else:
                log.warning("server.metrics is on but prometheus-client is not installed")
        return app

    async def start(self) -> None:
        await self.state.refresh()
        self.state.start(self.supervisor)
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("health endpoint on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()
        await self.state.stop()

    def platforms(self) -> dict[str, bool]:
        return {adapter.platform.name: adapter.is_connected() for adapter in self.adapters}

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(self, request: web.Request) -> web.Response:
        body = self.readiness()
        return web.json_response(body, status=200 if body["ready"] else 503)

    def readiness(self) -> dict[str, Any]:
        """The ``/readyz`` body, from memory."""
        supervisor = self.supervisor
        platforms = self.platforms()
        snapshot = self.state.snapshot or {}
        age = self.state.age_s()
        problems = self.problems(platforms)
        return {
            "ready": not problems,
            "problems": problems,
            "monitors": snapshot.get("monitors", {}),
            "queue": snapshot.get("queue", {}),
            "platforms": platforms,
            "tasks": {name: asdict(status) for name, status in supervisor.tasks.items()},
            "scheduler": {name: asdict(status) for name, status in supervisor.jobs.items()},
            "database": {
                "readable": self.state.error is None,
                "error": self.state.error,
                "age_s": None if age is None else round(age, 1),
            },
        }

    def problems(self, platforms: dict[str, bool]) -> list[str]:
        """Why the bot is not ready; empty when it is."""
        supervisor = self.supervisor
        problems = [] if self.accepting else ["not accepting work (starting or stopping)"]
        problems += [f"{name} is disconnected" for name, up in platforms.items() if not up]
        if self.state.error is not None:
            problems.append(f"the database cannot be read: {self.state.error}")
        problems += [
            f"task {name} is {status.state}: {status.last_error}"
            for name, status in supervisor.tasks.items()
            if status.state in UNHEALTHY
        ]
        problems += [
            f"scheduled job {name} failed: {status.error}"
            for name, status in supervisor.jobs.items()
            if status.verdict == "error"
        ]
        return problems

    async def metrics(self, request: web.Request) -> web.Response:
        snapshot = (self.state.snapshot or {}).get("metrics")
        text = render_metrics(snapshot, self.platforms(), self.supervisor, self.state.error is None)
        return web.Response(body=text, headers={"Content-Type": PROMETHEUS_TYPE})


def _prometheus_available() -> bool:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return False
    return True


def render_metrics(
    snapshot: dict[str, Any] | None,
    platforms: dict[str, bool],
    supervisor: Supervisor,
    database_readable: bool,
) -> bytes:
    """The Prometheus text exposition of a :func:`metrics_snapshot` (None: not read yet)
    and of the in-memory task, job and platform states."""
    from prometheus_client import CollectorRegistry, generate_latest

    families = _database_families(snapshot) if snapshot is not None else []
    families += _memory_families(platforms, supervisor, database_readable)
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    return generate_latest(registry)


def _database_families(snapshot: dict[str, Any]) -> list[Any]:
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
    )

    polls = CounterMetricFamily(
        "arxiv_radar_polls", "Feed polls by monitor and verdict.", labels=["monitor", "verdict"]
    )
    for monitor, verdict, count in snapshot["polls"]:
        polls.add_metric([monitor, verdict], count)
    cards = GaugeMetricFamily(
        "arxiv_radar_cards", "Paper cards by platform and state.", labels=["platform", "state"]
    )
    for platform, state, count in snapshot["cards"]:
        cards.add_metric([platform, state], count)
    job_states = GaugeMetricFamily("arxiv_radar_jobs", "Analysis jobs by state.", labels=["state"])
    for state, count in snapshot["jobs"]:
        job_states.add_metric([state], count)
    requests = GaugeMetricFamily(
        "arxiv_radar_requests", "Analysis requests by state.", labels=["state"]
    )
    for state, count in snapshot["requests"]:
        requests.add_metric([state], count)
    poll_buckets, poll_sum = snapshot["poll_seconds"]
    reply_buckets, reply_sum = snapshot["reply_seconds"]
    analyses = CounterMetricFamily("arxiv_radar_analyses", "Analysis requests accepted.")
    analyses.add_metric([], snapshot["analyses"])
    tokens = CounterMetricFamily("arxiv_radar_tokens", "LLM tokens spent.", labels=["kind"])
    for kind, count in snapshot["tokens"].items():
        tokens.add_metric([kind], count)
    return [
        polls,
        cards,
        job_states,
        requests,
        HistogramMetricFamily(
            "arxiv_radar_poll_seconds", "Poll duration.", buckets=poll_buckets, sum_value=poll_sum
        ),
        HistogramMetricFamily(
            "arxiv_radar_reply_seconds",
            "From request to final reply.",
            buckets=reply_buckets,
            sum_value=reply_sum,
        ),
        analyses,
        tokens,
    ]


def _memory_families(
    platforms: dict[str, bool], supervisor: Supervisor, database_readable: bool
) -> list[Any]:
    from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily

    connected = GaugeMetricFamily(
        "arxiv_radar_platform_connected", "1 when the platform is connected.", labels=["platform"]
    )
    for name, up in platforms.items():
        connected.add_metric([name], 1.0 if up else 0.0)
    restarts = CounterMetricFamily(
        "arxiv_radar_task_restarts", "Supervised task restarts after a failure.", labels=["task"]
    )
    task_up = GaugeMetricFamily(
        "arxiv_radar_task_up", "0 while a supervised task is down or restarting.", labels=["task"]
    )
    for name, status in supervisor.tasks.items():
        restarts.add_metric([name], status.restarts)
        task_up.add_metric([name], 0.0 if status.state in UNHEALTHY else 1.0)
    runs = CounterMetricFamily(
        "arxiv_radar_scheduled_runs", "Scheduled job runs by verdict.", labels=["job", "verdict"]
    )
    for name, job in supervisor.jobs.items():
        runs.add_metric([name, "ok"], job.ok)
        runs.add_metric([name, "error"], job.errors)
    readable = GaugeMetricFamily(
        "arxiv_radar_database_readable", "1 when the health check could read the database."
    )
    readable.add_metric([], 1.0 if database_readable else 0.0)
    return [connected, restarts, task_up, runs, readable]


class _Fixed:
    """A collector yielding metric families computed beforehand."""

    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families
