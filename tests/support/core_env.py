"""A real core for service, worker, scheduler and health tests.

:func:`core` builds the real parts on a temporary SQLite file: the arXiv client on
the loopback :class:`ArxivFake`, the analysis pipeline (extractive engine) on
PDFs generated with PyMuPDF, the service, and a :class:`RecordingPlatform`
standing in for the chat platform. The clock is injectable (:class:`Clock`).
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from analysis.pipeline import Analyzer
from bot.arxiv.client import ArxivClient
from bot.chat.service import RadarService
from bot.chat.workers import Workers
from bot.kernel.config import Config, parse_config
from bot.kernel.models import Paper
from bot.runtime.assembly import workers_for
from bot.store import Store
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.platform import RecordingPlatform
from tests.support.pdf_factory import numbered_paper
from tests.support.slack_harness import atom_api


class Clock:
    """Real time shifted to start at ``start`` (timezone-aware UTC); :meth:`advance` jumps."""

    def __init__(self, start: datetime) -> None:
        self.offset = start.astimezone(UTC) - datetime.now(UTC)

    def __call__(self) -> datetime:
        return datetime.now(UTC) + self.offset

    def advance(self, **delta: float) -> None:
        self.offset += timedelta(**delta)

    def set(self, moment: datetime) -> None:
        self.offset = moment.astimezone(UTC) - datetime.now(UTC)


def make_config(fake: ArxivFake, tmp_path: Path, extra: str = "", storage: str = "") -> Config:
    """Config pointing at the fake arXiv and ``tmp_path``; ``extra`` is more TOML,
    ``storage`` more lines of the ``[storage]`` table."""
    paths = (
        f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n{storage}'
        f'[report]\ndir = "{tmp_path}/reports"\nlanguage = "en"\n'
    )
    return parse_config(fake.config_toml() + paths + extra)


def paper(arxiv_id: str, title: str | None = None) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=1,
        title=title or f"A study of careful evaluation ({arxiv_id})",
        authors=("Ada Lovelace", "Alan Turing"),
        abstract="We study how retrieval models behave when the training data is small.",
        categories=("cs.LG",),
        announce_type="new",
        published=datetime(2025, 11, 10, 5, tzinfo=UTC),
    )


def serve_papers(fake: ArxivFake, folder: Path, ids: list[str]) -> list[Paper]:
    """Serve a generated PDF and an API entry for each ID (asked bare or as v1 to v3)."""
    pdf = numbered_paper(folder).read_bytes()
    papers = [paper(arxiv_id) for arxiv_id in ids]
    for item in papers:
        fake.pdfs[item.arxiv_id] = pdf
        for key in (item.arxiv_id, *(f"{item.arxiv_id}v{n}" for n in (1, 2, 3))):
            fake.api[key] = atom_api([item])
    return papers


@dataclass
class Core:
    config: Config
    store: Store
    arxiv: ArxivClient
    analyzer: Analyzer
    service: RadarService
    platform: RecordingPlatform
    fake: ArxivFake
    clock: Clock

    def workers(self, **overrides: Any) -> Workers:
        timing = {"retry_backoff_s": 0.05, "sweep_interval_s": 0.1, "idle_poll_s": 0.05}
        return workers_for(self.service, **(timing | overrides))


@asynccontextmanager
async def core(
    fake: ArxivFake,
    tmp_path: Path,
    extra: str = "",
    *,
    register: bool = True,
    now: datetime | None = None,
    storage: str = "",
) -> AsyncIterator[Core]:
    """The real core around ``fake``; the platform is registered unless ``register=False``."""
    config = make_config(fake, tmp_path, extra, storage)
    clock = Clock(now or datetime.now(UTC))
    store = Store.open(
        config.storage.path, clock=clock, busy_timeout_s=config.storage.busy_timeout_s
    )
    arxiv = ArxivClient(replace(config.arxiv, timeout_s=5))
    analyzer = Analyzer(config, store, arxiv)
    service = RadarService(config, store, arxiv, analyzer)
    platform = RecordingPlatform()
    if register:
        service.register(platform)
    try:
        yield Core(config, store, arxiv, analyzer, service, platform, fake, clock)
    finally:
        await arxiv.aclose()
        store.close()
