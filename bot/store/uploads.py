"""The ``uploads`` table: daily report uploads owed to chat channels, as intents.

A row per (monitor, day, platform, channel) moves ``pending`` → ``uploading`` (set
just before the platform call) → ``uploaded``; a failed call leaves it ``pending``
with the error, and after :data:`MAX_ATTEMPTS` it is ``failed``. The delivery
itself is :class:`bot.watch.uploads.Uploads`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade

PENDING, UPLOADING, UPLOADED, FAILED = "pending", "uploading", "uploaded", "failed"
OWED = (PENDING, UPLOADING)
MAX_ATTEMPTS = 8


@dataclass(frozen=True)
class Upload:
    monitor: str
    report_date: str
    platform: str
    channel: str
    state: str

    @property
    def title(self) -> str:
        return f"arXiv report {self.report_date} ({self.monitor})"


def claim(db: Database, monitor: str, day: date, targets: list[tuple[str, str]], now: str) -> None:
    """Record that the report of ``monitor`` for ``day`` is owed to each (platform, channel)."""
    with transaction(db):
        for platform, channel in targets:
            db.execute(
                "INSERT OR IGNORE INTO uploads (monitor, report_date, platform, channel, state, "
                "attempts, created) VALUES (?, ?, ?, ?, ?, 0, ?)",
                [monitor, day.isoformat(), platform, channel, PENDING, now],
            )


def owed(db: Database) -> list[tuple[Upload, str]]:
    """Owed uploads whose report has been written, with the report's path."""
    rows = db.execute(
        "SELECT u.monitor, u.report_date, u.platform, u.channel, u.state, r.path "
        "FROM uploads u JOIN reports r "
        "ON r.monitor = u.monitor AND r.report_date = u.report_date "
        "WHERE u.state IN (?, ?) ORDER BY u.created, u.rowid",
        list(OWED),
    ).fetchall()
    return [(Upload(*row[:5]), str(row[5])) for row in rows]


def mark(db: Database, upload: Upload, state: str, now: str | None = None) -> None:
    db.execute(
        "UPDATE uploads SET state = ?, uploaded = coalesce(?, uploaded) "
        "WHERE monitor = ? AND report_date = ? AND platform = ? AND channel = ?",
        [state, now, upload.monitor, upload.report_date, upload.platform, upload.channel],
    )


def failed(db: Database, upload: Upload, error: str) -> int:
    """Count a failed upload; returns the attempts so far (``failed`` at the maximum)."""
    key = [upload.monitor, upload.report_date, upload.platform, upload.channel]
    where = "WHERE monitor = ? AND report_date = ? AND platform = ? AND channel = ?"
    with transaction(db):
        db.execute(
            "UPDATE uploads SET attempts = attempts + 1, error = ?, "
            f"state = CASE WHEN attempts + 1 >= ? THEN ? ELSE ? END {where}",
            [error[:500], MAX_ATTEMPTS, FAILED, PENDING, *key],
        )
        return int(db.execute(f"SELECT attempts FROM uploads {where}", key).fetchone()[0])


class ReportUploads(Facade):
    """Report uploads on the store's database thread (``store.uploads``)."""

    async def claim(self, monitor: str, day: date, targets: list[tuple[str, str]]) -> None:
        """Record that the report of ``monitor`` for ``day`` is owed to each target."""
        await self._call(claim, monitor, day, targets, self._now())

    async def owed(self) -> list[tuple[Upload, str]]:
        """Owed uploads whose report has been written, with the report's path."""
        return await self._call(owed)

    async def mark(self, upload: Upload, state: str, *, done: bool = False) -> None:
        """Move ``upload`` to ``state`` (``done``: record the upload time too)."""
        await self._call(mark, upload, state, self._now() if done else None)

    async def failed(self, upload: Upload, error: str) -> int:
        """Count a failed upload; returns the attempts so far."""
        return await self._call(failed, upload, error)
