"""Posting paper cards: intent before the platform call, message ID after, never twice.

:class:`Cards` is the one way a card reaches a channel (new matches and the card an
``analyze`` command threads under). A post is claimed in ``posts`` before the
platform call and marked with its message ID after; an intent left without an ID
(a crash or a failed call in between) is first looked up on the platform with
:meth:`ChatPlatform.find_card` and only re-posted when it is not there.
"""

from __future__ import annotations

import asyncio
import json
import logging
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import posts
from bot.errors import ConfigError
from bot.ids import ArxivId
from bot.models import ChatRef, Paper
from bot.platform import ChatPlatform
from bot.poll import PollOutcome, monitor_channels
from bot.store import Store, paper_from_row

if TYPE_CHECKING:
    from bot.service import RadarService

log = logging.getLogger(__name__)
REQUEST_MONITOR = "request"  # posts.monitor of a card posted for an analyze command
OWED_WINDOW = timedelta(days=2)  # matches older than this are never posted late


class Cards:
    """Posts cards idempotently; one lock per channel keeps posts in order and single."""

    def __init__(self, store: Store) -> None:
        self.store = store
        self._locks: dict[tuple[str, str], asyncio.Lock] = {}

    async def ensure(
        self,
        platform: ChatPlatform,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        monitor: str,
    ) -> str:
        """The message ID of ``paper``'s card in ``channel``, posting it if needed."""
        key = (platform.name, channel)
        lock = self._locks.setdefault(key, asyncio.Lock())
        async with lock:
            return await self._ensure(platform, channel, paper, keywords, monitor)

    async def _ensure(
        self,
        platform: ChatPlatform,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        monitor: str,
    ) -> str:
        db, name, arxiv_id = self.store.db, platform.name, paper.arxiv_id
        post = await self.store.run(posts.card_in_channel, db, name, channel, arxiv_id)
        if post is not None and post.message_id:
            return post.message_id
        token = posts.nonce(name, channel, arxiv_id)
        if post is None:
            await self.store.run(
                posts.claim, db, name, channel, arxiv_id, monitor, self.store.now()
            )
        else:
            found = await platform.find_card(channel, arxiv_id, token)
            if found:
                log.info("card %s in %s:%s was posted before a restart", arxiv_id, name, channel)
                await self._record(name, channel, arxiv_id, found)
                return found
        message_id = await platform.post_card(channel, paper, keywords, token)
        await self._record(name, channel, arxiv_id, message_id)
        log.info("card %s posted to %s:%s", arxiv_id, name, channel, extra={"event": "posted"})
        return message_id

    async def _record(self, platform: str, channel: str, arxiv_id: str, message_id: str) -> None:
        await self.store.run(
            posts.mark_posted,
            self.store.db,
            platform,
            channel,
            arxiv_id,
            message_id,
            self.store.now(),
        )

    async def post_search_result(self, platform: ChatPlatform, channel: str, paper: Paper) -> str:
        """Post a search result's card (even if the channel has one) and remember it."""
        now = self.store.now()
        token = posts.nonce(platform.name, channel, f"{posts.SEARCH}:{paper.arxiv_id}:{now}")
        message_id = await platform.post_card(channel, paper, (), token)
        await self.store.run(
            posts.record_search_card,
            self.store.db,
            platform.name,
            channel,
            paper.arxiv_id,
            message_id,
            now,
        )
        return message_id

    async def reconcile(self, platform: ChatPlatform) -> list[tuple[posts.Post, str]]:
        """Finish every intent left without a message ID; returns (post, message ID) pairs."""
        finished = []
        for post in await self.store.run(posts.pending, self.store.db, platform.name):
            paper = await self.store.run(self.store.paper, post.arxiv_id)
            if paper is None:
                log.error("card intent for unknown paper %s left as is", post.arxiv_id)
                continue
            keywords = await self.store.run(_matched_keywords, self.store, post)
            message_id = await self.ensure(platform, post.channel, paper, keywords, post.monitor)
            finished.append((post, message_id))
        return finished


def _matched_keywords(store: Store, post: posts.Post) -> tuple[str, ...]:
    row = store.db.execute(
        "SELECT keywords FROM matches WHERE monitor = ? AND arxiv_id = ?",
        [post.monitor, post.arxiv_id],
    ).fetchone()
    return tuple(json.loads(row[0])) if row else ()


