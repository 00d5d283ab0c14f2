"""Supervision of the bot's long-lived tasks and scheduled jobs, with state kept in memory.

:meth:`Supervisor.spawn` runs a task body (a worker loop, the reply sweep, the
card poster) so that an unexpected exception (a ``database is locked``, a full
disk, a bug) is logged, the task waits (1 s, doubling up to a minute) and runs
again; it never dies silently. :meth:`Supervisor.run_job` runs one scheduled job
and records its outcome. ``/readyz`` and ``/metrics`` read :attr:`tasks` and
:attr:`jobs` from memory, so health never waits on the database.

Task states: ``running``; ``down`` (failed, waiting to run again); ``restarting``
(running again after a failure, not yet for ``settle_s``); ``finished`` (a one-shot
body returned); ``stopped`` (cancelled at shutdown).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime

from bot.kernel.errors import RadarError, StoreError

log = logging.getLogger(__name__)
RUNNING, DOWN, RESTARTING, FINISHED, STOPPED = (
    "running",
    "down",
    "restarting",
    "finished",
    "stopped",
)
UNHEALTHY = (DOWN, RESTARTING)


def error_text(exc: BaseException) -> str:
    """What went wrong, in one line: a RadarError's message, else type and text."""
    if isinstance(exc, RadarError):
        return exc.user_message
    return f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


@dataclass
class TaskStatus:
    """One supervised task, as ``/readyz`` shows it."""

    state: str = RUNNING
    restarts: int = 0
    last_error: str | None = None
    since: str = ""

    def set(self, state: str) -> None:
        self.state, self.since = state, _now()


@dataclass
class JobStatus:
    """The outcome of a scheduled job's runs, as ``/readyz`` and ``/metrics`` show them."""

    verdict: str = ""  # "ok" | "error" of the last run ("" before the first one ends)
    running: bool = False
    last_run: str = ""
    error: str | None = None
    ok: int = 0
    errors: int = 0

    def finished(self, verdict: str, error: str | None) -> None:
        self.running = False
        self.verdict, self.error, self.last_run = verdict, error, _now()
        if verdict == "ok":
            self.ok += 1
        else:
            self.errors += 1


class Supervisor:
    """Runs task bodies again after a failure; keeps every task's and job's state."""

    def __init__(
        self, *, backoff_s: float = 1.0, max_backoff_s: float = 60.0, settle_s: float = 5.0
    ) -> None:
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.settle_s = settle_s
        self.tasks: dict[str, TaskStatus] = {}
        self.jobs: dict[str, JobStatus] = {}

    def spawn(self, name: str, body: Callable[[], Awaitable[None]]) -> asyncio.Task[None]:
        """Start ``body`` as the supervised task ``name``."""
        self.tasks[name] = TaskStatus()
        self.tasks[name].set(RUNNING)
        return asyncio.create_task(self._supervise(name, body), name=name)

    def unhealthy(self) -> dict[str, TaskStatus]:
        return {name: s for name, s in self.tasks.items() if s.state in UNHEALTHY}

    async def _supervise(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        status = self.tasks[name]
        failures = 0
        loop = asyncio.get_running_loop()
        while True:
            started = loop.time()
            try:
                await body()
            except asyncio.CancelledError:
                status.set(STOPPED)
                raise
            except Exception as exc:
                if loop.time() - started > self.settle_s:
                    failures = 0  # it had been healthy: start the backoff over
                failures += 1
                await self._back_off(name, status, exc, failures)
                continue
            status.set(FINISHED)
            return

    async def _back_off(self, name: str, status: TaskStatus, exc: Exception, failures: int) -> None:
        delay = min(self.backoff_s * 2 ** (failures - 1), self.max_backoff_s)
        status.restarts += 1
        status.last_error = error_text(exc)
        status.set(DOWN)
        trace = None if isinstance(exc, StoreError) else exc  # a clear message suffices
        log.error(
            "task %s failed (%s); running it again in %.1f s",
            name,
            status.last_error,
            delay,
            exc_info=trace,
            extra={"event": "task-failed", "task": name},
        )
        await asyncio.sleep(delay)
        status.set(RESTARTING)
        restarts = status.restarts
        asyncio.get_running_loop().call_later(self.settle_s, self._settled, status, restarts)

    @staticmethod
    def _settled(status: TaskStatus, restarts: int) -> None:
        if status.state == RESTARTING and status.restarts == restarts:
            status.set(RUNNING)

    async def run_job(
        self,
        name: str,
        body: Callable[[], Awaitable[object]],
        on_error: Callable[[str], Awaitable[None]] | None = None,
    ) -> Exception | None:
        """Run one scheduled job; an exception is logged, recorded and returned, never raised.

        ``on_error`` stores the error (an ``error`` poll verdict); if even that fails
        the failure is logged and stays visible in :attr:`jobs`.
        """
        status = self.jobs.setdefault(name, JobStatus())
        status.running = True
        try:
            await body()
        except Exception as exc:
            message = error_text(exc)
            trace = None if isinstance(exc, RadarError) else exc
            log.error(
                "scheduled job %s failed: %s",
                name,
                message,
                exc_info=trace,
                extra={"event": "job-failed", "job": name},
            )
            if on_error is not None:
                message = await self._record(name, message, on_error)
            status.finished("error", message)
            return exc
        status.finished("ok", None)
        return None

    @staticmethod
    async def _record(name: str, message: str, on_error: Callable[[str], Awaitable[None]]) -> str:
        """Store the error; returns the message, saying so when it could not be stored."""
        try:
            await on_error(message)
        except Exception as exc:
            log.error("the error verdict of %s could not be stored: %s", name, error_text(exc))
            return f"{message} (not recorded in the database: {error_text(exc)})"
        return message
