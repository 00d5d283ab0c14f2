"""The running bot, started as users start it (``arxiv-radar run``): extraction speed, memory.

Run: ``.venv/bin/python benchmarks/bench_bot.py [--analyses N]``.

The real console script runs the bot (Slack in HTTP mode, extractive engine,
``analysis.concurrency = 2``) against the loopback arXiv and Slack fakes; arXiv
serves the real corpus papers. Prints:

1. resident memory idle (5 s after ``/readyz`` turns 200): the main process and
   all of its processes (fork server, resource tracker);
2. worker extraction inside the bot: after one warm-up analysis (its extraction
   starts the fork server, a one-time cost printed separately), one signed
   ``/arxiv analyze`` per real corpus paper (7 papers, 103 pages), each after the
   previous reply, in ``ROUNDS`` rounds of new paper IDs; the bot logs every
   extraction (``event: extracted``, pages, seconds: fork, parse, result back
   through the pipe), so a round's pages/s = pages / sum of its seconds, and the
   best round is reported, as ``bench_extract.py`` does in process (target ≥ 100
   pages/s on a 2-core machine);
3. memory after ``--analyses`` more requests (default 50: distinct papers, the
   corpus PDFs in turn) sent at once: the main process now and at its peak
   (``VmHWM``), and the highest sum over all processes, sampled every 20 ms.

Needs the shared corpus (``$ARXIV_RADAR_CORPUS`` or ``../shared/corpus``).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.harness import (
    ROOT,
    BotProcess,
    SlowSlack,
    final_replies,
    free_port,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import paper
from tests.support.fakes.arxiv import ArxivFake
from tests.support.slack_harness import atom_api

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAPER_PREFIXES = ("1111.", "1708.", "2004.", "2203.", "2302.", "2304.", "French_")
TARGET_PAGES_PER_S = 100.0
MB = 1024 * 1024
ROUNDS = 3


class ConsoleScriptBot(BotProcess):
    """The bot started through the installed ``arxiv-radar`` script, not ``python -m bot``."""

    def start(self, *, ready: bool = True, timeout_s: float = 30.0) -> BotProcess:
        script = Path(sys.executable).with_name("arxiv-radar")
        self.port = free_port()
        with self.log.open("ab") as log:
            command = [str(script), "--config", str(self.config), "run", "--port", str(self.port)]
            self.process = subprocess.Popen(
                command, cwd=ROOT, env=self.env, stdout=subprocess.DEVNULL, stderr=log
            )
        if ready:
            self.wait_ready(timeout_s)
        return self


class MemoryWatch(threading.Thread):
    """The highest resident memory summed over the bot and its child processes."""

    def __init__(self, pid: int) -> None:
        super().__init__(daemon=True)
        self.pid = pid
        self.peak = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            self.peak = max(self.peak, tree_rss(self.pid))
            self.stop.wait(0.02)


def tree_rss(pid: int) -> int:
    """Bytes resident in ``pid`` and all of its descendants now."""
    main = psutil.Process(pid)
    total = 0
    for process in [main, *main.children(recursive=True)]:
        try:
            total += process.memory_info().rss
        except psutil.NoSuchProcess:
            continue
    return total


def peak_rss(pid: int) -> int:
    """The process's own peak resident memory (``VmHWM``)."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) * 1024
    return 0


def corpus_papers() -> list[Path]:
    folder = Path(os.environ.get("ARXIV_RADAR_CORPUS", CORPUS)) / "pdfs"
    papers = sorted(p for p in folder.glob("*.pdf") if p.name.startswith(PAPER_PREFIXES))
    if len(papers) != len(PAPER_PREFIXES):
        sys.exit(f"corpus papers not found in {folder}")
    return papers


def serve(arxiv: ArxivFake, ids: list[str], pdfs: list[Path]) -> None:
    """Each ID gets an API entry and the next corpus PDF in turn."""
    for index, arxiv_id in enumerate(ids):
        arxiv.pdfs[arxiv_id] = pdfs[index % len(pdfs)].read_bytes()
        entry = atom_api([paper(arxiv_id)])
        for key in (arxiv_id, *(f"{arxiv_id}v{n}" for n in (1, 2, 3))):
            arxiv.api[key] = entry


