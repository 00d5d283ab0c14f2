"""Queries of the ``answers`` table: answers to questions about papers, by cache key."""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade


def get_answer(db: Database, key: str) -> str | None:
    """The stored answer body (JSON) under ``key``, if any."""
    row = db.execute("SELECT body FROM answers WHERE cache_key = ?", [key]).fetchone()
    return str(row[0]) if row else None


def put_answer(db: Database, row: dict[str, Any]) -> None:
    with transaction(db):
        db.table("answers").upsert(row, pk="cache_key")


class Answers(Facade):
    """Cached answers on the store's database thread (``store.answers``)."""

    async def get(self, key: str) -> str | None:
        """The stored answer body (JSON) under ``key``, if any."""
        return await self._call(get_answer, key)

    async def put(self, row: dict[str, Any]) -> None:
        await self._call(put_answer, row)
