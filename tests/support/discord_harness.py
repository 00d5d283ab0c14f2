"""A running Discord bot for adapter tests: the real core, real discord.py, loopback fakes.

:func:`running_bot` wires the real :class:`~bot.chat.service.RadarService` (SQLite store,
arXiv client on the ArxivFake, the extractive analysis pipeline on generated PDFs,
the workers) to the Discord adapter, whose REST and gateway traffic goes to the
:class:`~tests.support.fakes.discord.DiscordFake`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

from bot.chat.workers import Workers
from bot.kernel.models import Paper
from handlers.discord import DiscordAdapter, create_adapter
from tests.support.core_env import Core, core, serve_papers
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import API, CHANNEL_ID, DiscordFake, message_payload
from tests.support.fakes.server import until

TOKEN_ENV = {"DISCORD_TOKEN": "test-token"}


@dataclass
class Bot:
    core: Core
    adapter: DiscordAdapter
    workers: Workers
    discord: DiscordFake
    folder: Path

    def serve(self, *ids: str) -> list[Paper]:
        """Make the fake arXiv serve a PDF and API entry for each ID."""
        return serve_papers(self.core.fake, self.folder, list(ids))

    async def post_card(self, paper: Paper, channel: str = CHANNEL_ID) -> str:
        """A card the radar posted (recorded in the store, as announcements are)."""
        platform = self.adapter.platform
        return await self.core.service.cards.ensure(platform, channel, paper, (), "default")

    def interact(self, payload: dict[str, Any]) -> dict[str, Any]:
        self.discord.dispatch("INTERACTION_CREATE", payload)
        return payload

    async def followups(self, interaction: dict[str, Any], count: int = 1) -> list[dict[str, Any]]:
        """The follow-up messages of ``interaction`` once ``count`` have arrived."""
        path = f"{API}/webhooks/{interaction['application_id']}/{interaction['token']}"

        def sent() -> list[dict[str, Any]]:
            found = self.discord.matching(lambda r: r.method == "POST" and r.path == path)
            return [message_payload(r) for r in found]

        await until(lambda: len(sent()) >= count)
        return sent()

    def callbacks(self, interaction: dict[str, Any]) -> list[dict[str, Any]]:
        path = f"{API}/interactions/{interaction['id']}/{interaction['token']}/callback"
        return [r.json for r in self.discord.matching(lambda r: r.path == path)]

    async def thread_contents(self, card: str, count: int) -> list[str]:
        """The contents of the thread on ``card`` once it holds ``count`` messages."""
        await until(lambda: len(self.discord.channel_messages(card)) >= count, timeout_s=30)
        return [m["content"] for m in self.discord.channel_messages(card)]


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord: DiscordFake,
    arxiv: ArxivFake,
    settings: str = "",
    storage: str = "",
) -> AsyncIterator[Bot]:
    """Start store, service, workers and the Discord adapter; stop them all afterwards.

    ``settings`` are more ``[discord]`` keys and ``storage`` more ``[storage]`` keys
    (TOML lines).
    """
    for name, value in TOKEN_ENV.items():
        monkeypatch.setenv(name, value)
    toml = discord.config_toml(settings) + '[analysis]\nengine = "extractive"\n'
    async with core(arxiv, tmp_path, toml, register=False, storage=storage) as env:
        workers = env.workers()
        adapter = create_adapter(env.config, env.service)
        await workers.start()
        await adapter.start()
        try:
            await until(adapter.is_connected)
            yield Bot(env, adapter, workers, discord, tmp_path)
        finally:
            await workers.stop(5)
            await adapter.stop()
