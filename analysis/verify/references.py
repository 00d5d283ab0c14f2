"""References to a paper's structure, in any spelling, and whether the paper has them.

Sections and subsections (``§3.2``, ``Sec. 3.2``, ``Section III-A``, ``III.A``,
``第3.2节``), appendices (``Appendix B.1``, ``App. B``, ``附录B``), tables,
figures, equations (``Eq. (4)``, ``公式4``) and algorithms. Roman and arabic
numbering compare equal (``Table II`` = ``Table 2``, ``Section III-A`` =
``Section 3.1``). A reference is *present* when the extracted structure (or the
paper's own text) has it, *uncertain* when the extractor may have missed it
(a subsection of a known section, a table number within the known range), and
*absent* otherwise.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

from analysis.document import Document

_SECTION_NUMBER = r"(?:[A-Z]?\d+(?:[.\-][A-Za-z0-9]+)*|[IVXL]+(?:[.\-][A-Za-z0-9]+)*)"
_APPENDIX_NUMBER = r"[A-Z](?:[.\-]\d+)*"
_LABEL = r"(?:[A-Z]?\d+|[IVXL]+)"
_END = r"(?![A-Za-z0-9])"

# (kind, pattern with one group "label"); words are case-insensitive, labels are not.
_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = tuple(
    (kind, re.compile(pattern))
    for kind, pattern in (
        ("section", rf"第\s*(?P<label>{_SECTION_NUMBER})\s*[节章]"),
        ("section", rf"§+\s*(?P<label>{_SECTION_NUMBER}){_END}"),
        ("section", rf"(?i:\bsections?|\bsecs?\.?)\s*(?P<label>{_SECTION_NUMBER}){_END}"),
        ("appendix", rf"附录\s*(?P<label>{_APPENDIX_NUMBER}){_END}"),
        ("appendix", rf"(?i:\bappendix|\bappx?\.)\s*(?P<label>{_APPENDIX_NUMBER}){_END}"),
        ("table", rf"表\s*(?P<label>{_LABEL}){_END}"),
        ("table", rf"(?i:\btables?|\btab\.)\s*(?P<label>{_LABEL}){_END}"),
        ("figure", r"图\s*(?P<label>[A-Z]?\d+)(?:[a-z](?![A-Za-z]))?"),
        (
            "figure",
            rf"(?i:\bfig(?:ure)?s?\.?)\s*(?P<label>[A-Z]?\d+)(?:\s?\(?[a-z]\)?)?{_END}",
        ),
        ("equation", r"公式\s*[（(]?\s*(?P<label>\d+[a-z]?)(?:\s*[)）])?"),
        ("equation", r"(?<![公方])式\s*[（(]\s*(?P<label>\d+[a-z]?)\s*[)）]"),
        ("equation", r"(?i:\beqs?\.|\bequations?)\s*[（(]?\s*(?P<label>\d+[a-z]?)(?:\s*[)）])?"),
        ("algorithm", rf"算法\s*(?P<label>\d+){_END}"),
        ("algorithm", rf"(?i:\balgorithms?|\balg\.)\s*(?P<label>\d+){_END}"),
    )
)
_KIND_WORDS = {
    "table": re.compile(r"\btables?\b|\btab\.|表\s*\d", re.I),
    "figure": re.compile(r"\bfig(?:ure)?s?\.?\s*\d|图\s*\d", re.I),
    "equation": re.compile(r"\beq(?:uation)?s?\.?\s*\(?\d|\(\d{1,3}\)\s*$", re.I | re.M),
    "algorithm": re.compile(r"\balgorithm\s*\d", re.I),
    "appendix": re.compile(r"\bappendi(?:x|ces)\b|附录", re.I),
}
_ROMAN = re.compile(r"^[IVXL]+$")
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10, "L": 50}


class Status(StrEnum):
    PRESENT = "present"
    UNCERTAIN = "uncertain"
    ABSENT = "absent"


@dataclass(frozen=True)
class Reference:
    kind: str
    label: str
    start: int
    end: int
    text: str

    @property
    def family(self) -> str:
        return "section" if self.kind == "appendix" else self.kind


def find_references(text: str) -> list[Reference]:
    """All references in ``text``, in order, without overlaps (the earliest, longest wins)."""
    found = [
        Reference(kind, match.group("label"), match.start(), match.end(), match.group(0))
        for kind, pattern in _PATTERNS
        for match in pattern.finditer(text)
    ]
    found.sort(key=lambda r: (r.start, -r.end))
    kept: list[Reference] = []
    for reference in found:
        if not kept or reference.start >= kept[-1].end:
            kept.append(reference)
    return kept


def canonical(label: str) -> str:
    """``III-A`` → ``3.1``, ``II`` → ``2``, ``b.1`` → ``B.1``: one key per spelling."""
    parts = [p for p in re.split(r"[.\-]", label.strip(" .").upper()) if p]
    if parts and _ROMAN.match(parts[0]):
        parts = [str(_roman(parts[0]))] + [
            str(ord(p) - 64) if len(p) == 1 and p.isalpha() else p for p in parts[1:]
        ]
    return ".".join(parts)


def _with_parents(key: str) -> list[str]:
    """``3.2.1`` → ``3``, ``3.2``, ``3.2.1``: a subsection implies its parents."""
    parts = key.split(".")
    return [".".join(parts[: i + 1]) for i in range(len(parts))]


def _roman(numeral: str) -> int:
    total = 0
    for index, char in enumerate(numeral):
        value = _ROMAN_VALUES[char]
        following = _ROMAN_VALUES[numeral[index + 1]] if index + 1 < len(numeral) else 0
        total += -value if value < following else value
    return total


class Structure:
    """What structure the paper has: numbered sections, captions, equations, mentions."""

    def __init__(self, document: Document, text: str) -> None:
        sections = [s.number for s in (*document.sections, *document.appendix) if s.number]
        self.labels = {("section", key) for n in sections for key in _with_parents(canonical(n))}
        for kind in ("table", "figure"):
            self.labels |= {(kind, canonical(label)) for label in document.caption_labels(kind)}
        self.labels |= {("equation", canonical(n)) for n in document.equation_numbers()}
        self.labels |= {(r.family, canonical(r.label)) for r in find_references(text)}
        self.top_levels = {key.split(".")[0] for family, key in self.labels if family == "section"}
        self.has_sections = bool(sections)
        self.has_body = bool(document.sections or document.appendix)
        self.kinds_mentioned = {kind for kind, words in _KIND_WORDS.items() if words.search(text)}

    def status(self, reference: Reference) -> Status:
        key = canonical(reference.label)
        if (reference.family, key) in self.labels:
            return Status.PRESENT
        if reference.family == "section":
            return self._section_status(reference, key)
        known = [int(k) for family, k in self.labels if family == reference.family and k.isdigit()]
        if key.isdigit() and known and int(key) <= max(known):
            return Status.UNCERTAIN
        if not known and reference.kind in self.kinds_mentioned:
            return Status.UNCERTAIN
        return Status.ABSENT

    def _section_status(self, reference: Reference, key: str) -> Status:
        if not self.has_sections:  # unnumbered headings: unknown; abstract only: absent
            return Status.UNCERTAIN if self.has_body else Status.ABSENT
        if key.split(".")[0] in self.top_levels:  # a subsection the extractor missed
            return Status.UNCERTAIN
        if reference.kind == "appendix" and not any(
            k[:1].isalpha() for f, k in self.labels if f == "section"
        ):
            return Status.UNCERTAIN if "appendix" in self.kinds_mentioned else Status.ABSENT
        return Status.ABSENT
