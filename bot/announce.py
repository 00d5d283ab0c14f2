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
from typing import TYPE_CHECKING

from bot import posts
from bot.ids import ArxivId
from bot.models import ChatRef, Paper
from bot.platform import ChatPlatform
from bot.poll import PollOutcome, monitor_channels
from bot.store import Store

if TYPE_CHECKING:
    from bot.service import RadarService

log = logging.getLogger(__name__)
REQUEST_MONITOR = "request"  # posts.monitor of a card posted for an analyze command


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
    """Post a poll's new matches to the monitor's channels, in feed order; return cards posted.

    Owed cards (intents of earlier failures) go first. A card that cannot be posted
    now stays an intent and is retried by the next announce or restart. With no chat
    platform connected, each match is logged as one structured line instead.
    """
    if not outcome.new_matches:
        return 0
    if not service.platforms:
        for match in outcome.new_matches:
            log_card(service, outcome.monitor, match.paper, match.keywords)
        return 0
    await reconcile_all(service)
    posted = 0
    for platform_name, channel in monitor_channels(service.config, outcome.monitor):
        platform = service.platforms.get(platform_name)
        if platform is None:
            log.warning("no %s connection: cards for %s are not posted", platform_name, channel)
            continue
        for match in outcome.new_matches:
            paper = match.paper
            try:
                message_id = await service.cards.ensure(
                    platform, channel, paper, match.keywords, outcome.monitor
                )
            except Exception:
                log.exception(
                    "card %s for %s:%s not posted yet", paper.arxiv_id, platform_name, channel
                )
                continue
            posted += 1
            await _auto_analyze(
                service, outcome.monitor, platform_name, channel, paper.arxiv_id, message_id
            )
    return posted


async def reconcile_all(service: RadarService) -> None:
    """Post (or find) every card owed on every connected platform."""
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
