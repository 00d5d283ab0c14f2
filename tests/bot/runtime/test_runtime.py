"""The runtime in-process and as the real ``run`` command; the ``jobs`` and ``stats`` commands."""

from __future__ import annotations

import asyncio
import shlex
import signal
import time
from pathlib import Path

import aiohttp
import pytest
from click.testing import CliRunner

from bot.kernel.config import parse_config
from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.runtime.assembly import Runtime
from bot.runtime.cli import main
from bot.runtime.healthcheck import healthz_url
from bot.store import Store, jobs, posts, questions, usage
from tests.reliability.harness import BotProcess, write_config
from tests.support.core_env import core, paper, serve_papers
from tests.support.fakes.platform import RecordingAdapter
from tests.support.fakes.server import Fault
from tests.support.feeds import SEED_IDS, seed_feed

REF = ChatRef("slack", "C1", "t1", "U1")
PDF_TYPE = {"Content-Type": "application/pdf"}


async def _ready(port: int, timeout_s: float = 10.0) -> dict:
    deadline = time.monotonic() + timeout_s
    async with aiohttp.ClientSession() as session:
        while True:
            try:
                async with session.get(f"http://127.0.0.1:{port}/readyz") as response:
                    if response.status == 200:
                        return await response.json()
            except aiohttp.ClientConnectionError:
                pass
            assert time.monotonic() < deadline, "runtime not ready in time"
            await asyncio.sleep(0.02)


