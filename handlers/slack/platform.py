"""``SlackPlatform``: the core's :class:`~bot.kernel.platform.ChatPlatform` over the Slack Web API.

Messages to one channel go out one at a time, ``slack.post_interval_s`` apart;
the client's retry handlers wait out 429 ``Retry-After`` and retry 500/503 of
calls that cannot create a message. ``chat.postMessage`` has no idempotency key
and Slack may answer 500 ``internal_error`` after storing the message, so a post
or upload answered with a server or connection error is reconciled first: every
post carries a unique ``post_id`` in its metadata, and it is sent again only when
the channel (or thread) does not hold it.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import aiohttp
from slack_sdk.errors import SlackApiError
from slack_sdk.web.async_client import AsyncWebClient

from analysis.ask.types import Answer
from analysis.schema import Analysis
from bot.arxiv.http import Pacer
from bot.kernel.config import Config
from bot.kernel.models import CardSummary, ChatRef, Paper, PlatformName
from handlers.slack.answers import answer_messages
from handlers.slack.blocks import (
    Message,
    analysis_messages,
    card,
    card_nonce,
    notices,
    summary_messages,
    summary_part,
)

log = logging.getLogger(__name__)
HISTORY_PAGES = 5
HISTORY_PAGE_SIZE = 200
RECONCILE_PAGE_SIZE = 100  # a message answered a moment ago is among the newest
POST_EVENT = "arxiv_radar_post"


class SlackPlatform:
    """Posts cards, progress, analyses and reports; also the adapter's reply channel."""

    name: str = PlatformName.SLACK

    def __init__(self, client: AsyncWebClient, config: Config) -> None:
        self.client = client
        self.command_prefix = config.slack.command
        self._arxiv = config.arxiv
        self._slack = config.slack
        self._pacers: dict[str, Pacer] = {}
        self._bot_id: str | None = None

    # ChatPlatform ------------------------------------------------------------------

    async def post_card(
        self,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        nonce: str,
        similar_to: str | None = None,
    ) -> str:
        message = card(paper, keywords, nonce, self._arxiv, similar_to)
        response = await self.send(channel, message)
        return str(response["ts"])

    async def find_card(self, channel: str, arxiv_id: str, nonce: str) -> str | None:
        """Scan the newest messages of ``channel`` for the bot's card carrying ``nonce``."""
        async for message in self._own_history(channel):
            if card_nonce(message) == nonce:
                return str(message["ts"])
        return None

    async def post_summary(
        self, channel: str, summary: CardSummary, nonce: str, *, reconcile: bool
    ) -> str:
        """Post each part of the summary not already in ``channel``; the first part's ts."""
        posted = await self._summary_parts(channel, nonce) if reconcile else {}
        stamps = []
        for part, message in enumerate(summary_messages(summary, nonce, self._arxiv)):
            if part not in posted:
                posted[part] = str((await self.send(channel, message))["ts"])
            stamps.append(posted[part])
        return stamps[0]

    async def _summary_parts(self, channel: str, nonce: str) -> dict[int, str]:
        """The parts of summary ``nonce`` the bot already posted in ``channel``: part -> ts."""
        found = {}
        async for message in self._own_history(channel):
            tagged = summary_part(message)
            if tagged is not None and tagged[0] == nonce:
                found[tagged[1]] = str(message["ts"])
        return found

    async def _own_history(self, channel: str) -> AsyncIterator[dict[str, Any]]:
        """The bot's messages among the newest of ``channel``, newest first, with metadata."""
        bot_id = await self.bot_id()
        cursor: str | None = None
        for _ in range(HISTORY_PAGES):
            page = await self.client.conversations_history(
                channel=channel, limit=HISTORY_PAGE_SIZE, include_all_metadata=True, cursor=cursor
            )
            for message in page.get("messages") or ():
                if message.get("bot_id") == bot_id:
                    yield message
            cursor = (page.get("response_metadata") or {}).get("next_cursor")
            if not cursor:
                break

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

    async def deliver_answer(self, ref: ChatRef, answer: Answer, progress_id: str | None) -> None:
        for message in answer_messages(answer):
            await self.send(ref.channel, message, ref.thread)
        if progress_id:
            await self.update_progress(ref, progress_id, "✅ Answered below.")

    async def deliver_answer_failure(
        self, ref: ChatRef, message: str, progress_id: str | None
    ) -> None:
        for part in notices(f"❌ {message}"):
            await self.send(ref.channel, part, ref.thread)
        if progress_id:
            await self.update_progress(ref, progress_id, "❌ No answer (see below).")

    async def upload_report(self, channel: str, path: Path, title: str) -> None:
        """Upload ``path``; after a server or connection error, only if it is not shared yet."""
        content = await asyncio.to_thread(path.read_bytes)
        newest = await self._newest_ts(channel)
        try:
            await self._upload(channel, content, path.name, title)
        except Exception as exc:
            if not ambiguous(exc):
                raise
            if await self._find_upload(channel, path.name, newest):
                log.warning(
                    "upload of %s to %s answered %s but it is shared", path.name, channel, exc
                )
                return
            log.warning("upload of %s to %s failed (%s); uploading again", path.name, channel, exc)
            await self._upload(channel, content, path.name, title)

    async def _upload(self, channel: str, content: bytes, name: str, title: str) -> None:
        await self.client.files_upload_v2(channel=channel, file=content, filename=name, title=title)

    async def _newest_ts(self, channel: str) -> str:
        page = await self.client.conversations_history(channel=channel, limit=1)
        messages = page.get("messages") or ()
        return str(messages[0]["ts"]) if messages else "0"

    async def _find_upload(self, channel: str, name: str, after: str) -> bool:
        """Whether the bot shared a file called ``name`` in ``channel`` after message ``after``."""
        bot_id = await self.bot_id()
        page = await self.client.conversations_history(
            channel=channel, oldest=after, limit=RECONCILE_PAGE_SIZE
        )
        return any(
            message.get("bot_id") == bot_id
            and float(message["ts"]) > float(after)
            and any(f.get("name") == name for f in message.get("files") or ())
            for message in page.get("messages") or ()
        )

    # replies used by the adapter -----------------------------------------------------

    async def send(self, channel: str, message: Message, thread: str | None = None) -> Any:
        """``chat.postMessage`` paced per channel, never unfurled, never re-sent blindly.

        Returns the response (its ``ts``), or ``{"ts": …}`` of the message found when
        Slack stored it but answered with an error.
        """
        tagged, post_id = tag(message)
        async with self._pacer(channel):
            try:
                return await self._post(channel, tagged, thread)
            except Exception as exc:
                if not ambiguous(exc):
                    raise
                found = await self.find_post(channel, thread, post_id)
                if found is not None:
                    log.warning("post to %s answered %s but it was stored", channel, exc)
                    return {"channel": channel, "ts": found}
                log.warning("post to %s failed (%s) and is not there: sending again", channel, exc)
                return await self._post(channel, tagged, thread)

    async def find_post(self, channel: str, thread: str | None, post_id: str) -> str | None:
        """The ts of the bot's message tagged ``post_id`` among the newest of the channel/thread."""
        if thread is None:
            page = await self.client.conversations_history(
                channel=channel, limit=RECONCILE_PAGE_SIZE, include_all_metadata=True
            )
        else:
            page = await self.client.conversations_replies(
                channel=channel, ts=thread, limit=RECONCILE_PAGE_SIZE, include_all_metadata=True
            )
        bot_id = await self.bot_id()
        for message in page.get("messages") or ():
            payload = (message.get("metadata") or {}).get("event_payload") or {}
            if message.get("bot_id") == bot_id and payload.get("post_id") == post_id:
                return str(message["ts"])
        return None

    async def _post(self, channel: str, message: Message, thread: str | None) -> Any:
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


def tag(message: Message) -> tuple[Message, str]:
    """``message`` with a fresh ``post_id`` in its metadata (cards keep their own event type)."""
    post_id = uuid.uuid4().hex
    metadata = message.metadata or {"event_type": POST_EVENT, "event_payload": {}}
    payload = {**(metadata.get("event_payload") or {}), "post_id": post_id}
    return replace(message, metadata={**metadata, "event_payload": payload}), post_id


def ambiguous(exc: BaseException) -> bool:
    """An error after which Slack may or may not have done the call: 5xx, connection, timeout."""
    if isinstance(exc, SlackApiError):
        return int(getattr(exc.response, "status_code", 0) or 0) >= 500
    return isinstance(exc, aiohttp.ClientError | TimeoutError)
