"""The store and the arXiv client of one command or run, opened and closed together.

``async with open_radar(config) as radar:`` replaces the open-and-close blocks
each command once wrote by hand; the database waits ``storage.busy_timeout_s``
for a lock held by another process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

from bot.arxiv.client import ArxivClient
from bot.kernel.config import Config
from bot.store import Store


@dataclass(frozen=True)
class Radar:
    """What every command that reads arXiv or the database works with."""

    config: Config
    store: Store
    arxiv: ArxivClient


@asynccontextmanager
async def open_radar(config: Config) -> AsyncIterator[Radar]:
    """Open the store and the arXiv client; close both however the block ends."""
    store = Store.open(config.storage.path, busy_timeout_s=config.storage.busy_timeout_s)
    try:
        arxiv = ArxivClient(config.arxiv)
    except BaseException:
        store.close()
        raise
    try:
        yield Radar(config, store, arxiv)
    finally:
        try:
            await arxiv.aclose()
        finally:
            store.close()
