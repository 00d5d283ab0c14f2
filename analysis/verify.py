"""Grounding checks: an analysis may only cite what the paper contains.

Every section, appendix, table, figure and equation reference in a text field
must exist in the :class:`Document` (section numbers, caption labels, equation
numbers); references that do not are removed. Every number must occur in the
paper (title, abstract, body, appendix, captions or references) after
normalisation (``1,200`` = ``1200``, ``34.8 %`` = ``34.8%``, ``1.3 B`` = ``1.3B``,
``410万`` = ``4.1 million``); numbers that do not are wrapped as
``[unverified: 45%]`` / ``〔未核实：45%〕``. Both are listed in ``warnings``.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation

from analysis.document import Document
from analysis.schema import Analysis, Contribution, Experiments, FutureWork, Limitations

_SECTION_NUMBER = r"(?:[A-Z]?\d+(?:[.\-][A-Za-z0-9]+)*|[IVXL]+(?:[.\-][A-Za-z0-9]+)*)"
_APPENDIX_NUMBER = r"[A-Z](?:\.\d+)*"
_TABLE_LABEL = r"(?:[A-Z]?\d+|[IVXL]+)"
_END = r"(?![A-Za-z0-9])"

# (kind, pattern with one group "label"); words are case-insensitive, labels are not.
_REFERENCE_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("section", rf"第\s*(?P<label>{_SECTION_NUMBER})\s*[节章]"),
        ("section", rf"§+\s*(?P<label>{_SECTION_NUMBER}){_END}"),
        ("section", rf"(?i:\bsections?|\bsecs?\.)\s*(?P<label>{_SECTION_NUMBER}){_END}"),
        ("appendix", rf"附录\s*(?P<label>{_APPENDIX_NUMBER}){_END}"),
        ("appendix", rf"(?i:\bappendix)\s+(?P<label>{_APPENDIX_NUMBER}){_END}"),
        ("table", rf"表\s*(?P<label>{_TABLE_LABEL}){_END}"),
        ("table", rf"(?i:\btables?|\btab\.)\s*(?P<label>{_TABLE_LABEL}){_END}"),
        ("figure", r"图\s*(?P<label>[A-Z]?\d+)(?:[a-z](?![A-Za-z]))?"),
        (
            "figure",
            rf"(?i:\bfig(?:ure)?s?\.?)\s*(?P<label>[A-Z]?\d+)(?:\s?\(?[a-z]\)?)?{_END}",
        ),
        ("equation", r"公式\s*[（(]?\s*(?P<label>\d+[a-z]?)(?:\s*[)）])?"),
        ("equation", r"式\s*[（(]\s*(?P<label>\d+[a-z]?)\s*[)）]"),
        ("equation", r"(?i:\beqs?\.|\bequations?)\s*[（(]?\s*(?P<label>\d+[a-z]?)(?:\s*[)）])?"),
    )
)
_NUMBER = re.compile(
    r"(?<![A-Za-z0-9_.,])(?P<value>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:\s?(?P<unit>%|％|percent\b|thousand\b|million\b|billion\b|bn\b|[kKMB](?![A-Za-z])|万|亿))?"
)
_PAPER_NUMBER = re.compile(
    r"(?P<value>\d{1,3}(?:,\d{3})+(?:\.\d+)?|\d+(?:\.\d+)?)"
    r"(?:[\s-]?(?P<unit>thousand|million|billion|bn|[kKMB](?![A-Za-z])))?"
)
_MARKED = re.compile(r"〔未核实：[^〕]*〕|\[unverified: [^\]]*\]")
_SCALE = {
    "thousand": 3, "k": 3, "K": 3, "million": 6, "M": 6, "billion": 9, "bn": 9, "B": 9,
    "万": 4, "亿": 8,
}  # fmt: skip
_EMPTY_BRACKETS = re.compile(r"[（(]\s*[，,、;；]?\s*[)）]")
_LEADING_SEPARATOR = re.compile(r"([（(])\s*[，,、;；]\s*")
_TRAILING_SEPARATOR = re.compile(r"\s*[，,、;；]\s*([)）])")
_DOUBLED_SEPARATOR = re.compile(r"([，、；])\s*[，、；]")
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Reference:
    kind: str
    label: str
    start: int
    end: int
    text: str


def find_references(text: str) -> list[Reference]:
    """All references in ``text``, in order, without overlaps (the earliest, longest wins)."""
    found = [
        Reference(kind, match.group("label"), match.start(), match.end(), match.group(0))
        for kind, pattern in _REFERENCE_PATTERNS
        for match in pattern.finditer(text)
    ]
    found.sort(key=lambda r: (r.start, -r.end))
    kept: list[Reference] = []
    for reference in found:
        if not kept or reference.start >= kept[-1].end:
            kept.append(reference)
    return kept


class Evidence:
    """What the paper contains: section numbers, caption labels, equations, numbers.

    A reference also counts as present when the paper itself uses it ("see
    Section 3.3.1"), since extraction may miss a deep heading or a caption.
    """

    def __init__(self, document: Document) -> None:
        self.document = document
        text = document.all_text()
        self.labels = {("table", _label(label)) for label in document.caption_labels("table")} | {
            ("figure", _label(label)) for label in document.caption_labels("figure")
        }
        self.labels |= {("equation", _label(label)) for label in document.equation_numbers()}
        self.labels |= {(_family(r.kind), _label(r.label)) for r in find_references(text)}
        self.numbers = paper_numbers("\n".join([document.title, text, *document.references]))

    def has(self, reference: Reference) -> bool:
        if (_family(reference.kind), _label(reference.label)) in self.labels:
            return True
        structural = reference.kind in ("section", "appendix")
        return structural and self.document.find_section(reference.label) is not None


def _family(kind: str) -> str:
    return "section" if kind == "appendix" else kind


def _label(label: str) -> str:
    return label.strip(" .").replace("-", ".").upper()


def paper_numbers(text: str) -> set[Decimal]:
    """Every number in ``text``, and its scaled value when a unit follows ("59k")."""
    values: set[Decimal] = set()
    for match in _PAPER_NUMBER.finditer(text):
        value = _decimal(match.group("value"))
        if value is None:
            continue
        values.add(value)
        unit = match.group("unit")
        if unit:
            values.add(_normal(value.scaleb(_SCALE[unit])))
    return values


def _candidates(value: Decimal, unit: str | None) -> set[Decimal]:
    """Values under which a number of the analysis may appear in the paper."""
    if unit not in _SCALE:
        return {value}
    total = value.scaleb(_SCALE[unit])
    return {value, _normal(total)} | {_normal(total.scaleb(-power)) for power in (3, 6, 9)}


def _decimal(text: str) -> Decimal | None:
    try:
        return _normal(Decimal(text.replace(",", "")))
    except InvalidOperation:
        return None


def _normal(value: Decimal) -> Decimal:
    return Decimal(format(value.normalize(), "f"))


@dataclass
class _Checker:
    """Rewrites text fields, collecting what was removed or marked."""

    evidence: Evidence
    language: str
    removed: list[str] = field(default_factory=list)
    unverified: list[str] = field(default_factory=list)

    def text(self, text: str) -> str:
        return self._numbers(self._references(text))

    def refs(self, refs: Iterable[str]) -> list[str]:
        """Entries of a refs list; one whose references are all missing is dropped."""
        kept = []
        for entry in refs:
            references = find_references(entry)
            if references and not any(self.evidence.has(r) for r in references):
                self.removed += [r.text for r in references]
            else:
                kept.append(self._references(entry))
        return kept

    def _references(self, text: str) -> str:
        bad = [r for r in find_references(text) if not self.evidence.has(r)]
        if not bad:
            return text
        self.removed += [r.text for r in bad]
        for reference in reversed(bad):
            text = text[: reference.start] + text[reference.end :]
        return _tidy(text)

    def _numbers(self, text: str) -> str:
        masked = _mask(text, [*_MARKED.finditer(text), *_reference_spans(text)])
        pieces: list[str] = []
        last = 0
        for match in _NUMBER.finditer(masked):
            value = _decimal(match.group("value"))
            if value is None or _candidates(value, match.group("unit")) & self.evidence.numbers:
                continue
            shown = text[match.start() : match.end()]
            self.unverified.append(shown)
            pieces += [text[last : match.start()], self._mark(shown)]
            last = match.end()
        return "".join([*pieces, text[last:]])

    def _mark(self, shown: str) -> str:
        return f"〔未核实：{shown}〕" if self.language == "zh" else f"[unverified: {shown}]"

    def warnings(self) -> list[str]:
        zh = self.language == "zh"
        found: list[str] = []
        if self.removed:
            items = _unique(self.removed)
            found.append(
                f"已删除论文中不存在的引用：{'、'.join(items)}"
                if zh
                else f"Removed references not found in the paper: {', '.join(items)}"
            )
        if self.unverified:
            items = _unique(self.unverified)
            found.append(
                f"以下数字未在论文中找到，已标注为未核实：{'、'.join(items)}"
                if zh
                else f"Numbers not found in the paper (marked unverified): {', '.join(items)}"
            )
        return found


def verify(analysis: Analysis, document: Document) -> Analysis:
    """``analysis`` with unsupported references removed and unsupported numbers marked."""
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


def _reference_spans(text: str) -> list[tuple[int, int]]:
    return [(r.start, r.end) for r in find_references(text)]


def _mask(text: str, spans: Iterable[re.Match[str] | tuple[int, int]]) -> str:
    """``text`` with the spans blanked out (same length, so offsets stay valid)."""
    chars = list(text)
    for span in spans:
        start, end = span.span() if isinstance(span, re.Match) else span
        chars[start:end] = " " * (end - start)
    return "".join(chars)


def _tidy(text: str) -> str:
    """Remove brackets and separators left empty by removed references."""
    text = _EMPTY_BRACKETS.sub("", text)
    text = _LEADING_SEPARATOR.sub(r"\1", text)
    text = _TRAILING_SEPARATOR.sub(r"\1", text)
    text = _DOUBLED_SEPARATOR.sub(r"\1", text)
    text = _EMPTY_BRACKETS.sub("", text)
    return _SPACES.sub(" ", text).replace(" .", ".").replace(" ,", ",").strip()


def _unique(items: Iterable[str]) -> list[str]:
    return list(dict.fromkeys(" ".join(item.split()) for item in items))
