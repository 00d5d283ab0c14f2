"""The interest profile of one monitor in one channel (or in all the monitor's channels).

It joins the papers the config declares, the papers the channel added from chat and
the channel's signals. A signal's weight halves every ``half_life_days``; a paper's
signals add up, and a paper whose total is negative (👎) counts against. Papers are
kept most recent first, up to ``max_papers`` of each sign. A paper's text comes from
the BibTeX file, the feeds seen, or the arXiv look-up cache; IDs not looked up yet
are ``pending``, IDs arXiv does not know are ``unknown``.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.kernel.config import Config, MonitorConfig
from bot.store import Store
from bot.store import interests as table
from bot.watch.ranking.channels import ChannelKey, monitor_channel_keys
from bot.watch.ranking.sources import DeclaredPaper, declared_papers

CHAT = "chat"
MAX_WEIGHT = 1.0  # many 👍 on one paper count as one fresh interest
UNKNOWN_RETRY = timedelta(days=1)  # an ID arXiv did not know may be announced since


@dataclass(frozen=True)
class ProfilePaper:
    key: str  # arXiv ID, or "bib:<key>" for a BibTeX entry without one
    title: str
    abstract: str
    weight: float  # (0, 1] for interests; < 0 against
    source: str  # "config", the interests file, "chat", or signal kinds ("thumbsup, star")
    when: str  # ISO date or time, for "most recent first"

    @property
    def text(self) -> str:
        return f"{self.title}\n{self.abstract}"


@dataclass(frozen=True)
class Profile:
    positive: tuple[ProfilePaper, ...] = ()
    negative: tuple[ProfilePaper, ...] = ()
    pending: tuple[str, ...] = ()  # arXiv IDs whose title is not looked up yet
    unknown: tuple[str, ...] = ()  # arXiv IDs arXiv has no paper for
    warnings: tuple[str, ...] = ()  # interests-file problems

    @property
    def empty(self) -> bool:
        return not (self.positive or self.negative)


@dataclass(frozen=True)
class _Seed:
    key: str
    arxiv_id: str | None
    weight: float
    source: str
    when: str
    title: str = ""
    abstract: str = ""


def profile_channels(
    config: Config, monitor: MonitorConfig, channel: ChannelKey | None
) -> list[ChannelKey]:
    return [channel] if channel is not None else monitor_channel_keys(config, monitor)


async def build_profile(
    store: Store, config: Config, monitor: MonitorConfig, channel: ChannelKey | None
) -> Profile:
    """The profile from the config and the store."""
    declared = await asyncio.to_thread(declared_papers, monitor)  # a file parse, off the loop
    seeds = await profile_seeds(store, config, monitor, channel, declared.papers)
    texts = await store.interests.paper_texts(s.arxiv_id for s in seeds if s.arxiv_id)
    return _resolve(seeds, texts, config.interests.max_papers, declared.warnings)


async def profile_seeds(
    store: Store,
    config: Config,
    monitor: MonitorConfig,
    channel: ChannelKey | None,
    declared: Sequence[DeclaredPaper],
) -> list[_Seed]:
    channels = profile_channels(config, monitor, channel)
    seeds = [_Seed(p.key, p.arxiv_id, 1.0, p.source, p.when, p.title, p.abstract) for p in declared]
    seeds += [
        _Seed(row.arxiv_id, row.arxiv_id, 1.0, CHAT, row.added)
        for row in await store.interests.channel_interests(channels)
    ]
    # A channel's signals move only its own ranking; the report (no channel) also
    # counts signals recorded for the monitor in channels it no longer posts to.
    signals = await store.interests.signals(channels, monitor.name if channel is None else None)
    seeds += _signal_seeds(signals, store.clock(), config.interests.half_life_days)
    return _merge(seeds)


async def missing_ids(store: Store, seeds: Sequence[_Seed]) -> list[str]:
    """arXiv IDs among ``seeds`` with no text anywhere: what to look up.

    An ID arXiv did not know is asked again after :data:`UNKNOWN_RETRY`.
    """
    needed = [s.arxiv_id for s in seeds if s.arxiv_id and not s.title]
    retry_before = (store.clock() - UNKNOWN_RETRY).isoformat()
    texts = await store.interests.paper_texts(needed)
    known = set(texts.feeds) | {
        key
        for key, paper in texts.cached.items()
        if paper.state == table.FOUND or paper.fetched >= retry_before
    }
    return [arxiv_id for arxiv_id in dict.fromkeys(needed) if arxiv_id not in known]


def _signal_seeds(
    signals: Sequence[table.SignalRow], now: datetime, half_life_days: float
) -> list[_Seed]:
    seeds = []
    for row in signals:
        age_days = max(0.0, (now - datetime.fromisoformat(row.at)).total_seconds() / 86400)
        weight = row.weight * 0.5 ** (age_days / half_life_days)
        seeds.append(_Seed(row.arxiv_id, row.arxiv_id, weight, row.kind, row.at))
    return seeds


def _merge(seeds: Sequence[_Seed]) -> list[_Seed]:
    """One seed per paper: weights added, sources joined, the latest time, any text."""
    merged: dict[str, _Seed] = {}
    for seed in seeds:
        old = merged.get(seed.key)
        if old is None:
            merged[seed.key] = seed
            continue
        sources = (
            old.source
            if seed.source in old.source.split(", ")
            else (f"{old.source}, {seed.source}")
        )
        merged[seed.key] = _Seed(
            seed.key,
            old.arxiv_id or seed.arxiv_id,
            old.weight + seed.weight,
            sources,
            max(old.when, seed.when),
            old.title or seed.title,
            old.abstract or seed.abstract,
        )
    return list(merged.values())


def _resolve(
    seeds: Sequence[_Seed], texts: table.PaperTexts, max_papers: int, warnings: Sequence[str]
) -> Profile:
    feeds, cached = texts.feeds, texts.cached
    papers, pending, unknown = [], [], []
    for seed in seeds:
        title, abstract = seed.title, seed.abstract
        if not title and seed.arxiv_id in feeds:
            title, abstract = feeds[seed.arxiv_id][:2]
        elif not title and seed.arxiv_id in cached:
            hit = cached[seed.arxiv_id]
            title, abstract = hit.title, hit.abstract
            if hit.state == table.UNKNOWN:
                unknown.append(seed.key)
                continue
        if not title:
            pending.append(seed.key)
            continue
        weight = min(seed.weight, MAX_WEIGHT) if seed.weight > 0 else seed.weight
        papers.append(ProfilePaper(seed.key, title, abstract, weight, seed.source, seed.when))
    recent = sorted(papers, key=lambda p: (p.when, p.key), reverse=True)
    return Profile(
        positive=tuple(p for p in recent if p.weight > 0)[:max_papers],
        negative=tuple(p for p in recent if p.weight < 0)[:max_papers],
        pending=tuple(pending),
        unknown=tuple(unknown),
        warnings=tuple(warnings),
    )
