"""Opening the SQLite database and running short write transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from bot.kernel.errors import StorageFullError, StoreError
from bot.store.migrations import apply_migrations
from bot.store.storage_faults import DISK_FULL, storage_error

BUSY_TIMEOUT_S = 15.0


def open_database(path: str | Path, busy_timeout_s: float = BUSY_TIMEOUT_S) -> Database:
    """Open (creating if needed) and migrate the database at ``path``.

    WAL mode, ``synchronous=NORMAL`` and a busy timeout, so another process holding
    the write lock makes us wait instead of failing. A file that is not a usable
    SQLite database raises :class:`StoreError` with a clear message; a full disk or
    a lock held past the busy timeout raise their retryable subclasses.
    """
    target = Path(path)
    try:
        target.parent.mkdir(parents=True, exist_ok=True)
        conn = sqlite3.connect(
            target, timeout=busy_timeout_s, check_same_thread=False, isolation_level=None
        )
        db = Database(conn)
        _configure(db, busy_timeout_s)
        apply_migrations(db)
    except OSError as exc:
        if storage_error(exc) is None:
            raise
        raise StorageFullError(f"Cannot create {target.parent}: {DISK_FULL}") from exc
    except sqlite3.DatabaseError as exc:
        known = storage_error(exc)
        if known is not None:
            raise type(known)(f"Cannot open the database {target}: {known.user_message}") from exc
        raise StoreError(
            f"The database {target} is unreadable or corrupt ({exc}). "
            "Restore it from a backup or move it away to start afresh."
        ) from exc
    return db


def _configure(db: Database, busy_timeout_s: float) -> None:
    db.execute(f"PRAGMA busy_timeout={int(busy_timeout_s * 1000)}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    result = db.execute("PRAGMA quick_check").fetchone()
    if result is None or result[0] != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {result[0] if result else '?'}")
