"""``arxiv-radar discord-invite`` and ``discord-sync``.

``discord-invite`` prints the OAuth2 URL that adds the bot to a server with exactly
the permissions it uses. ``discord-sync`` registers the ``/arxiv`` commands now
(the running bot also does this once at start-up), per guild in
``discord.guild_ids`` (instant) or globally.
"""

from __future__ import annotations

import click
import discord

from bot.kernel.config import DiscordConfig, secret
from bot.kernel.errors import ConfigError
from bot.runtime.cli_context import CliContext, fail, run_async
from handlers.discord.app_commands import command_tree, sync_commands
from handlers.discord.client import endpoints, intents, log_in

SCOPES = ("bot", "applications.commands")


def bot_permissions() -> discord.Permissions:
    """What the bot needs: read and post in channels and threads, embeds, files, reactions."""
    return discord.Permissions(
        view_channel=True,
        send_messages=True,
        embed_links=True,
        attach_files=True,
        read_message_history=True,
        add_reactions=True,
        create_public_threads=True,
        send_messages_in_threads=True,
    )


def invite_url(config: DiscordConfig) -> str:
    """The OAuth2 URL adding the bot (and its commands) with :func:`bot_permissions`."""
    client_id = config.application_id.strip()
    if not client_id.isdigit():
        raise ConfigError(
            "discord.application_id is not set: copy the Application ID from the Discord "
            "Developer Portal (General Information) into the [discord] table."
        )
    return discord.utils.oauth_url(client_id, permissions=bot_permissions(), scopes=SCOPES)


async def sync_now(config: DiscordConfig) -> list[discord.app_commands.AppCommand]:
    """Log in over REST only and register the commands; return what Discord stored."""
    token = secret(config.token_env)
    if token is None:
        raise ConfigError(f"Discord needs the bot token in ${config.token_env}.")
    client = discord.Client(intents=intents())
    tree = command_tree(client)
    with endpoints(config):
        async with client:
            await log_in(client, token, config)
            return await sync_commands(tree, config.guild_ids)


@click.command("discord-invite")
@click.pass_obj
def invite_command(obj: CliContext) -> None:
    """Print the URL that adds the bot to a Discord server with the permissions it needs."""
    try:
        click.echo(invite_url(obj.config.discord))
    except ConfigError as exc:
        fail(exc)


@click.command("discord-sync")
@click.pass_obj
def sync_command(obj: CliContext) -> None:
    """Register the /arxiv commands with Discord now (per guild when discord.guild_ids is set)."""
    for command in run_async(sync_now(obj.config.discord)):
        where = f"guild {command.guild_id}" if command.guild_id else "all servers (global)"
        click.echo(f"Synced /{command.name} to {where}.")
