"""Throughput and memory of full text -> Document, PDF and arXiv HTML, on the corpus.

Run: ``.venv/bin/python benchmarks/bench_extract.py [--rounds N]``.
Uses the six arXiv papers and the French paper of the shared corpus
(``$ARXIV_RADAR_CORPUS`` or ``../shared/corpus``). Reports the import time of
PyMuPDF (in a fresh interpreter), plain ``get_text`` and ``get_text("dict")``
as references, the full structured extraction in this process (with the share
of the cleaning steps), through the worker process and through the real
``arxiv-radar extract`` command, peak resident memory, and the HTML reader's
speed on the corpus's LaTeXML pages (in pages of 4,000 characters, as the
reader counts them). The target is 100 pages/s or more for the PDF path, with
the cleaning at most a third of the extraction time.
"""

from __future__ import annotations

import argparse
import os
import resource
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

from analysis.fulltext.worker import run_in_worker

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


def page_count(papers: list[Path]) -> int:
    import pymupdf

    return sum(pymupdf.open(paper).page_count for paper in papers)


def pages_per_second(run: Callable[[Path], object], papers: list[Path], rounds: int) -> float:
    """Best of ``rounds`` passes over ``papers``, in pages per second."""
    return interleaved_pages_per_second({"run": run}, papers, rounds)["run"]


def interleaved_pages_per_second(
    runs: dict[str, Callable[[Path], object]], papers: list[Path], rounds: int
) -> dict[str, float]:
    """Best of ``rounds`` passes over ``papers`` per way of reading them, in pages per
    second; the ways take turns in every round, so a busy machine slows them alike."""
    best = dict.fromkeys(runs, float("inf"))
    for _ in range(rounds):
        for label, run in runs.items():
            start = time.perf_counter()
            for paper in papers:
                run(paper)
            best[label] = min(best[label], time.perf_counter() - start)
    pages = page_count(papers)
    return {label: pages / seconds for label, seconds in best.items()}


def parse_cold(path: Path) -> dict[str, object]:
    """:func:`parse_pdf` with MuPDF's caches emptied first, as for a paper never read before."""
    import pymupdf

    from analysis.fulltext.pdf.parse import parse_pdf

    pymupdf.TOOLS.store_shrink(100)
    return parse_pdf(path).to_dict()


def worker_cold(path: Path) -> None:
    """:func:`parse_cold` through the worker process."""
    run_in_worker(parse_cold, path, timeout_s=60, memory_mb=1024)


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


def stage_seconds(papers: list[Path], rounds: int) -> dict[str, float]:
    """Best-of-``rounds`` seconds per stage of :func:`parse_pdf`, summed over ``papers``.

    ``read``: PyMuPDF text and graphics into rows; ``clean``: running heads,
    page numbers, notices, glyph repair, figure and table areas; ``structure``:
    headings, sections, captions, footnotes, references.
    """
    import pymupdf

    from analysis.fulltext.pdf.cleaning import clean_rows
    from analysis.fulltext.pdf.floats import take_floats
    from analysis.fulltext.pdf.layout import body_font_size, page_rows
    from analysis.fulltext.pdf.margins import strip_margins
    from analysis.fulltext.pdf.structure import build_document

    best = {"read": float("inf"), "clean": float("inf"), "structure": float("inf")}
    for _ in range(rounds):
        spent = dict.fromkeys(best, 0.0)
        for paper in papers:
            start = time.perf_counter()
            with pymupdf.open(paper) as pdf:
                pages = [page_rows(page, n) for n, page in enumerate(pdf, start=1)]
                count = pdf.page_count
            read = time.perf_counter()
            removed = strip_margins(pages)
            size = body_font_size(row for page in pages for row in page.rows)
            removed.update(clean_rows(pages, size))
            floats = take_floats(pages, size)
            clean = time.perf_counter()
            build_document(pages, page_count=count, metadata_title="", floats=floats)
            spent["read"] += read - start
            spent["clean"] += clean - read
            spent["structure"] += time.perf_counter() - clean
        best = {stage: min(best[stage], spent[stage]) for stage in best}
    return best


