"""The Discord adapter: client, app commands, reactions, threads, embeds and escaping.

The only package that imports discord.py; the core talks to it through
:class:`~bot.kernel.platform.ChatPlatform` and :class:`~bot.kernel.platform.Adapter`.
"""

from handlers.discord.adapter import DiscordAdapter, create_adapter

__all__ = ["DiscordAdapter", "create_adapter"]
