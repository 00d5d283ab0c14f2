"""The ``job_requests`` read behind repeat requests: is this paper's analysis already
in (or coming to) that thread?

A request names a thread: the card's thread for a reaction or button, or the
paper's card in the channel for an ``analyze`` command (the worker threads its
reply there). When a job for the same paper version, engine and language already
answered that thread, or is about to, a new request would only post the same
analysis again; :func:`find` says so, and the service answers with a notice
(:mod:`bot.chat.repeats`) instead of a job.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import jobs, posts

POSTED, COMING = "posted", "coming"


@dataclass(frozen=True)
class Repeat:
    """An earlier request for the same analysis in the same thread."""

    status: str  # POSTED (the analysis is in the thread) or COMING (a job will post it)
    thread: str | None  # the thread's message ID, None while the card is not posted yet
    version: int | None  # the paper version the earlier job analysed, when known


def find(db: Database, ref: ChatRef, paper: ArxivId, engine: str, language: str) -> Repeat | None:
    """The earlier request for ``paper`` that answers (or will answer) ``ref``'s thread."""
    card = posts.card_in_channel(db, ref.platform, ref.channel, paper.id)
    card_thread = card.message_id if card else None
    target = ref.thread or card_thread
    rows = db.execute(
        "SELECT r.thread, r.state, j.state, j.version FROM job_requests r "
        "JOIN jobs j ON j.id = r.job_id WHERE j.kind = 'analysis' AND r.platform = ? "
        "AND r.channel = ? "
        "AND j.arxiv_id = ? AND j.engine = ? AND j.language = ? "
        "AND (j.state IN (?, ?) OR (j.state = ? AND r.state != ?)) ORDER BY r.id DESC",
        [
            ref.platform,
            ref.channel,
            paper.id,
            engine,
            language,
            *jobs.ACTIVE,
            jobs.DONE,
            jobs.UNDELIVERABLE,
        ],
    ).fetchall()
    wanted = _wanted_version(db, paper)
    for thread, request_state, job_state, version in rows:
        if (thread or card_thread) != target or not _same_version(db, paper.id, version, wanted):
            continue
        done = job_state == jobs.DONE and request_state == jobs.REPLIED
        known = version if version is not None else wanted or _analyzed(db, paper.id, language)
        return Repeat(POSTED if done else COMING, thread or card_thread, known)
    return None


def _wanted_version(db: Database, paper: ArxivId) -> int | None:
    """The version asked for, else the newest one the radar has seen."""
    if paper.version is not None:
        return paper.version
    row = db.execute("SELECT version FROM papers WHERE arxiv_id = ?", [paper.id]).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _analyzed(db: Database, arxiv_id: str, language: str) -> int | None:
    """The newest version of ``arxiv_id`` with a cached analysis in ``language``."""
    row = db.execute(
        "SELECT max(version) FROM analyses WHERE arxiv_id = ? AND language = ?",
        [arxiv_id, language],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


def _same_version(db: Database, arxiv_id: str, done: int | None, wanted: int | None) -> bool:
    """Whether a job for version ``done`` (None: the newest then) analysed ``wanted``."""
    if wanted is None or done == wanted:
        return True
    if done is not None:
        return False
    row = db.execute("SELECT max(version) FROM analyses WHERE arxiv_id = ?", [arxiv_id]).fetchone()
    return row is None or row[0] is None or int(row[0]) >= wanted


def forget_cached(db: Database, arxiv_id: str, engine_label: str, language: str) -> None:
    """Drop cached analyses of ``arxiv_id`` so an explicit refresh analyses afresh."""
    db.execute(
        "DELETE FROM analyses WHERE arxiv_id = ? AND engine = ? AND language = ?",
        [arxiv_id, engine_label, language],
    )