async def announce(service: RadarService, outcome: PollOutcome) -> int:
    """Post the cards a poll made owed (in feed order); return how many were posted.

    With no chat platform connected, each new match is logged as one structured
    line instead.
    """
    if not service.platforms:
        for match in outcome.new_matches:
            log_card(service, outcome.monitor, match.paper, match.keywords)
        return 0
    return await post_owed(service, [outcome.monitor])


async def post_owed(service: RadarService, monitors: list[str] | None = None) -> int:
    """Post every card owed on the connected platforms; return how many (posted or found).

    Owed are intents left without a message ID (found on the platform or posted),
    then the recent matches of ``monitors`` (default: every monitor with recent
    matches) that their channels have no card for. Matches are stored before any
    card is posted, so a crash at any point leaves the cards owed, never lost.
    A card that cannot be posted now stays owed for the next poll or restart.
    """
    posted = await _reconcile_all(service)
    store = service.store
    since = (store.clock() - OWED_WINDOW).isoformat()
    names = monitors if monitors is not None else await store.run(_recent_monitors, store, since)
    for name in names:
        for platform_name, channel in _channels(service, name):
            platform = service.platforms.get(platform_name)
            if platform is None:
                log.warning("no %s connection: cards for %s wait", platform_name, channel)
                continue
            owed = await store.run(_unposted, store, name, platform_name, channel, since)
            for paper, keywords in owed:
                posted += await _post(service, platform, channel, paper, keywords, name)
    return posted


async def _post(
    service: RadarService,
    platform: ChatPlatform,
    channel: str,
    paper: Paper,
    keywords: tuple[str, ...],
    monitor: str,
) -> int:
    try:
        message_id = await service.cards.ensure(platform, channel, paper, keywords, monitor)
    except Exception:
        log.exception("card %s for %s:%s not posted yet", paper.arxiv_id, platform.name, channel)
        return 0
    await _auto_analyze(service, monitor, platform.name, channel, paper.arxiv_id, message_id)
    return 1


def _channels(service: RadarService, monitor: str) -> list[tuple[str, str]]:
    try:
        return monitor_channels(service.config, monitor)
    except ConfigError:  # a monitor removed from the config since its matches were stored
        return []


def _recent_monitors(store: Store, since: str) -> list[str]:
    rows = store.db.execute(
        "SELECT DISTINCT monitor FROM matches WHERE first_seen >= ? ORDER BY monitor", [since]
    )
    return [row[0] for row in rows.fetchall()]


def _unposted(
    store: Store, monitor: str, platform: str, channel: str, since: str
) -> list[tuple[Paper, tuple[str, ...]]]:
    """The monitor's recent matches without a card in ``channel``, in feed order."""
    rows = store.db.query(
        "SELECT m.keywords AS matched, p.* FROM matches m "
        "JOIN papers p ON p.arxiv_id = m.arxiv_id "
        "WHERE m.monitor = ? AND m.first_seen >= ? AND NOT EXISTS (SELECT 1 FROM posts s "
        "WHERE s.platform = ? AND s.channel = ? AND s.arxiv_id = m.arxiv_id) "
        "ORDER BY m.first_seen, m.position",
        [monitor, since, platform, channel],
    )
    return [(paper_from_row(row), tuple(json.loads(row["matched"]))) for row in rows]


async def _reconcile_all(service: RadarService) -> int:
    """Find or post every card left as an intent on every connected platform; count them."""
    count = 0
    for platform in list(service.platforms.values()):
        try:
            finished = await service.cards.reconcile(platform)
        except Exception:
            log.exception("reconciling %s cards failed; will retry", platform.name)
            continue
        for post, message_id in finished:
            await _auto_analyze(
                service, post.monitor, platform.name, post.channel, post.arxiv_id, message_id
            )
        count += len(finished)
    return count


async def _auto_analyze(
    service: RadarService,
    monitor: str,
    platform: str,
    channel: str,
    arxiv_id: str,
    message_id: str,
) -> None:
    configured = {m.name: m for m in service.config.monitors}
    if monitor not in configured or not configured[monitor].auto_analyze:
        return
    reply = await service.enqueue_analysis(
        ArxivId(arxiv_id), ChatRef(platform, channel, thread=message_id), None
    )
    log.info("auto-analysis of %s in %s:%s: %s", arxiv_id, platform, channel, reply.text)


def log_card(service: RadarService, monitor: str, paper: Paper, keywords: tuple[str, ...]) -> None:
    """Embedded mode: one structured log line per card."""
    url = service.config.arxiv.abs_url.format(id=paper.arxiv_id)
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
