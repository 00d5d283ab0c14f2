"""Verification of an LLM answer against the paper, as for analyses (:mod:`analysis.verify`).

Numbers and references in the answer text are checked (unsupported ones marked
and listed); a citation of a section, table or figure the paper does not have is
dropped; a quote that is not in the paper's text is marked. Every change is
listed in the warnings.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

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


def check_draft(draft: Draft, document: Document, language: str) -> Draft:
    """``draft`` with its text verified and its citations checked; changes in the warnings."""
    texts, warnings = verify_texts([draft.answer], document, language)
    citations, notes = _checked_citations(draft.citations, document, language)
    return Draft(texts[0], citations, draft.usage, (*draft.warnings, *warnings, *notes))


def _checked_citations(
    citations: Sequence[Citation], document: Document, language: str
) -> tuple[tuple[Citation, ...], list[str]]:
    evidence = Evidence(document)
    haystack = _flat(evidence_text(document))
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
