"""Posting paper cards: intent before the platform call, message ID after, never twice.

:class:`Cards` is the one way a card reaches a channel (new matches, search
results and the card an ``analyze`` command threads under). A post is claimed in
``posts`` before the platform call and marked with its message ID after; an intent
left without an ID (a crash or a failed call in between) is first looked up on the
platform with :meth:`ChatPlatform.find_card` and only re-posted when it is not there.
Every card starts a thread about its paper version (:mod:`bot.store.threads`).
"""

from __future__ import annotations

import asyncio
import logging

from bot.models import Paper
from bot.platform import ChatPlatform
from bot.store import Store, matches, posts, threads
from bot.store.sqlite_tx import transaction

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
                await self.store.run(self._record, name, channel, paper, found)
                return found
        message_id = await platform.post_card(channel, paper, keywords, token)
        await self.store.run(self._record, name, channel, paper, message_id)
        log.info("card %s posted to %s:%s", arxiv_id, name, channel, extra={"event": "posted"})
        return message_id

    def _record(self, platform: str, channel: str, paper: Paper, message_id: str) -> None:
        """The card's message ID, and its thread as one about the paper's version."""
        db, now = self.store.db, self.store.now()
        with transaction(db):
            posts.mark_posted(db, platform, channel, paper.arxiv_id, message_id, now)
            threads.record(db, platform, channel, message_id, paper.arxiv_id, paper.version, now)

    async def post_search_result(self, platform: ChatPlatform, channel: str, paper: Paper) -> str:
        """Post a search result's card (even if the channel has one) and remember it."""
        stamp = self.store.now()
        token = posts.nonce(platform.name, channel, f"{posts.SEARCH}:{paper.arxiv_id}:{stamp}")
        message_id = await platform.post_card(channel, paper, (), token)
        await self.store.run(self._record_search_card, platform.name, channel, paper, message_id)
        return message_id

    def _record_search_card(
        self, platform: str, channel: str, paper: Paper, message_id: str
    ) -> None:
        db, now = self.store.db, self.store.now()
        with transaction(db):
            posts.record_search_card(db, platform, channel, paper.arxiv_id, message_id, now)
            threads.record(db, platform, channel, message_id, paper.arxiv_id, paper.version, now)

    async def reconcile(self, platform: ChatPlatform) -> list[tuple[posts.Post, str]]:
        """Finish every intent left without a message ID; returns (post, message ID) pairs."""
        finished = []
        for post in await self.store.run(posts.pending, self.store.db, platform.name):
            paper = await self.store.run(self.store.paper, post.arxiv_id)
            if paper is None:
                log.error("card intent for unknown paper %s left as is", post.arxiv_id)
                continue
            keywords = await self.store.run(
                matches.keywords, self.store.db, post.monitor, post.arxiv_id
            )
            message_id = await self.ensure(platform, post.channel, paper, keywords, post.monitor)
            finished.append((post, message_id))
        return finished
