"""The discord.py client: intents, endpoints, start-up work and event handlers.

Intents are guilds, guild messages and guild reactions; Discord then shows the bot
the text of messages that mention it (questions in its paper threads). The
privileged Message Content intent is asked for only with
``discord.message_content = true`` (every message in those threads is a question).
``setup_hook`` runs once per process, before the gateway connects: it registers
the persistent Analyze button and syncs the ``/arxiv`` commands. ``on_ready`` is
not used because it fires again after every reconnect.

discord.py 2.x reads its endpoints from class attributes: REST from
``discord.http.Route.BASE`` and the gateway from ``DiscordWebSocket.DEFAULT_GATEWAY``
(a plain ``Client`` never asks ``GET /gateway/bot``; after a resume it uses the
``resume_gateway_url`` Discord sent in READY). :func:`endpoints` sets both from
``discord.api_url`` / ``discord.gateway_url`` and restores them afterwards.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterator

import discord
import yarl
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.chat.service import RadarService
from bot.kernel.config import Config, DiscordConfig
from bot.kernel.errors import ConfigError
from handlers.discord.app_commands import CommandBuilder, command_tree, sync_commands
from handlers.discord.bridge import ServiceBridge
from handlers.discord.escape import NO_MENTIONS
from handlers.discord.platform import DiscordPlatform
from handlers.discord.views import AnalyzeButton


def intents(message_content: bool = False) -> discord.Intents:
    """Guilds, guild messages and guild reactions; message content only when asked for."""
    return discord.Intents(
        guilds=True, guild_messages=True, guild_reactions=True, message_content=message_content
    )


@contextlib.contextmanager
def endpoints(config: DiscordConfig) -> Iterator[None]:
    """Point discord.py at ``config.api_url`` and ``config.gateway_url`` for the duration."""
    saved = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    Route.BASE = config.api_url.rstrip("/")
    DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = saved


async def log_in(client: discord.Client, token: str, config: DiscordConfig) -> None:
    """Log ``client`` in over REST (runs ``setup_hook``); a rejected token is a config error."""
    try:
        await client.login(token)
    except discord.LoginFailure as exc:
        raise ConfigError(f"Discord rejected the bot token in ${config.token_env}.") from exc


class RadarClient(discord.Client):
    """The bot: REST for the platform, the gateway for commands, buttons and reactions."""

    def __init__(self, config: Config, service: RadarService) -> None:
        content = config.discord.message_content
        super().__init__(intents=intents(content), allowed_mentions=NO_MENTIONS)
        self.guild_ids = config.discord.guild_ids
        self.tree = command_tree(self)
        self.platform = DiscordPlatform(self, config)
        self.bridge = ServiceBridge(service, self.platform, config)

    async def setup_hook(self) -> None:
        self.add_dynamic_items(AnalyzeButton)
        await sync_commands(self.tree, self.guild_ids)

    def refusal(self, interaction: discord.Interaction, command: str) -> str | None:
        """Why ``interaction``'s user may not run ``command`` here, checked before deferring."""
        return self.bridge.refusal_for(interaction, command)

    async def on_arxiv_command(
        self, interaction: discord.Interaction, name: str, build: CommandBuilder
    ) -> None:
        await self.bridge.command(interaction, name, build)

    async def on_analyze_button(self, interaction: discord.Interaction, arxiv_id: str) -> None:
        await self.bridge.button(interaction, arxiv_id)

    async def on_raw_reaction_add(self, event: discord.RawReactionActionEvent) -> None:
        if self.user is not None:
            await self.bridge.reaction(event, self.user.id)

    async def on_raw_reaction_remove(self, event: discord.RawReactionActionEvent) -> None:
        if self.user is not None:
            await self.bridge.signal(event, self.user.id, removed=True)

    async def on_message(self, message: discord.Message) -> None:
        if self.user is not None:
            await self.bridge.message(message, self.user.id)
