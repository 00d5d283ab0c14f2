"""Input tokens sent to the LLM per corpus paper, against the naive full text.

Run: ``.venv/bin/python benchmarks/bench_tokens.py [--budget N]``.
"Naive" is everything PyMuPDF's plain ``get_text`` returns for all pages (what a
client without a budget would send); "sent" is the text :func:`select_text`
fills by priority into ``llm.max_input_tokens`` (default 60,000). Target: no
reference list, the core (introduction, method, experiments, conclusion) kept
whole, and every limitations/setup/compute/datasets/ablation section sent whole
when the budget allows. Each paper's line is followed by the share of the sent
tokens per section role (run with ``--budget 8000`` to watch trimming). Tokens are
counted with :func:`analysis.tokens.count_tokens` (tiktoken if its encoding is
cached, else the offline estimate; the name is printed).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

import pymupdf

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from analysis.budget import Fate, select_text
from analysis.document import Document
from analysis.fulltext.pdf.extract import extract_document
from analysis.roles import Role, document_roles
from analysis.tokens import count_tokens, tokenizer_name
from bot.kernel.config import LlmConfig

LONG_PAPERS = ("2203.00130", "2004.04906")
CORE = (Role.INTRODUCTION, Role.METHOD, Role.EXPERIMENTS, Role.CONCLUSION)
DETAILS = (Role.LIMITATIONS, Role.SETUP, Role.COMPUTE, Role.DATASETS, Role.ABLATION)
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


def kept_whole(
    document: Document, sent: str, roles: tuple[Role, ...], *, appendix: bool = True
) -> bool:
    """Whether every section with one of ``roles`` (in the appendix too) went in whole."""
    return all(
        r.section.text in sent
        for r in document_roles(document)
        if r.role in roles and (appendix or not r.appendix)
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    parser.add_argument("--budget", type=int, default=LlmConfig().max_input_tokens)
    budget = parser.parse_args().budget
    print(f"token counter: {tokenizer_name()}; budget {budget:,} tokens")
    print(
        f"{'paper':<14}{'pages':>6}{'naive':>9}{'sent':>9}{'share':>7}  core  details  "
        "whole/trimmed/left out"
    )
    verdicts = []
    for path in corpus_papers():
        document = extract_document(path)
        naive = count_tokens(raw_text(path))
        selected = select_text(document, budget)
        text = selected.text()
        core = kept_whole(document, text, CORE, appendix=False)
        details = kept_whole(document, text, DETAILS)
        fates = Counter(s.fate for s in selected.report)
        counts = f"{fates[Fate.WHOLE]}/{fates[Fate.TRIMMED]}/{fates[Fate.OMITTED]}"
        name = path.name.split("_")[0][:13]
        print(
            f"{name:<14}{document.pages:>6}{naive:>9,}{selected.tokens:>9,}"
            f"{selected.tokens / naive:>7.0%}  {'yes' if core else 'NO':<4}  "
            f"{'yes' if details else 'no':<7}  {counts}"
        )
        shares = selected.role_tokens()
        total = sum(shares.values()) or 1
        print("    " + ", ".join(f"{r} {t / total:.0%}" for r, t in shares.most_common()))
        references = any(ref in text for ref in document.references if len(ref) > 40)
        if path.name.startswith(LONG_PAPERS):
            verdicts.append(core and not references)
    met = all(verdicts) and len(verdicts) == len(LONG_PAPERS)
    print(f"long papers: core whole and no references: {'yes' if met else 'NO'}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
