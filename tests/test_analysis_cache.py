"""The analysis cache and token accounting on a real SQLite store."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from analysis.cache import AnalysisCache, cache_key
from analysis.schema import Analysis, Usage
from bot.config import parse_config
from bot.store import Store
from bot.store.usage import Requester

NOW = datetime(2025, 11, 10, 20, 30, tzinfo=UTC)  # 2025-11-11 in Asia/Shanghai
ANYONE = Requester()  # an analysis from the CLI or the digest


def analysis(version: int = 1, overview: str = "A paper.", usage: Usage | None = None) -> Analysis:
    empty: dict[str, Any] = {
        "motivation": "", "contributions": [], "method": "",
        "experiments": {"metrics": [], "datasets": [], "baselines": [], "setup": []},
        "limitations": {"acknowledged": [], "potential": []}, "future_work": [],
    }  # fmt: skip
    return Analysis(
        overview=overview, **empty, arxiv_id="2004.04906", version=version, title="DPR",
        language="en", engine="llm:m", source="full_text", usage=usage or Usage(input_tokens=5),
    )  # fmt: skip


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "radar.db", clock=lambda: NOW)
    yield opened
    opened.close()


@pytest.fixture
def cache(store: Store) -> AnalysisCache:
    return AnalysisCache(store, parse_config('[report]\ntimezone = "Asia/Shanghai"\n'))


def test_the_key_depends_on_every_field() -> None:
    base = ("2004.04906", 3, "llm:gpt-4o-mini", "zh", "p-1")
    keys = {cache_key(*base)}
    for index, other in enumerate(("2004.04907", 2, "extractive", "en", "p-2")):
        changed = list(base)
        changed[index] = other
        keys.add(cache_key(*changed))  # type: ignore[arg-type]
    assert len(keys) == 6
    assert cache_key(*base) == cache_key(*base)
    assert len(cache_key(*base)) == 64


async def test_put_then_get_round_trips(cache: AnalysisCache, store: Store) -> None:
    key = cache_key("2004.04906", 1, "llm:m", "en", "p-1")
    assert await cache.get(key) is None
    await cache.keep(key, analysis(), "p-1", ANYONE)
    assert await cache.get(key) == analysis()
    row = store.db.execute("SELECT arxiv_id, version, engine, language, prompt_version, source, "
                           "created FROM analyses").fetchone()  # fmt: skip
    assert row == ("2004.04906", 1, "llm:m", "en", "p-1", "full_text", NOW.isoformat())


async def test_put_replaces_an_older_entry(cache: AnalysisCache) -> None:
    key = cache_key("2004.04906", 1, "llm:m", "en", "p-1")
    await cache.keep(key, analysis(overview="old"), "p-1", ANYONE)
    await cache.keep(key, analysis(overview="new"), "p-1", ANYONE)
    cached = await cache.get(key)
    assert cached is not None
    assert cached.overview == "new"


async def test_latest_is_the_newest_cached_version_for_the_engine_and_prompt(
    cache: AnalysisCache,
) -> None:
    for version in (1, 3, 2):
        key = cache_key("2004.04906", version, "llm:m", "en", "p-1")
        await cache.keep(key, analysis(version), "p-1", ANYONE)
    latest = await cache.latest("2004.04906", "llm:m", "en", "p-1")
    assert latest is not None
    assert latest.version == 3
    assert await cache.latest("2004.04906", "llm:m", "en", "p-2") is None
    assert await cache.latest("2004.04906", "extractive", "en", "p-1") is None


async def test_an_unreadable_cached_body_is_a_miss(cache: AnalysisCache, store: Store) -> None:
    key = cache_key("2004.04906", 1, "llm:m", "en", "p-1")
    await cache.keep(key, analysis(), "p-1", ANYONE)
    store.db.execute("UPDATE analyses SET body = '{\"overview\": 1}'")
    assert await cache.get(key) is None


async def test_usage_is_booked_on_the_day_in_the_report_timezone_and_the_requester(
    cache: AnalysisCache, store: Store
) -> None:
    key = cache_key("2004.04906", 1, "llm:m", "en", "p-1")
    await cache.keep(key, analysis(usage=Usage(input_tokens=100, output_tokens=20)), "p-1", ANYONE)
    spent = analysis(usage=Usage(input_tokens=1, output_tokens=2))
    await cache.keep(None, spent, "p-1", Requester("U1", counted=True))
    await cache.keep(None, analysis(usage=Usage()), "p-1", ANYONE)
    rows = store.db.execute("SELECT day, user, analyses, input_tokens, output_tokens FROM usage "
                            "ORDER BY user").fetchall()  # fmt: skip
    assert rows == [("2025-11-11", "*", 2, 101, 22), ("2025-11-11", "U1", 0, 1, 2)]
