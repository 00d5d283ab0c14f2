"""The ``/arxiv`` slash-command group.

Each subcommand first asks the client whether the user may run it (``refusal``, a
cheap in-memory check): a refusal is answered ephemerally, so only that user sees
it. Otherwise it defers at once (Discord allows 3 seconds for the first answer),
then hands the client, as the ``arxiv_command`` event, a builder of the core's
:data:`~bot.kernel.commands.Command` from its typed options (the checks of
:mod:`bot.kernel.commands`, no text re-parsed); the bridge builds it and calls the core,
and the answer arrives as a follow-up. The group has no other dependency, so the
``discord-sync`` CLI can register it without a running bot.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial

import discord
from discord import app_commands

from bot.kernel import commands
from bot.kernel.commands import COMMANDS, MAX_QUESTION_CHARS, Command, Digest, Help, ListFollowed

COMMAND_EVENT = "arxiv_command"
EPHEMERAL = frozenset({"help"})
_SUMMARIES = {spec.name: spec.summary for spec in COMMANDS}
_LANGUAGES = [
    app_commands.Choice(name="English", value="en"),
    app_commands.Choice(name="中文", value="zh"),
]
_ACTIONS = [
    app_commands.Choice(name="add", value="add"),
    app_commands.Choice(name="remove", value="remove"),
]
_INTEREST_ACTIONS = [
    app_commands.Choice(name="list", value="list"),
    app_commands.Choice(name="add", value="add"),
    app_commands.Choice(name="remove", value="remove"),
]


CommandBuilder = Callable[[], Command]  # raises CommandError when an option is invalid


async def _run(interaction: discord.Interaction, name: str, build: CommandBuilder) -> None:
    """Refuse at once if the user may not run ``name``; else defer and dispatch the builder."""
    check = getattr(interaction.client, "refusal", None)
    refused = check(interaction, name) if check is not None else None
    if refused is not None:
        none = discord.AllowedMentions.none()
        await interaction.response.send_message(refused, ephemeral=True, allowed_mentions=none)
        return
    await interaction.response.defer(thinking=True, ephemeral=name in EPHEMERAL)
    interaction.client.dispatch(COMMAND_EVENT, interaction, name, build)


class ArxivGroup(
    app_commands.Group,
    name="arxiv",
    description="Watch arXiv and analyse papers in full text",
    guild_only=True,
):
    """``/arxiv analyze|ask|subscribe|unsubscribe|categories|interests|list|digest|search|help``."""

    @app_commands.command(description=_SUMMARIES["analyze"])
    @app_commands.describe(
        paper="arXiv ID or URL, e.g. 2511.05275",
        language="Analysis language",
        refresh="Analyse again even if the card's thread already has the analysis",
    )
    @app_commands.choices(language=_LANGUAGES)
    async def analyze(
        self,
        interaction: discord.Interaction,
        paper: app_commands.Range[str, 1, 200],
        language: app_commands.Choice[str] | None = None,
        refresh: bool = False,
    ) -> None:
        chosen = language.value if language else None
        await _run(interaction, "analyze", partial(commands.analyze, paper, chosen, refresh))

    @app_commands.command(description=_SUMMARIES["ask"])
    @app_commands.describe(
        paper="arXiv ID or URL, e.g. 2511.05275",
        question="Your question about the paper, e.g. which datasets did they use?",
        language="Answer language (default: the question's language)",
    )
    @app_commands.choices(language=_LANGUAGES)
    async def ask(
        self,
        interaction: discord.Interaction,
        paper: app_commands.Range[str, 1, 200],
        question: app_commands.Range[str, 1, MAX_QUESTION_CHARS],
        language: app_commands.Choice[str] | None = None,
    ) -> None:
        chosen = language.value if language else None
        await _run(interaction, "ask", partial(commands.ask, paper, question, chosen))

    @app_commands.command(description=_SUMMARIES["subscribe"])
    @app_commands.describe(keyword="A keyword or phrase to follow in this channel")
    async def subscribe(
        self, interaction: discord.Interaction, keyword: app_commands.Range[str, 1, 100]
    ) -> None:
        await _run(interaction, "subscribe", partial(commands.subscribe, keyword))

    @app_commands.command(description=_SUMMARIES["unsubscribe"])
    @app_commands.describe(keyword="The keyword or phrase to stop following")
    async def unsubscribe(
        self, interaction: discord.Interaction, keyword: app_commands.Range[str, 1, 100]
    ) -> None:
        await _run(interaction, "unsubscribe", partial(commands.unsubscribe, keyword))

    @app_commands.command(description=_SUMMARIES["categories"])
    @app_commands.describe(
        action="Add or remove",
        category="An arXiv category such as cs.RO",
        all_papers="Follow every paper of the category, even without keywords (if allowed)",
    )
    @app_commands.choices(action=_ACTIONS)
    async def categories(
        self,
        interaction: discord.Interaction,
        action: app_commands.Choice[str],
        category: app_commands.Range[str, 1, 40],
        all_papers: bool = False,
    ) -> None:
        build = partial(commands.categories, action.value, category, all_papers)
        await _run(interaction, "categories", build)

    @app_commands.command(description=_SUMMARIES["interests"])
    @app_commands.describe(
        action="List, add or remove",
        paper="arXiv ID or URL (for add and remove), e.g. 2212.04356",
    )
    @app_commands.choices(action=_INTEREST_ACTIONS)
    async def interests(
        self,
        interaction: discord.Interaction,
        action: app_commands.Choice[str],
        paper: app_commands.Range[str, 1, 200] | None = None,
    ) -> None:
        build = partial(commands.interests, action.value, paper)
        await _run(interaction, f"interests {action.value}", build)

    @app_commands.command(name="list", description=_SUMMARIES["list"])
    async def list_followed(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "list", ListFollowed)

    @app_commands.command(description=_SUMMARIES["digest"])
    async def digest(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "digest", Digest)

    @app_commands.command(description=_SUMMARIES["search"])
    @app_commands.describe(query="Words to search arXiv for")
    async def search(
        self, interaction: discord.Interaction, query: app_commands.Range[str, 1, 200]
    ) -> None:
        await _run(interaction, "search", partial(commands.search, query))

    @app_commands.command(name="help", description=_SUMMARIES["help"])
    async def help_(self, interaction: discord.Interaction) -> None:
        await _run(interaction, "help", Help)


def command_tree(client: discord.Client) -> app_commands.CommandTree[discord.Client]:
    """A command tree holding the ``/arxiv`` group."""
    tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(client)
    tree.add_command(ArxivGroup())
    return tree


async def sync_commands(
    tree: app_commands.CommandTree[discord.Client], guild_ids: tuple[int, ...]
) -> list[app_commands.AppCommand]:
    """Register the commands with Discord: per guild (instant) when configured, else globally."""
    if not guild_ids:
        return await tree.sync()
    synced: list[app_commands.AppCommand] = []
    for guild_id in guild_ids:
        guild = discord.Object(id=guild_id)
        tree.copy_global_to(guild=guild)
        synced.extend(await tree.sync(guild=guild))
    return synced
