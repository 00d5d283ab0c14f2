"""Fixtures for the reliability suite: the fakes the subprocess bot talks to."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.reliability.harness import SlowSlack
from tests.support.fakes.llm import LlmFake
from tests.support.llm_answers import ANSWER


def pytest_configure(config: pytest.Config) -> None:
    config.addinivalue_line(
        "markers", "reliability: runs the real bot as a subprocess (kills, faults, load)"
    )


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    server = SlowSlack()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def llm() -> Iterator[LlmFake]:
    server = LlmFake(ANSWER)
    server.start()
    yield server
    server.stop()
