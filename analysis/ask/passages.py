"""A :class:`~analysis.document.Document` split into passages that respect its structure.

Each body or appendix section gives passages of whole paragraphs (joined up to
about :data:`TARGET_WORDS` words; a longer paragraph is cut between sentences),
a displayed equation its own passage; every table (with its caption), every
figure caption and every footnote is a passage; the abstract is one too. A
passage never spans two sections.
"""

from __future__ import annotations

import re
from collections.abc import Iterator

from analysis.ask.types import Passage
from analysis.document import Document, Section

TARGET_WORDS = 120
MAX_WORDS = 220
ABSTRACT = "Abstract"
FOOTNOTES = "Footnotes"
_SENTENCE_END = re.compile(r"(?<=[.!?。！？])\s+(?=[A-Z(\[\"“\u4e00-\u9fff])|(?<=[。！？])")
_EQUATION_NUMBER = re.compile(r"\((\d{1,3}(?:\.\d{1,3})?[a-z]?)\)\s*$")
_WORD = re.compile(r"[A-Za-z]{2,}")
_CJK = re.compile(r"[\u3400-\u9fff]")


def split_document(document: Document) -> list[Passage]:
    """All passages of ``document`` in reading order, numbered from 0."""
    drafts: list[tuple[str, str | None, str, str | None, str]] = []
    if document.abstract.strip():
        drafts.append(("section", None, ABSTRACT, None, document.abstract.strip()))
    for section in document.sections:
        drafts += _section_drafts(section, "section")
    for section in document.appendix:
        drafts += _section_drafts(section, "appendix")
    drafts += _table_and_figure_drafts(document)
    drafts += [("section", None, FOOTNOTES, None, note.strip()) for note in document.footnotes]
    return [
        Passage(position, kind, number, title, label, text)
        for position, (kind, number, title, label, text) in enumerate(drafts)
        if text
    ]


def word_count(text: str) -> int:
    """Words, counting each CJK character as one."""
    return len(text.split()) + len(_CJK.findall(text))


def _section_drafts(
    section: Section, kind: str
) -> Iterator[tuple[str, str | None, str, str | None, str]]:
    for text, equation in _chunks(section.text):
        if equation is not None:
            yield "equation", section.number, section.title, equation, text
        else:
            yield kind, section.number, section.title, None, text


def _chunks(text: str) -> Iterator[tuple[str, str | None]]:
    """Paragraph groups of about TARGET_WORDS words, and equations on their own."""
    group: list[str] = []
    words = 0
    for paragraph in (p.strip() for p in text.split("\n")):
        if not paragraph:
            continue
        equation = _equation_number(paragraph)
        if equation is not None or words + word_count(paragraph) > MAX_WORDS:
            if group:
                yield " ".join(group), None
            group, words = [], 0
        if equation is not None:
            yield paragraph, equation
            continue
        for piece in _pieces(paragraph):
            group.append(piece)
            words += word_count(piece)
            if words >= TARGET_WORDS:
                yield " ".join(group), None
                group, words = [], 0
    if group:
        yield " ".join(group), None


def _pieces(paragraph: str) -> Iterator[str]:
    """The paragraph, or sentence runs of at most MAX_WORDS words when it is longer."""
    if word_count(paragraph) <= MAX_WORDS:
        yield paragraph
        return
    run: list[str] = []
    words = 0
    for sentence in _SENTENCE_END.split(paragraph):
        size = word_count(sentence)
        if run and words + size > TARGET_WORDS:
            yield " ".join(run)
            run, words = [], 0
        run.append(sentence)
        words += size
    if run:
        yield " ".join(run)


def _equation_number(paragraph: str) -> str | None:
    """The number of a displayed equation: a short, symbol-heavy line ending in ``(3)``."""
    match = _EQUATION_NUMBER.search(paragraph)
    if match is None or len(paragraph) > 400:
        return None
    words = len(_WORD.findall(paragraph[: match.start()]))
    symbols = sum(not ch.isalnum() and not ch.isspace() for ch in paragraph)
    return match.group(1) if words <= 6 or symbols > words else None


def _table_and_figure_drafts(
    document: Document,
) -> list[tuple[str, str | None, str, str | None, str]]:
    drafts: list[tuple[str, str | None, str, str | None, str]] = []
    tabled = {table.label for table in document.tables}
    captions = {(c.kind, c.label): c.text for c in document.captions}
    for table in document.tables:
        caption = table.caption.strip() or captions.get(("table", table.label), "")
        drafts.append(("table", None, caption, table.label, f"{caption}\n{table.text}".strip()))
    for figure in document.captions:
        if figure.kind == "table" and figure.label in tabled:
            continue
        kind = "table" if figure.kind == "table" else "figure"
        drafts.append((kind, None, figure.text, figure.label, figure.text.strip()))
    return drafts
