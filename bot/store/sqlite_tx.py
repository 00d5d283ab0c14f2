"""Short write transactions on a sqlite-utils database."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlite_utils import Database


@contextmanager
def transaction(db: Database) -> Iterator[Database]:
    """A write transaction taken with ``BEGIN IMMEDIATE``; nested calls use a savepoint.

    ``IMMEDIATE`` takes the write lock up front, so a read-then-write inside cannot
    fail half-way with "database is locked"; the busy timeout makes it wait instead.
    """
    if db.conn.in_transaction:
        with db.atomic():
            yield db
        return
    db.execute("BEGIN IMMEDIATE")
    try:
        yield db
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")
