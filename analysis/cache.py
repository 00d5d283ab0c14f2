"""The analysis cache (table ``analyses``) and token accounting (table ``usage``).

An analysis is keyed by paper, version, engine (with the model), language and
prompt version, so changing any of them analyses afresh. Only finished,
verified analyses are stored. Token usage goes through :mod:`bot.store.usage`, the
one place that keeps the day's totals and enforces ``llm.daily_token_budget``.
"""

from __future__ import annotations

from sqlite_utils import Database

from analysis.cache_lookup import parse_analysis
from analysis.schema import Analysis, Usage
from bot.kernel.config import Config
from bot.store import Store
from bot.store import usage as usage_table
from bot.store.sqlite_tx import transaction


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

    async def put(self, key: str, analysis: Analysis, prompt_version: str) -> None:
        row = {
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
        await self.store.run(_put, self.store.db, row)

    async def record_usage(self, usage: Usage, user: str | None = None) -> None:
        """Count one analysis made outside chat (CLI, digest) and its tokens on today's
        total (and on ``user``'s row, if given), so ``stats`` shows it."""
        day = usage_table.usage_day(self.config, self.store.clock())
        await self.store.run(
            _add_tokens, self.store.db, day, user, usage.input_tokens, usage.output_tokens
        )

    async def check_token_budget(self) -> None:
        """Raise :class:`~bot.kernel.errors.BudgetExceededError` once today's budget is spent."""
        day = usage_table.usage_day(self.config, self.store.clock())
        await self.store.run(usage_table.check_token_budget, self.store.db, self.config, day)


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


def _put(db: Database, row: dict[str, object]) -> None:
    with transaction(db):
        db.table("analyses").upsert(row, pk="cache_key")


def _add_tokens(
    db: Database, day: str, user: str | None, input_tokens: int, output_tokens: int
) -> None:
    with transaction(db):
        usage_table.count_request(db, day, user)
        usage_table.add_tokens(db, day, user, input_tokens, output_tokens)
