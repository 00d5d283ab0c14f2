"""Announcing a poll's matches: post the cards it made owed, or log them when embedded.

A channel gets at most ``max_cards_per_poll`` cards per poll, best first; the
other matches are listed in one summary message (:mod:`bot.store.summaries`).
Cards reach channels through :class:`bot.watch.posting.Cards`; a monitor with
``auto_analyze`` queues an analysis under each card it posts. The functions take
any :class:`Desk` (the service is one) and import nothing that imports them back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Protocol

from bot.kernel.config import Config, MonitorConfig
from bot.kernel.errors import ConfigError
from bot.kernel.ids import ArxivId
from bot.kernel.models import CardSummary, ChatRef, Paper
from bot.kernel.platform import ChatPlatform
from bot.store import Store, StoredMatch, summaries
from bot.watch.cards import summary_heading
from bot.watch.poll import CHANNEL_MONITOR_PREFIX, PollOutcome, channel_monitors, monitor_channels
from bot.watch.posting import Cards
from bot.watch.ranking.rank import rank_papers, selections

log = logging.getLogger(__name__)
OWED_WINDOW = timedelta(days=2)  # matches older than this are never posted late


@dataclass(frozen=True)
class Pick:
    """A match chosen for a card, with why: its keywords and the closest interest paper."""

    paper: Paper
    keywords: tuple[str, ...]
    similar_to: str | None = None


class Queued(Protocol):
    @property
    def text(self) -> str: ...


class Desk(Protocol):
    """What announcing needs: the config, the store, the cards, platforms and the queue."""

    config: Config
    store: Store
    cards: Cards

    @property
    def platforms(self) -> Mapping[str, ChatPlatform]: ...

    async def enqueue_analysis(
        self, arxiv_id: ArxivId, ref: ChatRef, language: str | None, *, refresh: bool = False
    ) -> Queued: ...


async def announce(desk: Desk, outcome: PollOutcome) -> int:
    """Post the cards a poll made owed (best first, up to the cap); return how many were posted.

    With no chat platform connected, each new match is logged as one structured
    line instead.
    """
    if not desk.platforms:
        for match in outcome.new_matches:
            log_card(desk, outcome.monitor, match.paper, match.keywords)
        return 0
    return await post_owed(desk, [outcome.monitor])


async def post_owed(desk: Desk, monitors: list[str] | None = None) -> int:
    """Post every card owed on the connected platforms; return how many (posted or found).

    Owed are intents left without a message ID (found on the platform or posted),
    then the recent matches of ``monitors`` (default: every monitor with recent
    matches) that their channels have no card for: the best ``max_cards_per_poll``
    as cards, the rest in one summary. Matches are stored before any card is
    posted and a summary is planned before its channel's cards, so a crash at any
    point leaves cards and summaries owed, never lost and never doubled. A card or
    summary that cannot be posted now stays owed for the next poll or restart.
    """
    posted = await _reconcile_all(desk)
    for connected in list(desk.platforms.values()):
        await post_summaries(desk, connected)  # left by a crash or a failed post
    store = desk.store
    since = (store.clock() - OWED_WINDOW).isoformat()
    names = monitors if monitors is not None else await store.matches.recent_monitors(since)
    for name in names:
        for platform_name, channel in _channels(desk, name):
            platform = desk.platforms.get(platform_name)
            if platform is None:
                log.warning("no %s connection: cards for %s wait", platform_name, channel)
                continue
            owed = await store.matches.unposted(name, platform_name, channel, since)
            posted += await _post_channel(desk, platform, channel, name, owed)
    return posted


def card_cap(config: Config, monitor: str) -> int:
    """The most cards ``monitor`` posts to one channel per poll."""
    configured = {m.name: m for m in config.monitors}.get(monitor)
    if configured is not None and configured.max_cards_per_poll is not None:
        return configured.max_cards_per_poll
    return config.subscriptions.max_cards_per_poll


async def _post_channel(
    desk: Desk,
    platform: ChatPlatform,
    channel: str,
    monitor: str,
    owed: list[StoredMatch],
) -> int:
    """The best of ``owed`` as cards (at most the cap), then one summary of the rest."""
    picks = await ranked(desk, monitor, (platform.name, channel), owed)
    cap = card_cap(desk.config, monitor)
    cards, rest = picks[:cap], picks[cap:]
    if rest:
        ids = [pick.paper.arxiv_id for pick in rest]
        await desk.store.summaries.plan(platform.name, channel, monitor, ids)
    posted = 0
    for pick in cards:
        posted += await _post(desk, platform, channel, pick, monitor)
    await post_summaries(desk, platform, channel)
    return posted


async def ranked(
    desk: Desk, monitor: str, channel: tuple[str, str], owed: list[StoredMatch]
) -> list[Pick]:
    """``owed`` best first for ``channel`` (its interest profile and reactions), with why.

    Interest papers are looked up by the poll job before it announces (never here, so
    an unreachable arXiv cannot hold the cards back). If the ranking fails, the cards
    still go out, in announcement order.
    """
    in_feed_order = [Pick(match.paper, match.keywords) for match in owed]
    config = await _monitor_config(desk.config, desk.store, monitor)
    if config is None or not owed:
        return in_feed_order
    try:
        order = await rank_papers(
            desk.store,
            desk.config,
            monitor=config,
            channel=channel,
            papers=[match.paper for match in owed],
            matches=selections(owed),
        )
    except Exception:
        log.exception("ranking %s for %s:%s failed; cards keep feed order", monitor, *channel)
        return in_feed_order
    keywords = {match.paper.arxiv_id: match.keywords for match in owed}
    return [Pick(r.paper, keywords[r.paper.arxiv_id], r.similar_to) for r in order]


async def _monitor_config(config: Config, store: Store, name: str) -> MonitorConfig | None:
    """The configured monitor ``name``, or a channel's own (built from its subscriptions)."""
    if name.startswith(CHANNEL_MONITOR_PREFIX):
        channels = await store.subscriptions.all_channels()
        return next((m for m in channel_monitors(config, channels) if m.name == name), None)
    return next((m for m in config.monitors if m.name == name), None)


