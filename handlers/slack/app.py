"""The Bolt ``AsyncApp`` and its listeners: slash command, Analyze button, reactions, mentions
and, with ``slack.thread_questions = "all"``, replies in the bot's paper threads.

Slack wants an answer within 3 seconds. Listeners only parse, check and spawn the
work as a tracked background task, so Bolt runs with ``process_before_response``:
the HTTP response (or Socket Mode ack) leaves as soon as a listener returns, with
no polling. No ack waits on the database (another process may hold its lock):
``analyze`` acks first and whispers what was queued once it is stored. A replayed
slash command is acked and ignored. Only this package knows Slack payloads; the
core sees :class:`~bot.kernel.models.ChatRef`.

In a thread about a paper (its card, analysis or answers), a mention that is not a
command is a question about that paper, answered in the thread; in ``all`` mode so
is every human reply there (:func:`~handlers.slack.thread_events.human_reply`).
"""

from __future__ import annotations

import asyncio
import logging
import re
from collections.abc import Coroutine
from dataclasses import replace
from typing import Any

from slack_bolt.async_app import AsyncAck, AsyncApp, AsyncBoltContext, AsyncBoltRequest
from slack_sdk.web.async_client import AsyncWebClient

from bot.chat.service import SAVE_FAILURES, RadarService, not_saved
from bot.kernel.commands import (
    CHANGES,
    Analyze,
    Ask,
    Command,
    Interests,
    parse_command,
    question_text,
    thread_command,
)
from bot.kernel.config import SlackConfig
from bot.kernel.errors import RadarError
from bot.kernel.ids import parse_arxiv_id
from bot.kernel.models import ChatRef, PlatformName
from bot.store.threads import PaperThread
from bot.watch.interests import STAR, THUMBS_DOWN, THUMBS_UP
from handlers.slack.blocks import ANALYZE_ACTION, notices
from handlers.slack.platform import SlackPlatform
from handlers.slack.replays import REPLAY_WINDOW_S, RecentKeys, replay_key
from handlers.slack.requests import missing_fields
from handlers.slack.thread_events import human_reply

log = logging.getLogger(__name__)
PLATFORM = PlatformName.SLACK
FAILED = "Sorry, something went wrong on our side; please try again in a minute."
REFUSAL = (
    "Sorry, analyses here are limited to approved members. "
    "Ask the bot's admin to add you to `slack.allowed_users`."
)
QUESTION_REFUSAL = (
    "Sorry, questions about papers here are limited to approved members. "
    "Ask the bot's admin to add you to `slack.allowed_users`."
)
CHANGE_REFUSAL = (
    "Sorry, only approved members may change what this channel follows. "
    "Ask the bot's admin to add you to `slack.allowed_users`."
)
# Reactions on a card that move the channel's ranking (Slack's names, skin tone cut off).
SIGNAL_REACTIONS = {"+1": THUMBS_UP, "thumbsup": THUMBS_UP, "star": STAR}
SIGNAL_REACTIONS |= {"-1": THUMBS_DOWN, "thumbsdown": THUMBS_DOWN}
INTERESTS_REFUSAL = (
    "Sorry, only approved members may change this channel's interest papers. "
    "Ask the bot's admin to add you to `slack.allowed_users`."
)
_MENTION = re.compile(r"<[@!#][^>]*>")
_LINK = re.compile(r"<(https?://[^|>]+)(?:\|[^>]*)?>")


def build_app(client: AsyncWebClient, listeners: Listeners, signing_secret: str | None) -> AsyncApp:
    """An ``AsyncApp`` on ``client``; request signatures are checked when a secret is given."""
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret or "",
        request_verification_enabled=signing_secret is not None,
        name="arxiv-radar",
        process_before_response=True,
        logger=logging.getLogger("handlers.slack.bolt"),
    )
    listeners.register(app)
    return app


