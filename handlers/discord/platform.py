"""DiscordPlatform: what the core asks of a chat platform, done over Discord's REST API.

Every send carries ``allowed_mentions=none``; cards carry the core's nonce (with
``enforce_nonce``, a retried POST returns the first message). The analysis of a
card goes into the thread started on that card: the thread's ID is the card's
message ID and a message has at most one thread, so "already exists" means "use
it". Messages with text and links suppress link previews.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
import secrets
from pathlib import Path
from typing import TYPE_CHECKING

import discord

from bot.kernel.commands import DEFAULT_PREFIX
from bot.kernel.config import Config
from bot.kernel.models import CardSummary, ChatRef, Paper, PlatformName
from handlers.discord.answers import answer_messages
from handlers.discord.embeds import (
    card_arxiv_id,
    card_embed,
    summary_embeds,
    summary_part,
    thread_name,
)
from handlers.discord.escape import NO_MENTIONS, defuse
from handlers.discord.text import MESSAGE_LIMIT, analysis_messages, clip
from handlers.discord.views import card_view

if TYPE_CHECKING:
    from analysis.ask.types import Answer
    from analysis.schema import Analysis

log = logging.getLogger(__name__)
THREAD_ALREADY_EXISTS = 160004  # Discord JSON error code
HISTORY_SCAN = 100  # recent messages searched by find_card


class DiscordPlatform:
    """The core's :class:`~bot.kernel.platform.ChatPlatform` for one logged-in discord.py client."""

    name: str = PlatformName.DISCORD
    command_prefix = DEFAULT_PREFIX

    def __init__(self, client: discord.Client, config: Config) -> None:
        self.client = client
        self._config = config
        self._threads: set[str] = set()  # cards whose thread is known to exist
        self._opening = asyncio.Lock()

    @property
    def reaction_hint(self) -> str:
        emoji = " or ".join(self._config.discord.analyze_reactions)
        return f"React with {emoji} or press Analyze for a full-text analysis"

    async def post_card(
        self,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        nonce: str,
        similar_to: str | None = None,
    ) -> str:
        embed = card_embed(paper, keywords, self._config.arxiv, self.reaction_hint, similar_to)
        message = await self._messageable(channel).send(
            embed=embed, view=card_view(paper.arxiv_id), nonce=nonce, allowed_mentions=NO_MENTIONS
        )
        await self._seed_reaction(message)
        return str(message.id)

    async def find_card(self, channel: str, arxiv_id: str, nonce: str) -> str | None:
        me = self.client.user
        async for message in self._messageable(channel).history(limit=HISTORY_SCAN):
            if (
                me is not None
                and message.author.id == me.id
                and card_arxiv_id(message.embeds) == arxiv_id
            ):
                return str(message.id)
        return None

    async def post_summary(
        self, channel: str, summary: CardSummary, nonce: str, *, reconcile: bool
    ) -> str:
        """Post each part of the summary not already in ``channel``; the first part's ID."""
        posted = await self._summary_parts(channel, nonce) if reconcile else {}
        target = self._messageable(channel)
        ids = []
        for part, embed in enumerate(summary_embeds(summary, nonce, self._config.arxiv)):
            if part not in posted:
                message = await target.send(
                    embed=embed, nonce=_part_nonce(nonce, part), allowed_mentions=NO_MENTIONS
                )
                posted[part] = str(message.id)
            ids.append(posted[part])
        return ids[0]

    async def _summary_parts(self, channel: str, nonce: str) -> dict[int, str]:
        me = self.client.user
        found = {}
        async for message in self._messageable(channel).history(limit=HISTORY_SCAN):
            tagged = summary_part(message.embeds)
            if me is not None and message.author.id == me.id and tagged and tagged[0] == nonce:
                found[tagged[1]] = str(message.id)
        return found

    async def start_progress(self, ref: ChatRef, text: str) -> str:
        message = await self._send(await self._thread(ref), text)
        return str(message.id)

    async def update_progress(self, ref: ChatRef, message_id: str, text: str) -> None:
        target = self._messageable(ref.thread or ref.channel)
        await target.get_partial_message(int(message_id)).edit(
            content=clip(defuse(text), MESSAGE_LIMIT), allowed_mentions=NO_MENTIONS
        )

    async def deliver_analysis(
        self, ref: ChatRef, analysis: Analysis, progress_id: str | None
    ) -> None:
        thread = await self._thread(ref)
        for index, part in enumerate(analysis_messages(analysis, self._config.arxiv)):
            await self._send(thread, part, nonce=_nonce(ref, analysis, index), defused=True)
        if progress_id is not None:
            await self.update_progress(ref, progress_id, "✅ Analysis posted below.")

    async def deliver_failure(
        self, ref: ChatRef, message: str, arxiv_id: str, progress_id: str | None
    ) -> None:
        await self._send(await self._thread(ref), f"❌ {message}")
        if progress_id is not None:
            await self.update_progress(ref, progress_id, "❌ Analysis failed (see below).")

    async def deliver_answer(self, ref: ChatRef, answer: Answer, progress_id: str | None) -> None:
        thread = await self._thread(ref)
        for index, part in enumerate(answer_messages(answer)):
            await self._send(thread, part, nonce=_answer_nonce(ref, answer, index), defused=True)
        if progress_id is not None:
            await self.update_progress(ref, progress_id, "✅ Answered below.")

    async def deliver_answer_failure(
        self, ref: ChatRef, message: str, progress_id: str | None
    ) -> None:
        await self._send(await self._thread(ref), f"❌ {message}")
        if progress_id is not None:
            await self.update_progress(ref, progress_id, "❌ No answer (see below).")

    async def upload_report(self, channel: str, path: Path, title: str) -> None:
        await self._messageable(channel).send(
            content=clip(defuse(title), MESSAGE_LIMIT),
            file=discord.File(path, filename=path.name),
            allowed_mentions=NO_MENTIONS,
            suppress_embeds=True,
        )

    async def notify(self, ref: ChatRef, text: str) -> None:
        """A short notice in the thread of ``ref`` (answers to reactions)."""
        await self._send(await self._thread(ref), text)

    async def _seed_reaction(self, card: discord.Message) -> None:
        """React to the card with the analyze emoji, so asking is one click."""
        try:
            await card.add_reaction(self._config.discord.analyze_reactions[0])
        except discord.HTTPException as exc:  # the card itself is posted; do not fail it
            log.warning("could not add the analyze reaction to card %s: %s", card.id, exc)

    async def _send(
        self,
        target: discord.abc.Messageable,
        text: str,
        *,
        nonce: str | None = None,
        defused: bool = False,
    ) -> discord.Message:
        """One text message without link previews; ``text`` is clipped to the limit."""
        content = text if defused else defuse(text)
        return await target.send(
            content=clip(content, MESSAGE_LIMIT),
            nonce=nonce or secrets.token_hex(12),
            allowed_mentions=NO_MENTIONS,
            suppress_embeds=True,
        )

    async def _thread(self, ref: ChatRef) -> discord.abc.Messageable:
        """The thread on the card ``ref.thread`` (created when missing), else the channel."""
        if ref.thread is None:
            return self._messageable(ref.channel)
        async with self._opening:  # a reaction's notice and the job's progress may race
            if ref.thread not in self._threads:
                await self._open_thread(int(ref.channel), int(ref.thread))
                self._threads.add(ref.thread)
        return self._messageable(ref.thread)

    async def _open_thread(self, channel_id: int, card_id: int) -> None:
        if isinstance(self.client.get_channel(card_id), discord.Thread):
            return
        channel = self.client.get_channel(channel_id) or await self.client.fetch_channel(channel_id)
        if not isinstance(channel, discord.abc.Messageable):
            raise TypeError(f"channel {channel_id} cannot hold messages")
        card = await channel.fetch_message(card_id)
        try:
            await card.create_thread(name=thread_name(card.embeds))
        except discord.HTTPException as exc:
            if exc.code != THREAD_ALREADY_EXISTS:
                raise
            log.debug("thread on card %s already exists", card_id)

    def _messageable(self, channel_id: str) -> discord.PartialMessageable:
        return self.client.get_partial_messageable(int(channel_id))


def _part_nonce(nonce: str, part: int) -> str:
    """A stable nonce per summary message (Discord allows 25 characters)."""
    return hashlib.sha256(f"{nonce}:{part}".encode()).hexdigest()[:25]


def _nonce(ref: ChatRef, analysis: Analysis, part: int) -> str:
    """A stable nonce per analysis message (Discord allows 25 characters)."""
    key = f"{ref.channel}:{ref.thread}:{analysis.arxiv_id}v{analysis.version}:{analysis.language}"
    return hashlib.sha256(f"{key}:{part}".encode()).hexdigest()[:25]


def _answer_nonce(ref: ChatRef, answer: Answer, part: int) -> str:
    """A stable nonce per answer message: a retried delivery does not post it twice."""
    paper = f"{answer.arxiv_id}v{answer.version}"
    key = f"{ref.channel}:{ref.thread}:{ref.user}:{paper}:{answer.question}"
    return hashlib.sha256(f"{key}:{part}".encode()).hexdigest()[:25]
