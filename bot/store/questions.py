"""Question jobs: a ``jobs`` row of kind ``question``, its one request and its payload.

A question never joins another job (each has its own thread and history). The
``questions`` row holds the question, the newest version of the paper when the
thread is about an older one (the answer says so), and once answered the answer
as JSON, so a reply owed after a restart is delivered without asking again.
Questions asked per user and day are counted in ``usage.questions``.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.ids import ArxivId
from bot.models import ChatRef
from bot.store.sqlite_tx import transaction

ANALYSIS, QUESTION = "analysis", "question"  # jobs.kind
TOTAL = "*"  # the usage row of the whole day


@dataclass(frozen=True)
class Question:
    job_id: int
    text: str
    newer: int | None  # the newest version when the thread is about an older one
    answer: str | None  # the answer as JSON, once answered


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
                "created, updated) VALUES (?, ?, ?, ?, ?, 'queued', 0, ?, ?)",
                [QUESTION, paper.id, paper.version, engine, language, now, now],
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


def asked_today(db: Database, day: str, user: str) -> int:
    row = db.execute(
        "SELECT questions FROM usage WHERE day = ? AND user = ?", [day, user]
    ).fetchone()
    return int(row[0]) if row else 0


def count(db: Database, day: str, user: str | None) -> None:
    """One more accepted question for the day (and for ``user``)."""
    for who in (TOTAL, user) if user else (TOTAL,):
        db.execute(
            "INSERT INTO usage (day, user, analyses, input_tokens, output_tokens, questions) "
            "VALUES (?, ?, 0, 0, 0, 1) ON CONFLICT(day, user) DO UPDATE SET "
            "questions = questions + 1",
            [day, who],
        )
