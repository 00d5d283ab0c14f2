"""The database connection and the one thread every query runs on.

:class:`StoreThread` owns the SQLite connection and a single-worker executor:
one writer, short transactions, never a blocked event loop. The table facades
(:class:`Facade`: :mod:`bot.store.queue`, ``posts``, ``subscriptions`` …) and
:class:`~bot.store.core.Store` build on it.
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
        self._db = db  # private: only bot/store modules and analysis/cache.py reach it
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
        self._db.close()

    async def run(self, fn: Callable[..., T], *args: Any) -> T:
        """Run ``fn(*args)`` on the store's single database thread.

        A lock held past the busy timeout or a full disk raise a retryable
        :class:`~bot.kernel.errors.StoreError` subclass with a clear message.
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

    @property
    def test_db(self) -> Database:
        """The connection itself, for tests only (seeding and inspecting rows, on the test
        thread while no bot runs). The application goes through the facades;
        ``tests/test_layering.py`` forbids this outside ``tests/``."""
        return self._db


class Facade:
    """Base of the async table facades: each call runs one table function on the
    database thread (``fn(db, *args)``)."""

    def __init__(self, store: StoreThread) -> None:
        self._store = store

    async def _call(self, fn: Callable[..., T], *args: Any) -> T:
        return await self._store.run(fn, self._store._db, *args)

    def _now(self) -> str:
        return self._store.now()
