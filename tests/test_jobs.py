"""The job queue's SQL on a real SQLite file: joining, atomic claims, recovery, CLI actions."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import threading
import time

import pytest

from bot.ids import ArxivId
from bot.models import ChatRef
from bot.store import Store, jobs
from bot.store.db import open_database
from tests.core_env import core, serve_papers
from tests.fakes.llm import LlmFake
from tests.fakes.server import Fault
from tests.slack_harness import atom_api

NOW = "2026-01-05T06:00:00+00:00"
LATER = "2026-01-05T07:00:00+00:00"
REF = ChatRef("slack", "C1", None, "U1")


@pytest.fixture
def db(tmp_path):
    database = open_database(tmp_path / "radar.db")
    yield database
    database.close()


def add(db, arxiv_id="2511.05275", version=None, engine="extractive", language="en", ref=REF):
    return jobs.enqueue(db, ArxivId(arxiv_id, version), engine, language, ref, NOW)


def test_requests_for_the_same_analysis_join_one_job(db) -> None:
    first, joined_first = add(db)
    second, joined_second = add(db, ref=ChatRef("discord", "9", "77", "U2"))
    other_language, _ = add(db, language="zh")
    other_version, _ = add(db, version=2)
    assert (joined_first, joined_second) == (False, True)
    assert second == first
    assert len({first, other_language, other_version}) == 3
    requests = jobs.open_requests(db, first)
    assert [r.ref for r in requests] == [REF, ChatRef("discord", "9", "77", "U2")]
    assert all(r.state == jobs.PENDING for r in requests)


def test_a_finished_job_is_not_joined(db) -> None:
    job_id, _ = add(db)
    jobs.claim_next(db, NOW)
    assert jobs.finish(db, job_id, jobs.DONE, None, NOW)
    again, joined = add(db)
    assert not joined
    assert again != job_id


def test_claim_takes_due_jobs_in_order_and_counts_attempts(db) -> None:
    first, _ = add(db, "2511.00001")
    second, _ = add(db, "2511.00002")
    claimed = jobs.claim_next(db, NOW)
    assert claimed is not None
    assert (claimed.id, claimed.state, claimed.attempts) == (first, jobs.RUNNING, 1)
    jobs.retry_later(db, first, "arXiv timed out", LATER, NOW)
    next_job = jobs.claim_next(db, NOW)
    assert next_job is not None
    assert next_job.id == second
    assert jobs.claim_next(db, NOW) is None  # the retry is not due yet
    retried = jobs.claim_next(db, LATER)
    assert retried is not None
    assert (retried.id, retried.attempts, retried.last_error) == (first, 2, "arXiv timed out")


def test_concurrent_claims_from_many_connections_never_share_a_job(tmp_path) -> None:
    path = tmp_path / "radar.db"
    setup = open_database(path)
    for number in range(60):
        add(setup, f"2511.{number:05d}")
    setup.close()
    claimed: list[int] = []
    lock = threading.Lock()

    def worker() -> None:
        store = Store.open(path)
        while (job := jobs.claim_next(store.db, NOW)) is not None:
            with lock:
                claimed.append(job.id)
        store.db.close()

    threads = [threading.Thread(target=worker) for _ in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert sorted(claimed) == list(range(1, 61))


def test_recover_requeues_running_jobs_and_abandons_exhausted_ones(db) -> None:
    fresh, _ = add(db, "2511.00001")
    worn, _ = add(db, "2511.00002")
    jobs.claim_next(db, NOW)
    for _ in range(3):
        jobs.claim_next(db, NOW)
        jobs.retry_later(db, worn, "boom", NOW, NOW)
    jobs.claim_next(db, NOW)  # the worn job's 4th attempt, left running by a "crash"
    assert jobs.recover(db, LATER, max_attempts=3) == (1, 1)
    assert jobs.state(db, fresh) == jobs.QUEUED
    abandoned = jobs.get(db, worn)
    assert abandoned is not None
    assert abandoned.state == jobs.FAILED
    assert "stopped during this analysis 3 times" in (abandoned.last_error or "")


def test_a_worker_restart_requeues_orphans_but_spares_running_jobs(db) -> None:
    """After a worker failed on storage: its job is requeued, another worker's is not."""
    running, _ = add(db, "2511.00001")
    orphan, _ = add(db, "2511.00002")
    worn, _ = add(db, "2511.00003")
    for _ in range(3):
        jobs.claim_next(db, NOW)
    db.execute("UPDATE jobs SET attempts = 3 WHERE id = ?", [worn])
    full = "The disk holding the bot's data is full, so it could not store its work."
    assert jobs.recover(db, LATER, 3, keep=[running], reason=full) == (1, 1)
    assert jobs.state(db, running) == jobs.RUNNING
    assert jobs.state(db, orphan) == jobs.QUEUED
    abandoned = jobs.get(db, worn)
    assert abandoned is not None
    assert abandoned.last_error == f"It failed 3 times, the last time: {full}"