async def _post(desk: Desk, platform: ChatPlatform, channel: str, pick: Pick, monitor: str) -> int:
    arxiv_id = pick.paper.arxiv_id
    try:
        message_id = await desk.cards.ensure(
            platform, channel, pick.paper, pick.keywords, monitor, similar_to=pick.similar_to
        )
    except Exception:
        log.exception("card %s for %s:%s not posted yet", arxiv_id, platform.name, channel)
        return 0
    await _auto_analyze(desk, monitor, platform.name, channel, arxiv_id, message_id)
    return 1


async def post_summaries(desk: Desk, platform: ChatPlatform, channel: str | None = None) -> int:
    """Post the summaries owed on ``platform`` (in ``channel`` if given); return how many.

    Each channel's are read and posted under its posting lock, so two polls posting to
    one channel at once never send the same summary twice.
    """
    store = desk.store
    if channel is None:
        owed = await store.summaries.pending(platform.name)
        done = 0
        for each in dict.fromkeys(summary.channel for summary in owed):
            done += await post_summaries(desk, platform, each)
        return done
    done = 0
    async with desk.cards.lock(platform.name, channel):
        for summary in await store.summaries.pending(platform.name, channel):
            try:
                await _post_summary(desk, platform, summary)
            except Exception:
                log.exception("summary for %s:%s not posted yet", platform.name, channel)
                continue
            done += 1
    return done


async def _post_summary(desk: Desk, platform: ChatPlatform, summary: summaries.Summary) -> None:
    store = desk.store
    found = await store.run(_papers, store, summary.arxiv_ids)
    in_report = any(m.name == summary.monitor for m in desk.config.monitors)
    message = CardSummary(summary_heading(len(found), in_report=in_report), found)
    await store.summaries.start_attempt(summary)
    message_id = await platform.post_summary(
        summary.channel, message, summary.nonce, reconcile=summary.attempts > 0
    )
    await store.summaries.mark_posted(summary, message_id)
    log.info(
        "summary of %d matches posted to %s:%s",
        len(found),
        platform.name,
        summary.channel,
        extra={"event": "summary"},
    )


def _papers(store: Store, arxiv_ids: tuple[str, ...]) -> tuple[Paper, ...]:
    return tuple(paper for arxiv_id in arxiv_ids if (paper := store.paper(arxiv_id)) is not None)


def _channels(desk: Desk, monitor: str) -> list[tuple[str, str]]:
    try:
        return monitor_channels(desk.config, monitor)
    except ConfigError:  # a monitor removed from the config since its matches were stored
        return []


async def _reconcile_all(desk: Desk) -> int:
    """Find or post every card left as an intent on every connected platform; count them."""
    count = 0
    for platform in list(desk.platforms.values()):
        try:
            finished = await desk.cards.reconcile(platform)
        except Exception:
            log.exception("reconciling %s cards failed; will retry", platform.name)
            continue
        for post, message_id in finished:
            await _auto_analyze(
                desk, post.monitor, platform.name, post.channel, post.arxiv_id, message_id
            )
        count += len(finished)
    return count


async def _auto_analyze(
    desk: Desk,
    monitor: str,
    platform: str,
    channel: str,
    arxiv_id: str,
    message_id: str,
) -> None:
    configured = {m.name: m for m in desk.config.monitors}
    if monitor not in configured or not configured[monitor].auto_analyze:
        return
    reply = await desk.enqueue_analysis(
        ArxivId(arxiv_id), ChatRef(platform, channel, thread=message_id), None
    )
    log.info("auto-analysis of %s in %s:%s: %s", arxiv_id, platform, channel, reply.text)


def log_card(desk: Desk, monitor: str, paper: Paper, keywords: tuple[str, ...]) -> None:
    """Embedded mode: one structured log line per card."""
    url = desk.config.arxiv.abs_url.format(id=paper.arxiv_id)
    log.info(
        "card %s: %s",
        paper.arxiv_id,
        paper.title,
        extra={
            "event": "card",
            "monitor": monitor,
            "arxiv_id": paper.arxiv_id,
            "title": paper.title,
            "keywords": list(keywords),
            "authors": list(paper.authors),
            "categories": list(paper.categories),
            "url": url,
        },
    )