class Listeners:
    """Turns Slack payloads into core calls and core replies into Slack messages."""

    def __init__(self, config: SlackConfig, service: RadarService, platform: SlackPlatform) -> None:
        self.config = config
        self.service = service
        self.platform = platform
        self.tasks: set[asyncio.Task[None]] = set()
        self.recent = RecentKeys(REPLAY_WINDOW_S)

    def register(self, app: AsyncApp) -> None:
        app.command(self.config.command)(self.on_command)
        app.action(ANALYZE_ACTION)(self.on_button)
        app.event("reaction_added")(self.on_reaction)
        app.event("reaction_removed")(self.on_reaction_removed)
        app.event("app_mention")(self.on_mention)
        if self.config.thread_questions == "all":
            app.event("message")(self.on_message)
        app.error(self.on_error)

    def allowed(self, user: str | None, action: str = "analyze") -> bool:
        """Whether ``user`` may ``analyze``, change ``subscriptions`` or ``interests``
        (config ``access``)."""
        if getattr(self.service.config.access, action) == "everyone":
            return True
        allowed = self.config.allowed_users
        return not allowed or user in allowed

    def spawn(self, work: Coroutine[Any, Any, None], asker: ChatRef | None = None) -> None:
        """Run ``work`` after the ack, keeping a reference so :meth:`drain` can wait for it.

        If ``work`` fails, ``asker`` (the user who asked) is told so, only them.
        """
        task = asyncio.create_task(self._guarded(work, asker))
        self.tasks.add(task)
        task.add_done_callback(self.tasks.discard)

    async def drain(self, timeout_s: float) -> None:
        """Wait up to ``timeout_s`` for running work, then cancel what is left."""
        if not self.tasks:
            return
        _, pending = await asyncio.wait(set(self.tasks), timeout=timeout_s)
        for task in pending:
            task.cancel()
        await asyncio.gather(*pending, return_exceptions=True)

    # listeners ---------------------------------------------------------------------

    async def on_command(
        self, ack: AsyncAck, command: dict[str, Any], request: AsyncBoltRequest
    ) -> None:
        """Ack at once (never after a database write), then do the work in the background.

        A replay of a command already received (same ``trigger_id``, or same signature
        and timestamp) is acknowledged and ignored.
        """
        key = replay_key(command, request.headers)
        if key is not None and not self.recent.first_time(key):
            await ack()
            return
        ref = ChatRef(PLATFORM, command["channel_id"], None, command["user_id"])
        try:
            parsed = parse_command(command_text(command.get("text", "")))
        except RadarError as exc:
            await ack(_ephemeral(exc.user_message))
            return
        await ack()
        self.spawn(self._command(key, parsed, ref), ref)

    async def on_button(self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any]) -> None:
        await ack()
        missing = missing_fields(body)  # Socket Mode has no HTTP gate in front
        if missing:
            log.warning("ignored a Slack button payload without %s", missing)
            return
        channel = body["container"].get("channel_id") or body["channel"]["id"]
        card_ts = body["container"]["message_ts"]
        ref = ChatRef(PLATFORM, channel, card_ts, body["user"]["id"])
        self.spawn(self._analyze_card(ref, str(action.get("value", ""))), replace(ref, thread=None))

    async def on_reaction(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """An analyze reaction queues an analysis; 👍 ⭐ 👎 move the channel's ranking."""
        event = body["event"]
        item = event.get("item") or {}
        ours = item.get("type") == "message" and event.get("item_user") == context.bot_user_id
        if ours and event.get("reaction") in self.config.analyze_reactions:
            asker = ChatRef(PLATFORM, item["channel"], None, str(event.get("user", "")))
            self.spawn(self._react(str(body["event_id"]), event, item), asker)
        elif ours:
            self._signal(body, removed=False)

    async def on_reaction_removed(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        item = body["event"].get("item") or {}
        if item.get("type") == "message" and body["event"].get("item_user") == context.bot_user_id:
            self._signal(body, removed=True)

    async def on_mention(self, body: dict[str, Any]) -> None:
        event = body["event"]
        thread = event.get("thread_ts") or event["ts"]
        ref = ChatRef(PLATFORM, event["channel"], thread, event.get("user"))
        text = str(event.get("text", ""))
        in_thread = bool(event.get("thread_ts"))
        self.spawn(self._mention(str(body["event_id"]), ref, text, in_thread=in_thread), ref)

    async def on_message(self, body: dict[str, Any], context: AsyncBoltContext) -> None:
        """A message event (``all`` mode): a question when it is a human reply in a paper thread."""
        event = body["event"]
        if not human_reply(event, context.bot_user_id):
            return
        ref = ChatRef(PLATFORM, event["channel"], event["thread_ts"], event.get("user"))
        text = str(event.get("text", ""))
        self.spawn(self._thread_reply(str(body["event_id"]), ref, text), ref)

    async def on_error(self, error: Exception, body: dict[str, Any]) -> None:
        log.error("Slack listener failed (%s): %s", body.get("type"), error, exc_info=error)

    # work after the ack ----------------------------------------------------------------

    async def _command(self, key: str | None, request: Command, ref: ChatRef) -> None:
        """A slash command after its ack: once per command, answered only to its user."""
        if key is not None and not await self.service.first_time(PLATFORM, f"command:{key}"):
            return  # a replay that arrived after a restart
        if isinstance(request, Analyze):
            await self.platform.whisper(ref, await self._enqueue(request, ref))
        else:
            await self._handle(request, ref, public=False)

    async def _enqueue(self, request: Analyze, ref: ChatRef) -> str:
        if not self.allowed(ref.user):
            return REFUSAL
        reply = await self.service.enqueue_analysis(
            request.arxiv_id, ref, request.language, refresh=request.refresh
        )
        return reply.text

    async def _handle(self, request: Command, ref: ChatRef, *, public: bool) -> None:
        if isinstance(request, CHANGES) and not self.allowed(ref.user, "subscriptions"):
            await self._say(ref, CHANGE_REFUSAL, public=public)
            return
        changes_interests = isinstance(request, Interests) and request.action != "list"
        if changes_interests and not self.allowed(ref.user, "interests"):
            await self._say(ref, INTERESTS_REFUSAL, public=public)
            return
        if isinstance(request, Ask) and not self.allowed(ref.user):
            await self._say(ref, QUESTION_REFUSAL, public=public)
            return
        reply = await self.service.handle(request, ref)
        if reply.text:
            await self._say(ref, reply.text, public=public)
        await self.service.post_search_results(self.platform, ref.channel, reply.papers)
        if reply.report is not None:
            await self.platform.upload_report(ref.channel, reply.report, reply.report.name)

    async def _analyze_card(self, ref: ChatRef, value: str) -> None:
        try:
            text = await self._enqueue(Analyze(parse_arxiv_id(value)), ref)
        except RadarError as exc:
            text = exc.user_message
        await self.platform.whisper(replace(ref, thread=None), text)

    async def _react(self, event_id: str, event: dict[str, Any], item: dict[str, Any]) -> None:
        if not await self.service.first_time(PLATFORM, event_id):
            return
        user = str(event.get("user", ""))
        in_channel = ChatRef(PLATFORM, item["channel"], None, user)
        if not self.allowed(user):
            await self.platform.whisper(in_channel, REFUSAL)
            return
        try:
            reply = await self.service.reaction(PLATFORM, item["channel"], item["ts"], user)
        except RadarError as exc:
            await self.platform.whisper(in_channel, exc.user_message)
            return
        if reply is not None and reply.text:
            await self.platform.whisper(in_channel, reply.text)

    def _signal(self, body: dict[str, Any], *, removed: bool) -> None:
        event = body["event"]
        kind = SIGNAL_REACTIONS.get(str(event.get("reaction", "")).split("::")[0])
        if kind is not None:
            self.spawn(self._record_signal(str(body["event_id"]), event, kind, removed))

    async def _record_signal(
        self, event_id: str, event: dict[str, Any], kind: str, removed: bool
    ) -> None:
        if not await self.service.first_time(PLATFORM, event_id):
            return
        item = event.get("item") or {}
        channel, message = item.get("channel"), item.get("ts")
        if channel and message:
            await self.service.react(PLATFORM, str(channel), str(message), kind, removed=removed)

    async def _mention(self, event_id: str, ref: ChatRef, text: str, *, in_thread: bool) -> None:
        if not await self.service.first_time(PLATFORM, event_id):
            return
        words = command_text(text)
        if in_thread and ref.thread and thread_command(words) is None:
            paper = await self.service.questions.thread(PLATFORM, ref.thread, ref.channel)
            if paper is not None:
                await self._question(paper, words, ref, mentioned=True)
                return
        try:
            request = parse_command(words)
            if isinstance(request, Analyze):
                await self.platform.reply(ref, await self._enqueue(request, ref))
                return
        except RadarError as exc:
            await self.platform.reply(ref, exc.user_message)
            return
        await self._handle(request, ref, public=True)

    async def _thread_reply(self, event_id: str, ref: ChatRef, text: str) -> None:
        """A reply in a thread (``all`` mode): a question if the thread is about a paper."""
        paper = await self.service.questions.thread(PLATFORM, ref.thread or "", ref.channel)
        if paper is None or not await self.service.first_time(PLATFORM, event_id):
            return
        await self._question(paper, command_text(text), ref, mentioned=False)

    async def _question(
        self, paper: PaperThread, text: str, ref: ChatRef, *, mentioned: bool
    ) -> None:
        """Queue a question about ``paper``; refusals are shown to the asker only.

        A reply that did not mention the bot is not told it may not ask (it may not
        have been meant for the bot).
        """
        if not self.allowed(ref.user):
            if mentioned:
                await self.platform.whisper(ref, QUESTION_REFUSAL)
            return
        try:
            refused = await self.service.questions.ask_in_thread(paper, question_text(text), ref)
        except RadarError as exc:
            refused = exc.user_message
        if refused is not None:
            await self.platform.whisper(ref, refused)

    async def _say(self, ref: ChatRef, text: str, *, public: bool) -> None:
        if public:
            await self.platform.reply(ref, text)
        else:
            await self.platform.whisper(ref, text)

    async def _guarded(self, work: Coroutine[Any, Any, None], asker: ChatRef | None) -> None:
        try:
            await work
        except Exception as exc:
            log.exception("Slack background work failed")
            if asker is not None:
                await self._tell_failure(asker, exc)

    async def _tell_failure(self, asker: ChatRef, exc: Exception) -> None:
        text = not_saved("your request", exc) if isinstance(exc, SAVE_FAILURES) else FAILED
        try:
            if asker.thread:  # a mention: answered in its thread
                await self.platform.reply(asker, text)
            else:
                await self.platform.whisper(asker, text)
        except Exception:
            log.exception("could not tell %s that their request failed", asker.user)


def command_text(text: str) -> str:
    """The command words of a slash command or mention: mentions dropped, links unwrapped
    (``<https://arxiv.org/abs/1|label>`` becomes the URL), entities decoded."""
    plain = _LINK.sub(r"\1", _MENTION.sub(" ", text))
    return plain.replace("&lt;", "<").replace("&gt;", ">").replace("&amp;", "&")


def _ephemeral(text: str) -> dict[str, Any]:
    """A slash-command ack body shown only to the user, escaped like every reply."""
    message = notices(text)[0]
    return {"response_type": "ephemeral", "text": message.text, "blocks": message.blocks}
