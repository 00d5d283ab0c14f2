"""One poll cycle: fetch a monitor's feed, select papers, store them atomically.

Each poll is recorded with a feed-health verdict:

- ``ok``: the feed carried papers we had not seen, or the same announcement we
  already took in (nothing new since);
- ``no-announcement``: an empty feed (weekend or arXiv holiday), normal;
- ``stale``: a non-empty feed whose announcement is new to us yet holds only papers
  seen before (still yesterday's batch, or a category lagging the others);
- ``error``: the feed could not be fetched or parsed; nothing stored is touched
  and the next scheduled poll retries.

Only ``ok`` polls count as successful (they drive the catch-up logic).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, replace

from bot.arxiv.client import ArxivClient
from bot.kernel.config import Config, MonitorConfig
from bot.kernel.errors import FetchError
from bot.kernel.matching import MonitorFilter
from bot.kernel.models import FeedResult, Paper
from bot.store import PollRecord, Store, StoredMatch, iso, polls, subscriptions

log = logging.getLogger(__name__)
CHANNEL_MONITOR_PREFIX = "channel:"


@dataclass(frozen=True)
class PollOutcome:
    monitor: str
    verdict: str
    items_seen: int = 0
    new_items: int = 0
    announced: str | None = None
    new_matches: tuple[StoredMatch, ...] = ()
    error: str | None = None


def monitor_filter(monitor: MonitorConfig) -> MonitorFilter:
    return MonitorFilter(
        categories=monitor.categories,
        keywords=monitor.keywords,
        exclude_keywords=monitor.exclude_keywords,
        authors=monitor.authors,
        announce_types=monitor.announce_types,
    )


async def poll_monitor(arxiv: ArxivClient, store: Store, monitor: MonitorConfig) -> PollOutcome:
    """Fetch, filter and store one monitor's feed; never raises for feed problems."""
    return (await poll_monitors(arxiv, store, [monitor]))[0]


async def poll_monitors(
    arxiv: ArxivClient, store: Store, monitors: list[MonitorConfig]
) -> list[PollOutcome]:
    """Poll ``monitors``, fetching each distinct category set only once."""
    fetched: dict[tuple[str, ...], FeedResult | FetchError] = {}
    outcomes = []
    for monitor in monitors:
        started = store.now()
        if monitor.categories not in fetched:
            fetched[monitor.categories] = await _fetch(arxiv, monitor.categories)
        feed = fetched[monitor.categories]
        if isinstance(feed, FetchError):
            outcomes.append(await store.run(_record_error, store, monitor, feed, started))
        else:
            outcomes.append(await store.run(_store_feed, store, monitor, feed, started))
    return outcomes


async def _fetch(arxiv: ArxivClient, categories: tuple[str, ...]) -> FeedResult | FetchError:
    try:
        return await arxiv.fetch_feed(categories)
    except FetchError as exc:
        return exc


def _record_error(
    store: Store, monitor: MonitorConfig, exc: FetchError, started: str
) -> PollOutcome:
    log.warning("poll of %s failed: %s", monitor.name, exc.user_message)
    record_error_verdict(store, monitor.name, exc.user_message, started)
    return PollOutcome(monitor.name, "error", error=exc.user_message)


def record_error_verdict(store: Store, monitor: str, message: str, started: str) -> None:
    """Store a poll of ``monitor`` that failed with ``message`` (verdict ``error``)."""
    record = PollRecord(monitor, started, "error", 0, 0, 0, None, None, None, message)
    store.record_poll(record, (), ())


def _store_feed(
    store: Store, monitor: MonitorConfig, feed: FeedResult, started: str
) -> PollOutcome:
    ids = [paper.arxiv_id for paper in feed.papers]
    unseen = store.unseen_ids(ids)
    announced = _announcement_date(feed)
    verdict = _verdict(store, monitor.name, feed, len(unseen), announced)
    selected = _select(monitor, feed.papers)
    record = PollRecord(
        monitor.name,
        started,
        verdict,
        len(feed.papers),
        len(unseen),
        0,
        iso(feed.info.build_date),
        iso(feed.info.pub_date),
        announced,
        None,
    )
    new_papers = store.record_poll(record, feed.papers, selected)
    new_ids = {paper.arxiv_id for paper in new_papers}
    matches = tuple(
        StoredMatch(paper, keywords, authors, announced or "")
        for paper, keywords, authors in selected
        if paper.arxiv_id in new_ids
    )
    log.info(
        "poll %s: %s, %d items, %d unseen, %d new matches",
        monitor.name,
        verdict,
        len(feed.papers),
        len(unseen),
        len(matches),
    )
    return PollOutcome(monitor.name, verdict, len(feed.papers), len(unseen), announced, matches)


def _select(
    monitor: MonitorConfig, papers: tuple[Paper, ...]
) -> list[tuple[Paper, tuple[str, ...], tuple[str, ...]]]:
    chooser = monitor_filter(monitor)
    chosen = []
    seen: set[str] = set()
    for paper in papers:
        selection = chooser.match(paper)
        if selection is not None and paper.arxiv_id not in seen:
            seen.add(paper.arxiv_id)
            chosen.append((paper, selection.keywords, selection.authors))
    return chosen


def _announcement_date(feed: FeedResult) -> str | None:
    """The announcement day: the channel pubDate, else the newest item pubDate."""
    if feed.info.pub_date is not None:
        return feed.info.pub_date.date().isoformat()
    dates = [p.published.date() for p in feed.papers if p.published is not None]
    return max(dates).isoformat() if dates else None


def _verdict(
    store: Store, monitor: str, feed: FeedResult, unseen: int, announced: str | None
) -> str:
    if not feed.papers:
        return "no-announcement"
    if unseen:
        return "ok"
    return "ok" if polls.announcement_taken(store.db, monitor, announced) else "stale"


def channel_monitors(config: Config, store: Store) -> list[MonitorConfig]:
    """One implicit monitor per chat channel that subscribed to keywords or categories."""
    default_categories = tuple(
        dict.fromkeys(c for monitor in config.monitors for c in monitor.categories)
    )
    base = config.monitors[0]
    return [
        replace(
            base,
            name=f"{CHANNEL_MONITOR_PREFIX}{follows.address}",
            categories=follows.categories or default_categories,
            keywords=follows.keywords,
            exclude_keywords=(),
            authors=(),
            channels=(follows.address,),
            auto_analyze=False,
        )
        for follows in subscriptions.all_channels(store.db)
        if follows.keywords or config.subscriptions.allow_all  # keywordless: every paper
    ]


async def poll_all(arxiv: ArxivClient, store: Store, config: Config) -> list[PollOutcome]:
    """Poll every configured monitor, then every channel's own subscriptions."""
    extra = await store.run(channel_monitors, config, store)
    return await poll_monitors(arxiv, store, [*config.monitors, *extra])


def monitor_channels(config: Config, monitor_name: str) -> list[tuple[str, str]]:
    """The (platform, channel) pairs that receive a monitor's cards."""
    if monitor_name.startswith(CHANNEL_MONITOR_PREFIX):
        platform, channel = monitor_name.removeprefix(CHANNEL_MONITOR_PREFIX).split(":", 1)
        return [(platform, channel)]
    pairs = (address.split(":", 1) for address in config.monitor(monitor_name).channels)
    return [(platform, channel) for platform, channel in pairs]
