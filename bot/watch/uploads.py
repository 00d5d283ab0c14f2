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
from pathlib import Path

from bot.kernel.platform import ChatPlatform
from bot.store import Store
from bot.store.uploads import MAX_ATTEMPTS, UPLOADED, UPLOADING, Upload

log = logging.getLogger(__name__)


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
            for upload, path in await store.uploads.owed():
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
        await store.uploads.mark(upload, UPLOADING)
        try:
            await platform.upload_report(upload.channel, path, upload.title)
        except Exception as exc:
            attempts = await store.uploads.failed(upload, f"{type(exc).__name__}: {exc}")
            log.exception(
                "uploading %s to %s:%s failed (attempt %d of %d)",
                path,
                upload.platform,
                upload.channel,
                attempts,
                MAX_ATTEMPTS,
            )
            return 0
        await store.uploads.mark(upload, UPLOADED, done=True)
        log.info("report %s uploaded to %s:%s", path, upload.platform, upload.channel)
        return 1
