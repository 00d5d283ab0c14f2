"""Verification of an LLM answer against the paper, as for analyses (:mod:`analysis.verify`).

Numbers and references in the answer text are checked (unsupported ones marked
and listed); a citation of a section, table or figure the paper does not have is
dropped; a quote that is not in the paper's text is marked. Every change is
listed in the warnings.
"""

from __future__ import annotations

import re
from collections import OrderedDict
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.ask.draft import Draft
from analysis.ask.types import Citation
from analysis.document import Document
from analysis.verify import Evidence, evidence_text, find_references, verify_texts
from analysis.verify.references import Status

_NOT_ALNUM = re.compile(r"[\W_]+")
_ELLIPSIS = re.compile(r"\.\.\.|…")
_WARNINGS = {  # (zh, en)
    "dropped": (
        "已删除引用了论文中不存在部分的出处",
        "Removed citations of parts the paper does not have",
    ),
    "quotes": ("以下引文未在论文中找到，已标注为未核实", "Quotes not found in the paper (marked)"),
}
_MARK = {"zh": "〔未核实〕", "en": "[unverified] "}


PAPERS_IN_MEMORY = 8


@dataclass(frozen=True)
class _Paper:
    evidence: Evidence
    haystack: str  # the evidence text, case-folded, letters and digits only


class Checks:
    """Verifies drafts, keeping what it learnt of the last few papers (it is costly to build)."""

    def __init__(self) -> None:
        self._papers: OrderedDict[str, _Paper] = OrderedDict()

    def check(self, draft: Draft, key: str, document: Document, language: str) -> Draft:
        """``draft`` with its text verified and its citations checked; changes in the warnings."""
        paper = self._paper(key, document)
        texts, warnings = verify_texts([draft.answer], paper.evidence, language)
        citations, notes = _checked_citations(draft.citations, paper, language)
        return Draft(texts[0], citations, draft.usage, (*draft.warnings, *warnings, *notes))

    def _paper(self, key: str, document: Document) -> _Paper:
        if key not in self._papers:
            self._papers[key] = _Paper(Evidence(document), _flat(evidence_text(document)))
            while len(self._papers) > PAPERS_IN_MEMORY:
                self._papers.popitem(last=False)
        self._papers.move_to_end(key)
        return self._papers[key]


def _checked_citations(
    citations: Sequence[Citation], paper: _Paper, language: str
) -> tuple[tuple[Citation, ...], list[str]]:
    evidence, haystack = paper.evidence, paper.haystack
    kept: list[Citation] = []
    dropped: list[str] = []
    unquoted: list[str] = []
    for citation in citations:
        references = find_references(citation.section)
        if references and all(evidence.status(r) == Status.ABSENT for r in references):
            dropped.append(citation.section)
            continue
        if _quoted(citation.quote, haystack):
            kept.append(citation)
        else:
            unquoted.append(citation.quote[:80])
            kept.append(Citation(citation.section, citation.kind, _MARK[language] + citation.quote))
    zh = language == "zh"
    separator = "、" if zh else "; "
    notes = [
        f"{_WARNINGS[name][0 if zh else 1]}{'：' if zh else ': '}{separator.join(items)}"
        for name, items in (("dropped", dropped), ("quotes", unquoted))
        if items
    ]
    return tuple(kept), notes


def _quoted(quote: str, haystack: str) -> bool:
    """Whether every part of ``quote`` (split at ellipses) is in the paper, ignoring punctuation."""
    parts = [_flat(part) for part in _ELLIPSIS.split(quote)]
    parts = [part for part in parts if part]
    return bool(parts) and all(part in haystack for part in parts)


def _flat(text: str) -> str:
    return _NOT_ALNUM.sub("", text.casefold())
