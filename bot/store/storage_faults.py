"""Low-level storage failures as clear, retryable errors.

SQLite reports a write lock held past the busy timeout as ``database is locked``
and a full disk as ``database or disk is full``; file writes fail with
``OSError(ENOSPC)``. :func:`storage_error` turns each into a retryable
:class:`~bot.kernel.errors.StoreError` subclass whose ``user_message`` says what happened
and what to do.
"""

from __future__ import annotations

import errno
import sqlite3

from bot.kernel.errors import StorageBusyError, StorageFullError, StoreError

DISK_FULL = (
    "The disk holding the bot's data is full, so it could not store its work. "
    "Free some space on it."
)
BUSY = (
    "The database was locked by another program for longer than the busy timeout "
    "(storage.busy_timeout_s)."
)
_FULL_ERRNOS = frozenset({errno.ENOSPC, errno.EDQUOT})
_BUSY_CODES = frozenset({sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED})


def storage_error(exc: BaseException) -> StoreError | None:
    """The clear error for a storage failure ``exc``; None when it is something else."""
    if isinstance(exc, StoreError):
        return exc
    if isinstance(exc, OSError) and exc.errno in _FULL_ERRNOS:
        return StorageFullError(DISK_FULL)
    if isinstance(exc, sqlite3.OperationalError):
        code = (getattr(exc, "sqlite_errorcode", 0) or 0) & 0xFF
        text = str(exc)
        if code == sqlite3.SQLITE_FULL or "database or disk is full" in text:
            return StorageFullError(DISK_FULL)
        if code in _BUSY_CODES or "database is locked" in text:
            return StorageBusyError(BUSY)
    return None


def is_disk_full(exc: BaseException) -> bool:
    return isinstance(storage_error(exc), StorageFullError)
