"""``open_radar``: the store and the arXiv client of a command, closed however it ends."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from bot.kernel.config import parse_config
from bot.runtime.radar import open_radar


async def test_both_are_closed_even_when_the_block_fails(tmp_path: Path) -> None:
    config = parse_config(
        f'[storage]\npath = "{tmp_path}/radar.db"\nbusy_timeout_s = 2.5\n', source="test"
    )
    opened = []

    async def fail_inside() -> None:
        async with open_radar(config) as radar:
            opened.append(radar)
            assert radar.store.db.execute("PRAGMA busy_timeout").fetchone()[0] == 2500
            raise RuntimeError("boom")

    with pytest.raises(RuntimeError, match="boom"):
        await fail_inside()
    store, arxiv = opened[0].store, opened[0].arxiv
    assert arxiv._client.is_closed
    with pytest.raises(sqlite3.ProgrammingError):
        store.db.execute("SELECT 1")
