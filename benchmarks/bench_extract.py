"""Throughput and memory of PDF -> Document extraction on the corpus papers.

Run: ``.venv/bin/python benchmarks/bench_extract.py [--rounds N]``.
Uses the six arXiv papers and the French paper of the shared corpus
(``$ARXIV_RADAR_CORPUS`` or ``../shared/corpus``). Reports the import time of
PyMuPDF (in a fresh interpreter), plain ``get_text`` and ``get_text("dict")``
as references, the full structured extraction in this process and through the
worker process, and peak resident memory. The target is 100 pages/s or more
for the full extraction.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

TARGET_PAGES_PER_S = 100.0
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAPER_PREFIXES = ("1111.", "1708.", "2004.", "2203.", "2302.", "2304.", "French_")
IMPORT_SNIPPET = (
    "import time; t = time.perf_counter(); import pymupdf; print(time.perf_counter() - t)"
)


def corpus_papers() -> list[Path]:
    """The real papers of the corpus (not the deliberately broken files)."""
    folder = Path(os.environ.get("ARXIV_RADAR_CORPUS", CORPUS)) / "pdfs"
    papers = sorted(p for p in folder.glob("*.pdf") if p.name.startswith(PAPER_PREFIXES))
    if len(papers) != len(PAPER_PREFIXES):
        sys.exit(f"corpus papers not found in {folder}")
    return papers


def import_seconds(repeat: int) -> float:
    """Median time to import PyMuPDF in a fresh interpreter."""
    times = [
        float(subprocess.check_output([sys.executable, "-c", IMPORT_SNIPPET], text=True))
        for _ in range(repeat)
    ]
    return statistics.median(times)


def pages_per_second(run: Callable[[Path], object], papers: list[Path], rounds: int) -> float:
    """Best of ``rounds`` passes over ``papers``, in pages per second."""
    import pymupdf

    pages = sum(pymupdf.open(paper).page_count for paper in papers)
    best = float("inf")
    for _ in range(rounds):
        start = time.perf_counter()
        for paper in papers:
            run(paper)
        best = min(best, time.perf_counter() - start)
    return pages / best


def plain_text(path: Path) -> None:
    import pymupdf

    with pymupdf.open(path) as pdf:
        for page in pdf:
            page.get_text()


def text_dict(path: Path) -> None:
    import pymupdf

    from analysis.fulltext.pdf.layout import TEXT_FLAGS

    with pymupdf.open(path) as pdf:
        for page in pdf:
            page.get_text("dict", flags=TEXT_FLAGS)


def worker_peak_rss_mb(path: str) -> float:
    """Worker target: extract ``path`` and report this process's peak RSS."""
    from analysis.fulltext.pdf.parse import parse_pdf

    parse_pdf(Path(path))
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5, help="passes over the papers")
    args = parser.parse_args()

    from analysis.fulltext.pdf.extract import extract_document
    from analysis.fulltext.pdf.parse import parse_pdf
    from analysis.pdf_worker import run_in_worker

    papers = corpus_papers()
    rounds = args.rounds
    print(f"{len(papers)} papers, best of {rounds} rounds")
    report("import pymupdf (fresh interpreter)", import_seconds(3) * 1000, "ms")
    report("plain get_text()", pages_per_second(plain_text, papers, rounds), "pages/s")
    report("get_text('dict'), no images", pages_per_second(text_dict, papers, rounds), "pages/s")
    in_process = pages_per_second(parse_pdf, papers, rounds)
    report("structured extraction, in process", in_process, "pages/s")
    start = time.perf_counter()
    extract_document(papers[0])
    report("first worker call (starts the server)", (time.perf_counter() - start) * 1000, "ms")
    worker = pages_per_second(extract_document, papers, rounds)
    report("structured extraction, worker", worker, "pages/s")
    report(
        "peak RSS, this process", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB"
    )
    worker_rss = max(
        run_in_worker(worker_peak_rss_mb, str(paper), timeout_s=60, memory_mb=1024)
        for paper in papers
    )
    report("peak RSS, one worker (largest paper)", worker_rss, "MB")
    verdict = "meets" if min(in_process, worker) >= TARGET_PAGES_PER_S else "MISSES"
    print(f"{verdict} the target of {TARGET_PAGES_PER_S:.0f} pages/s")


def report(label: str, value: float, unit: str) -> None:
    print(f"{label + ':':40} {value:7.0f} {unit}")


if __name__ == "__main__":
    main()
