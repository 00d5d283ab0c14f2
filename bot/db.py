"""Opening the SQLite database and running short write transactions."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from sqlite_utils import Database

from bot.errors import StoreError
from bot.migrations import apply_migrations

BUSY_TIMEOUT_MS = 15000


def open_database(path: str | Path) -> Database:
    """Open (creating if needed) and migrate the database at ``path``.

    WAL mode, ``synchronous=NORMAL`` and a busy timeout, so another process holding
    the write lock makes us wait instead of failing. A file that is not a usable
    SQLite database raises :class:`StoreError` with a clear message.
    """
    target = Path(path)
    target.parent.mkdir(parents=True, exist_ok=True)
    try:
        conn = sqlite3.connect(
            target, timeout=BUSY_TIMEOUT_MS / 1000, check_same_thread=False, isolation_level=None
        )
        db = Database(conn)
        _configure(db)
        apply_migrations(db)
    except sqlite3.DatabaseError as exc:
        raise StoreError(
            f"The database {target} is unreadable or corrupt ({exc}). "
            "Restore it from a backup or move it away to start afresh."
        ) from exc
    return db


def _configure(db: Database) -> None:
    db.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    db.execute("PRAGMA journal_mode=WAL")
    db.execute("PRAGMA synchronous=NORMAL")
    db.execute("PRAGMA foreign_keys=ON")
    result = db.execute("PRAGMA quick_check").fetchone()
    if result is None or result[0] != "ok":
        raise sqlite3.DatabaseError(f"integrity check failed: {result[0] if result else '?'}")
