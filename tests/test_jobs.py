"""The job queue's SQL on a real SQLite file: joining, atomic claims, recovery, CLI actions."""

from __future__ import annotations

import subprocess
import sys
import threading
import time

import pytest

from bot import jobs
from bot.db import open_database
from bot.ids import ArxivId
from bot.models import ChatRef
from bot.store import Store

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
