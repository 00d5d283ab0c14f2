"""End-to-end ``analyze`` overhead: everything the bot does around the LLM call.

Run: ``.venv/bin/python benchmarks/bench_analyze.py [--repeat N]``.
A loopback arXiv serves the API entry and the 15-page CiteSee paper (2302.07302,
from the shared corpus); a loopback LLM answers instantly. After one warm-up run
(which downloads the PDF into the cache directory), each measured run uses
``refresh=True``: metadata look-up, the cached PDF, extraction in a worker
process, budget, the LLM round trip, verification and the SQLite cache write.
Target: under 2 s per analysis. The cache hit (no ``refresh``) is shown too.

The extraction worker comes from a ``forkserver``, which re-imports the main
script in every child: this script therefore imports the project only inside
functions, so that a child costs what it costs under a light main module.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_S = 2.0
PAPER_ID = "2302.07302"
PDF_NAME = "2302.07302v1_CiteSee_CHI_ACM_2col.pdf"
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"


async def timed_runs(config: Any, engine: str, repeat: int) -> tuple[list[float], float]:
    """Seconds of ``repeat`` refreshed analyses after a warm-up, and of one cache hit."""
    from analysis.pipeline import Analyzer
    from bot.arxiv.client import ArxivClient
    from bot.kernel.ids import ArxivId
    from bot.store import Store

    paper = ArxivId(PAPER_ID)
    store = Store.open(config.storage.path)
    client = ArxivClient(config.arxiv)
    analyzer = Analyzer(config, store, client)
    try:
        await analyzer.analyze(paper, engine=engine)
        runs = []
        for _ in range(repeat):
            started = time.perf_counter()
            await analyzer.analyze(paper, engine=engine, refresh=True)
            runs.append(time.perf_counter() - started)
        started = time.perf_counter()
        await analyzer.analyze(paper, engine=engine)
        hit = time.perf_counter() - started
    finally:
        await client.aclose()
        store.close()
    return runs, hit


def measure(pdf: Path, repeat: int) -> dict[str, tuple[list[float], float]]:
    from tests.support.analysis_env import KEY_ENV, LLM_ANSWER, atom, make_config
    from tests.support.fakes.arxiv import ArxivFake
    from tests.support.fakes.llm import LlmFake

    arxiv, llm = ArxivFake(), LlmFake(LLM_ANSWER)
    arxiv.start()
    llm.start()
    arxiv.api[PAPER_ID] = atom(PAPER_ID, 1, "CiteSee", "A paper reading tool.")
    arxiv.pdfs[PAPER_ID] = pdf.read_bytes()
    os.environ[KEY_ENV] = "sk-bench"
    try:
        with tempfile.TemporaryDirectory() as tmp:
            config = make_config(arxiv, llm, Path(tmp))
            return {e: asyncio.run(timed_runs(config, e, repeat)) for e in ("llm", "extractive")}
    finally:
        arxiv.stop()
        llm.stop()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=5)
    repeat = parser.parse_args().repeat
    pdf = Path(os.environ.get("ARXIV_RADAR_CORPUS", CORPUS)) / "pdfs" / PDF_NAME
    if not pdf.is_file():
        sys.exit(f"corpus paper not found: {pdf}")
    results = measure(pdf, repeat)
    print(f"analyze {PAPER_ID} (15 pages), cached PDF, instant loopback LLM, {repeat} runs")
    for engine, (runs, hit) in results.items():
        print(
            f"  {engine:<10} median {statistics.median(runs):.3f} s, max {max(runs):.3f} s"
            f" (target < {TARGET_S:g} s); cache hit {hit * 1000:.1f} ms"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
