"""The schedule: job options, catch-up at start, and a simulated week of polls and reports."""

from __future__ import annotations

import asyncio
import logging
import re
import time
from dataclasses import replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import aiohttp
import pytest
from apscheduler.triggers.cron import CronTrigger

from bot.runtime.assembly import Runtime, scheduler_for
from bot.runtime.scheduler import CHANNELS_JOB, fire_times, previous_fire_time
from bot.store import PollRecord, subscriptions
from tests.support.analysis_env import atom
from tests.support.core_env import core, serve_papers
from tests.support.fakes.platform import RecordingAdapter
from tests.support.fakes.server import Fault, until
from tests.support.feeds import SEED_IDS, seed_feed

SHANGHAI = ZoneInfo("Asia/Shanghai")
MONITOR = (
    '[[monitors]]\nname = "vla"\nchannels = ["slack:C1"]\nupload_report = true\n'
    'keywords = ["vla", "Vision-Language-Action", "Multivariate Time Series Forecasting", '
    '"spatio-temporal prediction", "traffic prediction"]\n'
)


def local(day: int, hour: int, minute: int = 0) -> datetime:
    """A moment in November 2025, Asia/Shanghai (10 November is a Monday)."""
    return datetime(2025, 11, day, hour, minute, tzinfo=SHANGHAI)


def test_fire_times_and_previous_fire_time_follow_the_cron() -> None:
    trigger = CronTrigger.from_crontab("*/20 13-16 * * mon-fri", timezone=SHANGHAI)
    week = list(fire_times(trigger, local(10, 0), local(16, 23, 59)))
    assert len(week) == 60
    assert (week[0], week[-1]) == (local(10, 13), local(14, 16, 40))
    assert previous_fire_time(trigger, local(15, 10)) == local(14, 16, 40)  # Saturday
    assert previous_fire_time(trigger, local(11, 13, 20)) == local(11, 13, 20)
    monthly = CronTrigger.from_crontab("0 9 1 * *", timezone=SHANGHAI)
    assert previous_fire_time(monthly, local(30, 8)) == local(1, 9)


async def test_jobs_have_fixed_ids_and_safe_options(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, MONITOR) as env:
        schedule = scheduler_for(env.service)
        await schedule.start()
        try:
            jobs = {job.id: job for job in schedule.scheduler.get_jobs()}
        finally:
            schedule.shutdown()
    assert set(jobs) == {"poll:vla", "report:vla", "poll:channels"}
    for job in jobs.values():
        assert (job.coalesce, job.max_instances, job.misfire_grace_time) == (True, 1, 3600)
        assert str(job.trigger.timezone) == "Asia/Shanghai"
    assert "hour='13-16'" in str(jobs["poll:vla"].trigger)
    assert "hour='17'" in str(jobs["report:vla"].trigger)


async def test_an_overdue_poll_runs_at_start(arxiv_fake, tmp_path, caplog) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    caplog.set_level(logging.INFO, logger="bot.runtime.scheduler")
    async with core(arxiv_fake, tmp_path, MONITOR) as env:  # real time: APScheduler's clock
        schedule = scheduler_for(env.service)
        await schedule.start()
        try:
            deadline = time.monotonic() + 10
            while not await env.store.run(env.store.recent_polls, "vla"):
                assert time.monotonic() < deadline, "the catch-up poll did not run"
                await asyncio.sleep(0.02)
            await env.platform.wait_for(lambda p: len(p.of("card")) == 4)
            await until(lambda: len(next_due(caplog)) >= 2)  # at start, then after the poll
        finally:
            schedule.shutdown()
    assert [card.arxiv_id for card in env.platform.of("card")] == SEED_IDS
    at_start, after_poll = next_due(caplog)[:2]
    assert re.fullmatch(r"vla: next poll 20\d\d-.* \d\d:\d\d\+08:00, next report .*", after_poll)
    assert at_start.split(", ")[1] == after_poll.split(", ")[1]  # the report is still due later


def next_due(caplog: pytest.LogCaptureFixture) -> list[str]:
    return [r.getMessage() for r in caplog.records if ": next poll " in r.getMessage()]


