"""allowed_roles / allowed_channels: token-spending requests are refused politely."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.config import DiscordConfig
from bot.store import jobs
from handlers.discord.access import refusal
from tests.support.discord_harness import Bot, running_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import CHANNEL_ID, OTHER_CHANNEL_ID, ROLE_ID, DiscordFake
from tests.support.fakes.server import until

PAPER_ID = "2511.05275"
ROLE_REFUSAL = "Sorry, requesting paper analyses needs a role"
CHANNEL_REFUSAL = "Sorry, paper analyses can't be requested in this channel."
EPHEMERAL = 1 << 6


@pytest.fixture
async def bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> AsyncIterator[Bot]:
    settings = f"allowed_roles = [{ROLE_ID}]\nallowed_channels = [{CHANNEL_ID}]\n"
    async with running_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, settings) as running:
        yield running


def queued(bot: Bot) -> int:
    return sum(jobs.depth(bot.core.store.db).values())


async def refused_before_defer(bot: Bot, interaction: dict[str, Any]) -> str:
    """The refusal, answered at once and only to the user (#14 item 5): no public defer."""
    await until(lambda: bot.callbacks(interaction))
    [callback] = bot.callbacks(interaction)
    assert callback["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE, not a deferred "thinking…"
    assert callback["data"]["flags"] & EPHEMERAL
    assert callback["data"]["allowed_mentions"] == {"parse": []}
    return str(callback["data"]["content"])


def test_refusal_rules() -> None:
    config = DiscordConfig(allowed_roles=(1,), allowed_channels=(10,))
    assert refusal(config, {10}, {1, 2}) is None
    assert refusal(config, {11, 10}, {1}) is None  # a thread of an allowed channel
    assert refusal(config, {11}, {1}) == CHANNEL_REFUSAL
    assert str(refusal(config, {10}, {2})).startswith(ROLE_REFUSAL)
    assert refusal(DiscordConfig(), set(), set()) is None


async def test_analyze_without_an_allowed_role_is_refused(bot: Bot) -> None:
    interaction = bot.interact(bot.discord.interaction("analyze", roles=(), paper=PAPER_ID))

    refusal = await refused_before_defer(bot, interaction)
    assert refusal.startswith(ROLE_REFUSAL)
    assert queued(bot) == 0


async def test_analyze_outside_the_allowed_channels_is_refused(bot: Bot) -> None:
    payload = bot.discord.interaction("analyze", channel=OTHER_CHANNEL_ID, paper=PAPER_ID)
    interaction = bot.interact(payload)

    assert await refused_before_defer(bot, interaction) == CHANNEL_REFUSAL
    assert queued(bot) == 0


async def test_commands_that_spend_no_tokens_stay_open(bot: Bot) -> None:
    interaction = bot.interact(bot.discord.interaction("help", roles=()))

    [followup] = await bot.followups(interaction)
    assert "/arxiv analyze" in followup["content"]


async def test_button_without_an_allowed_role_is_refused_ephemerally(bot: Bot) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)

    interaction = bot.interact(bot.discord.button_interaction(card, roles=()))

    [followup] = await bot.followups(interaction)
    assert followup["content"].startswith(ROLE_REFUSAL)
    assert followup["flags"] & (1 << 6)
    assert queued(bot) == 0


async def test_reaction_without_an_allowed_role_gets_a_notice_in_the_thread(bot: Bot) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)

    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(card, roles=()))

    [notice] = await bot.thread_contents(card, 1)
    assert notice.startswith(ROLE_REFUSAL)
    assert queued(bot) == 0


async def test_allowed_member_in_an_allowed_channel_gets_the_analysis_queued(bot: Bot) -> None:
    bot.serve(PAPER_ID)

    interaction = bot.interact(bot.discord.interaction("analyze", paper=PAPER_ID))

    [followup] = await bot.followups(interaction)
    assert followup["content"].startswith(f"Queued the analysis of {PAPER_ID}")
