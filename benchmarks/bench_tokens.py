"""Input tokens sent to the LLM per corpus paper, against the naive full text.

Run: ``.venv/bin/python benchmarks/bench_tokens.py [--budget N]``.
"Naive" is everything PyMuPDF's plain ``get_text`` returns for all pages (what a
client without a budget would send); "sent" is the text :func:`select_text`
chooses within ``llm.max_input_tokens`` (default 60,000). Target: at most 70% of
the naive text on the long papers (2203.00130, 39 pages; 2004.04906, 13 pages)
with introduction, method, experiments and conclusion kept whole. Tokens are
counted with :func:`analysis.tokens.count_tokens` (tiktoken if its encoding is
cached, else the offline estimate; the name is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.budget import Role, section_roles, select_text
from analysis.document import Document
from analysis.fulltext.pdf.extract import extract_document
from analysis.tokens import count_tokens, tokenizer_name
from bot.config import LlmConfig

TARGET_SHARE = 0.70
LONG_PAPERS = ("2203.00130", "2004.04906")
CORE = (Role.INTRODUCTION, Role.METHOD, Role.EXPERIMENTS, Role.CONCLUSION)
CORPUS = Path(__file__).resolve().parents[2] / "shared" / "corpus"
PAPER_PREFIXES = ("1111.", "1708.", "2004.", "2203.", "2302.", "2304.", "French_")


def corpus_papers() -> list[Path]:
    folder = Path(os.environ.get("ARXIV_RADAR_CORPUS", CORPUS)) / "pdfs"
    papers = sorted(p for p in folder.glob("*.pdf") if p.name.startswith(PAPER_PREFIXES))
    if not papers:
        sys.exit(f"corpus papers not found in {folder}")
    return papers


def raw_text(path: Path) -> str:
    with pymupdf.open(path) as pdf:
        return "\n".join(pdf[number].get_text() for number in range(pdf.page_count))


def core_kept(document: Document, sent: str) -> bool:
    """Whether every introduction/method/experiments/conclusion section went in whole."""
    roles = section_roles(document.sections)
    return all(
        section.text in sent
        for section, role in zip(document.sections, roles, strict=True)
        if role in CORE
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--budget", type=int, default=LlmConfig().max_input_tokens)
    budget = parser.parse_args().budget
    print(f"token counter: {tokenizer_name()}; budget {budget:,} tokens")
    print(f"{'paper':<14}{'pages':>6}{'naive':>9}{'sent':>9}{'share':>7}  core kept  trimmed")
    verdicts = []
    for path in corpus_papers():
        document = extract_document(path)
        naive = count_tokens(raw_text(path))
        selected = select_text(document, budget)
        share = selected.tokens / naive
        kept = core_kept(document, selected.text())
        trimmed = f"{len(selected.condensed)} condensed, {len(selected.omitted)} left out"
        name = path.name.split("_")[0][:13]
        print(
            f"{name:<14}{document.pages:>6}{naive:>9,}{selected.tokens:>9,}{share:>7.0%}"
            f"  {'yes' if kept else 'NO':<9}  {trimmed}"
        )
        if path.name.startswith(LONG_PAPERS):
            verdicts.append(share <= TARGET_SHARE and kept)
    met = all(verdicts) and len(verdicts) == len(LONG_PAPERS)
    print(f"long papers at most {TARGET_SHARE:.0%} with the core kept: {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