async def test_a_scheduled_report_says_when_arxiv_could_not_be_reached(
    arxiv_fake, tmp_path
) -> None:
    arxiv_fake.script("/rss/", *[Fault(503)] * 10)
    async with core(arxiv_fake, tmp_path, MONITOR) as env:
        schedule = scheduler_for(env.service, clock=lambda: local(11, 17))
        await schedule.report(env.config.monitor("vla"))
        [path] = (tmp_path / "reports").glob("vla-2025-11-11.*.md")
    text = path.read_text(encoding="utf-8")
    assert "The arXiv feed answered HTTP 503" in text
    assert "The arXiv data for November 11, 2025 could not be fetched" in text
    assert "weekend" not in text
    assert "周末" not in text


async def test_catch_up_decisions_follow_the_last_poll_and_report(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, MONITOR, now=local(11, 17, 30)) as env:
        fresh = await scheduler_for(env.service).jobs()
        env.store.record_poll(_ok_poll(local(11, 17, 1)), (), ())
        env.store.record_report("vla", local(10, 0).date(), None, "x.md", 0)
        env.store.test_db.execute("UPDATE reports SET created = ?", [local(10, 17, 1).isoformat()])
        overdue_report = await scheduler_for(env.service).jobs()
        env.clock.set(local(11, 17, 40))
        env.store.test_db.execute("UPDATE reports SET created = ?", [local(11, 17, 2).isoformat()])
        settled = await scheduler_for(env.service).jobs()
    catch_up = {
        name: {j.id: j.catch_up for j in plan}
        for name, plan in (
            ("fresh", fresh),
            ("overdue_report", overdue_report),
            ("settled", settled),
        )
    }
    assert catch_up["fresh"] == {"poll:vla": True, "report:vla": False, "poll:channels": False}
    assert catch_up["overdue_report"]["poll:vla"] is False
    assert catch_up["overdue_report"]["report:vla"] is True
    assert catch_up["settled"]["report:vla"] is False


def _ok_poll(started: datetime) -> PollRecord:
    return PollRecord("vla", started.isoformat(), "ok", 9, 9, 0, None, None, "2025-11-11", None)


async def test_a_simulated_week_runs_exactly_the_expected_polls_and_reports(
    arxiv_fake, tmp_path
) -> None:
    """Seven days on an injected clock: every fire time the triggers give, in order."""
    arxiv_fake.feeds["*"] = seed_feed()
    serve_papers(arxiv_fake, tmp_path, SEED_IDS)
    start, end = local(10, 0), local(16, 23, 59)
    async with core(arxiv_fake, tmp_path, MONITOR, now=start) as env:
        subscriptions.add(env.store.test_db, "slack", "C2", "keyword", "vla", env.store.now())
        schedule = scheduler_for(env.service)
        planned = await schedule.jobs()
        runs = sorted(
            (when, job.id, job) for job in planned for when in fire_times(job.trigger, start, end)
        )
        for when, _, job in runs:
            env.clock.set(when)
            await job.run()
        polls = dict(
            env.store.test_db.execute("SELECT monitor, count(*) FROM polls GROUP BY 1").fetchall()
        )
        reports = env.store.test_db.execute("SELECT report_date, papers FROM reports").fetchall()
    ran = [job_id for _, job_id, _ in runs]
    assert (ran.count("poll:vla"), ran.count("poll:channels"), ran.count("report:vla")) == (
        60,
        60,
        5,
    )
    # every report job polls (and announces) once before writing the report
    assert polls == {"vla": 60 + 5, "channel:slack:C2": 60}
    assert reports == [(f"2025-11-{day}", 4 if day in (10, 11) else 0) for day in range(10, 15)]
    uploads = env.platform.of("report")
    assert [u.text for u in uploads] == [f"arXiv report 2025-11-{d} (vla)" for d in range(10, 15)]
    cards = [(c.channel, c.arxiv_id) for c in env.platform.of("card")]
    assert sorted(cards) == sorted({(c.channel, c.arxiv_id) for c in env.platform.of("card")})
    assert {arxiv_id for channel, arxiv_id in cards if channel == "C1"} == set(SEED_IDS)
    assert all((when - start) < timedelta(days=7) for when, _, _ in runs)


