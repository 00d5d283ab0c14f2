"""Question jobs: a ``jobs`` row of kind ``question``, its one request and its payload.

A question never joins another job (each has its own thread and history). The
``questions`` row holds the question, the newest version of the paper when the
thread is about an older one (the answer says so), and once answered the answer
as JSON, so a reply owed after a restart is delivered without asking again.
Questions asked per user and day are counted in ``usage.questions``.
Queued through ``store.queue.ask``; read and answered through ``store.questions``.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sqlite_utils import Database

from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import threads, usage
from bot.store.jobs import QUESTION, QUEUED
from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade
from bot.store.usage import UsageRow

# Raises when a question may not be accepted: (the asker's questions today, the day's total).
QuestionAdmission = Callable[[int, UsageRow], None]


@dataclass(frozen=True)
class Question:
    job_id: int
    text: str
    newer: int | None  # the newest version when the thread is about an older one
    answer: str | None  # the answer as JSON, once answered


def request(
    db: Database,
    paper: ArxivId,
    engine: str,
    language: str,
    ref: ChatRef,
    question: str,
    day: str,
    admit: QuestionAdmission,
    now: str,
) -> int:
    """A chat question, in one transaction: ``admit`` (the day's limits), the job queued
    (noting a newer version of the paper) and counted on ``day``; returns the job ID."""
    with transaction(db):
        asked = usage.row(db, day, ref.user).questions if ref.user else 0
        admit(asked, usage.row(db, day, usage.TOTAL))
        newest = threads.newest_version(db, paper.id)
        newer = newest if paper.version and newest and newest > paper.version else None
        job_id = enqueue(db, paper, engine, language, ref, question, newer, now)
        usage.count_question(db, day, ref.user)
    return job_id


def enqueue(
    db: Database,
    paper: ArxivId,
    engine: str,
    language: str,
    ref: ChatRef,
    question: str,
    newer: int | None,
    now: str,
) -> int:
    """Queue a question job with its request and payload; returns the job ID."""
    with transaction(db):
        job_id = int(
            db.execute(
                "INSERT INTO jobs (kind, arxiv_id, version, engine, language, state, attempts, "
                "created, updated) VALUES (?, ?, ?, ?, ?, ?, 0, ?, ?)",
                [QUESTION, paper.id, paper.version, engine, language, QUEUED, now, now],
            ).lastrowid
            or 0
        )
        db.execute(
            "INSERT INTO job_requests (job_id, platform, channel, thread, user, state, created) "
            "VALUES (?, ?, ?, ?, ?, 'pending', ?)",
            [job_id, ref.platform, ref.channel, ref.thread, ref.user, now],
        )
        db.execute(
            "INSERT INTO questions (job_id, question, newer, created) VALUES (?, ?, ?, ?)",
            [job_id, question, newer, now],
        )
    return job_id


def get(db: Database, job_id: int) -> Question | None:
    row = db.execute(
        "SELECT job_id, question, newer, answer FROM questions WHERE job_id = ?", [job_id]
    ).fetchone()
    return Question(int(row[0]), str(row[1]), row[2], row[3]) if row else None


def save_answer(db: Database, job_id: int, answer: str) -> None:
    db.execute("UPDATE questions SET answer = ? WHERE job_id = ?", [answer, job_id])


# per-user counts ------------------------------------------------------------------------


class QuestionJobs(Facade):
    """The payloads of question jobs on the store's database thread (``store.questions``)."""

    async def get(self, job_id: int) -> Question | None:
        return await self._call(get, job_id)

    async def save_answer(self, job_id: int, answer: str) -> None:
        """Keep the answer (JSON) with its job, for a reply owed after a restart."""
        await self._call(save_answer, job_id, answer)
