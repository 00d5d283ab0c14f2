"""The ``seen_events`` table: platform events and interactions handled once.

Chat platforms deliver an unacknowledged event again; its ID is recorded the first
time and kept for :data:`KEPT`, long past any platform's retry window.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade

KEPT = timedelta(days=2)


def first_time(db: Database, platform: str, event_id: str, now: datetime) -> bool:
    """Record ``event_id``; True unless it was already recorded (older ones are forgotten)."""
    with transaction(db):
        db.execute("DELETE FROM seen_events WHERE seen < ?", [(now - KEPT).isoformat()])
        cursor = db.execute(
            "INSERT OR IGNORE INTO seen_events (platform, event_id, seen) VALUES (?, ?, ?)",
            [platform, event_id, now.isoformat()],
        )
    return bool(cursor.rowcount)


class Events(Facade):
    """Platform events seen, on the store's database thread (``store.events``)."""

    async def first_time(self, platform: str, event_id: str) -> bool:
        """Record ``event_id``; True unless it was already recorded."""
        return await self._call(first_time, platform, event_id, self._store.clock())
