"""The analysis cache (table ``analyses``) and token accounting (table ``usage``).

An analysis is keyed by paper, version, engine (with the model), language and
prompt version, so changing any of them analyses afresh. Only finished,
verified analyses are stored, together with their tokens booked in the ``usage``
table (:mod:`bot.store.usage`; :mod:`bot.store.usage` enforces ``llm.daily_token_budget``).
"""

from __future__ import annotations

from sqlite_utils import Database

from analysis.cache_lookup import parse_analysis
from analysis.schema import Analysis
from bot.kernel.config import Config
from bot.store import Store
from bot.store import usage as usage_table
from bot.store.sqlite_tx import transaction
from bot.store.usage import Requester, check_token_budget, usage_day


class AnalysisCache:
    """Async access to cached analyses and usage, on the store's database thread."""

    def __init__(self, store: Store, config: Config) -> None:
        self.store = store
        self.config = config

    async def get(self, key: str) -> Analysis | None:
        return await self.store.run(_get, self.store._db, key)

    async def latest(
        self, arxiv_id: str, engine: str, language: str, prompt_version: str
    ) -> Analysis | None:
        """The cached analysis of the newest cached version of ``arxiv_id``, if any."""
        return await self.store.run(
            _latest, self.store._db, arxiv_id, engine, language, prompt_version
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
            _keep, self.store._db, row, day, requester, spent.input_tokens, spent.output_tokens
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
        """Raise :class:`~bot.kernel.errors.BudgetExceededError` once today's budget is spent."""
        day = usage_day(self.config, self.store.clock())
        total = await self.store.run(usage_table.row, self.store._db, day, usage_table.TOTAL)
        check_token_budget(self.config, total)


def _get(db: Database, key: str) -> Analysis | None:
    row = db.execute("SELECT body FROM analyses WHERE cache_key = ?", [key]).fetchone()
    return parse_analysis(key, row[0]) if row else None


def _latest(
    db: Database, arxiv_id: str, engine: str, language: str, prompt_version: str
) -> Analysis | None:
    row = db.execute(
        "SELECT cache_key, body FROM analyses WHERE arxiv_id = ? AND engine = ? AND language = ? "
        "AND prompt_version = ? ORDER BY version DESC LIMIT 1",
        [arxiv_id, engine, language, prompt_version],
    ).fetchone()
    return parse_analysis(row[0], row[1]) if row else None


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