async def test_runtime_starts_everything_and_shuts_down_cleanly(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, register=False) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        adapter = RecordingAdapter(env.platform)
        runtime = Runtime(env.service, [adapter], workers=env.workers(), health_port=0)
        running = asyncio.create_task(runtime.run())
        ready = await _ready_port(runtime)
        await env.service.enqueue_analysis(ArxivId("2511.05275"), REF, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        runtime.request_stop()
        await asyncio.wait_for(running, 15)
    assert ready["platforms"] == {"slack": True}
    assert env.service.platforms == {"slack": env.platform}
    assert adapter.stopped
    assert not runtime.scheduler.scheduler.running
    with pytest.raises(RuntimeError):
        await env.store.run(env.store.now)  # the store was closed


async def _ready_port(runtime: Runtime) -> dict:
    deadline = time.monotonic() + 10
    while not runtime.health.accepting:
        assert time.monotonic() < deadline, "runtime did not start"
        await asyncio.sleep(0.01)
    return await _ready(runtime.health.port)


async def test_owed_cards_are_found_or_posted_before_work_starts(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, register=False) as env:
        env.store.save_papers([paper("2511.00001"), paper("2511.00002")])
        now = env.store.now()
        for arxiv_id in ("2511.00001", "2511.00002"):
            posts.claim(env.store.test_db, "slack", "C1", arxiv_id, "default", now)
        # the first was posted before the crash, its ID never recorded
        sent_before = await env.platform.post_card(
            "C1", paper("2511.00001"), (), posts.nonce("slack", "C1", "2511.00001")
        )
        runtime = Runtime(env.service, [RecordingAdapter(env.platform)], health_port=0)
        running = asyncio.create_task(runtime.run())
        await _ready_port(runtime)
        recorded = {p.arxiv_id: p.message_id for p in await env.store.run(_posts, env.store)}
        runtime.request_stop()
        await asyncio.wait_for(running, 15)
    cards = env.platform.of("card")
    assert [c.arxiv_id for c in cards] == ["2511.00001", "2511.00002"]
    assert recorded == {"2511.00001": sent_before, "2511.00002": cards[1].message_id}


def _posts(store: Store) -> list[posts.Post]:
    rows = store.test_db.execute("SELECT platform, channel, arxiv_id FROM posts").fetchall()
    found = [posts.card_in_channel(store.test_db, *row) for row in rows]
    return [post for post in found if post is not None]


def test_run_command_in_embedded_mode_polls_logs_cards_and_stops_on_sigterm(
    arxiv_fake, tmp_path
) -> None:
    """No chat platform: the real process still polls on start (catch-up) and logs cards."""
    arxiv_fake.feeds["*"] = seed_feed()
    secret = "sk-never-in-the-log-0123456789"
    bot = BotProcess(
        write_config(tmp_path, arxiv_fake, extra='[llm]\napi_key_env = "RADAR_TEST_KEY"\n'),
        env={"RADAR_TEST_KEY": secret},
    )
    try:
        ready = bot.start().wait_ready()
        cards = bot.wait_log(
            lambda line: line.get("event") == "card" and line["arxiv_id"] == SEED_IDS[-1]
        )
        started = time.monotonic()
        code = bot.terminate()
        stop_seconds = time.monotonic() - started
    finally:
        bot.ensure_stopped()
    lines = bot.log_lines()
    logged = [line["arxiv_id"] for line in lines if line.get("event") == "card"]
    assert ready["platforms"] == {}
    assert cards
    assert logged == SEED_IDS
    assert code == 0
    assert stop_seconds < 10
    assert any(line.get("event") == "stopped" for line in lines)
    assert not [line for line in lines if line.get("unparsed")]  # every line is JSON
    assert secret not in bot.log.read_text()
    due = [line["message"] for line in lines if ": next poll " in str(line.get("message"))]
    assert due  # at start (and after each job: tests/bot/runtime/test_scheduler.py)
    assert all(", next report 20" in message for message in due)


async def test_sigterm_during_a_job_waits_for_it_within_the_grace_period(
    arxiv_fake, tmp_path
) -> None:
    async with core(arxiv_fake, tmp_path, register=False) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        slow_pdf = Fault(200, arxiv_fake.pdfs["2511.05275"], PDF_TYPE, delay_s=1.0)
        arxiv_fake.script("/pdf/", slow_pdf)
        runtime = Runtime(
            env.service, [RecordingAdapter(env.platform)], workers=env.workers(), health_port=0
        )
        running = asyncio.create_task(runtime.run())
        await _ready_port(runtime)
        await env.service.enqueue_analysis(ArxivId("2511.05275"), REF, None)
        await env.platform.wait_for(lambda p: "⏳ Downloading PDF…" in _texts(p), 10)
        signal.raise_signal(signal.SIGTERM)
        finals_at_signal = list(env.platform.finals())
        await asyncio.wait_for(running, 30)
    assert finals_at_signal == []
    assert [f.kind for f in env.platform.finals()] == ["analysis"]  # finished, not dropped


def _texts(platform) -> list[str]:
    return [update.text for update in platform.of("update")]


# the jobs and stats commands ------------------------------------------------------


def invoke(config, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_jobs_list_retry_cancel_and_stats(arxiv_fake, tmp_path) -> None:
    config = write_config(tmp_path, arxiv_fake)
    store = Store.open(tmp_path / "radar.db")
    store.test_db.execute("BEGIN")
    for number, user in ((1, "U1"), (2, "U2"), (2, "U1")):
        jobs.enqueue(store.test_db, ArxivId(f"2511.0000{number}"), "auto", "en", REF, store.now())
        usage.count_request(store.test_db, "2026-01-05", user)
    usage.add_tokens(store.test_db, "2026-01-05", "U1", 1500, 200)
    store.test_db.execute("COMMIT")
    question = ArxivId("2511.00003", 1)
    questions.enqueue(store.test_db, question, "auto", "", REF, "Why?", None, "now")
    usage.count_question(store.test_db, "2026-01-05", "U2")
    jobs.claim_next(store.test_db, store.now())
    jobs.finish(
        store.test_db, 1, jobs.FAILED, "The PDF is larger than the 50 MB limit.", store.now()
    )
    store.close()

    listed = invoke(config, "jobs")
    retried = invoke(config, "jobs", "retry", "1")
    not_failed = invoke(config, "jobs", "retry", "2")
    cancelled = invoke(config, "jobs", "cancel", "2")
    missing = [invoke(config, "jobs", action, "99") for action in ("retry", "cancel")]
    stats = invoke(config, "stats")

    assert listed.exit_code == 0, listed.output
    lines = listed.output.splitlines()
    assert lines[1].split()[:5] == ["3", "queued", "2511.00003v1", "question", "-"]
    assert lines[2].split()[:5] == ["2", "queued", "2511.00002", "analysis", "en"]
    assert lines[3].split()[:3] == ["1", "failed", "2511.00001"]
    assert "The PDF is larger than the 50 MB limit." in listed.output
    assert (retried.exit_code, retried.output) == (0, "Job 1 queued again.\n")
    assert not_failed.exit_code == 1
    assert "Job 2 is queued, not failed or cancelled." in not_failed.output
    for result in missing:
        assert result.exit_code == 1
        assert "There is no job 99 (see `arxiv-radar jobs list`)." in result.output
    assert (cancelled.exit_code, cancelled.output) == (0, "Job 2 cancelled.\n")
    assert stats.exit_code == 0, stats.output
    rows = [line.split() for line in stats.output.splitlines()[1:]]
    assert rows == [
        ["2026-01-05", "(all", "users)", "3", "1", "1,500", "200"],
        ["U1", "2", "0", "1,500", "200"],
        ["U2", "1", "1", "0", "0"],
    ]
    store = Store.open(tmp_path / "radar.db")
    states = store.test_db.execute("SELECT id, state, attempts FROM jobs ORDER BY id").fetchall()
    store.close()
    assert states == [(1, "queued", 0), (2, "cancelled", 0), (3, "queued", 0)]


def test_stats_without_usage(arxiv_fake, tmp_path) -> None:
    result = invoke(write_config(tmp_path, arxiv_fake), "stats")
    assert (result.exit_code, result.output) == (0, "No usage recorded yet.\n")


def test_the_docker_image_default_config_is_valid_and_keeps_state_in_data() -> None:
    dockerfile = (Path(__file__).resolve().parents[3] / "Dockerfile").read_text()
    command = dockerfile.split("printf '%s\\n' \\", 1)[1].split("> /config/config.toml", 1)[0]
    lines = shlex.split(command.replace("\\\n", " "))
    config = parse_config("\n".join(lines), source="Dockerfile")
    assert config.storage.path.startswith("/data/")
    assert config.storage.cache_dir.startswith("/data/")
    assert config.report.dir.startswith("/data/")
    assert (config.server.host, config.server.port) == ("0.0.0.0", 8080)
    assert healthz_url(config.server) == "http://127.0.0.1:8080/healthz"
    assert 'CMD ["python", "-m", "bot.runtime.healthcheck"]' in dockerfile
