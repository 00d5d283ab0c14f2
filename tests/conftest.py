"""Shared fixtures: loopback servers and a temporary working directory."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.arxiv import ArxivFake


@pytest.fixture
def arxiv_fake() -> Iterator[ArxivFake]:
    server = ArxivFake().start()
    yield server
    server.stop()
