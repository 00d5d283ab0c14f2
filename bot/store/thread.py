"""The database connection and the one thread every query runs on.

:class:`StoreThread` owns the SQLite connection and a single-worker executor:
one writer, short transactions, never a blocked event loop. The table facades
(:mod:`bot.store.queue` …) and :class:`~bot.store.core.Store` build on it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self, TypeVar

from sqlite_utils import Database

from bot.store.db import BUSY_TIMEOUT_S, open_database
from bot.store.storage_faults import storage_error

T = TypeVar("T")


def utc_now() -> datetime:
    return datetime.now(UTC)


class StoreThread:
    """The connection, the clock and :meth:`run`, which runs a query on the database thread."""

    def __init__(self, db: Database, clock: Callable[[], datetime] = utc_now) -> None:
        self.db = db
        self.clock = clock
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer")

    @classmethod
    def open(
        cls,
        path: str | Path,
        clock: Callable[[], datetime] = utc_now,
        *,
        busy_timeout_s: float = BUSY_TIMEOUT_S,
    ) -> Self:
        return cls(open_database(path, busy_timeout_s), clock)

    def close(self) -> None:
        self._executor.shutdown(wait=True)
        self.db.close()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the store's single database thread.

        A lock held past the busy timeout or a full disk raise a retryable
        :class:`~bot.errors.StoreError` subclass with a clear message.
        """
        loop = asyncio.get_running_loop()
        try:
            return await loop.run_in_executor(self._executor, fn, *args)
        except (sqlite3.OperationalError, OSError) as exc:
            known = storage_error(exc)
            if known is None or known is exc:
                raise
            raise known from exc

    def now(self) -> str:
        return self.clock().isoformat()