def test_release_gives_back_the_attempt(db) -> None:
    job_id, _ = add(db)
    jobs.claim_next(db, NOW)
    jobs.release(db, job_id, NOW)
    job = jobs.get(db, job_id)
    assert job is not None
    assert (job.state, job.attempts) == (jobs.QUEUED, 0)


def test_cancelled_job_cannot_be_finished_and_its_replies_are_owed(db) -> None:
    job_id, _ = add(db)
    jobs.claim_next(db, NOW)
    assert jobs.cancel(db, job_id, NOW)
    assert not jobs.finish(db, job_id, jobs.DONE, None, NOW)
    owed = jobs.undelivered(db)
    assert [(job.state, request.ref) for job, request in owed] == [(jobs.CANCELLED, REF)]
    assert not jobs.cancel(db, job_id, NOW)


def test_retry_requeues_a_failed_job_and_reopens_its_requests(db) -> None:
    job_id, _ = add(db)
    jobs.claim_next(db, NOW)
    jobs.finish(db, job_id, jobs.FAILED, "PDF unreadable", NOW)
    (request,) = jobs.open_requests(db, job_id)
    jobs.mark_replied(db, request.id, NOW)
    assert jobs.open_requests(db, job_id) == []
    assert jobs.retry(db, job_id, LATER)
    job = jobs.get(db, job_id)
    assert job is not None
    assert (job.state, job.attempts) == (jobs.QUEUED, 0)
    assert [r.id for r in jobs.open_requests(db, job_id)] == [request.id]
    assert not jobs.retry(db, job_id, LATER)  # queued jobs are not "retried"


def test_delivery_failures_give_up_at_the_cap(db) -> None:
    job_id, _ = add(db)
    (request,) = jobs.open_requests(db, job_id)
    counts = [jobs.delivery_failed(db, request.id, "channel_not_found") for _ in range(8)]
    assert counts == list(range(1, 9))
    assert jobs.request_state(db, request.id) == jobs.UNDELIVERABLE
    assert jobs.open_requests(db, job_id) == []


def test_depth_counts_jobs_and_open_requests(db) -> None:
    add(db, "2511.00001")
    add(db, "2511.00001", ref=ChatRef("slack", "C2", None, "U3"))
    add(db, "2511.00002")
    jobs.claim_next(db, NOW)
    assert jobs.depth(db) == {jobs.QUEUED: 1, jobs.RUNNING: 1, "requests_open": 3}


_HOLD_LOCK = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN IMMEDIATE")
conn.execute("INSERT INTO seen_events (platform, event_id, seen) VALUES ('x', 'y', 'z')")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


async def test_enqueue_waits_for_another_process_holding_the_write_lock(tmp_path) -> None:
    path = tmp_path / "radar.db"
    store = Store.open(path)
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(path), "2"], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert holder.stdout.readline().strip() == "locked"
        started = time.monotonic()
        job_id, joined = await store.run(
            jobs.enqueue, store.db, ArxivId("2511.05275"), "extractive", "en", REF, NOW
        )
        waited = time.monotonic() - started
    finally:
        holder.wait(10)
        store.close()
    assert holder.returncode == 0
    assert (job_id, joined) == (1, False)
    assert waited > 1.0  # it waited for the other writer instead of failing


# workers on the real pipeline ----------------------------------------------------------

THREAD = ChatRef("slack", "C1", "card-1", "U1")


def finals_for(platform, channel: str, thread: str | None = None):
    return [f for f in platform.finals() if f.channel == channel and f.thread == thread]


