"""What the health endpoint shows, kept in memory and refreshed in the background.

:class:`HealthState` reads the database on its own connection and thread every
``refresh_s`` seconds (WAL lets it read while another program holds the write
lock), so ``/readyz`` and ``/metrics`` answer at once from memory and never wait
behind the store's writer. A failed read is kept as the database's error.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from bot.kernel.supervise import Supervisor, error_text

log = logging.getLogger(__name__)
READ_TIMEOUT_S = 2.0

Reader = Callable[[Database], dict[str, Any]]


class HealthState:
    """The latest database snapshot for health, with when it was taken or why it failed."""

    def __init__(self, path: str | Path, read: Reader, *, refresh_s: float = 1.0) -> None:
        self.uri = Path(path).absolute().as_uri() + "?mode=rw"  # never creates the file
        self.read = read
        self.refresh_s = refresh_s
        self.snapshot: dict[str, Any] | None = None
        self.error: str | None = "not read yet"
        self.checked: float | None = None  # monotonic time of the last good read
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="health-reader")
        self._task: asyncio.Task[None] | None = None

    def start(self, supervisor: Supervisor) -> None:
        self._task = supervisor.spawn("health-refresh", self._refresh_forever)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            await asyncio.gather(self._task, return_exceptions=True)
        self._executor.shutdown(wait=False, cancel_futures=True)

    async def refresh(self) -> None:
        """Read the database once; on failure keep the old snapshot and the error."""
        loop = asyncio.get_running_loop()
        try:
            self.snapshot = await loop.run_in_executor(self._executor, self._read_once)
        except (sqlite3.Error, OSError) as exc:
            if self.error is None:
                log.warning("health cannot read the database: %s", error_text(exc))
            self.error = error_text(exc)
            return
        self.error, self.checked = None, time.monotonic()

    def age_s(self) -> float | None:
        return None if self.checked is None else time.monotonic() - self.checked

    async def _refresh_forever(self) -> None:
        while True:
            await self.refresh()
            await asyncio.sleep(self.refresh_s)

    def _read_once(self) -> dict[str, Any]:
        conn = sqlite3.connect(self.uri, uri=True, timeout=READ_TIMEOUT_S)
        try:
            conn.execute("PRAGMA query_only = ON")
            return self.read(Database(conn))
        finally:
            conn.close()
