"""The schedule: per monitor a poll job and a daily report job, in ``report.timezone``.

APScheduler 3.x ``AsyncIOScheduler`` with fixed job IDs (``poll:<monitor>``,
``report:<monitor>``, and ``poll:channels`` for the channels' own subscriptions on
the first monitor's schedule), ``replace_existing``, ``coalesce``,
``max_instances=1`` and an hour of ``misfire_grace_time``. At start a poll runs at
once when the last successful one is older than the cron's previous fire time,
and a report when the latest report predates its previous fire time (with no
report yet: when the monitor was already polling at that fire time, so the
first report of a deployment is owed like any other). Every job runs through
:meth:`Supervisor.run_job <bot.kernel.supervise.Supervisor.run_job>`: an exception is
logged and kept for ``/readyz``, and a poll job stores an ``error`` verdict. A
job that failed on storage (a lock past the busy timeout, a full disk) runs again
after 1 s, doubling to 10 minutes, unless its next regular run comes first.
The clock is injectable: :func:`fire_times` walks a cron trigger exactly as the
scheduler does, so a week can be simulated without sleeping.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from apscheduler.events import EVENT_JOB_ERROR, EVENT_JOB_EXECUTED, JobExecutionEvent
from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.cron import CronTrigger

from bot.arxiv.client import ArxivClient
from bot.kernel.config import MonitorConfig
from bot.kernel.errors import StoreError
from bot.kernel.supervise import Supervisor
from bot.watch import uploads
from bot.watch.announce import Desk, announce
from bot.watch.digest import write_digest
from bot.watch.poll import (
    channel_monitors,
    monitor_channels,
    poll_monitor,
    poll_monitors,
    record_error_verdict,
)
from bot.watch.uploads import Uploads

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

log = logging.getLogger(__name__)
CHANNELS_JOB = "poll:channels"
JOB_DEFAULTS = {"coalesce": True, "max_instances": 1, "misfire_grace_time": 3600}
RETRY_FIRST_S, RETRY_MAX_S = 1.0, 600.0  # a job that failed on storage runs again
MAX_LOOKBACK = timedelta(days=400)


@dataclass(frozen=True)
class ScheduledJob:
    id: str
    trigger: CronTrigger
    run: Callable[[], Awaitable[Any]]
    catch_up: bool = False
    polls: Callable[[], Awaitable[list[str]]] | None = None  # monitors a failure is stored for


def fire_times(trigger: CronTrigger, start: datetime, end: datetime) -> Iterator[datetime]:
    """The trigger's fire times in [start, end], computed as the scheduler does."""
    fire = trigger.get_next_fire_time(None, start)
    while fire is not None and fire <= end:
        yield fire
        fire = trigger.get_next_fire_time(fire, fire)


def previous_fire_time(trigger: CronTrigger, now: datetime) -> datetime | None:
    """The last fire time at or before ``now`` (None if none within 400 days)."""
    window = timedelta(hours=1)
    while window <= MAX_LOOKBACK:
        fires = list(fire_times(trigger, now - window, now))
        if fires:
            return fires[-1]
        window *= 2
    return None


