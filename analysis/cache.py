"""The analysis cache (table ``analyses``) and token accounting (table ``usage``).

An analysis is keyed by paper, version, engine (with the model), language and
prompt version, so changing any of them analyses afresh. Only finished,
verified analyses are stored, together with their tokens booked in the ``usage``
table (:mod:`bot.store.usage`; :mod:`bot.usage` enforces ``llm.daily_token_budget``).
"""

from __future__ import annotations

import hashlib
import json
import logging

from pydantic import ValidationError
from sqlite_utils import Database

from analysis.schema import Analysis
from bot.config import Config
from bot.store import Store
from bot.store import usage as usage_table
from bot.store.sqlite_tx import transaction
from bot.store.usage import Requester
from bot.usage import check_token_budget, usage_day

log = logging.getLogger(__name__)


def cache_key(arxiv_id: str, version: int, engine: str, language: str, prompt_version: str) -> str:
    """sha256 of the fields that determine an analysis."""
    fields = json.dumps([arxiv_id, version, engine, language, prompt_version])
    return hashlib.sha256(fields.encode()).hexdigest()


class AnalysisCache:
    """Async access to cached analyses and usage, on the store's database thread."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    async def get(self, key: str) -> Analysis | None:
        return await self.store.run(_get, self.store.db, key)

    async def latest(
        self, arxiv_id: str, engine: str, language: str, prompt_version: str
    ) -> Analysis | None:
        """The cached analysis of the newest cached version of ``arxiv_id``, if any."""
        return await self.store.run(
            _latest, self.store.db, arxiv_id, engine, language, prompt_version
        )

    async def keep(
        self,
        key: str | None,
        analysis: Analysis,
        prompt_version: str,
        requester: Requester,
    ) -> None:
        """Book a fresh analysis's tokens on ``requester`` and, unless ``key`` is None
        (a result that may not recur), cache it: both in one transaction."""
        day = usage_day(self.config, self.store.clock())
        row = None if key is None else self._row(key, analysis, prompt_version)
        spent = analysis.usage
        await self.store.run(
            _keep, self.store.db, row, day, requester, spent.input_tokens, spent.output_tokens
        )

    def _row(self, key: str, analysis: Analysis, prompt_version: str) -> dict[str, object]:
        return {
            "cache_key": key,
            "arxiv_id": analysis.arxiv_id,
            "version": analysis.version,
            "engine": analysis.engine,
            "language": analysis.language,
            "prompt_version": prompt_version,
            "source": analysis.source,
            "body": analysis.model_dump_json(),
            "created": self.store.now(),
        }

    async def check_token_budget(self) -> None:
        """Raise :class:`~bot.errors.BudgetExceededError` once today's budget is spent."""
        day = usage_day(self.config, self.store.clock())
        await self.store.run(check_token_budget, self.store.db, self.config, day)


def _parse(key: str, body: str) -> Analysis | None:
    try:
        return Analysis.model_validate_json(body)
    except ValidationError:
        log.warning("ignoring unreadable cached analysis %s", key)
        return None


def _get(db: Database, key: str) -> Analysis | None:
    row = db.execute("SELECT body FROM analyses WHERE cache_key = ?", [key]).fetchone()
    return _parse(key, row[0]) if row else None


def _latest(
    db: Database, arxiv_id: str, engine: str, language: str, prompt_version: str
) -> Analysis | None:
    row = db.execute(
        "SELECT cache_key, body FROM analyses WHERE arxiv_id = ? AND engine = ? AND language = ? "
        "AND prompt_version = ? ORDER BY version DESC LIMIT 1",
        [arxiv_id, engine, language, prompt_version],
    ).fetchone()
    return _parse(row[0], row[1]) if row else None


def _keep(
    db: Database,
    row: dict[str, object] | None,
    day: str,
    requester: Requester,
    input_tokens: int,
    output_tokens: int,
) -> None:
    with transaction(db):
        if row is not None:
            db.table("analyses").upsert(row, pk="cache_key")
        usage_table.book(db, day, requester, input_tokens, output_tokens)
