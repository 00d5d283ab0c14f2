"""The structured form of a paper that every analysis step reads.

:mod:`analysis.fulltext` builds a :class:`Document` from arXiv's HTML or a PDF.
Everything here is plain, frozen data: ``to_dict``/``from_dict`` round-trip it
losslessly (the extraction worker process sends it as a dict), while
``to_json`` is what ``arxiv-radar extract --format json`` prints.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from typing import Any

_SECTION_REF = re.compile(
    r"^\s*(?:(?:sections?|sect?\.|§+|appendix|app\.)\s*)?第?\s*(?P<ref>[A-Za-z0-9.\-]+?)\s*[节章]?\s*$",
    re.IGNORECASE,
)
_EQUATION_AT_LINE_END = re.compile(r"\((\d{1,3}(?:\.\d{1,3})?[a-z]?)\)[ \t]*$", re.MULTILINE)


@dataclass(frozen=True)
class Section:
    """One heading and the text under it (its subsections are separate)."""

    number: str | None
    title: str
    level: int
    page: int
    text: str

    @property
    def chars(self) -> int:
        """Length of the body text."""
        return len(self.text)

    @property
    def label(self) -> str:
        """``"3.2 Method"``, or just the title for an unnumbered heading."""
        return f"{self.number} {self.title}" if self.number else self.title


@dataclass(frozen=True)
class Caption:
    """A figure or table caption as printed (``label`` is "3", "II", "A1"...)."""

    kind: str
    label: str
    text: str
    page: int


@dataclass(frozen=True)
class Table:
    """A table as a plain-text grid (Markdown pipe rows), kept apart from the prose."""

    label: str
    caption: str
    text: str
    page: int


@dataclass(frozen=True)
class Quality:
    """How trustworthy the extracted text is; ``reason`` is None when usable.

    ``removed`` counts what was taken out of the prose, per class (running
    heads, footers, figure text, table rows, footnotes, repaired ligatures...).
    """

    chars: int
    words: int
    dictionary_ratio: float
    text_pages: int
    usable: bool
    reason: str | None
    removed: dict[str, int] = field(default_factory=dict)

    def to_json(self) -> dict[str, Any]:
        """The fields as JSON-ready values."""
        return asdict(self)


@dataclass(frozen=True)
class Document:
    """A paper split into title, abstract, sections, captions, tables, footnotes and references.

    ``text_source`` is ``"html"`` or ``"pdf"``; ``source_note`` says why arXiv's
    HTML was not used when the PDF was read instead of it.
    """

    title: str
    abstract: str
    pages: int
    sections: tuple[Section, ...]
    appendix: tuple[Section, ...]
    captions: tuple[Caption, ...]
    references: tuple[str, ...]
    quality: Quality
    tables: tuple[Table, ...] = ()
    footnotes: tuple[str, ...] = ()
    text_source: str = "pdf"
    source_note: str | None = None

    def body_text(self) -> str:
        """All body sections, each under its label as a heading line."""
        return "\n\n".join(_with_heading(section) for section in self.sections)

    def all_text(self) -> str:
        """Abstract, body, appendix, captions, tables and footnotes: all a claim may quote."""
        parts = [self.abstract, self.body_text()]
        parts.extend(_with_heading(section) for section in self.appendix)
        parts.extend(f"{c.kind.title()} {c.label}: {c.text}" for c in self.captions)
        parts.extend(f"Table {t.label}\n{t.text}".strip() for t in self.tables)
        parts.extend(self.footnotes)
        return "\n\n".join(part for part in parts if part)

    def section_numbers(self) -> tuple[str, ...]:
        """Numbers of all numbered sections, body then appendix, in order."""
        return tuple(s.number for s in self._all_sections() if s.number)

    def caption_labels(self, kind: str) -> tuple[str, ...]:
        """Labels of the captions of one kind ("figure" or "table"), in order."""
        return tuple(c.label for c in self.captions if c.kind == kind)

    def equation_numbers(self) -> tuple[str, ...]:
        """Equation numbers like ``(3)`` printed at line ends in body and appendix."""
        found: dict[str, None] = {}
        for section in self._all_sections():
            for match in _EQUATION_AT_LINE_END.finditer(section.text):
                found[match.group(1)] = None
        return tuple(found)

    def find_section(self, ref: str) -> Section | None:
        """The section numbered ``ref`` ("3.2", "IV", "B.1", "Section 3", "§3", "第3.2节")."""
        match = _SECTION_REF.match(ref)
        if match is None:
            return None
        wanted = _normalise_number(match.group("ref"))
        for section in self._all_sections():
            if section.number and _normalise_number(section.number) == wanted:
                return section
        return None

    def to_json(self) -> dict[str, Any]:
        """Structure, text and quality: what the engines read, as JSON-ready values."""
        return {
            "title": self.title,
            "abstract": self.abstract,
            "pages": self.pages,
            "text_source": self.text_source,
            "source_note": self.source_note,
            "sections": [_section_json(s) for s in self.sections],
            "appendix": [_section_json(s) for s in self.appendix],
            "captions": [asdict(c) for c in self.captions],
            "tables": [asdict(t) for t in self.tables],
            "footnotes": list(self.footnotes),
            "references_count": len(self.references),
            "quality": self.quality.to_json(),
        }

    def to_text(self) -> str:
        """The body in reading order, then captions, tables and footnotes in their own blocks."""
        lines = [f"# {self.title or '(untitled)'}", self._source_line(), ""]
        if not self.quality.usable:
            lines += [f"WARNING: text not usable ({self.quality.reason})", ""]
        if self.abstract:
            lines += ["## Abstract", self.abstract, ""]
        for section in self.sections:
            lines += [_heading_line(section), section.text, ""]
        if self.appendix:
            lines += ["## Appendix", ""]
            for section in self.appendix:
                lines += [_heading_line(section), section.text, ""]
        if self.captions:
            lines += ["## Captions", *(_caption_line(c) for c in self.captions), ""]
        for table in self.tables:
            lines += [f"## Table {table.label}".rstrip(), table.caption, "", table.text, ""]
        if self.footnotes:
            lines += ["## Footnotes", *(f"- {note}" for note in self.footnotes), ""]
        removed = ", ".join(f"{k} {v}" for k, v in sorted(self.quality.removed.items()) if v)
        if removed:
            lines.append(f"Kept out of the prose: {removed}")
        lines.append(f"{len(self.references)} references")
        return "\n".join(lines).strip() + "\n"

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain data; :meth:`from_dict` rebuilds the document."""
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Document:
        """Rebuild a document from :meth:`to_dict` output."""
        return cls(
            title=data["title"],
            abstract=data["abstract"],
            pages=data["pages"],
            sections=tuple(Section(**s) for s in data["sections"]),
            appendix=tuple(Section(**s) for s in data["appendix"]),
            captions=tuple(Caption(**c) for c in data["captions"]),
            references=tuple(data["references"]),
            quality=Quality(**data["quality"]),
            tables=tuple(Table(**t) for t in data.get("tables", ())),
            footnotes=tuple(data.get("footnotes", ())),
            text_source=data.get("text_source", "pdf"),
            source_note=data.get("source_note"),
        )

    def _source_line(self) -> str:
        pages = f"{self.pages} pages" if self.text_source == "pdf" else f"~{self.pages} pages"
        note = f" (HTML not used: {self.source_note})" if self.source_note else ""
        return f"{pages} · text from {self.text_source.upper()}{note}"

    def _all_sections(self) -> Iterator[Section]:
        yield from self.sections
        yield from self.appendix


def _normalise_number(number: str) -> str:
    return number.strip(" .").replace("-", ".").upper()


def _with_heading(section: Section) -> str:
    return f"{section.label}\n{section.text}" if section.text else section.label


def _heading_line(section: Section) -> str:
    return f"{'#' * min(section.level + 1, 6)} {section.label}  (p. {section.page})"


def _caption_line(caption: Caption) -> str:
    return f"[{caption.kind} {caption.label}, p. {caption.page}] {caption.text}"


def _section_json(section: Section) -> dict[str, Any]:
    return {
        "number": section.number,
        "title": section.title,
        "level": section.level,
        "page": section.page,
        "chars": section.chars,
        "text": section.text,
    }