class RadarScheduler:
    """Builds and runs the poll and report jobs of every monitor."""

    def __init__(
        self,
        desk: Desk,
        arxiv: ArxivClient,
        analyzer: Analyzer,
        uploader: Uploads,
        supervisor: Supervisor,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.desk = desk  # where polls announce their matches
        self.config = desk.config
        self.store = desk.store
        self.arxiv = arxiv
        self.analyzer = analyzer
        self.uploader = uploader
        self.supervisor = supervisor
        self.clock = clock or desk.store.clock
        self.scheduler = AsyncIOScheduler(timezone=self.config.tz, job_defaults=JOB_DEFAULTS)
        self._retries: dict[str, int] = {}  # job ID -> retries after storage failures

    def cron(self, expression: str) -> CronTrigger:
        return CronTrigger.from_crontab(expression, timezone=self.config.tz)

    async def jobs(self) -> list[ScheduledJob]:
        """Every scheduled job, each marked for catch-up when its last run is overdue."""
        planned = []
        for monitor in self.config.monitors:
            poll = self.cron(monitor.schedule)
            report = self.cron(monitor.report_schedule)
            planned += [
                ScheduledJob(
                    f"poll:{monitor.name}",
                    poll,
                    _bind(self.poll, monitor),
                    await self._poll_overdue(monitor.name, poll),
                    _names(monitor.name),
                ),
                ScheduledJob(
                    f"report:{monitor.name}",
                    report,
                    _bind(self.report, monitor),
                    await self._report_overdue(monitor.name, report),
                ),
            ]
        first = self.cron(self.config.monitors[0].schedule)
        planned.append(
            ScheduledJob(CHANNELS_JOB, first, self.poll_channels, polls=self._channel_names)
        )
        return planned

    async def start(self) -> None:
        """Add every job (overdue ones run now) and start the scheduler."""
        now = self.clock()
        for job in await self.jobs():
            extra = {"next_run_time": now} if job.catch_up else {}
            if job.catch_up:
                log.info("%s is overdue: running it now", job.id)
            self.scheduler.add_job(
                self._supervised(job),
                job.trigger,
                id=job.id,
                name=job.id,
                replace_existing=True,
                **extra,
            )
        self.scheduler.add_listener(self._after_job, EVENT_JOB_EXECUTED | EVENT_JOB_ERROR)
        self.scheduler.start()
        self.log_next_due()

    def log_next_due(self) -> None:
        """Log, per monitor, when the next poll and the next report are due."""
        for monitor in self.config.monitors:
            log.info(
                "%s: next poll %s, next report %s",
                monitor.name,
                self._next_run(f"poll:{monitor.name}"),
                self._next_run(f"report:{monitor.name}"),
            )

    def _next_run(self, job_id: str) -> str:
        job = self.scheduler.get_job(job_id)
        when = job.next_run_time if job is not None else None
        return when.isoformat(sep=" ", timespec="minutes") if when else "not scheduled"

    def _after_job(self, event: JobExecutionEvent) -> None:
        self.log_next_due()

    def _supervised(self, job: ScheduledJob) -> Callable[[], Awaitable[None]]:
        """``job`` run so that a failure is logged, kept for health and stored as a verdict."""
        supervisor = self.supervisor

        async def record(message: str) -> None:
            if job.polls is None:
                return
            store = self.store
            for monitor in await job.polls():
                await store.run(record_error_verdict, store, monitor, message, store.now())

        async def run() -> None:
            failure = await supervisor.run_job(job.id, job.run, record)
            self._retry_after_storage_failure(job.id, run, failure)

        return run

    def _retry_after_storage_failure(
        self, job_id: str, run: Callable[[], Awaitable[None]], failure: Exception | None
    ) -> None:
        if not (isinstance(failure, StoreError) and failure.retryable):
            self._retries.pop(job_id, None)
            return
        tries = self._retries[job_id] = self._retries.get(job_id, 0) + 1
        delay = min(RETRY_FIRST_S * 2 ** (tries - 1), RETRY_MAX_S)
        when = datetime.now(self.config.tz) + timedelta(seconds=delay)
        regular = self.scheduler.get_job(job_id)
        if regular is None or (regular.next_run_time and regular.next_run_time <= when):
            return  # the regular run comes first (or the scheduler is stopping)
        retry_id = f"{job_id}:retry"
        self.scheduler.add_job(
            run, "date", run_date=when, id=retry_id, name=retry_id, replace_existing=True
        )
        log.info("%s failed on storage: running it again in %.0f s", job_id, delay)

    async def _channel_names(self) -> list[str]:
        store = self.store
        return [m.name for m in await store.run(channel_monitors, self.config, store)]

    def shutdown(self) -> None:
        if self.scheduler.running:
            self.scheduler.shutdown(wait=False)

    async def _poll_overdue(self, monitor: str, trigger: CronTrigger) -> bool:
        store = self.store
        last = await store.run(store.last_successful_poll, monitor)
        due = previous_fire_time(trigger, self.clock())
        return due is not None and (last is None or datetime.fromisoformat(last) < due)

    async def _report_overdue(self, monitor: str, trigger: CronTrigger) -> bool:
        store = self.store
        latest = await store.run(store.latest_report, monitor)
        due = previous_fire_time(trigger, self.clock())
        if due is None:
            return False
        if latest is not None:
            return datetime.fromisoformat(latest["created"]) < due
        first_poll = await store.run(store.first_poll, monitor)
        return first_poll is not None and datetime.fromisoformat(first_poll) < due

    # the jobs -----------------------------------------------------------------------

    async def poll(self, monitor: MonitorConfig) -> None:
        """Poll one monitor and post its new matches."""
        outcome = await poll_monitor(self.arxiv, self.store, monitor)
        await announce(self.desk, outcome)

    async def poll_channels(self) -> None:
        """Poll the channels' own subscriptions and post their new matches."""
        monitors = await self.store.run(channel_monitors, self.config, self.store)
        if not monitors:
            return
        for outcome in await poll_monitors(self.arxiv, self.store, monitors):
            await announce(self.desk, outcome)

    async def report(self, monitor: MonitorConfig) -> None:
        """Poll and announce, write the day's report, upload it where configured.

        The uploads are recorded as owed before the report is written, so a crash in
        between leaves them owed (:mod:`bot.watch.uploads`).
        """
        store = self.store
        outcome = await poll_monitor(self.arxiv, store, monitor)
        await announce(self.desk, outcome)
        day = self.clock().astimezone(self.config.tz).date()
        targets = monitor_channels(self.config, monitor.name) if monitor.upload_report else []
        await store.run(uploads.claim, store.db, monitor.name, day, targets, store.now())
        await write_digest(
            self.config,
            store,
            self.arxiv,
            self.analyzer,
            monitor=monitor.name,
            report_date=day,
            language=self.config.report.language,
            poll=False,
            feed_error=outcome.error,  # the report says arXiv could not be reached
        )
        await self.uploader.deliver(self.desk.platforms)


def _names(*monitors: str) -> Callable[[], Awaitable[list[str]]]:
    async def names() -> list[str]:
        return list(monitors)

    return names


def _bind(
    method: Callable[[MonitorConfig], Awaitable[None]], monitor: MonitorConfig
) -> Callable[[], Awaitable[None]]:
    async def run() -> None:
        await method(monitor)

    return run
