"""A full poll cycle for 4 categories against the loopback arXiv: wall time and peak RSS.

Serves a generated 2,000-item RSS 2.0 feed, then runs `poll_monitor` (fetch, parse,
filter, store in SQLite) on a fresh database, and again on the same database (the
steady state of the repeated polls through the announcement window).
Target: peak RSS under 120 MB.
"""

from __future__ import annotations

import asyncio
import resource
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from benchmarks.bench_parse_filter import generate_feed
from bot.arxiv.client import ArxivClient
from bot.kernel.config import parse_config
from bot.store import Store
from bot.watch.poll import poll_monitor
from tests.support.fakes.arxiv import ArxivFake

ITEMS = 2000


async def cycle(config_text: str, db_path: Path) -> tuple[float, int]:
    config = parse_config(config_text)
    store = Store.open(db_path)
    client = ArxivClient(config.arxiv)
    started = time.perf_counter()
    outcome = await poll_monitor(client, store, config.monitors[0])
    elapsed = time.perf_counter() - started
    await client.aclose()
    store.close()
    return elapsed, len(outcome.new_matches)


def main() -> int:
    fake = ArxivFake().start()
    fake.feeds["*"] = generate_feed(ITEMS)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            db_path = Path(tmp) / "radar.db"
            config_text = fake.config_toml()
            first, matched = asyncio.run(cycle(config_text, db_path))
            second, _ = asyncio.run(cycle(config_text, db_path))
    finally:
        fake.stop()
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"poll cycle, {ITEMS} items, 4 categories, fresh database: {first:.3f} s")
    print(f"  new matches stored: {matched}")
    print(f"poll cycle, same feed again (all seen):           {second:.3f} s")
    print(f"peak RSS of the process (server included): {peak_mb:.1f} MB (target < 120 MB)")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
