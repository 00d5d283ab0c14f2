"""``SlackPlatform``: the core's :class:`~bot.platform.ChatPlatform` over the Slack Web API.

Messages to one channel go out one at a time, ``slack.post_interval_s`` apart;
the client's retry handlers wait out 429 ``Retry-After`` and retry 500/503.
``chat.postMessage`` has no idempotency key, so a connection error is raised,
never retried: the core reconciles with :meth:`SlackPlatform.find_card`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

from slack_sdk.web.async_client import AsyncWebClient

from analysis.schema import Analysis
from bot.config import Config
from bot.http import Pacer
from bot.models import ChatRef, Paper
from handlers.slack.blocks import Message, analysis_messages, card, card_nonce, notices

HISTORY_PAGES = 5
HISTORY_PAGE_SIZE = 200


class SlackPlatform:
    """Posts cards, progress, analyses and reports; also the adapter's reply channel."""

    name = "slack"

    def __init__(self, client: AsyncWebClient, config: Config) -> None:
        self.client = client
        self._arxiv = config.arxiv
        self._slack = config.slack
        self._pacers: dict[str, Pacer] = {}
        self._bot_id: str | None = None

    # ChatPlatform ------------------------------------------------------------------

    async def post_card(
        self, channel: str, paper: Paper, keywords: tuple[str, ...], nonce: str
    ) -> str:
        response = await self.send(channel, card(paper, keywords, nonce, self._arxiv))
        return str(response["ts"])

    async def find_card(self, channel: str, arxiv_id: str, nonce: str) -> str | None:
        """Scan the newest messages of ``channel`` for the bot's card carrying ``nonce``."""
        bot_id = await self.bot_id()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await self.client.conversations_history(
                channel=channel, limit=HISTORY_PAGE_SIZE, include_all_metadata=True, cursor=cursor
            )
            for message in page.get("messages") or ():
                if message.get("bot_id") == bot_id and card_nonce(message) == nonce:
                    return str(message["ts"])
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break
        return None

    async def start_progress(self, ref: ChatRef, text: str) -> str:
        response = await self.send(ref.channel, notices(text)[0], ref.thread)
        return str(response["ts"])

    async def update_progress(self, ref: ChatRef, message_id: str, text: str) -> None:
        message = notices(text)[0]
        await self.client.chat_update(
            channel=ref.channel, ts=message_id, text=message.text, blocks=message.blocks
        )

    async def deliver_analysis(
        self, ref: ChatRef, analysis: Analysis, progress_id: str | None
    ) -> None:
        for message in analysis_messages(analysis):
            await self.send(ref.channel, message, ref.thread)
        if progress_id:
            await self.update_progress(ref, progress_id, "✅ Analysis posted below.")

    async def deliver_failure(
        self, ref: ChatRef, message: str, arxiv_id: str, progress_id: str | None
    ) -> None:
        text = f"❌ {message}\n{self.reaction_hint()}".rstrip()
        for part in notices(text):
            await self.send(ref.channel, part, ref.thread)
        if progress_id:
            await self.update_progress(ref, progress_id, "❌ Analysis failed (see below).")

    async def upload_report(self, channel: str, path: Path, title: str) -> None:
        content = await asyncio.to_thread(path.read_bytes)
        await self.client.files_upload_v2(
            channel=channel, file=content, filename=path.name, title=title
        )

    # replies used by the adapter -----------------------------------------------------

    async def send(self, channel: str, message: Message, thread: str | None = None) -> Any:
        """``chat.postMessage`` paced per channel, never unfurled, never re-sent blindly."""
        async with self._pacer(channel):
            return await self.client.chat_postMessage(
                channel=channel,
                text=message.text,
                blocks=message.blocks,
                metadata=message.metadata,
                thread_ts=thread,
                unfurl_links=False,
                unfurl_media=False,
            )

    async def reply(self, ref: ChatRef, text: str) -> None:
        """Post a core reply (Markdown allowed) in the thread of ``ref``."""
        for message in notices(text):
            await self.send(ref.channel, message, ref.thread)

    async def whisper(self, ref: ChatRef, text: str) -> None:
        """Show a core reply only to ``ref.user`` (``chat.postEphemeral``)."""
        for message in notices(text):
            await self.client.chat_postEphemeral(
                channel=ref.channel,
                user=ref.user or "",
                text=message.text,
                blocks=message.blocks,
                thread_ts=ref.thread,
            )

    def reaction_hint(self) -> str:
        """How to retry from the card (the core's message already names the command)."""
        reactions = self._slack.analyze_reactions
        return f"You can also react with :{reactions[0]}: on the paper's card." if reactions else ""

    async def bot_id(self) -> str:
        if self._bot_id is None:
            self._bot_id = str((await self.client.auth_test())["bot_id"])
        return self._bot_id

    def _pacer(self, channel: str) -> Pacer:
        return self._pacers.setdefault(channel, Pacer(self._slack.post_interval_s))
