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

from bot.kernel.models import Paper
from bot.kernel.platform import ChatPlatform
from bot.store import Store, posts

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
        *,
        similar_to: str | None = None,
    ) -> str:
        """The message ID of ``paper``'s card in ``channel``, posting it if needed.

        ``similar_to`` (the closest interest paper's title) is shown on a new card.
        """
        async with self.lock(platform.name, channel):
            return await self._ensure(platform, channel, paper, keywords, monitor, similar_to)

    def lock(self, platform: str, channel: str) -> asyncio.Lock:
        """The lock that keeps one channel's posts (cards and summaries) in order and single."""
        return self._locks.setdefault((platform, channel), asyncio.Lock())

    async def _ensure(
        self,
        platform: ChatPlatform,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        monitor: str,
        similar_to: str | None,
    ) -> str:
        name, arxiv_id = platform.name, paper.arxiv_id
        post = await self.store.posts.card_in_channel(name, channel, arxiv_id)
        if post is not None and post.message_id:
            return post.message_id
        token = posts.nonce(name, channel, arxiv_id)
        if post is None:
            await self.store.posts.claim(name, channel, arxiv_id, monitor, similar_to)
        elif post.state == posts.SUMMARISED:  # listed in a summary; now it gets its card
            await self.store.posts.claim_summarised(name, channel, arxiv_id)
        else:  # an intent: an earlier try may have posted it
            similar_to = similar_to or post.similar_to
            found = await platform.find_card(channel, arxiv_id, token)
            if found:
                log.info("card %s in %s:%s was posted before a restart", arxiv_id, name, channel)
                await self._record(name, channel, paper, found)
                return found
        message_id = await platform.post_card(channel, paper, keywords, token, similar_to)
        await self._record(name, channel, paper, message_id)
        log.info("card %s posted to %s:%s", arxiv_id, name, channel, extra={"event": "posted"})
        return message_id

    async def _record(self, platform: str, channel: str, paper: Paper, message_id: str) -> None:
        """The card's message ID, and its thread as one about the paper's version."""
        await self.store.posts.mark_posted(platform, channel, paper.arxiv_id, message_id)
        await self.store.threads.record(platform, channel, message_id, paper)

    async def post_search_result(self, platform: ChatPlatform, channel: str, paper: Paper) -> str:
        """Post a search result's card (even if the channel has one) and remember it."""
        now = self.store.now()
        token = posts.nonce(platform.name, channel, f"{posts.SEARCH}:{paper.arxiv_id}:{now}")
        message_id = await platform.post_card(channel, paper, (), token)
        await self.store.posts.record_search_card(
            platform.name, channel, paper.arxiv_id, message_id, now
        )
        await self.store.threads.record(platform.name, channel, message_id, paper)
        return message_id

    async def reconcile(self, platform: ChatPlatform) -> list[tuple[posts.Post, str]]:
        """Finish every intent left without a message ID; returns (post, message ID) pairs."""
        finished = []
        for post in await self.store.posts.pending(platform.name):
            paper = await self.store.run(self.store.paper, post.arxiv_id)
            if paper is None:
                log.error("card intent for unknown paper %s left as is", post.arxiv_id)
                continue
            keywords = await self.store.matches.keywords(post.monitor, post.arxiv_id)
            message_id = await self.ensure(
                platform, post.channel, paper, keywords, post.monitor, similar_to=post.similar_to
            )
            finished.append((post, message_id))
        return finished