async def test_a_scheduled_job_that_raises_records_an_error_verdict_and_health_shows_it(
    arxiv_fake, tmp_path, caplog
) -> None:
    """Issue 9.3: a poll whose keyword cannot compile used to leave only a traceback."""
    arxiv_fake.feeds["*"] = seed_feed()
    async with core(arxiv_fake, tmp_path, MONITOR, register=False) as env:
        # a keyword `check` accepted in an older version, and a channel's stored subscription
        bad = replace(env.config.monitors[0], keywords=("re:(unclosed",))
        env.service.config = replace(env.config, monitors=(bad,))
        subscriptions.add(env.store.test_db, "slack", "C2", "keyword", "re:[open", env.store.now())
        runtime = Runtime(
            env.service, [RecordingAdapter(env.platform)], workers=env.workers(), health_port=0
        )
        running = asyncio.create_task(runtime.run())
        try:
            ran = env.service.supervisor.jobs  # the store is only read on its own thread
            await until(lambda: runtime.health.accepting)
            await until(lambda: "poll:vla" in ran and ran["poll:vla"].last_run)
            job = runtime.scheduler.scheduler.get_job(CHANNELS_JOB)
            job.modify(next_run_time=datetime.now(SHANGHAI))
            await until(lambda: CHANNELS_JOB in ran and ran[CHANNELS_JOB].last_run)
            await runtime.health.state.refresh()
            ready_status, ready = await _get_json(runtime, "/readyz")
            metrics = await _get_text(runtime, "/metrics")
            verdicts = await env.store.run(_verdicts, env)
            errors = await env.store.run(_errors, env)
        finally:
            runtime.request_stop()
            await asyncio.wait_for(running, 15)
    assert verdicts == [("vla", "error"), ("channel:slack:C2", "error")]
    assert "'re:(unclosed' is not a valid regular expression" in errors[0][0]
    assert "'re:[open' is not a valid regular expression" in errors[1][0]
    assert ready_status == 503
    assert ready["scheduler"]["poll:vla"]["verdict"] == "error"
    assert ready["scheduler"]["poll:vla"]["error"] == errors[0][0]
    assert f"scheduled job poll:vla failed: {errors[0][0]}" in ready["problems"]
    assert ready["monitors"]["vla"]["verdict"] == "error"
    assert 'arxiv_radar_scheduled_runs_total{job="poll:vla",verdict="error"} 1.0' in metrics
    assert 'arxiv_radar_polls_total{monitor="vla",verdict="error"} 1.0' in metrics
    assert not [r for r in caplog.records if r.name.startswith("apscheduler") and r.exc_info]
    failed = [r for r in caplog.records if getattr(r, "event", None) == "job-failed"]
    assert [r.job for r in failed] == ["poll:vla", CHANNELS_JOB]
    assert not [r for r in failed if r.exc_info]  # a clear message, no traceback


def _errors(env) -> list[tuple[str]]:
    return env.store.test_db.execute("SELECT error FROM polls ORDER BY id").fetchall()


def _verdicts(env) -> list[tuple[str, str]]:
    rows = env.store.test_db.execute("SELECT monitor, verdict FROM polls ORDER BY id").fetchall()
    return [(row[0], row[1]) for row in rows]


async def _get_json(runtime: Runtime, path: str) -> tuple[int, dict]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{runtime.health.port}{path}") as response,
    ):
        return response.status, await response.json()


async def _get_text(runtime: Runtime, path: str) -> str:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{runtime.health.port}{path}") as response,
    ):
        return await response.text()


async def test_the_poll_job_looks_up_new_interest_papers_before_it_posts(
    arxiv_fake, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    arxiv_fake.api["2405.00001"] = atom("2405.00001", 1, "Spatial Tuning of VLMs", "Spatial.")
    async with core(arxiv_fake, tmp_path, MONITOR + 'interests = ["2405.00001"]\n') as env:
        schedule = scheduler_for(env.service)
        await schedule.poll(env.config.monitors[0])
        await schedule.poll(env.config.monitors[0])  # cached: not asked again
        cached = (await env.store.interests.paper_texts(["2405.00001"])).cached
    assert cached["2405.00001"].title == "Spatial Tuning of VLMs"
    api = [r.query.get("id_list") for r in arxiv_fake.requests if r.path.startswith("/api/")]
    assert api == ["2405.00001"]
