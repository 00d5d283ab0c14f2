"""Time and memory of ranking a 2,000-item day against a 500-paper interest profile.

Run: ``.venv/bin/python benchmarks/bench_rank.py [--items N] [--profile N] [--repeat N]``.

The day and the profile are generated deterministically: 40 topics, each with its own
words, over a Zipf-distributed general vocabulary, titles of 8-14 words and abstracts
of 150-230 (about the size of arXiv's). The profile is a BibTeX file of 500 entries
(titles and abstracts, no arXiv IDs, so nothing is looked up). Every paper is stored
as a match of one announcement in a fresh SQLite file, then ranked:

- in process, :func:`bot.watch.ranking.rank_papers` with BM25 (best and median wall time of
  ``--repeat``, and the best CPU time of the process, which a shared machine disturbs
  less), with the share of the BM25 step, and the Python heap peak (``tracemalloc``);
- through the real ``arxiv-radar rank --format json --no-lookup`` as a fresh process:
  wall time and peak RSS, next to ``arxiv-radar --help`` for the start-up share.

- with embeddings: the cosine step for ``--embedded`` of the day's papers against the
  same profile, 1,536-dimension vectors already in the store's cache (what every poll
  after the first does; no server involved).

Target: under 1 s in process with BM25.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import resource
import statistics
import subprocess
import sys
import tempfile
import time
import tracemalloc
from dataclasses import replace
from datetime import datetime, timedelta, timezone
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.kernel.config import Config, load_config
from bot.kernel.models import Paper
from bot.store import PollRecord, Store
from bot.watch.ranking import rank_papers, selections
from bot.watch.ranking.embedded import embedding_similarities, text_hash
from bot.watch.ranking.lookup import load_profile
from bot.watch.ranking.similarity import bm25_similarities, paper_text

TARGET_SECONDS = 1.0
DIMENSIONS = 1536
TOPICS = 40
EASTERN = timezone(timedelta(hours=-5))
ANNOUNCED = datetime(2025, 11, 10, tzinfo=EASTERN)


def vocabulary(rng: random.Random, size: int) -> list[str]:
    letters = "abcdefghiklmnoprstuvy"
    words = {"".join(rng.choices(letters, k=rng.randint(4, 10))) for _ in range(size * 2)}
    return sorted(words)[:size]


class Writer:
    """Deterministic paper text: a topic's words mixed into a Zipf general vocabulary."""

    def __init__(self, seed: int = 16) -> None:
        self.rng = random.Random(seed)
        self.general = vocabulary(self.rng, 20000)
        self.weights = [1 / (rank + 1) for rank in range(len(self.general))]
        self.topics = [vocabulary(self.rng, 150) for _ in range(TOPICS)]

    def text(self, words: int, topic: int) -> str:
        chosen = self.rng.choices(self.general, self.weights, k=words)
        for index in range(0, words, 4):  # a quarter of the words are the topic's
            chosen[index] = self.rng.choice(self.topics[topic])
        return " ".join(chosen)

    def paper(self, number: int) -> Paper:
        topic = self.rng.randrange(TOPICS)
        return Paper(
            arxiv_id=f"2511.{number:05d}",
            version=1,
            title=self.text(self.rng.randint(8, 14), topic).capitalize(),
            authors=("A. Author", "B. Author"),
            abstract=self.text(self.rng.randint(150, 230), topic),
            categories=("cs.LG",),
            announce_type="new",
            published=ANNOUNCED,
            published_raw="Mon, 10 Nov 2025 00:00:00 -0500",
        )

    def bibtex(self, entries: int) -> str:
        parts = []
        for number in range(entries):
            topic = self.rng.randrange(TOPICS // 4)  # the team works on a few topics
            title = self.text(self.rng.randint(8, 14), topic)
            abstract = self.text(self.rng.randint(150, 230), topic)
            parts.append(
                f"@article{{team{number},\n  title = {{{title}}},\n"
                f'  author = {{M{{\\"u}}ller, J. and Author, B.}},\n'
                f"  abstract = {{{abstract}}},\n  year = {{{2010 + number % 15}}},\n}}\n"
            )
        return "\n".join(parts)


def prepare(folder: Path, items: int, profile: int) -> tuple[Path, list[Paper]]:
    writer = Writer()
    (folder / "library.bib").write_text(writer.bibtex(profile), encoding="utf-8")
    config = folder / "config.toml"
    config.write_text(
        f'[storage]\npath = "{folder}/radar.db"\n[report]\ntimezone = "America/New_York"\n'
        '[[monitors]]\nname = "bench"\ncategories = ["cs.LG"]\n'
        f'keywords = ["{writer.topics[0][0]}", "{writer.topics[1][0]}", "{writer.topics[2][0]}"]\n'
        f'interests_file = "{folder}/library.bib"\n[interests]\nmax_papers = {profile}\n',
        encoding="utf-8",
    )
    papers = [writer.paper(number) for number in range(items)]
    store = Store.open(folder / "radar.db")
    try:
        record = PollRecord(
            "bench", ANNOUNCED.isoformat(), "ok", items, items, 0, None, None, "2025-11-10", None
        )
        store.record_poll(record, papers, [(p, (), ()) for p in papers])
    finally:
        store.close()
    return config, papers


async def in_process(config: Config, path: Path, repeat: int) -> dict[str, float]:
    store = Store.open(path)
    try:
        monitor = config.monitors[0]
        matches = store.matches_announced("bench", "2025-11-10")
        papers = [m.paper for m in matches]
        found = selections(matches)
        totals, similarity, cpu = [], [], []
        for _ in range(repeat):
            start, start_cpu = time.perf_counter(), time.process_time()
            ranked = await rank_papers(
                store, config, monitor=monitor, channel=None, papers=papers, matches=found
            )
            totals.append(time.perf_counter() - start)
            cpu.append(time.process_time() - start_cpu)
            profile = await load_profile(store, config, monitor, None)
            start = time.perf_counter()
            await bm25_similarities(profile, papers)
            similarity.append(time.perf_counter() - start)
        tracemalloc.start()
        await rank_papers(
            store, config, monitor=monitor, channel=None, papers=papers, matches=found
        )
        peak = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        if len(ranked) != len(papers) or not profile.positive:
            sys.exit("the benchmark's profile or day did not load")
        return {
            "best": min(totals),
            "median": statistics.median(totals),
            "cpu": min(cpu),
            "bm25": statistics.median(similarity),
            "heap_mb": peak / 2**20,
            "profile": len(profile.positive),
            "similar": sum(1 for r in ranked if r.similar_to),
        }
    finally:
        store.close()


async def with_embeddings(config: Config, path: Path, items: int) -> tuple[float, float]:
    """Wall and CPU seconds of the cosine step for ``items`` papers, every vector cached."""
    store = Store.open(path)
    try:
        embedded = replace(config, embeddings=replace(config.embeddings, model="bench-embed"))
        profile = await load_profile(store, embedded, embedded.monitors[0], None)
        papers = [m.paper for m in store.matches_announced("bench", "2025-11-10")][:items]
        rng = random.Random(1536)
        texts = [(p.key, p.text) for p in profile.positive]
        texts += [(p.arxiv_id, paper_text(p)) for p in papers]
        rows = [
            (key, text_hash(text), [rng.gauss(0, 1) for _ in range(DIMENSIONS)])
            for key, text in texts
        ]
        await store.interests.save_vectors("bench-embed", rows)
        start, start_cpu = time.perf_counter(), time.process_time()
        await embedding_similarities(store, embedded, profile, papers)
        return time.perf_counter() - start, time.process_time() - start_cpu
    finally:
        store.close()


def _children_cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_CHILDREN)
    return usage.ru_utime + usage.ru_stime


