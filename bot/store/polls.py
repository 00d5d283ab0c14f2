"""Queries of the ``polls`` table about one announcement of a monitor.

(Recording a poll is part of storing it: :meth:`bot.store.core.Store.save_poll`.)
"""

from __future__ import annotations

from sqlite_utils import Database

from bot.kernel.models import Verdict
from bot.store.thread import Facade


def latest_verdict(db: Database, monitor: str, announced: str) -> str | None:
    """The verdict of the newest poll of ``monitor`` that saw announcement ``announced``."""
    row = db.execute(
        "SELECT verdict FROM polls WHERE monitor = ? AND announced = ? ORDER BY id DESC LIMIT 1",
        [monitor, announced],
    ).fetchone()
    return str(row[0]) if row else None


def announcement_taken(db: Database, monitor: str, announced: str | None) -> bool:
    """Whether a poll of ``monitor`` already took announcement ``announced`` in full."""
    row = db.execute(
        "SELECT 1 FROM polls WHERE monitor = ? AND announced = ? AND verdict = ? LIMIT 1",
        [monitor, announced, Verdict.OK],
    ).fetchone()
    return row is not None


class Polls(Facade):
    """Announcement queries of the ``polls`` table (``store.polls``)."""

    async def latest_verdict(self, monitor: str, announced: str) -> str | None:
        """The verdict of the newest poll of ``monitor`` that saw ``announced``."""
        return await self._call(latest_verdict, monitor, announced)
