"""Soak: 1,000 scheduled poll cycles (fetch, parse, filter, store, post cards) in one process.

Each cycle is the scheduler's poll job for the seed monitor against the loopback
arXiv, serving a generated 100-item feed that becomes a new announcement (new IDs,
so new matches and new cards) every 10 cycles. Cards go to an in-memory chat
platform emptied every cycle. Resident memory and open file descriptors are
measured after a warm-up and at the end. Targets: RSS growth < 10 MB, no fd growth.

Run: ``.venv/bin/python benchmarks/bench_soak.py [--cycles N]``.
"""

from __future__ import annotations

import argparse
import asyncio
import gc
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_parse_filter import generate_feed
from bot.runtime.assembly import scheduler_for
from tests.support.core_env import core
from tests.support.fakes.arxiv import ArxivFake

ITEMS = 100
CYCLES_PER_ANNOUNCEMENT = 10
WARM_UP = 50
MONITOR = '[[monitors]]\nname = "soak"\nchannels = ["slack:C1", "slack:C2"]\n'


@dataclass(frozen=True)
class SoakResult:
    cycles: int
    seconds: float
    cards: int
    rss_start_mb: float
    rss_end_mb: float
    fds_start: int
    fds_end: int

    @property
    def rss_growth_mb(self) -> float:
        return self.rss_end_mb - self.rss_start_mb


def announcement(number: int) -> bytes:
    """The generated feed with IDs of month ``number`` (2401, 2402…): all new papers."""
    month = f"{24 + number // 12:02d}{number % 12 + 1:02d}"
    return generate_feed(ITEMS).replace(b"2511.", f"{month}.".encode())


async def soak(folder: Path, fake: ArxivFake, cycles: int) -> SoakResult:
    process = psutil.Process()
    async with core(fake, folder, MONITOR) as env:
        schedule = scheduler_for(env.service)
        monitor = env.config.monitor("soak")
        cards = 0
        started = time.perf_counter()
        baseline = (0.0, 0)
        for cycle in range(cycles):
            if cycle % CYCLES_PER_ANNOUNCEMENT == 0:
                fake.feeds["*"] = announcement(cycle // CYCLES_PER_ANNOUNCEMENT)
            await schedule.poll(monitor)
            cards += len(env.platform.sent)
            env.platform.sent.clear()
            fake.requests.clear()
            if cycle + 1 == WARM_UP:
                gc.collect()
                baseline = (process.memory_info().rss / 2**20, process.num_fds())
        seconds = time.perf_counter() - started
        gc.collect()
        end = (process.memory_info().rss / 2**20, process.num_fds())
    return SoakResult(cycles, seconds, cards, baseline[0], end[0], baseline[1], end[1])


def run_soak(folder: Path, cycles: int = 1000) -> SoakResult:
    fake = ArxivFake()
    fake.start()
    try:
        return asyncio.run(soak(folder, fake, cycles))
    finally:
        fake.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--cycles", type=int, default=1000)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        result = run_soak(Path(tmp), args.cycles)
    print(
        f"{result.cycles} poll cycles ({ITEMS}-item feed, a new announcement every "
        f"{CYCLES_PER_ANNOUNCEMENT}) in {result.seconds:.1f} s "
        f"({result.seconds / result.cycles * 1000:.1f} ms per cycle); {result.cards} cards posted"
    )
    print(
        f"RSS after {WARM_UP} cycles {result.rss_start_mb:.1f} MB, at the end "
        f"{result.rss_end_mb:.1f} MB: growth {result.rss_growth_mb:+.1f} MB (target < 10 MB)"
    )
    print(f"open file descriptors: {result.fds_start} → {result.fds_end} (target: no growth)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
