"""Ask the paper: indexing per paper, retrieval per question, the bot's overhead per answer.

Run: ``.venv/bin/python benchmarks/bench_ask.py [--rounds N]``.

- indexing: split into passages + store in SQLite FTS5, per corpus paper (the
  extraction itself is ``bench_extract.py``'s), best of ``--rounds``;
- retrieval: ``PassageIndex.search`` for 10 questions on the 39-page Paper Plain PDF
  (target under 20 ms a question), alone in the database and among 200 indexed papers,
  median and p95 over ``--rounds`` passes;
- the bot's overhead per fresh answer beyond the LLM call (target under 300 ms):
  ``Asker.ask`` with an instant loopback LLM, minus the time spent inside the openai call;
- through the real ``arxiv-radar ask`` command: first question (extract + index),
  a new question (indexed), the same question again (cache), median of 3.

Needs the shared corpus (``$ARXIV_RADAR_CORPUS`` or ``../shared/corpus``); nothing leaves
the machine.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from analysis.document import Document

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = Path(
    os.environ.get("ARXIV_RADAR_CORPUS", Path(__file__).resolve().parents[2] / "shared" / "corpus")
)
LONG_PAPER = "pdfs/2203.00130v1_PaperPlain_ACM_long_appendix.pdf"
PAPERS = (
    "pdfs/2004.04906v3_DensePassageRetrieval_EMNLP_2col.pdf",
    "pdfs/2302.07302v1_CiteSee_CHI_ACM_2col.pdf",
    LONG_PAPER,
    "html/2303.17564_bloomberggpt_ar5iv.html",
)
QUESTIONS = (
    "What are the limitations of the study?",
    "How many participants completed the observation study?",
    "Which language model generated the answer gists?",
    "What did participants rate as the most helpful feature?",
    "How long was the reading task in the usability study?",
    "Which papers did participants read?",
    "这篇论文有哪些局限性？",
    "What GPUs did they use?",
    "How were the key questions chosen?",
    "What is the carbon footprint?",
)
OTHER_PAPERS = 200
TARGET_SEARCH_MS = 20.0
TARGET_OVERHEAD_MS = 300.0
KEY_ENV = "ARXIV_RADAR_BENCH_ASK_KEY"


def quantiles(values: list[float]) -> tuple[float, float]:
    ordered = sorted(values)
    return statistics.median(ordered), ordered[int(0.95 * (len(ordered) - 1))]


async def read(path: Path) -> Document:
    from analysis.fulltext.source import read_local_file
    from bot.config import Config

    return await read_local_file(Config().analysis, path, "auto")


async def indexing(folder: Path, rounds: int) -> None:
    from analysis.ask.index import PassageIndex
    from analysis.ask.passages import split_document
    from bot.config import Config
    from bot.store import Store

    print("indexing (split + FTS5 insert), best of", rounds)
    store = Store.open(folder / "index.db")
    index = PassageIndex(store, Config())
    for name in PAPERS:
        document = await read(CORPUS / name)
        passages = len(split_document(document))
        best = float("inf")
        for attempt in range(rounds):
            started = time.perf_counter()
            await index.add(f"bench-{attempt}", 1, document, 1)
            best = min(best, time.perf_counter() - started)
        label = Path(name).name[:40]
        print(f"  {label:<42} {document.pages:>3} p. {passages:>4} passages {best * 1000:7.1f} ms")
    store.close()


async def retrieval(folder: Path, rounds: int) -> None:
    from analysis.ask.index import PassageIndex
    from bot.config import Config
    from bot.store import Store

    document = await read(CORPUS / LONG_PAPER)
    for label, others in (("alone", 0), (f"among {OTHER_PAPERS} papers", OTHER_PAPERS)):
        store = Store.open(folder / f"search-{others}.db")
        index = PassageIndex(store, Config())
        for number in range(others):
            await index.add(f"other-{number}", 1, document, 1)
        paper = await index.add("2203.00130", 1, document, 1)
        times = []
        for _ in range(rounds):
            for question in QUESTIONS:
                started = time.perf_counter()
                await index.search(paper, question, "en")
                times.append((time.perf_counter() - started) * 1000)
        median, p95 = quantiles(times)
        verdict = "met" if p95 < TARGET_SEARCH_MS else "MISSED"
        print(
            f"retrieval on the 39-page paper, {label}: median {median:.2f} ms, p95 {p95:.2f} ms "
            f"per question ({len(times)} searches; target < {TARGET_SEARCH_MS:g} ms: {verdict})"
        )
        store.close()


async def overhead(folder: Path, rounds: int) -> None:
    import openai.resources.chat.completions as completions

    from analysis.ask.asker import Asker
    from analysis.pipeline import Analyzer
    from bot.arxiv import ArxivClient
    from bot.config import parse_config
    from bot.store import Store
    from tests.fakes.llm import LlmFake

    llm = LlmFake({"answer": "Twelve participants (§3).", "citations": []})
    llm.start()
    os.environ[KEY_ENV] = "sk-bench"
    config = parse_config(
        f'[storage]\npath = "{folder}/overhead.db"\ncache_dir = "{folder}/cache"\n'
        f'[llm]\nbase_url = "{llm.url}/v1"\nmodel = "fake"\napi_key_env = "{KEY_ENV}"\n'
    )
    store = Store.open(config.storage.path)
    client = ArxivClient(config.arxiv)
    asker = Asker(config, store, client, Analyzer(config, store, client))
    path = CORPUS / LONG_PAPER
    await asker.ask_file(path, QUESTIONS[0], engine="extractive")  # extract and index once
    inside = 0.0
    original = completions.AsyncCompletions.create

    async def timed(self: object, *args: object, **kwargs: object) -> object:
        nonlocal inside
        started = time.perf_counter()
        try:
            return await original(self, *args, **kwargs)
        finally:
            inside += time.perf_counter() - started

    completions.AsyncCompletions.create = timed  # type: ignore[method-assign,assignment]
    totals, beyond, extractive = [], [], []
    for _ in range(rounds):
        for question in QUESTIONS:
            inside = 0.0
            started = time.perf_counter()
            await asker.ask_file(path, question, engine="llm", refresh=True)
            total = time.perf_counter() - started
            totals.append(total * 1000)
            beyond.append((total - inside) * 1000)
            started = time.perf_counter()
            await asker.ask_file(path, question, engine="extractive", refresh=True)
            extractive.append((time.perf_counter() - started) * 1000)
    completions.AsyncCompletions.create = original  # type: ignore[method-assign]
    median, p95 = quantiles(beyond)
    verdict = "met" if p95 < TARGET_OVERHEAD_MS else "MISSED"
    print(
        f"answer with an instant loopback LLM: median {statistics.median(totals):.1f} ms in all, "
        f"{median:.1f} ms (p95 {p95:.1f} ms) beyond the LLM call "
        f"(target < {TARGET_OVERHEAD_MS:g} ms: {verdict}); "
        f"extractive answer median {statistics.median(extractive):.1f} ms"
    )
    await client.aclose()
    store.close()
    llm.stop()


def through_the_cli(folder: Path) -> None:
    command = [
        str(Path(sys.executable).with_name("arxiv-radar")),
        "--config",
        str(folder / "cli.toml"),
    ]
    (folder / "cli.toml").write_text(
        f'[storage]\npath = "{folder}/cli.db"\ncache_dir = "{folder}/cli-cache"\n'
    )
    path = str(CORPUS / LONG_PAPER)

    def wall(question: str) -> float:
        started = time.perf_counter()
        subprocess.run([*command, "ask", path, question], check=True, capture_output=True)
        return time.perf_counter() - started

    first = wall(QUESTIONS[0])
    fresh = statistics.median(wall(question) for question in QUESTIONS[1:4])
    cached = statistics.median(wall(QUESTIONS[1]) for _ in range(3))
    print(
        f"arxiv-radar ask on the 39-page PDF: first question {first:.2f} s (extract + index), "
        f"new question {fresh:.2f} s, cached answer {cached:.2f} s"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    if not (CORPUS / LONG_PAPER).is_file():
        sys.exit(f"corpus not found at {CORPUS}")
    with tempfile.TemporaryDirectory() as name:
        folder = Path(name)
        asyncio.run(indexing(folder, rounds))
        asyncio.run(retrieval(folder, rounds))
        asyncio.run(overhead(folder, rounds))
        through_the_cli(folder)


if __name__ == "__main__":
    main()