def measure(folder: Path, analyses: int) -> dict[str, float]:
    pdfs = corpus_papers()
    warm_up = ["2512.09999"]
    rounds = [[f"2512.{10000 + 100 * r + i}" for i in range(len(pdfs))] for r in range(ROUNDS)]
    first = [arxiv_id for round_ids in rounds for arxiv_id in round_ids]
    burst = [f"2512.{20000 + i}" for i in range(analyses)]
    arxiv, slack = ArxivFake(), SlowSlack()
    arxiv.start()
    slack.start()
    serve(arxiv, warm_up, pdfs[-1:])
    serve(arxiv, first, pdfs)
    serve(arxiv, burst, pdfs)
    extra = "[analysis]\nengine = 'extractive'\nconcurrency = 2\nmax_per_user_per_day = 1000\n"
    bot = ConsoleScriptBot(write_config(folder, arxiv, slack, extra))
    try:
        bot.start()
        assert bot.process is not None
        pid = bot.process.pid
        time.sleep(5)
        figures = {"idle_main": psutil.Process(pid).memory_info().rss, "idle_all": tree_rss(pid)}
        for count, arxiv_id in enumerate(warm_up + first, start=1):
            slash_command(bot, f"analyze {arxiv_id}", "U001")
            wait_until(lambda n=count: len(final_replies(slack)) >= n, 120, f"reply {count}")
        logged = [line for line in bot.log_lines() if line.get("event") == "extracted"]
        figures["first_call"] = logged[0]["seconds"]
        per_round = [logged[1 + r * len(pdfs) : 1 + (r + 1) * len(pdfs)] for r in range(ROUNDS)]
        figures["pages"] = sum(line["pages"] for line in per_round[0])
        figures["seconds"] = min(sum(line["seconds"] for line in lines) for lines in per_round)
        watch = MemoryWatch(pid)
        watch.start()
        for index, arxiv_id in enumerate(burst):
            slash_command(bot, f"analyze {arxiv_id}", f"U{index % 20:03d}")
        total = len(warm_up) + len(first) + len(burst)
        wait_until(lambda: len(final_replies(slack)) >= total, 600, "every reply")
        watch.stop.set()
        watch.join()
        figures |= {
            "after_main": psutil.Process(pid).memory_info().rss,
            "after_all": tree_rss(pid),
            "peak_main": peak_rss(pid),
            "peak_all": watch.peak,
        }
        bot.terminate()
    finally:
        bot.ensure_stopped()
        arxiv.stop()
        slack.stop()
    return figures


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--analyses", type=int, default=50)
    analyses = parser.parse_args().analyses
    with tempfile.TemporaryDirectory() as tmp:
        f = measure(Path(tmp), analyses)
    rate = f["pages"] / f["seconds"]
    verdict = "meets" if rate >= TARGET_PAGES_PER_S else "MISSES"
    print("arxiv-radar run (console script), Slack HTTP mode, extractive engine")
    idle_main, idle_all = f["idle_main"] / MB, f["idle_all"] / MB
    print(f"idle: main process {idle_main:.0f} MB, all processes {idle_all:.0f} MB")
    print(
        f"worker extraction in the bot, best of {ROUNDS} rounds: {f['pages']:.0f} pages in "
        f"{f['seconds']:.2f} s = "
        f"{rate:.0f} pages/s ({verdict} the target of {TARGET_PAGES_PER_S:.0f}); the first "
        f"extraction, which starts the fork server: {f['first_call']:.2f} s"
    )
    print(
        f"after {analyses} more analyses: main process {f['after_main'] / MB:.0f} MB "
        f"(peak {f['peak_main'] / MB:.0f} MB), all processes {f['after_all'] / MB:.0f} MB "
        f"(peak {f['peak_all'] / MB:.0f} MB)"
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
