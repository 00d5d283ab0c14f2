"""Grounding checks: an analysis may only cite what the paper contains.

Evidence is the paper's title, abstract, body, appendix and captions (and tables
when the document has them); the reference list is never evidence, and the
author list and affiliations are not part of it either.

- References (:mod:`.references`) are checked against the full structure. One
  the paper does not have is removed with its clause when the clause says
  nothing else, else marked in place; one the extractor may have missed is
  marked, never deleted (:mod:`.prose`).
- Numbers (:mod:`.numbers`) are normalised (``5e-5`` = ``0.00005``, ``9.28K`` =
  ``9,280``, ``20 percent`` = ``20%``); a number with a unit or counted noun needs
  the same number with that unit near it in the paper. A number that is not
  printed but is a difference, ratio or relative change of printed ones, stated
  as such ("improves by 8.7 points"), is marked as derived; any other is marked
  ``[unverified: …]`` / ``〔未核实：…〕``.

Every removal and mark is listed in ``warnings``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field

from analysis.document import Document
from analysis.schema import Analysis, Contribution, Experiments, FutureWork, Limitations
from analysis.verify.numbers import Number, NumberIndex, numbers
from analysis.verify.prose import MARKED, Edit, Span, apply, clause_of, mask, only_filler, removal
from analysis.verify.references import Reference, Status, Structure, find_references

__all__ = ["Evidence", "evidence_text", "find_references", "verify", "verify_texts"]

_DERIVATION_CUE = re.compile(
    r"improv|higher|lower|better|worse|gains?\b|drops?\b|reduc|increas|decreas|faster|slower|"
    r"outperform|\bby\b|differen|gap\b|relative|margin|more than|less than|derived|"
    r"提升|提高|降低|减少|增加|高出|低于|高于|差距|领先|快|慢|倍|推算",
    re.IGNORECASE,
)
CUE_WINDOW = 30
# "(Black et al., 2024)": a citation's year is not a claim about the paper's results
_CITED_YEAR = re.compile(
    r"(?:et al\.?|[A-Z][a-z]+(?: and| &) [A-Z][a-z]+),?\s*\(?(?:19|20)\d{2}[a-z]?"
)
_AUTHOR_BLOCK = re.compile(
    r"[\w.+-]+@[\w-]+\.[\w.]+|authors[’']? (?:addresses|affiliations)|work (?:was )?done (?:during|"
    r"while)|equal contribution|corresponding author",
    re.IGNORECASE,
)
_WARNINGS = {  # (zh, en)
    "removed": (
        "已删除论文中不存在的引用（连同所在分句）",
        "Removed references not found in the paper (with their clause)",
    ),
    "marked_refs": (
        "以下引用未能在提取的论文结构中确认，已标注为未核实",
        "References not confirmed by the extracted structure (marked unverified)",
    ),
    "unverified": (
        "以下数字未在论文中找到，已标注为未核实",
        "Numbers not found in the paper (marked unverified)",
    ),
    "derived": (
        "以下数字是由论文数据推算的，论文未直接给出，已标注",
        "Numbers derived from the paper's figures, not printed in it (marked derived)",
    ),
}


def evidence_text(document: Document) -> str:
    """Everything a claim may quote: title, abstract, body, appendix, captions, tables, footnotes.

    Author-block lines left in the body (e-mail addresses, "Authors' addresses",
    "Work done during an internship…") are dropped: affiliations are not evidence.
    """
    text = f"{document.title}\n\n{document.all_text()}"
    return "\n".join(line for line in text.split("\n") if not _AUTHOR_BLOCK.search(line))


class Evidence:
    """What the paper contains: its structure and its numbers (references excluded)."""

    def __init__(self, document: Document) -> None:
        text = evidence_text(document)
        self.structure = Structure(document, text)
        self.numbers = NumberIndex(text)

    def status(self, reference: Reference) -> Status:
        return self.structure.status(reference)


@dataclass
class _Checker:
    """Rewrites text fields, collecting what was removed or marked."""

    evidence: Evidence
    language: str
    removed: list[str] = field(default_factory=list)
    marked_refs: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)
    derived: list[str] = field(default_factory=list)

    def text(self, text: str) -> str:
        return self._numbers(self._references(text))

    def refs(self, refs: Iterable[str]) -> list[str]:
        """Entries of a refs list: an absent reference is dropped, an uncertain one marked."""
        kept = []
        for entry in refs:
            references = find_references(entry)
            statuses = [self.evidence.status(r) for r in references]
            if references and all(s == Status.ABSENT for s in statuses):
                self.removed += [r.text for r in references]
            else:
                kept.append(self._references(entry))
        return kept

    def _references(self, text: str) -> str:
        references = [r for r in find_references(text) if not _inside_mark(text, r)]
        statuses = {r: self.evidence.status(r) for r in references}
        if all(s == Status.PRESENT for s in statuses.values()):
            return text
        masked = mask(text, [Span(r.start, r.end) for r in references], fill="\x01")
        absent = [r for r in references if statuses[r] == Status.ABSENT]
        unmasked_absent = mask(masked, [Span(r.start, r.end) for r in absent])
        edits: list[Edit] = []
        for reference in references:
            status = statuses[reference]
            if status == Status.PRESENT:
                continue
            clause = clause_of(masked, Span(reference.start, reference.end))
            if status == Status.ABSENT and only_filler(unmasked_absent[clause.start : clause.end]):
                self.removed.append(reference.text)
                edits.append(removal(text, clause))
            else:
                self.marked_refs.append(reference.text)
                edits.append(Edit(reference.start, reference.end, self._mark(reference.text)))
        return apply(text, edits)

    def _numbers(self, text: str) -> str:
        skip = [Span(*m.span()) for m in (*MARKED.finditer(text), *_CITED_YEAR.finditer(text))]
        skip += [Span(r.start, r.end) for r in find_references(text)]
        masked = mask(text, skip)
        edits: list[Edit] = []
        for number in numbers(masked):
            if self.evidence.numbers.supports(number):
                continue
            shown = number.shown(text)
            if self._derived(masked, number):
                self.derived.append(shown)
                edits.append(Edit(number.start, number.end, self._mark(shown, derived=True)))
            else:
                self.unverified.append(shown)
                edits.append(Edit(number.start, number.end, self._mark(shown)))
        return apply(text, edits)

    def _derived(self, masked: str, number: Number) -> bool:
        """Stated as a change ("improves by") and computable from printed values."""
        near = masked[max(0, number.start - CUE_WINDOW) : number.end + CUE_WINDOW]
        return bool(_DERIVATION_CUE.search(near)) and self.evidence.numbers.derivable(number)

    def _mark(self, shown: str, *, derived: bool = False) -> str:
        if self.language == "zh":
            return f"〔推算值，非论文原文：{shown}〕" if derived else f"〔未核实：{shown}〕"
        return (
            f"[derived, not printed in the paper: {shown}]" if derived else f"[unverified: {shown}]"
        )

    def warnings(self) -> list[str]:
        zh = self.language == "zh"
        messages = (
            (self.removed, *_WARNINGS["removed"]),
            (self.marked_refs, *_WARNINGS["marked_refs"]),
            (self.unverified, *_WARNINGS["unverified"]),
            (self.derived, *_WARNINGS["derived"]),
        )
        found = []
        for items, zh_text, en_text in messages:
            if items:
                listed = "、".join(_unique(items)) if zh else ", ".join(_unique(items))
                found.append(f"{zh_text}：{listed}" if zh else f"{en_text}: {listed}")
        return found


def _inside_mark(text: str, reference: Reference) -> bool:
    return any(m.start() <= reference.start < m.end() for m in MARKED.finditer(text))


def verify(analysis: Analysis, document: Document) -> Analysis:
    """``analysis`` with unsupported references and numbers removed or marked (see warnings)."""
    checker = _Checker(Evidence(document), analysis.language)
    fix: Callable[[str], str] = checker.text
    experiments = analysis.experiments
    updated = analysis.model_copy(
        update={
            "overview": fix(analysis.overview),
            "motivation": fix(analysis.motivation),
            "method": fix(analysis.method),
            "contributions": [
                Contribution(title=fix(c.title), detail=fix(c.detail), refs=checker.refs(c.refs))
                for c in analysis.contributions
            ],
            "experiments": Experiments(
                metrics=[fix(x) for x in experiments.metrics],
                datasets=[fix(x) for x in experiments.datasets],
                baselines=[fix(x) for x in experiments.baselines],
                setup=[fix(x) for x in experiments.setup],
            ),
            "limitations": Limitations(
                acknowledged=[fix(x) for x in analysis.limitations.acknowledged],
                potential=[fix(x) for x in analysis.limitations.potential],
            ),
            "future_work": [
                FutureWork(suggestion=fix(f.suggestion), feasibility=fix(f.feasibility))
                for f in analysis.future_work
            ],
        }
    )
    return updated.model_copy(update={"warnings": [*analysis.warnings, *checker.warnings()]})


def verify_texts(
    texts: Sequence[str], evidence: Evidence, language: str
) -> tuple[list[str], list[str]]:
    """``texts`` with unsupported references and numbers removed or marked, and the warnings."""
    checker = _Checker(evidence, language)
    return [checker.text(text) for text in texts], checker.warnings()


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(item.split()) for item in items))
