"""Shared fixtures: loopback servers and a temporary working directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import DiscordFake
from tests.support.fakes.slack import SlackFake

# Fixtures shared across folders (the loopback LLM with the pipeline's answer, the cue paper).
pytest_plugins = ["tests.support.analysis_env"]


@pytest.fixture
def arxiv_fake() -> Iterator[ArxivFake]:
    server = ArxivFake().start()
    yield server
    server.stop()


@pytest.fixture
def slack() -> Iterator[SlackFake]:
    """A loopback Slack Web API (and Socket Mode websocket)."""
    fake = SlackFake()
    fake.start()
    yield fake
    fake.stop()


@pytest.fixture
def discord_fake() -> Iterator[DiscordFake]:
    """A loopback Discord REST API and gateway."""
    server = DiscordFake()
    server.start()
    yield server
    server.stop()
