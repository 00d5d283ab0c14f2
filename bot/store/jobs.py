"""The persistent analysis queue: jobs, their requesters, and the SQL that moves them.

A job is one analysis of one paper (ID, version, engine, language); every chat
request for it is a ``job_requests`` row. Requests for a paper that is already
queued or running join that job. A job of kind ``question`` answers one question
(its payload and queuing are in :mod:`bot.store.questions`) and is never joined.
Job states: ``queued`` → ``running`` → ``done`` | ``failed`` | ``cancelled`` (a retry
goes back to ``queued`` with a ``not_before``). Request states: ``pending`` →
``delivering`` (set just before the platform call) → ``replied``; ``undeliverable``
after :data:`MAX_DELIVERIES` failed platform calls. Every function here runs on the
store's writer thread (``store.run``) and read-then-write steps use ``BEGIN IMMEDIATE``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlite_utils import Database

from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store.sqlite_tx import transaction


class JobState(StrEnum):
    QUEUED = "queued"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class JobKind(StrEnum):
    ANALYSIS = "analysis"
    QUESTION = "question"  # its payload is in bot.store.questions


class RequestState(StrEnum):
    PENDING = "pending"
    DELIVERING = "delivering"  # set just before the platform call
    REPLIED = "replied"
    UNDELIVERABLE = "undeliverable"


ANALYSIS, QUESTION = JobKind.ANALYSIS, JobKind.QUESTION
QUEUED, RUNNING, DONE = JobState.QUEUED, JobState.RUNNING, JobState.DONE
FAILED, CANCELLED = JobState.FAILED, JobState.CANCELLED
ACTIVE = (QUEUED, RUNNING)
FINAL = (DONE, FAILED, CANCELLED)
PENDING, DELIVERING = RequestState.PENDING, RequestState.DELIVERING
REPLIED, UNDELIVERABLE = RequestState.REPLIED, RequestState.UNDELIVERABLE
OPEN = (PENDING, DELIVERING)
MAX_DELIVERIES = 8


@dataclass(frozen=True)
class Job:
    id: int
    arxiv_id: str
    version: int | None
    engine: str
    language: str
    state: JobState
    attempts: int
    last_error: str | None
    not_before: str | None
    created: str
    updated: str
    kind: JobKind = ANALYSIS

    @property
    def paper_id(self) -> ArxivId:
        return ArxivId(self.arxiv_id, self.version)


@dataclass(frozen=True)
class JobRequest:
    id: int
    job_id: int
    ref: ChatRef
    progress_id: str | None
    state: RequestState


def _job(row: Any) -> Job:
    values = {name: row[name] for name in Job.__dataclass_fields__}
    return Job(**{**values, "state": JobState(values["state"]), "kind": JobKind(values["kind"])})


def _request(row: Any) -> JobRequest:
    ref = ChatRef(row["platform"], row["channel"], row["thread"], row["user"])
    return JobRequest(row["id"], row["job_id"], ref, row["progress_id"], RequestState(row["state"]))


# jobs ---------------------------------------------------------------------------------


def enqueue(
    db: Database, paper: ArxivId, engine: str, language: str, ref: ChatRef, now: str
) -> tuple[int, bool]:
    """Add a request; join an active job for the same analysis. Returns (job id, joined)."""
    with transaction(db):
        found = db.execute(
            "SELECT id FROM jobs WHERE kind = 'analysis' AND arxiv_id = ? AND version IS ? "
            "AND engine = ? AND language = ? AND state IN (?, ?) ORDER BY id LIMIT 1",
            [paper.id, paper.version, engine, language, *ACTIVE],
        ).fetchone()
        if found:
            job_id = int(found[0])
        else:
            job_id = int(
                db.execute(
                    "INSERT INTO jobs (arxiv_id, version, engine, language, state, attempts, "
                    "created, updated) VALUES (?, ?, ?, ?, ?, 0, ?, ?)",
                    [paper.id, paper.version, engine, language, QUEUED, now, now],
                ).lastrowid
                or 0
            )
        db.execute(
            "INSERT INTO job_requests (job_id, platform, channel, thread, user, state, created) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [job_id, ref.platform, ref.channel, ref.thread, ref.user, PENDING, now],
        )
    return job_id, found is not None


def claim_next(db: Database, now: str) -> Job | None:
    """Atomically take the oldest due queued job and mark it running (one more attempt)."""
    with transaction(db):
        row = db.execute(
            "SELECT id FROM jobs WHERE state = ? AND (not_before IS NULL OR not_before <= ?) "
            "ORDER BY id LIMIT 1",
            [QUEUED, now],
        ).fetchone()
        if row is None:
            return None
        db.execute(
            "UPDATE jobs SET state = ?, attempts = attempts + 1, updated = ? "
            "WHERE id = ? AND state = ?",
            [RUNNING, now, row[0], QUEUED],
        )
        return get(db, int(row[0]))


def get(db: Database, job_id: int) -> Job | None:
    rows = list(db.query("SELECT * FROM jobs WHERE id = ?", [job_id]))
    return _job(rows[0]) if rows else None


def state(db: Database, job_id: int) -> JobState | None:
    row = db.execute("SELECT state FROM jobs WHERE id = ?", [job_id]).fetchone()
    return JobState(row[0]) if row else None


def recover(
    db: Database,
    now: str,
    max_attempts: int,
    keep: Sequence[int] = (),
    reason: str | None = None,
) -> tuple[int, int]:
    """Requeue jobs left running (by a crash or a failed worker) except those in ``keep``
    (running right now); fail those out of attempts, with ``reason`` (the worker's last
    error) when known. Returns (requeued, failed).
    """
    message = (
        f"It failed {max_attempts} times, the last time: {reason}"
        if reason
        else f"The bot stopped during this analysis {max_attempts} times, so it was abandoned."
    )
    spared = f"AND id NOT IN ({','.join('?' * len(keep))})" if keep else ""
    with transaction(db):
        failed = db.execute(
            "UPDATE jobs SET state = ?, last_error = ?, updated = ? "
            f"WHERE state = ? AND attempts >= ? {spared}",
            [FAILED, message, now, RUNNING, max_attempts, *keep],
        ).rowcount
        requeued = db.execute(
            f"UPDATE jobs SET state = ?, not_before = NULL, updated = ? WHERE state = ? {spared}",
            [QUEUED, now, RUNNING, *keep],
        ).rowcount
    return requeued, failed


def release(db: Database, job_id: int, now: str) -> None:
    """Put a job interrupted by shutdown back in the queue without using up an attempt."""
    db.execute(
        "UPDATE jobs SET state = ?, attempts = max(attempts - 1, 0), updated = ? "
        "WHERE id = ? AND state = ?",
        [QUEUED, now, job_id, RUNNING],
    )


def retry_later(db: Database, job_id: int, error: str, not_before: str, now: str) -> None:
    db.execute(
        "UPDATE jobs SET state = ?, last_error = ?, not_before = ?, updated = ? "
        "WHERE id = ? AND state = ?",
        [QUEUED, error, not_before, now, job_id, RUNNING],
    )


def finish(db: Database, job_id: int, final_state: JobState, error: str | None, now: str) -> bool:
    """Move a running job to ``done`` or ``failed``; False if it was cancelled meanwhile."""
    cursor = db.execute(
        "UPDATE jobs SET state = ?, last_error = ?, updated = ? WHERE id = ? AND state = ?",
        [final_state, error, now, job_id, RUNNING],
    )
    return bool(cursor.rowcount)


def first_user(db: Database, job_id: int) -> str | None:
    """The user whose request created the job (the one its token spend is billed to)."""
    row = db.execute(
        "SELECT user FROM job_requests WHERE job_id = ? AND user IS NOT NULL ORDER BY id LIMIT 1",
        [job_id],
    ).fetchone()
    return str(row[0]) if row else None


# operator actions (CLI) ---------------------------------------------------------------


def retry(db: Database, job_id: int, now: str) -> bool:
    """Requeue a failed or cancelled job with fresh attempts; its requesters get the result."""
    with transaction(db):
        cursor = db.execute(
            "UPDATE jobs SET state = ?, attempts = 0, not_before = NULL, updated = ? "
            "WHERE id = ? AND state IN (?, ?)",
            [QUEUED, now, job_id, FAILED, CANCELLED],
        )
        if not cursor.rowcount:
            return False
        db.execute(
            "UPDATE job_requests SET state = ?, deliveries = 0, replied = NULL WHERE job_id = ?",
            [PENDING, job_id],
        )
    return True


def cancel(db: Database, job_id: int, now: str) -> bool:
    """Cancel a queued or running job; the running bot tells its requesters."""
    cursor = db.execute(
        "UPDATE jobs SET state = ?, last_error = ?, updated = ? WHERE id = ? AND state IN (?, ?)",
        [CANCELLED, "cancelled by an operator", now, job_id, *ACTIVE],
    )
    return bool(cursor.rowcount)


def recent(db: Database, limit: int) -> list[tuple[Job, int]]:
    """The newest jobs with their number of requests."""
    rows = db.query(
        "SELECT j.*, (SELECT count(*) FROM job_requests r WHERE r.job_id = j.id) AS requests "
        "FROM jobs j ORDER BY j.id DESC LIMIT ?",
        [limit],
    )
    return [(_job(row), int(row["requests"])) for row in rows]


def depth(db: Database) -> dict[str, int]:
    """Jobs per state, and open requests (``requests_open``)."""
    counts: dict[str, int] = {QUEUED: 0, RUNNING: 0}
    for name, count in db.execute("SELECT state, count(*) FROM jobs GROUP BY state").fetchall():
        counts[name] = count
    counts["requests_open"] = db.execute(
        "SELECT count(*) FROM job_requests WHERE state IN (?, ?)", list(OPEN)
    ).fetchone()[0]
    return counts


# requests -----------------------------------------------------------------------------


def open_requests(db: Database, job_id: int) -> list[JobRequest]:
    rows = db.query(
        "SELECT * FROM job_requests WHERE job_id = ? AND state IN (?, ?) ORDER BY id",
        [job_id, *OPEN],
    )
    return [_request(row) for row in rows]


def request_state(db: Database, request_id: int) -> RequestState | None:
    row = db.execute("SELECT state FROM job_requests WHERE id = ?", [request_id]).fetchone()
    return RequestState(row[0]) if row else None


def undelivered(db: Database) -> list[tuple[Job, JobRequest]]:
    """Open requests of finished jobs: replies still owed (after a restart or an outage)."""
    rows = db.query(
        "SELECT r.* FROM job_requests r JOIN jobs j ON j.id = r.job_id "
        "WHERE r.state IN (?, ?) AND j.state IN (?, ?, ?) ORDER BY r.id",
        [*OPEN, *FINAL],
    )
    owed = [_request(row) for row in rows]
    jobs = {job_id: get(db, job_id) for job_id in {r.job_id for r in owed}}
    return [(job, request) for request in owed if (job := jobs[request.job_id]) is not None]


def set_thread(db: Database, request_id: int, thread: str) -> None:
    db.execute("UPDATE job_requests SET thread = ? WHERE id = ?", [thread, request_id])


def set_progress(db: Database, request_id: int, progress_id: str) -> None:
    db.execute("UPDATE job_requests SET progress_id = ? WHERE id = ?", [progress_id, request_id])


def mark_delivering(db: Database, request_id: int) -> None:
    db.execute("UPDATE job_requests SET state = ? WHERE id = ?", [DELIVERING, request_id])


def mark_replied(db: Database, request_id: int, now: str) -> None:
    db.execute(
        "UPDATE job_requests SET state = ?, replied = ? WHERE id = ?",
        [REPLIED, now, request_id],
    )


def delivery_failed(db: Database, request_id: int, error: str) -> int:
    """Count a failed platform call; returns the failures so far (the request is given up,
    ``undeliverable``, at :data:`MAX_DELIVERIES`)."""
    with transaction(db):
        db.execute(
            "UPDATE job_requests SET deliveries = deliveries + 1, delivery_error = ?, "
            "state = CASE WHEN deliveries + 1 >= ? THEN ? ELSE state END WHERE id = ?",
            [error[:500], MAX_DELIVERIES, UNDELIVERABLE, request_id],
        )
        row = db.execute("SELECT deliveries FROM job_requests WHERE id = ?", [request_id])
        return int(row.fetchone()[0])