def through_cli(config: Path, repeat: int) -> dict[str, float]:
    script = Path(sys.executable).with_name("arxiv-radar")
    rank = [str(script), "--config", str(config), "rank", "--no-lookup", "--format", "json"]
    rank += ["--date", "2025-11-10"]
    help_only = [str(script), "--help"]
    times: dict[str, list[float]] = {"rank": [], "help": [], "rank_cpu": [], "help_cpu": []}
    output = b""
    for _ in range(repeat):
        for label, command in (("rank", rank), ("help", help_only)):
            start, start_cpu = time.perf_counter(), _children_cpu()
            done = subprocess.run(command, capture_output=True, check=True)
            times[label].append(time.perf_counter() - start)
            times[f"{label}_cpu"].append(_children_cpu() - start_cpu)
            output = done.stdout if label == "rank" else output
    items = json.loads(output)
    rss = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    return {
        "rank": statistics.median(times["rank"]),
        "help": statistics.median(times["help"]),
        "rank_cpu": min(times["rank_cpu"]),
        "help_cpu": min(times["help_cpu"]),
        "rss_mb": rss,
        "items": len(items),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--items", type=int, default=2000)
    parser.add_argument("--profile", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--embedded", type=int, default=100)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        config_path, papers = prepare(Path(folder), args.items, args.profile)
        config = load_config(config_path)
        inside = asyncio.run(in_process(config, Path(folder) / "radar.db", args.repeat))
        cli = through_cli(config_path, args.repeat)
        cosine = asyncio.run(with_embeddings(config, Path(folder) / "radar.db", args.embedded))
    print(f"day {len(papers)} papers, profile {inside['profile']:.0f} papers (BibTeX)")
    print(
        f"in process: rank_papers best {inside['best']:.2f} s, median {inside['median']:.2f} s "
        f"(BM25 {inside['bm25']:.2f} s), CPU best {inside['cpu']:.2f} s; "
        f"Python heap peak {inside['heap_mb']:.1f} MB; "
        f"{inside['similar']:.0f} papers with a 'similar to' reason"
    )
    print(
        f"arxiv-radar rank --format json: {cli['rank']:.2f} s wall "
        f"(arxiv-radar --help {cli['help']:.2f} s); CPU best {cli['rank_cpu']:.2f} s "
        f"(--help {cli['help_cpu']:.2f} s); peak RSS {cli['rss_mb']:.0f} MB, "
        f"{cli['items']:.0f} items"
    )
    print(
        f"embeddings ({DIMENSIONS} dimensions, cached): {args.embedded} papers x "
        f"{inside['profile']:.0f} profile papers in {cosine[0]:.2f} s (CPU {cosine[1]:.2f} s)"
    )
    verdict = "met" if inside["best"] < TARGET_SECONDS else "MISSED"
    load = os.getloadavg()[0]
    print(f"target < {TARGET_SECONDS:.0f} s in process (best): {verdict} (load {load:.1f})")


if __name__ == "__main__":
    main()
