"""The SQLite store of papers, matches, polls and reports.

All access from asyncio code goes through :meth:`Store.run` (see
:mod:`bot.store.thread`) or a table facade such as :attr:`Store.queue`.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlite_utils import Database

from bot.kernel.models import Paper, Verdict
from bot.store.answers import Answers
from bot.store.events import Events
from bot.store.interests import Interests
from bot.store.matches import Matches, StoredMatch
from bot.store.papers import UPSERT_PAPER, announced_date, paper_from_row, paper_row
from bot.store.passages import Passages
from bot.store.polls import Polls, announcement_taken
from bot.store.posts import Posts
from bot.store.questions import QuestionJobs
from bot.store.queue import Queue
from bot.store.sqlite_tx import transaction
from bot.store.subscriptions import Subscriptions
from bot.store.summaries import Summaries
from bot.store.thread import StoreThread, utc_now
from bot.store.threads import Threads
from bot.store.uploads import ReportUploads
from bot.store.usage import UsageBook


def iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


@dataclass(frozen=True)
class PollRecord:
    monitor: str
    started: str
    verdict: str  # a Verdict
    items_seen: int
    new_items: int
    matched: int
    build_date: str | None
    pub_date: str | None
    announced: str | None
    error: str | None


class Store(StoreThread):
    """Typed access to the database; see :mod:`bot.store.migrations` for the schema.

    The async table facades hang off it: :attr:`queue` (:mod:`bot.store.queue`),
    :attr:`posts`, :attr:`matches`, :attr:`subscriptions`, :attr:`events`, :attr:`polls`,
    :attr:`usage`, :attr:`uploads`, :attr:`summaries`, :attr:`interests`, :attr:`passages`,
    :attr:`answers`. The methods below are synchronous steps on the database thread: call
    them through :meth:`run` (``await store.run(store.paper, id)``) or from a function that
    already runs there.
    """

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        super().__init__(db, clock)
        self.queue = Queue(self)
        self.questions = QuestionJobs(self)  # question jobs' payloads (queued by queue.ask)
        self.threads = Threads(self)  # which paper a chat thread is about; its turns
        self.posts = Posts(self)
        self.matches = Matches(self)
        self.subscriptions = Subscriptions(self)
        self.events = Events(self)
        self.polls = Polls(self)
        self.usage = UsageBook(self)
        self.uploads = ReportUploads(self)
        self.summaries = Summaries(self)
        self.interests = Interests(self)
        self.passages = Passages(self)
        self.answers = Answers(self)

    # papers and matches ------------------------------------------------------

    def unseen_ids(self, arxiv_ids: Iterable[str]) -> set[str]:
        """The IDs among ``arxiv_ids`` that are not in the papers table yet."""
        wanted = list(dict.fromkeys(arxiv_ids))
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        rows = self._db.execute(f"SELECT arxiv_id FROM papers WHERE arxiv_id IN ({marks})", wanted)
        return set(wanted) - {row[0] for row in rows.fetchall()}

    def matched_ids(self, monitor: str, arxiv_ids: Iterable[str]) -> set[str]:
        """The IDs among ``arxiv_ids`` already reported for ``monitor``."""
        wanted = list(dict.fromkeys(arxiv_ids))
        if not wanted:
            return set()
        marks = ",".join("?" * len(wanted))
        rows = self._db.execute(
            f"SELECT arxiv_id FROM matches WHERE monitor = ? AND arxiv_id IN ({marks})",
            [monitor, *wanted],
        )
        return {row[0] for row in rows.fetchall()}

    def save_papers(self, papers: Iterable[Paper]) -> None:
        """Insert or refresh paper metadata (first_seen is kept)."""
        now = self.now()
        with transaction(self._db):
            for paper in papers:
                self._db.execute(UPSERT_PAPER, {**paper_row(paper), "now": now})

    def record_poll(
        self,
        poll: PollRecord,
        papers: Iterable[Paper],
        matches: Iterable[tuple[Paper, tuple[str, ...], tuple[str, ...]]],
    ) -> list[Paper]:
        """Store one poll atomically: papers, new matches and the poll row.

        Returns the papers newly matched for the monitor (already-reported ones are
        left alone, whatever their announce type).
        """
        now = self.now()
        new: list[Paper] = []
        with transaction(self._db):
            for paper in papers:
                self._db.execute(UPSERT_PAPER, {**paper_row(paper), "now": now})
            for position, (paper, keywords, authors) in enumerate(matches):
                cursor = self._db.execute(
                    _INSERT_MATCH,
                    [
                        poll.monitor,
                        paper.arxiv_id,
                        json.dumps(keywords),
                        json.dumps(authors),
                        paper.announce_type,
                        announced_date(paper) or poll.announced or "",
                        position,
                        now,
                    ],
                )
                if cursor.rowcount:
                    new.append(paper)
            self._db.table("polls").insert({**poll.__dict__, "finished": now, "matched": len(new)})
        return new

    def matches_announced(self, monitor: str, announced: str) -> list[StoredMatch]:
        """The monitor's matches from one announcement, in feed order."""
        rows = self._db.query(
            "SELECT p.*, m.keywords AS match_keywords, m.authors AS match_authors, "
            "m.announced AS match_announced, m.announce_type AS match_type "
            "FROM matches m "
            "JOIN papers p ON p.arxiv_id = m.arxiv_id "
            "WHERE m.monitor = ? AND m.announced = ? ORDER BY m.first_seen, m.position",
            [monitor, announced],
        )
        return [
            StoredMatch(
                paper_from_row(row),
                tuple(json.loads(row["match_keywords"])),
                tuple(json.loads(row["match_authors"])),
                row["match_announced"],
                row["match_type"] or "",
            )
            for row in rows
        ]

    def paper(self, arxiv_id: str) -> Paper | None:
        rows = list(self._db.query("SELECT * FROM papers WHERE arxiv_id = ?", [arxiv_id]))
        return paper_from_row(rows[0]) if rows else None

    # polls --------------------------------------------------------------------

    def latest_announcement(self, monitor: str, on_or_before: date) -> str | None:
        """The most recent announcement date (feed pubDate) seen for ``monitor`` up to a day."""
        row = self._db.execute(
            "SELECT max(announced) FROM polls WHERE monitor = ? AND announced IS NOT NULL "
            "AND announced <= ? AND verdict IN (?, ?)",
            [monitor, on_or_before.isoformat(), Verdict.OK, Verdict.STALE],
        ).fetchone()
        return row[0] if row and row[0] else None

    def announcement_taken(self, monitor: str, announced: str | None) -> bool:
        """Whether a poll of ``monitor`` already took announcement ``announced`` in full."""
        return announcement_taken(self._db, monitor, announced)

    def recent_polls(self, monitor: str | None = None, limit: int = 5) -> list[PollRecord]:
        where, params = ("WHERE monitor = ?", [monitor]) if monitor else ("", [])
        rows = self._db.query(
            f"SELECT * FROM polls {where} ORDER BY id DESC LIMIT ?", [*params, limit]
        )
        fields = PollRecord.__dataclass_fields__
        return [PollRecord(**{k: row[k] for k in fields}) for row in rows]

    def first_poll(self, monitor: str) -> str | None:
        """When ``monitor`` was first polled (its deployment began), if ever."""
        row = self._db.execute(
            "SELECT min(started) FROM polls WHERE monitor = ?", [monitor]
        ).fetchone()
        return row[0] if row else None

    def last_successful_poll(self, monitor: str) -> str | None:
        row = self._db.execute(
            "SELECT max(started) FROM polls WHERE monitor = ? AND verdict = ?",
            [monitor, Verdict.OK],
        ).fetchone()
        return row[0] if row else None

    # reports ------------------------------------------------------------------

    def record_report(
        self, monitor: str, report_date: date, announced: str | None, path: str, papers: int
    ) -> None:
        self._db.table("reports").upsert(
            {
                "monitor": monitor,
                "report_date": report_date.isoformat(),
                "announced": announced,
                "path": path,
                "papers": papers,
                "created": self.now(),
            },
            pk=("monitor", "report_date"),
        )

    def latest_report(self, monitor: str | None = None) -> dict[str, Any] | None:
        where, params = ("WHERE monitor = ?", [monitor]) if monitor else ("", [])
        rows = list(
            self._db.query(
                f"SELECT * FROM reports {where} ORDER BY report_date DESC LIMIT 1", params
            )
        )
        return rows[0] if rows else None


_INSERT_MATCH = """
INSERT OR IGNORE INTO matches
    (monitor, arxiv_id, keywords, authors, announce_type, announced, position, first_seen)
VALUES (?, ?, ?, ?, ?, ?, ?, ?)
"""
