"""Daily report uploads as intents, like cards: recorded first, uploaded after, never lost.

The report job records one ``uploads`` row per (monitor, day, platform, channel)
*before* it writes the report, so a crash anywhere between writing and uploading
leaves the upload owed; :meth:`Uploads.deliver` uploads owed rows whose report
has been written (at start, and after each report job). A row moves ``pending`` →
``uploading`` (set just before the platform call) → ``uploaded``; a failed call
leaves it ``pending`` with the error, and after :data:`MAX_ATTEMPTS` it is
``failed``. As with replies, a process killed after the platform accepted the file
and before ``uploaded`` was written uploads it again at the next start (logged).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlite_utils import Database

from bot.kernel.platform import ChatPlatform
from bot.store import Store
from bot.store.sqlite_tx import transaction

log = logging.getLogger(__name__)
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


class Uploads:
    """Delivers owed report uploads; one at a time, so none is sent twice."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._lock = asyncio.Lock()

    async def deliver(self, platforms: Mapping[str, ChatPlatform]) -> int:
        """Upload every owed report to its connected platform; returns how many."""
        store = self.store
        done = 0
        async with self._lock:
            for upload, path in await store.run(owed, store.db):
                platform = platforms.get(upload.platform)
                if platform is None:
                    log.warning("no %s connection: report upload waits", upload.platform)
                    continue
                done += await self._upload(platform, upload, Path(path))
        return done

    async def _upload(self, platform: ChatPlatform, upload: Upload, path: Path) -> int:
        store = self.store
        if upload.state == UPLOADING:
            log.warning("report %s may have been uploaded before a restart: again", path)
        await store.run(mark, store.db, upload, UPLOADING)
        try:
            await platform.upload_report(upload.channel, path, upload.title)
        except Exception as exc:
            attempts = await store.run(failed, store.db, upload, f"{type(exc).__name__}: {exc}")
            log.exception(
                "uploading %s to %s:%s failed (attempt %d of %d)",
                path,
                upload.platform,
                upload.channel,
                attempts,
                MAX_ATTEMPTS,
            )
            return 0
        await store.run(mark, store.db, upload, UPLOADED, store.now())
        log.info("report %s uploaded to %s:%s", path, upload.platform, upload.channel)
        return 1