async def test_joined_requests_share_one_analysis_and_each_get_one_reply(
    arxiv_fake, tmp_path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        refs = [ChatRef("slack", f"C{n}", f"t{n}", f"U{n}") for n in range(5)]
        for ref in refs:
            await env.service.enqueue_analysis(ArxivId("2511.05275"), ref, None)
        workers = env.workers()
        await workers.start()
        await env.platform.wait_for(lambda p: len(p.finals()) == 5, 30)
        await workers.stop(5)
        states = env.store.db.execute("SELECT DISTINCT state FROM job_requests").fetchall()
    downloads = arxiv_fake.matching(lambda r: r.path.startswith("/pdf/"))
    assert len(downloads) == 1
    assert sorted((f.channel, f.thread, f.kind) for f in env.platform.finals()) == [
        (ref.channel, ref.thread, "analysis") for ref in refs
    ]
    assert states == [(jobs.REPLIED,)]
    assert len(env.platform.of("progress")) == 5


async def test_unknown_paper_fails_once_with_how_to_retry(arxiv_fake, tmp_path) -> None:
    arxiv_fake.api["2511.99999"] = atom_api([])
    async with core(arxiv_fake, tmp_path) as env:
        workers = env.workers()
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.99999"), REF, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        job = jobs.get(env.store.db, 1)
    (failure,) = env.platform.finals()
    assert failure.kind == "failure"
    assert failure.thread is None  # no card for a paper that does not exist
    assert failure.text == (
        "Could not analyse 2511.99999: arXiv has no paper 2511.99999. "
        "Try again with `/arxiv analyze 2511.99999`."
    )
    assert env.platform.of("card") == []
    assert job is not None
    assert (job.state, job.attempts) == (jobs.FAILED, 1)


async def test_retryable_failure_retries_with_backoff_then_succeeds(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        arxiv_fake.script("/pdf/", *[Fault(503) for _ in range(5)])  # one attempt's tries
        workers = env.workers()
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        job = jobs.get(env.store.db, 1)
    updates = [u.text for u in env.platform.of("update")]
    assert any(
        text.startswith("⏳ Attempt 1 of 3 failed: The PDF of 2511.05275") for text in updates
    )
    assert env.platform.finals()[0].kind == "analysis"
    assert job is not None
    assert (job.state, job.attempts) == (jobs.DONE, 2)


async def test_exhausted_retries_end_in_one_failure_message(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, "[analysis]\nmax_attempts = 2\n") as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        arxiv_fake.script("/pdf/", *[Fault(503) for _ in range(10)])
        workers = env.workers()
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
    (failure,) = env.platform.finals()
    assert failure.kind == "failure"
    assert failure.text.startswith("Could not analyse 2511.05275: The PDF of 2511.05275")
    assert failure.text.endswith("Try again with `/arxiv analyze 2511.05275`.")


async def test_a_disconnected_platform_gets_its_reply_once_it_registers(
    arxiv_fake, tmp_path
) -> None:
    async with core(arxiv_fake, tmp_path, register=False) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        workers = env.workers()
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await _until(lambda: jobs.state(env.store.db, 1) == jobs.DONE)
        owed = [request.state for _, request in jobs.undelivered(env.store.db)]
        env.service.register(env.platform)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 10)
        await workers.stop(5)
    assert owed == [jobs.PENDING]
    assert env.platform.finals()[0].thread == "card-1"


async def test_a_failed_delivery_is_retried_and_lands_once(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        env.platform.fail("deliver_analysis", times=2)
        workers = env.workers()
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        row = env.store.db.execute("SELECT state, deliveries, delivery_error FROM job_requests")
        state, deliveries, error = row.fetchone()
    assert env.platform.calls.count("deliver_analysis") == 3
    assert (state, deliveries) == (jobs.REPLIED, 2)
    assert error == "PlatformDown: slack deliver_analysis failed"


async def test_a_reply_interrupted_by_a_crash_is_delivered_again(arxiv_fake, tmp_path) -> None:
    """The documented at-least-once window: `delivering` at start means "maybe sent"."""
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        first = env.workers()
        await first.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await first.stop(5)
        jobs.mark_delivering(env.store.db, 1)  # as if the process died before `replied`
        second = env.workers()
        await second.start()
        await env.platform.wait_for(lambda p: len(p.finals()) == 2, 10)
        await second.stop(5)
        state = jobs.request_state(env.store.db, 1)
    assert state == jobs.REPLIED
    assert [f.kind for f in env.platform.finals()] == ["analysis", "analysis"]


async def test_cancelling_queued_and_running_jobs_tells_the_requesters(
    arxiv_fake, tmp_path
) -> None:
    async with core(arxiv_fake, tmp_path, "[analysis]\nconcurrency = 1\n") as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275", "2511.05276"])
        arxiv_fake.script("/pdf/", Fault(200, b"", delay_s=1.0))  # the running one hangs a while
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await env.service.enqueue_analysis(ArxivId("2511.05276"), THREAD, None)
        workers = env.workers(idle_poll_s=0.05)
        await workers.start()
        await env.platform.wait_for(
            lambda p: any(u.text == "⏳ Downloading PDF…" for u in p.of("update")), 10
        )
        assert jobs.cancel(env.store.db, 1, env.store.now())
        assert jobs.cancel(env.store.db, 2, env.store.now())
        await env.platform.wait_for(lambda p: len(p.finals()) == 2, 10)
        await workers.stop(5)
    texts = sorted(f.text for f in env.platform.finals())
    assert texts == [
        f"The analysis of {arxiv_id} was cancelled by an operator. "
        f"Ask again with `/arxiv analyze {arxiv_id}`."
        for arxiv_id in ("2511.05275", "2511.05276")
    ]


async def test_shutdown_requeues_a_job_that_outlives_the_grace_period(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        arxiv_fake.script("/pdf/", Fault(503, delay_s=3.0))
        first = env.workers()
        await first.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await env.platform.wait_for(
            lambda p: any(u.text == "⏳ Downloading PDF…" for u in p.of("update")), 10
        )
        started = time.monotonic()
        await first.stop(0.2)
        stopped_in = time.monotonic() - started
        parked = jobs.get(env.store.db, 1)
        second = env.workers()
        await second.start()
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await second.stop(5)
    assert stopped_in < 2.0
    assert parked is not None
    assert (parked.state, parked.attempts) == (jobs.QUEUED, 0)
    assert env.platform.finals()[0].kind == "analysis"
    assert len(env.platform.of("progress")) == 1  # the restarted job reuses its message


async def test_a_job_left_running_by_a_crash_is_resumed(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        jobs.claim_next(env.store.db, env.store.now())  # claimed, then the process "died"
        workers = env.workers()
        await workers.start()
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        job = jobs.get(env.store.db, 1)
    assert job is not None
    assert (job.state, job.attempts) == (jobs.DONE, 2)


async def _until(condition, timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met in time"
        await asyncio.sleep(0.02)


async def test_a_reply_waits_while_its_platform_is_disconnected(arxiv_fake, tmp_path) -> None:
    up = {"slack": False}
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        workers = env.workers(connected=lambda name: up[name])
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), THREAD, None)
        await _until(lambda: jobs.state(env.store.db, 1) == jobs.DONE)
        await workers.deliver_owed()
        waiting = env.store.db.execute("SELECT state, deliveries FROM job_requests").fetchall()
        up["slack"] = True
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 10)
        await workers.stop(5)
    assert waiting == [(jobs.PENDING, 0)]  # not a failed delivery: nothing was tried
    assert env.platform.of("progress") == []  # no progress while disconnected either


LLM_ANSWER = {
    "overview": "The paper studies retrieval with little training data.",
    "motivation": "Small data sets are common.",
    "contributions": [{"title": "A study", "detail": "Of small data.", "refs": []}],
    "method": "Careful evaluation.",
    "experiments": {"metrics": [], "datasets": [], "baselines": [], "setup": []},
    "limitations": {"acknowledged": [], "potential": []},
    "future_work": [],
}


async def test_a_chat_analysis_books_its_tokens_once_on_its_first_requester(
    arxiv_fake, tmp_path, monkeypatch
) -> None:
    llm = LlmFake(LLM_ANSWER)
    llm.start()
    monkeypatch.setenv("ARXIV_RADAR_TEST_JOBS_KEY", "sk-test-jobs")
    extra = f'[llm]\nbase_url = "{llm.url}/v1"\napi_key_env = "ARXIV_RADAR_TEST_JOBS_KEY"\n'
    try:
        async with core(arxiv_fake, tmp_path, extra) as env:
            serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
            workers = env.workers()
            await workers.start()
            first, second = ChatRef("slack", "C1", "t1", "U1"), ChatRef("slack", "C2", "t2", "U2")
            await env.service.enqueue_analysis(ArxivId("2511.05275"), first, None)
            await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
            await env.service.enqueue_analysis(ArxivId("2511.05275"), second, None)  # cached
            await env.platform.wait_for(lambda p: len(p.finals()) == 2, 30)
            await workers.stop(5)
            rows = env.store.db.execute(
                "SELECT user, analyses, input_tokens + output_tokens FROM usage ORDER BY user"
            ).fetchall()
            spent = await env.analyzer.cached(ArxivId("2511.05275"))
    finally:
        llm.stop()
    assert len(llm.bodies()) == 1
    assert spent is not None
    tokens = spent.usage.input_tokens + spent.usage.output_tokens
    assert tokens > 0
    assert rows == [("*", 2, tokens), ("U1", 1, tokens), ("U2", 1, 0)]