def command_pages_per_second(papers: list[Path], rounds: int) -> tuple[float, float, float]:
    """Through ``arxiv-radar extract --format json``: pages/s on all papers merged into one
    PDF (so start-up is paid once), the marginal pages/s (merged minus shortest paper: the
    fixed start-up cancels out) and the seconds of ``arxiv-radar --help`` alone. The three
    commands take turns; each figure is the best of ``rounds``."""
    import pymupdf

    command = shutil.which("arxiv-radar", path=str(Path(sys.executable).parent))
    if command is None:
        sys.exit("arxiv-radar is not installed in this environment")
    shortest = min(papers, key=lambda paper: pymupdf.open(paper).page_count)
    with tempfile.TemporaryDirectory() as folder:
        merged = Path(folder) / "merged.pdf"
        with pymupdf.open() as out:
            for paper in papers:
                with pymupdf.open(paper) as pdf:
                    out.insert_pdf(pdf)
            out.save(merged)
            pages = out.page_count
        commands = {
            "merged": [command, "extract", str(merged), "--format", "json"],
            "short": [command, "extract", str(shortest), "--format", "json"],
            "help": [command, "--help"],
        }
        best = dict.fromkeys(commands, float("inf"))
        for _ in range(rounds):
            for label, args in commands.items():
                start = time.perf_counter()
                subprocess.run(args, check=True, capture_output=True)
                best[label] = min(best[label], time.perf_counter() - start)
    short_pages = pymupdf.open(shortest).page_count
    marginal = (pages - short_pages) / max(best["merged"] - best["short"], 1e-9)
    return pages / best["merged"], marginal, best["help"]


def html_pages_per_second(rounds: int) -> list[tuple[str, int, float]]:
    """(page, estimated pages, pages/s) for each usable LaTeXML page of the corpus."""
    from analysis.fulltext.html.check import HtmlUnavailable
    from analysis.fulltext.html.parse import parse_html

    folder = Path(os.environ.get("ARXIV_RADAR_CORPUS", CORPUS)) / "html"
    results = []
    for page in sorted(folder.glob("*.html")):
        data = page.read_bytes()
        try:
            pages = parse_html(data).pages
        except HtmlUnavailable:
            continue
        best = float("inf")
        for _ in range(rounds):
            start = time.perf_counter()
            parse_html(data)
            best = min(best, time.perf_counter() - start)
        results.append((page.name[:40], pages, pages / best))
    return results


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

    papers = corpus_papers()
    rounds = args.rounds
    print(f"{len(papers)} papers, best of {rounds} rounds; {load_average()}")
    report("import pymupdf (fresh interpreter)", import_seconds(3) * 1000, "ms")
    report("plain get_text()", pages_per_second(plain_text, papers, rounds), "pages/s")
    report("get_text('dict'), no images", pages_per_second(text_dict, papers, rounds), "pages/s")
    start = time.perf_counter()
    extract_document(papers[0])
    report("first worker call (starts the server)", (time.perf_counter() - start) * 1000, "ms")
    rates = interleaved_pages_per_second(
        {
            "in process": parse_pdf,
            "cold": parse_cold,
            "worker": extract_document,
            "worker cold": worker_cold,
        },
        papers,
        rounds,
    )
    in_process, worker = rates["in process"], rates["worker"]
    report("structured extraction, in process", in_process, "pages/s")
    report("  the same with MuPDF's caches emptied per paper", rates["cold"], "pages/s")
    report("structured extraction, worker", worker, "pages/s")
    report("  the same with MuPDF's caches emptied per paper", rates["worker cold"], "pages/s")
    report("  worker / in process (taking turns)", worker / in_process * 100, "%")
    stages = stage_seconds(papers, rounds)
    for stage, seconds in stages.items():
        report(f"  stage {stage}", seconds * 1000, "ms")
    cleaning_share = stages["clean"] / sum(stages.values())
    report("  cleaning share of extraction", cleaning_share * 100, "%")
    report(
        "peak RSS, this process", resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, "MB"
    )
    worker_rss = max(
        run_in_worker(worker_peak_rss_mb, str(paper), timeout_s=60, memory_mb=1024)
        for paper in papers
    )
    report("peak RSS, a worker that read every paper", worker_rss, "MB")
    command, marginal, startup = command_pages_per_second(papers, rounds)
    report("arxiv-radar --help (start-up alone)", startup * 1000, "ms")
    report("arxiv-radar extract, 103 pages in one PDF, overall", command, "pages/s")
    report("arxiv-radar extract, marginal (start-up excluded)", marginal, "pages/s")
    for name, pages, speed in html_pages_per_second(rounds):
        report(f"HTML {name} ({pages} p.)", speed, "pages/s")
    print(load_average())
    verdict = "meets" if min(in_process, worker, command) >= TARGET_PAGES_PER_S else "MISSES"
    print(
        f"{verdict} the target of {TARGET_PAGES_PER_S:.0f} pages/s in process, in the worker "
        "and through arxiv-radar extract"
    )
    share = "meets" if cleaning_share <= 1 / 3 else "MISSES"
    print(f"{share} the cleaning budget of a third of the extraction time")


def load_average() -> str:
    """The machine's load average: figures from a shared machine need it beside them."""
    one, five, fifteen = os.getloadavg()
    return f"load average {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"


def report(label: str, value: float, unit: str) -> None:
    print(f"{label + ':':56} {value:7.0f} {unit}")


if __name__ == "__main__":
    main()
