"""From Discord events to the core: app commands, the Analyze button, reactions, questions.

Interactions arrive already deferred (see :mod:`handlers.discord.app_commands` and
:mod:`handlers.discord.views`) and always end with a follow-up, also when the core
fails. Token-spending requests (analyze, ask, button, reaction, questions) pass the
:mod:`handlers.discord.access` check first; each event is handled once even if
Discord delivers it again (``service.first_time``). A message in a thread about a
paper (:mod:`bot.store.threads`) is a question when it mentions the bot, or always
with ``discord.message_content``; messages elsewhere are ignored.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Awaitable, Callable
from functools import partial

import discord

from bot.chat.service import SAVE_FAILURES, RadarService, Reply, not_saved
from bot.kernel.commands import CHANGE_NAMES, CHANGES, Analyze, Ask, Interests, question_text
from bot.kernel.config import Config
from bot.kernel.errors import RadarError
from bot.kernel.ids import parse_arxiv_id
from bot.kernel.models import ChatRef, PlatformName
from bot.watch.interests import STAR, THUMBS_DOWN, THUMBS_UP
from handlers.discord import access
from handlers.discord.app_commands import EPHEMERAL, CommandBuilder
from handlers.discord.platform import DiscordPlatform
from handlers.discord.replies import send_followups

log = logging.getLogger(__name__)
PLATFORM = PlatformName.DISCORD
FAILED = "Sorry, something went wrong on our side; please try again in a minute."
INTEREST_CHANGES = frozenset({"interests add", "interests remove"})  # app command names
# Reactions on a card that move the channel's ranking (skin tones and VS16 cut off).
SIGNAL_REACTIONS = {"👍": THUMBS_UP, "⭐": STAR, "🌟": STAR, "👎": THUMBS_DOWN}
_EMOJI_VARIANTS = dict.fromkeys([0xFE0F, *range(0x1F3FB, 0x1F400)])
SPENDING = frozenset({"analyze", "analyse", "ask"})  # commands under the analyze rule
QUESTION_TYPES = (discord.MessageType.default, discord.MessageType.reply)


class ServiceBridge:
    """Turns Discord events into :class:`RadarService` calls and their replies into messages."""

    def __init__(self, service: RadarService, platform: DiscordPlatform, config: Config) -> None:
        self.service = service
        self.platform = platform
        self.config = config

    async def command(
        self, interaction: discord.Interaction, name: str, build: CommandBuilder
    ) -> None:
        """An ``/arxiv`` subcommand, already deferred; ``build`` makes the core's command."""
        reply = partial(self._command_reply, interaction, build)
        await self._answer(interaction, reply, ephemeral=name in EPHEMERAL)

    def refusal_for(self, interaction: discord.Interaction, command: str) -> str | None:
        """The access refusal for ``command`` (None when allowed or unrestricted)."""
        if command in SPENDING:
            return self._refusal(interaction.channel_id, interaction.user)
        if command in CHANGE_NAMES:
            return self._change_refusal(interaction.channel_id, interaction.user)
        if command in INTEREST_CHANGES:
            return self._interests_refusal(interaction.channel_id, interaction.user)
        return None

    async def button(self, interaction: discord.Interaction, arxiv_id: str) -> None:
        """A click on a card's Analyze button, already deferred (ephemerally)."""
        reply = partial(self._button_reply, interaction, arxiv_id)
        await self._answer(interaction, reply, ephemeral=True)

    async def reaction(self, event: discord.RawReactionActionEvent, bot_id: int) -> None:
        """An emoji added to a message: an analysis request when it is a card of ours;
        👍 ⭐ 👎 on a card move the channel's ranking."""
        if event.guild_id is None or event.user_id == bot_id:
            return
        if str(event.emoji) not in self.config.discord.analyze_reactions:
            await self.signal(event, bot_id, removed=False)
            return
        if event.message_author_id != bot_id:  # Discord names the author of the message
            return
        event_id = f"reaction:{event.message_id}:{event.user_id}:{event.emoji}"
        if not await self.service.first_time(PLATFORM, event_id):
            return
        channel, card = str(event.channel_id), str(event.message_id)
        refused = self._refusal(event.channel_id, event.member)
        if refused is not None:
            reply: Reply | None = Reply(refused)
        else:
            reply = await self.service.reaction(PLATFORM, channel, card, str(event.user_id))
        if reply is not None:
            await self.platform.notify(ChatRef(PLATFORM, channel, thread=card), reply.text)

    async def signal(
        self, event: discord.RawReactionActionEvent, bot_id: int, *, removed: bool
    ) -> None:
        """A 👍/⭐/👎 put on or taken off a message: a signal when the message is a card."""
        kind = SIGNAL_REACTIONS.get(str(event.emoji).translate(_EMOJI_VARIANTS))
        if kind is None or event.guild_id is None or event.user_id == bot_id:
            return
        channel, message = str(event.channel_id), str(event.message_id)
        await self.service.react(PLATFORM, channel, message, kind, removed=removed)

    async def message(self, message: discord.Message, bot_id: int) -> None:
        """A guild message: a question when it is in one of the bot's paper threads and
        mentions the bot (any message there with ``discord.message_content``)."""
        author = message.author
        if message.guild is None or author.bot or author.id == bot_id:
            return
        mentioned = mentions(message, bot_id)
        if message.type not in QUESTION_TYPES or not (
            mentioned or self.config.discord.message_content
        ):
            return
        paper = await self.service.questions.thread(PLATFORM, str(message.channel.id), None)
        if paper is None or not await self.service.first_time(PLATFORM, f"message:{message.id}"):
            return
        ref = ChatRef(PLATFORM, paper.channel, thread=paper.thread, user=str(author.id))
        refused = self._refusal(message.channel.id, author)
        if refused is not None:
            if mentioned:  # a message not addressed to the bot gets no refusal
                await self.platform.notify(ref, refused)
            return
        try:
            question = question_text(without_mention(message.content, bot_id))
            refused = await self.service.questions.ask_in_thread(paper, question, ref)
        except RadarError as exc:
            refused = exc.user_message
        if refused is not None:
            await self.platform.notify(ref, refused)

    async def _answer(
        self,
        interaction: discord.Interaction,
        reply: Callable[[], Awaitable[Reply]],
        *,
        ephemeral: bool,
    ) -> None:
        """Follow up once per interaction, with the core's reply or the reason it failed."""
        try:
            if not await self.service.first_time(PLATFORM, f"interaction:{interaction.id}"):
                return
            answer = await reply()
        except SAVE_FAILURES as exc:  # nothing was stored: never claim it was
            answer = Reply(not_saved("your request", exc))
        except RadarError as exc:
            answer = Reply(exc.user_message)
        except Exception:
            log.exception("interaction %s failed", interaction.id)
            answer = Reply(FAILED)
        await send_followups(interaction, answer, ephemeral=ephemeral)
        if answer.papers:
            await self._post_results(interaction, answer)

    async def _post_results(self, interaction: discord.Interaction, answer: Reply) -> None:
        """Search results as cards in the channel: a reaction or Analyze click works on them."""
        try:
            channel = str(interaction.channel_id)
            await self.service.post_search_results(self.platform, channel, answer.papers)
        except Exception:
            log.exception("posting the search results of interaction %s failed", interaction.id)
            await send_followups(interaction, Reply(FAILED), ephemeral=True)

    async def _command_reply(
        self, interaction: discord.Interaction, build: CommandBuilder
    ) -> Reply:
        command = build()
        if isinstance(command, (Analyze, Ask, *CHANGES)):
            check = self._refusal if isinstance(command, Analyze | Ask) else self._change_refusal
            refused = check(interaction.channel_id, interaction.user)
            if refused is not None:
                return Reply(refused)
        if isinstance(command, Interests) and command.action != "list":
            refused = self._interests_refusal(interaction.channel_id, interaction.user)
            if refused is not None:
                return Reply(refused)
        return await self.service.handle(command, self._ref(interaction))

    async def _button_reply(self, interaction: discord.Interaction, arxiv_id: str) -> Reply:
        refused = self._refusal(interaction.channel_id, interaction.user)
        if refused is not None or interaction.message is None:
            return Reply(refused or FAILED)
        card = str(interaction.message.id)
        ref = ChatRef(
            PLATFORM, str(interaction.channel_id), thread=card, user=str(interaction.user.id)
        )
        return await self.service.enqueue_analysis(parse_arxiv_id(arxiv_id), ref, None)

    def _refusal(
        self, channel_id: int | None, user: discord.abc.User | discord.Member | None
    ) -> str | None:
        if self.config.access.analyze == "everyone":
            return None
        channels = access.channel_ids(self.platform.client, channel_id) if channel_id else set()
        return access.refusal(self.config.discord, channels, access.role_ids(user))

    def _change_refusal(
        self, channel_id: int | None, user: discord.abc.User | discord.Member | None
    ) -> str | None:
        if self.config.access.subscriptions == "everyone":
            return None
        channels = access.channel_ids(self.platform.client, channel_id) if channel_id else set()
        return access.change_refusal(self.config.discord, channels, access.role_ids(user))

    def _interests_refusal(
        self, channel_id: int | None, user: discord.abc.User | discord.Member | None
    ) -> str | None:
        if self.config.access.interests == "everyone":
            return None
        channels = access.channel_ids(self.platform.client, channel_id) if channel_id else set()
        return access.interests_refusal(self.config.discord, channels, access.role_ids(user))

    @staticmethod
    def _ref(interaction: discord.Interaction) -> ChatRef:
        """Where to answer; in a thread, the parent channel and that thread."""
        user = str(interaction.user.id)
        channel = interaction.channel
        if isinstance(channel, discord.Thread) and channel.parent_id is not None:
            return ChatRef(PLATFORM, str(channel.parent_id), thread=str(channel.id), user=user)
        return ChatRef(PLATFORM, str(interaction.channel_id), user=user)


def mentions(message: discord.Message, bot_id: int) -> bool:
    """Whether ``message`` mentions the bot (a reply to the bot with ping included)."""
    return bot_id in message.raw_mentions or any(user.id == bot_id for user in message.mentions)


def without_mention(text: str, bot_id: int) -> str:
    """``text`` without the bot's mentions (``<@id>`` and the older ``<@!id>``)."""
    return re.sub(rf"<@!?{bot_id}>", " ", text)
