"""Announcing a poll's matches: post the cards it made owed, or log them when embedded.

Cards reach channels through :class:`bot.watch.posting.Cards`; a monitor with
``auto_analyze`` queues an analysis under each card it posts. The functions take
any :class:`Desk` (the service is one) and import nothing that imports them back.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from bot.kernel.config import Config
from bot.kernel.errors import ConfigError
from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef, Paper
from bot.kernel.platform import ChatPlatform
from bot.store import Store, matches
from bot.watch.poll import PollOutcome, monitor_channels
from bot.watch.posting import Cards

log = logging.getLogger(__name__)
OWED_WINDOW = timedelta(days=2)  # matches older than this are never posted late


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
    """Post the cards a poll made owed (in feed order); return how many were posted.

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
    matches) that their channels have no card for. Matches are stored before any
    card is posted, so a crash at any point leaves the cards owed, never lost.
    A card that cannot be posted now stays owed for the next poll or restart.
    """
    posted = await _reconcile_all(desk)
    store = desk.store
    since = (store.clock() - OWED_WINDOW).isoformat()
    names = (
        monitors
        if monitors is not None
        else await store.run(matches.recent_monitors, store.db, since)
    )
    for name in names:
        for platform_name, channel in _channels(desk, name):
            platform = desk.platforms.get(platform_name)
            if platform is None:
                log.warning("no %s connection: cards for %s wait", platform_name, channel)
                continue
            owed = await store.run(matches.unposted, store.db, name, platform_name, channel, since)
            for paper, keywords in owed:
                posted += await _post(desk, platform, channel, paper, keywords, name)
    return posted


async def _post(
    desk: Desk,
    platform: ChatPlatform,
    channel: str,
    paper: Paper,
    keywords: tuple[str, ...],
    monitor: str,
) -> int:
    try:
        message_id = await desk.cards.ensure(platform, channel, paper, keywords, monitor)
    except Exception:
        log.exception("card %s for %s:%s not posted yet", paper.arxiv_id, platform.name, channel)
        return 0
    await _auto_analyze(desk, monitor, platform.name, channel, paper.arxiv_id, message_id)
    return 1


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
