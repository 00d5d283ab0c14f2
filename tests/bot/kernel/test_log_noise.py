"""Starting the bot logs no library warning a user cannot act on, and nothing else is lost."""

from __future__ import annotations

import io
import logging
from collections.abc import Iterator
from pathlib import Path

import discord
import pytest

from analysis.pipeline import Analyzer
from bot.arxiv.client import ArxivClient
from bot.chat.service import RadarService
from bot.kernel.config import Config, parse_config
from bot.kernel.log_noise import UNACTIONABLE, DropUnactionable
from bot.kernel.logs import configure_logging
from bot.runtime.cli_runtime import create_adapters
from bot.store import Store

UNACTIONABLE_TEXT = ("voice will NOT be supported", "will be unused")


@pytest.fixture
def config(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Config:
    for name, value in {
        "SLACK_BOT_TOKEN": "xoxb-test",
        "SLACK_SIGNING_SECRET": "signing-secret",
        "DISCORD_TOKEN": "discord-token",
    }.items():
        monkeypatch.setenv(name, value)
    # discord.py warns once per process; make sure this test's client would warn.
    monkeypatch.setattr(discord.VoiceClient, "warn_nacl", True)
    monkeypatch.setattr(discord.VoiceClient, "warn_dave", True)
    return parse_config(
        f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        '[slack]\nenabled = true\nmode = "http"\n[discord]\nenabled = true\n'
    )


@pytest.fixture
def logs() -> Iterator[io.StringIO]:
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)
    yield io.StringIO()
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])
    for name in UNACTIONABLE:
        logger = logging.getLogger(name)
        logger.filters[:] = [f for f in logger.filters if not isinstance(f, DropUnactionable)]


async def start_adapters(config: Config) -> None:
    store = Store.open(config.storage.path)
    arxiv = ArxivClient(config.arxiv)
    try:
        service = RadarService(config, store, arxiv, Analyzer(config, store, arxiv))
        assert len(create_adapters(config, service)) == 2
    finally:
        await arxiv.aclose()
        store.close()


async def test_the_bot_starts_without_unactionable_warnings(config, logs) -> None:
    configure_logging(config, stream=logs, level=logging.DEBUG)
    await start_adapters(config)
    logging.getLogger("discord.client").warning("the gateway is unreachable")
    text = logs.getvalue()
    assert not [fragment for fragment in UNACTIONABLE_TEXT if fragment in text], text
    assert "the gateway is unreachable" in text


async def test_without_the_filters_the_libraries_do_warn(config, logs) -> None:
    """The test above is not vacuous: these warnings do fire on start-up."""
    configure_logging(config, stream=logs, level=logging.DEBUG)
    for name in UNACTIONABLE:
        logging.getLogger(name).filters.clear()
    await start_adapters(config)
    assert all(fragment in logs.getvalue() for fragment in UNACTIONABLE_TEXT)
