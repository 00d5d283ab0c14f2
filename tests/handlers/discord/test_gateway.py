"""The gateway connection: reconnects (RESUME, or IDENTIFY after an invalid session),
one command sync per process, and a clean stop."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from discord.gateway import DiscordWebSocket
from discord.http import Route

from bot.kernel.errors import ConfigError
from handlers.discord import create_adapter
from tests.support.core_env import core
from tests.support.discord_harness import Bot, running_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import OP_IDENTIFY, OP_RESUME, DiscordFake
from tests.support.fakes.server import until

PAPER_ID = "2511.05275"


@pytest.fixture
async def bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as running:
        yield running


async def assert_reaction_handled(bot: Bot) -> None:
    """A reaction on a fresh card is answered in the card's thread."""
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)
    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(card))
    [notice, *_] = await bot.thread_contents(card, 1)
    assert notice.startswith(f"Queued the analysis of {PAPER_ID}")


def command_syncs(fake: DiscordFake) -> int:
    return len(fake.matching(lambda r: r.method == "PUT" and r.path.endswith("/commands")))


async def test_bot_resumes_after_the_gateway_closes(bot: Bot) -> None:
    bot.discord.close_gateway(code=4000)

    await until(lambda: bot.discord.received_ops(OP_RESUME))
    await until(bot.adapter.is_connected)
    [resume] = bot.discord.received_ops(OP_RESUME)
    assert resume["d"]["session_id"] == "session-1"
    await assert_reaction_handled(bot)
    assert len(bot.discord.received_ops(OP_IDENTIFY)) == 1
    assert command_syncs(bot.discord) == 1


async def test_bot_identifies_again_when_the_session_cannot_resume(bot: Bot) -> None:
    bot.discord.resumable = False
    bot.discord.close_gateway(code=4000)

    # discord.py waits 5 s before a second IDENTIFY (Discord's identify rate limit)
    await until(lambda: len(bot.discord.received_ops(OP_IDENTIFY)) == 2, timeout_s=20)
    await until(bot.adapter.is_connected)
    assert len(bot.discord.received_ops(OP_RESUME)) == 1
    await assert_reaction_handled(bot)
    assert command_syncs(bot.discord) == 1  # setup_hook ran once, not on every READY


async def test_identify_asks_only_for_unprivileged_intents(bot: Bot) -> None:
    [identify] = bot.discord.received_ops(OP_IDENTIFY)
    guilds, guild_messages, guild_reactions, message_content = 1, 1 << 9, 1 << 10, 1 << 15
    assert identify["d"]["intents"] == guilds | guild_messages | guild_reactions
    assert not identify["d"]["intents"] & message_content


async def test_stop_disconnects_and_restores_the_endpoints(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> None:
    before = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    async with running_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as running:
        assert running.adapter.is_connected()
        assert discord_fake.api_url == Route.BASE
        adapter = running.adapter
    assert not adapter.is_connected()
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)


async def test_missing_token_is_a_config_error(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> None:
    monkeypatch.delenv("DISCORD_TOKEN", raising=False)
    async with core(arxiv_fake, tmp_path, discord_fake.config_toml(), register=False) as env:
        with pytest.raises(ConfigError, match=r"\$DISCORD_TOKEN"):
            create_adapter(env.config, env.service)


async def test_a_rejected_token_is_a_config_error_at_start(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> None:
    monkeypatch.setenv("DISCORD_TOKEN", "revoked")
    async with core(arxiv_fake, tmp_path, discord_fake.config_toml(), register=False) as env:
        adapter = create_adapter(env.config, env.service)
        with pytest.raises(ConfigError, match="rejected the bot token"):
            await adapter.start()
    assert not discord_fake.connected
    assert Route.BASE == "https://discord.com/api/v10"
