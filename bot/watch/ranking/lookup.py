"""Profile papers' titles and abstracts from the arXiv API: batched, paced, cached.

IDs are looked up ``BATCH`` at a time through the shared :class:`ArxivClient` (one
request per ``api_delay_s``); what arXiv returns is cached in the store, and an ID
it does not return is cached as unknown and reported, so it is not asked again.
"""

from __future__ import annotations

import logging
from typing import TYPE_CHECKING

from bot.kernel.config import Config, MonitorConfig
from bot.kernel.errors import FetchError
from bot.kernel.ids import ArxivId
from bot.kernel.models import Paper
from bot.store import Store
from bot.store import interests as table
from bot.watch.ranking.channels import ChannelKey
from bot.watch.ranking.profile import Profile, build_profile, missing_ids, profile_seeds
from bot.watch.ranking.sources import declared_papers

if TYPE_CHECKING:
    from bot.arxiv.client import ArxivClient

log = logging.getLogger(__name__)
BATCH = 50


async def load_profile(
    store: Store,
    config: Config,
    monitor: MonitorConfig,
    channel: ChannelKey | None,
    arxiv: ArxivClient | None = None,
) -> Profile:
    """The profile; with ``arxiv``, papers not looked up yet are looked up first."""
    if arxiv is not None:
        await look_up_missing(store, config, monitor, channel, arxiv)
    return await build_profile(store, config, monitor, channel)


async def look_up_missing(
    store: Store,
    config: Config,
    monitor: MonitorConfig,
    channel: ChannelKey | None,
    arxiv: ArxivClient,
) -> int:
    """Look up the profile's papers that have no text yet; return how many were asked."""
    declared = declared_papers(monitor).papers
    seeds = await profile_seeds(store, config, monitor, channel, declared)
    missing = await missing_ids(store, seeds)
    for start in range(0, len(missing), BATCH):
        batch = missing[start : start + BATCH]
        try:
            papers = await arxiv.lookup([ArxivId(arxiv_id) for arxiv_id in batch])
        except FetchError as exc:
            log.warning("interest papers not looked up now: %s", exc.user_message)
            return start
        await store.interests.cache_papers(_cached(batch, papers, store.now()))
    return len(missing)


def _cached(batch: list[str], papers: list[Paper], now: str) -> list[table.CachedPaper]:
    found = {paper.arxiv_id: paper for paper in papers}
    rows = []
    for arxiv_id in batch:
        paper = found.get(arxiv_id)
        if paper is None:
            rows.append(table.CachedPaper(arxiv_id, "", "", None, table.UNKNOWN, now))
            continue
        published = paper.published.isoformat() if paper.published else None
        rows.append(
            table.CachedPaper(arxiv_id, paper.title, paper.abstract, published, table.FOUND, now)
        )
    return rows
