"""What a user waits for at the command line, through the real ``arxiv-radar`` script.

Run: ``.venv/bin/python benchmarks/bench_cli.py [--repeat N]``.

Every command runs as a fresh process of the installed console script, exactly as
a user types it, and is timed as the median wall time of ``--repeat`` runs, the
commands taking turns so that a busy machine slows them alike:

- ``--help``, ``check`` and ``analyze`` of a cached paper, as ratios to
  ``python -c pass`` and to ``check`` (target: ``--help`` and the cache hit within
  1.5× of ``check``); the hit reads one row without the pipeline (:mod:`analysis.cache_lookup`);
- ``extract`` of the long corpus paper (2203.00130, 39 pages) as a ratio to a bare
  ``python -c "import pymupdf; …get_text()"`` on the same file with the same
  PyMuPDF (target ≤ 2.5×), next to the same extraction in process;
- how many processes import ``bot.runtime.cli`` during ``extract`` (``PYTHONPROFILEIMPORTTIME``,
  as ``python -X importtime``): 1 means no PDF worker loads the CLI again;
- a no-op call to a worker process that waits for work (the pool keeps one), for reference.

The cache hit is prepared against a loopback arXiv (``tests/support/fakes``) serving the
15-page CiteSee paper; nothing leaves the machine. Needs the shared corpus
(``$ARXIV_RADAR_CORPUS`` or ``../shared/corpus``).
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
LONG_PAPER = "2203.00130v1_PaperPlain_ACM_long_appendix.pdf"
CACHED_PAPER = ("2302.07302", "2302.07302v1_CiteSee_CHI_ACM_2col.pdf")
BARE_EXTRACT = "import pymupdf, sys; [page.get_text() for page in pymupdf.open(sys.argv[1])]"
TARGET_RATIO = 1.5
TARGET_EXTRACT_RATIO = 2.5
QUIET: dict[str, int] = {"stdout": subprocess.DEVNULL, "stderr": subprocess.DEVNULL}


def script() -> Path:
    path = Path(sys.executable).with_name("arxiv-radar")
    if not path.is_file():
        sys.exit(f"the arxiv-radar console script is not installed beside {sys.executable}")
    return path


def wall_times(commands: dict[str, list[str]], repeat: int, cwd: Path) -> dict[str, float]:
    """Median seconds of each command as a fresh process, run round-robin.

    Taking turns spreads the load of a shared machine evenly over the commands, so
    their ratios hold even when the absolute times drift. One warm-up round first.
    """
    times: dict[str, list[float]] = {label: [] for label in commands}
    for run in range(repeat + 1):
        for label, command in commands.items():
            started = time.perf_counter()
            subprocess.run(command, cwd=cwd, check=True, **QUIET)
            if run:
                times[label].append(time.perf_counter() - started)
    return {label: statistics.median(values) for label, values in times.items()}


def cached_analysis(folder: Path, corpus: Path) -> tuple[list[str], object]:
    """A config whose cache holds an analysis; the command line that hits it; the fake."""
    from tests.support.analysis_env import atom
    from tests.support.fakes.arxiv import ArxivFake

    arxiv_id, name = CACHED_PAPER
    fake = ArxivFake()
    fake.start()
    fake.api[arxiv_id] = atom(arxiv_id, 1, "CiteSee", "A paper reading tool.")
    fake.pdfs[arxiv_id] = (corpus / "pdfs" / name).read_bytes()
    config = folder / "config.toml"
    config.write_text(
        fake.config_toml()
        + f'[storage]\npath = "{folder}/radar.db"\ncache_dir = "{folder}/cache"\n'
    )
    base = [str(script()), "--config", str(config)]
    subprocess.run([*base, "analyze", arxiv_id, "--engine", "extractive"], check=True, **QUIET)
    return [*base, "analyze", f"{arxiv_id}v1", "--engine", "extractive"], fake


def cli_imports_during_extract(pdf: Path) -> int:
    """How many processes import bot.runtime.cli while ``arxiv-radar extract`` runs."""
    result = subprocess.run(
        [str(script()), "extract", str(pdf)],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
        check=True,
    )
    return sum(
        line.rsplit("|", 1)[-1].strip() == "bot.runtime.cli" for line in result.stderr.splitlines()
    )


def in_process(pdf: Path, repeat: int) -> dict[str, float]:
    """Seconds for the same work inside this process (and one worker round trip)."""
    import pymupdf

    from analysis.fulltext.pdf.extract import extract_document
    from analysis.fulltext.pdf.parse import parse_pdf
    from analysis.fulltext.worker import run_in_worker

    def best(work: object) -> float:
        times = []
        for _ in range(repeat):
            started = time.perf_counter()
            work()  # type: ignore[operator]
            times.append(time.perf_counter() - started)
        return min(times)

    run_in_worker(os.getpid, timeout_s=30, memory_mb=256)  # starts the fork server
    return {
        "plain": best(lambda: [page.get_text() for page in pymupdf.open(pdf)]),
        "parse": best(lambda: parse_pdf(pdf)),
        "worker": best(lambda: extract_document(pdf)),
        "noop": best(lambda: run_in_worker(os.getpid, timeout_s=30, memory_mb=256)),
        "pages": pymupdf.open(pdf).page_count,
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--repeat", type=int, default=7)
    repeat = parser.parse_args().repeat
    corpus = Path(os.environ.get("ARXIV_RADAR_CORPUS", CORPUS))
    pdf = corpus / "pdfs" / LONG_PAPER
    if not pdf.is_file():
        sys.exit(f"corpus paper not found: {pdf}")
    arxiv_radar = str(script())
    with tempfile.TemporaryDirectory() as tmp:
        hit_command, fake = cached_analysis(Path(tmp), corpus)
        try:
            measured = wall_times(
                {
                    "python -c pass": [sys.executable, "-c", "pass"],
                    "arxiv-radar --help": [arxiv_radar, "--help"],
                    "arxiv-radar check": [arxiv_radar, "check"],
                    "arxiv-radar analyze (cache hit)": hit_command,
                    "bare": [sys.executable, "-c", BARE_EXTRACT, str(pdf)],
                    "extract": [arxiv_radar, "extract", str(pdf)],
                },
                repeat,
                Path(tmp),  # check finds no config.toml and no database there
            )
        finally:
            fake.stop()  # type: ignore[attr-defined]
    bare, extract = measured.pop("bare"), measured.pop("extract")
    times = measured
    local = in_process(pdf, repeat)
    report(times, bare, extract, local, cli_imports_during_extract(pdf))
    return 0


def report(
    times: dict[str, float], bare: float, extract: float, local: dict[str, float], cli_imports: int
) -> None:
    base, check = times["python -c pass"], times["arxiv-radar check"]
    one, five, _ = os.getloadavg()
    print(f"load average {one:.1f} (1 min) / {five:.1f} (5 min) on {os.cpu_count()} cores")
    print("start-up, median wall time of fresh processes:")
    for label, seconds in times.items():
        print(
            f"  {label:34} {seconds * 1000:6.0f} ms  {seconds / base:5.1f}× python  "
            f"{seconds / check:4.2f}× check"
        )
    for label in ("arxiv-radar --help", "arxiv-radar analyze (cache hit)"):
        verdict = "meets" if times[label] <= TARGET_RATIO * check else "MISSES"
        print(f"  {label}: {verdict} the target of {TARGET_RATIO:g}× check")
    pages = local["pages"]
    print(f"extract {LONG_PAPER} ({pages:.0f} pages):")
    print(f"  bare python -c 'import pymupdf; get_text()'  {bare * 1000:6.0f} ms")
    verdict = "meets" if extract <= TARGET_EXTRACT_RATIO * bare else "MISSES"
    print(
        f"  arxiv-radar extract                          {extract * 1000:6.0f} ms  "
        f"{extract / bare:4.2f}× bare ({verdict} the target of {TARGET_EXTRACT_RATIO:g}×)"
    )
    print(
        f"  in process: plain text {local['plain'] * 1000:.0f} ms, structured "
        f"{local['parse'] * 1000:.0f} ms ({pages / local['parse']:.0f} pages/s), through the "
        f"worker {local['worker'] * 1000:.0f} ms ({pages / local['worker']:.0f} pages/s)"
    )
    print(f"  no-op call to a waiting worker: {local['noop'] * 1000:.1f} ms")
    print(
        f"  processes importing bot.runtime.cli during arxiv-radar extract: {cli_imports} "
        f"({'no worker re-imports the CLI' if cli_imports == 1 else 'WORKERS RE-IMPORT IT'})"
    )


if __name__ == "__main__":
    raise SystemExit(main())
