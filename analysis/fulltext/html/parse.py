"""A LaTeXML page (arXiv HTML, ar5iv) to a :class:`~analysis.document.Document`.

The page carries the paper's structure: ``section`` elements classed
``ltx_section``/``ltx_subsection``/``ltx_appendix``… with their number in an
``ltx_tag`` span, paragraphs (``ltx_para``), floats (``figure.ltx_figure``,
``figure.ltx_table`` with a ``figcaption``), footnotes (``ltx_note``), math
with its LaTeX in ``alttext`` and the bibliography (``ltx_bibliography``).
Run-in paragraph headings (``ltx_paragraph``) stay in their section's text, as
in the PDF reader. HTML has no pages: ``pages`` and ``Section.page`` count
pages of :data:`PAGE_CHARS` characters, so speeds and budgets compare with PDFs.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field

import lxml.html
from lxml import etree
from lxml.html import HtmlElement

from analysis.document import Caption, Document, Section, Table
from analysis.fulltext.html.check import HtmlUnavailable, check_page
from analysis.fulltext.html.text import (
    classes,
    inline_text,
    is_element,
    math_text,
    normalise,
    table_grid,
)
from analysis.fulltext.quality import assess

PAGE_CHARS = 4000
"""Characters of prose on a typical two-column arXiv page (the corpus PDFs: 3,700–4,300)."""

_SECTIONS = {
    "ltx_chapter",
    "ltx_section",
    "ltx_subsection",
    "ltx_subsubsection",
    "ltx_appendix",
    "ltx_index",
}
_RUN_IN = {"ltx_paragraph", "ltx_subparagraph"}
_HEADINGS = {"h1", "h2", "h3", "h4", "h5", "h6"}
_FLOATS = {"ltx_figure", "ltx_table", "ltx_float"}
_EQUATIONS = {"ltx_equation", "ltx_equationgroup", "ltx_eqn_table"}
_CAPTION_TAG = re.compile(
    r"^(?P<kind>fig(?:ure)?|tab(?:le)?|algorithm|listing)\.?\s*(?P<label>[A-Z]?[\dIVXL]+(?:\.\d+)*[a-z]?)",
    re.IGNORECASE,
)
_APPENDIX_WORD = re.compile(r"^(?:appendix|annexe|anhang)\s+", re.IGNORECASE)


@dataclass
class _Reading:
    """What has been read so far, in document order."""

    captions: list[Caption] = field(default_factory=list)
    tables: list[Table] = field(default_factory=list)
    equations: int = 0
    chars: int = 0

    @property
    def page(self) -> int:
        return self.chars // PAGE_CHARS + 1


def parse_html(data: bytes) -> Document:
    """Parse an arXiv HTML page; :class:`HtmlUnavailable` when it is no usable conversion."""
    try:
        root = lxml.html.document_fromstring(data)
    except (etree.ParserError, ValueError):  # an empty or binary answer
        raise HtmlUnavailable("html_not_latexml") from None
    article = check_page(root)
    marked = _marked(article)
    reading = _Reading()
    titles = marked["ltx_title_document"]
    title = inline_text(titles[0], skip=_TITLE_SKIP) if titles else ""
    abstract = _abstract(marked["ltx_abstract"])
    reading.chars = len(abstract)
    sections, appendix = _sections(article, reading)
    footnotes = tuple(_footnotes(marked["ltx_role_footnote"]))
    pages = max(
        1, math.ceil((reading.chars + sum(len(c.text) for c in reading.captions)) / PAGE_CHARS)
    )
    body = "\n".join([abstract, *(s.text for s in (*sections, *appendix))])
    quality = assess(
        body, pages=pages, text_pages=pages, removed=_removed(reading, footnotes, marked)
    )
    if not quality.usable:  # sections present but hardly any text: a lossy conversion
        raise HtmlUnavailable("html_too_little_text")
    return Document(
        title=title if title != _FAILED_TITLE else "",
        abstract=abstract,
        pages=pages,
        sections=tuple(sections),
        appendix=tuple(appendix),
        captions=tuple(reading.captions),
        references=tuple(_references(marked["ltx_bibliography"])),
        quality=quality,
        tables=tuple(reading.tables),
        footnotes=footnotes,
        text_source="html",
    )


def _removed(
    reading: _Reading, footnotes: tuple[str, ...], marked: dict[str, list[HtmlElement]]
) -> dict[str, int]:
    """What was kept out of the prose, per class, for ``quality.removed``."""
    return {
        "footnotes": len(footnotes),
        "captions": len(reading.captions),
        "tables": len(reading.tables),
        "equations": reading.equations,
        "conversion_errors": len(marked["ltx_ERROR"]),
    }


_FAILED_TITLE = "Untitled Document"  # what LaTeXML writes when the source has no title
_TITLE_SKIP = frozenset({"ltx_tag"})
_MARKS = (
    "ltx_title_document",
    "ltx_abstract",
    "ltx_bibliography",
    "ltx_role_footnote",
    "ltx_ERROR",
)
_MARKED = " or ".join(f"contains(@class, '{mark}')" for mark in _MARKS)


def _marked(article: HtmlElement) -> dict[str, list[HtmlElement]]:
    """The elements carrying each class of :data:`_MARKS`, in one pass over the page."""
    found: dict[str, list[HtmlElement]] = {mark: [] for mark in _MARKS}
    for element in article.xpath(f".//*[{_MARKED}]"):
        for mark in classes(element).intersection(_MARKS):
            found[mark].append(element)
    return found


def _abstract(boxes: list[HtmlElement]) -> str:
    if not boxes:
        return ""
    box = boxes[0]
    paragraphs = [inline_text(p) for p in box.iter("p")]
    if not paragraphs:
        paragraphs = [inline_text(box, skip=frozenset({"ltx_title"}))]
    return " ".join(p for p in paragraphs if p)


def _sections(article: HtmlElement, reading: _Reading) -> tuple[list[Section], list[Section]]:
    """Body and appendix sections in document order (subsections separate)."""
    body: list[Section] = []
    appendix: list[Section] = []
    after_bibliography = False
    for element in article.iter("section"):
        kinds = classes(element)
        if "ltx_bibliography" in kinds:
            after_bibliography = True
            continue
        if not kinds & _SECTIONS or _inside(element, "ltx_bibliography"):
            continue
        section = _section(element, reading)
        in_appendix = after_bibliography or _inside_appendix(element)
        (appendix if in_appendix else body).append(section)
    return body, appendix


def _section(element: HtmlElement, reading: _Reading) -> Section:
    heading = next((child for child in element if child.tag in _HEADINGS), None)
    number, title = _heading(heading) if heading is not None else (None, "")
    page = reading.page
    lines: list[str] = []
    _blocks(element, lines, reading)
    text = "\n".join(lines)
    reading.chars += len(text)
    level = 1 + sum(1 for a in element.iterancestors("section") if classes(a) & _SECTIONS)
    return Section(number=number, title=title, level=level, page=page, text=text)


def _heading(heading: HtmlElement) -> tuple[str | None, str]:
    tag = next((e for e in heading.iter() if is_element(e) and "ltx_tag" in classes(e)), None)
    number = None
    if tag is not None:
        number = _APPENDIX_WORD.sub("", normalise(tag.text_content())).strip(" .:") or None
    return number, inline_text(heading, skip=_TITLE_SKIP)


def _inside(element: HtmlElement, css_class: str) -> bool:
    return any(css_class in classes(a) for a in element.iterancestors())


def _inside_appendix(element: HtmlElement) -> bool:
    return "ltx_appendix" in classes(element) or _inside(element, "ltx_appendix")


def _blocks(container: HtmlElement, lines: list[str], reading: _Reading) -> None:
    """Paragraph lines of ``container`` in order; floats go to ``reading``, subsections skipped."""
    for child in container:
        if not is_element(child):
            continue
        kinds = classes(child)
        if child.tag == "section" and not kinds & _RUN_IN:
            continue  # a subsection: a Section of its own
        if child.tag in _HEADINGS:
            # A section's own heading is its title; run-in, theorem and proof headings
            # ("Theorem 1.", "Proof.") open their paragraph.
            if container.tag != "section" or classes(container) & _RUN_IN:
                lines.append(inline_text(child))
            continue
        if child.tag == "figure" or kinds & _FLOATS:
            _float(child, reading)
        elif kinds & _EQUATIONS:
            lines.extend(_equation_lines(child))
            reading.equations += 1
        elif "ltx_tabular" in kinds:
            _table(child, "", "", reading)
        elif child.tag in ("p", "math") or "ltx_p" in kinds:
            text = math_text(child) if child.tag == "math" else inline_text(child)
            if text:
                lines.append(text)
        elif "ltx_note" in kinds or "ltx_ERROR" in kinds or child.tag in ("script", "style"):
            continue
        elif len(child):
            _blocks(child, lines, reading)
        elif text := inline_text(child):
            lines.append(text)


def _equation_lines(table: HtmlElement) -> list[str]:
    """One line per equation row: its math as ``$…$`` and its number ``(n)`` at the end."""
    lines = []
    rows = list(table.iter("tr")) or [table]
    for row in rows:
        maths = [math_text(m) for m in row.iter("math")]
        tags = [normalise(t.text_content()) for t in row.iter() if "ltx_tag" in classes(t)]
        line = " ".join(m for m in maths if m)
        if tags:
            line = f"{line} {tags[0]}".strip()
        if line:
            lines.append(line)
    return lines


def _float(figure: HtmlElement, reading: _Reading) -> None:
    """A figure or table: its caption, and the grid of every table in it (sub-floats too)."""
    caption_element = next((c for c in figure if c.tag == "figcaption"), None)
    kind, label, text = "figure", "", ""
    if caption_element is not None:
        kind, label, text = _caption(caption_element, figure)
    if text or label:
        reading.captions.append(Caption(kind, label, text, reading.page))
    tabulars = [t for t in figure.iter() if is_element(t) and "ltx_tabular" in classes(t)]
    outermost = [t for t in tabulars if not any(a in tabulars for a in t.iterancestors())]
    for tabular in outermost:
        _table(tabular, label, text, reading)


def _caption(element: HtmlElement, figure: HtmlElement) -> tuple[str, str, str]:
    tag = next((e for e in element.iter() if is_element(e) and "ltx_tag" in classes(e)), None)
    tag_text = normalise(tag.text_content()) if tag is not None else ""
    match = _CAPTION_TAG.match(tag_text)
    kind = "table" if "ltx_table" in classes(figure) else "figure"
    if match:
        kind = "table" if match.group("kind").lower().startswith("tab") else kind
    label = match.group("label") if match else ""
    return kind, label, inline_text(element, skip=_TITLE_SKIP)


def _table(tabular: HtmlElement, label: str, caption: str, reading: _Reading) -> None:
    grid = table_grid(tabular)
    if grid:
        reading.tables.append(Table(label, caption, grid, reading.page))


def _references(bibliographies: list[HtmlElement]) -> list[str]:
    entries = []
    for bibliography in bibliographies:
        for item in bibliography.iter("li"):
            if "ltx_bibitem" not in classes(item):
                continue
            parts = (inline_text(part) for part in item if is_element(part))  # tag, blocks
            if text := " ".join(part for part in parts if part):
                entries.append(text)
    return entries


def _footnotes(footnotes: list[HtmlElement]) -> list[str]:
    """Footnote texts without their marks, once each, in document order."""
    notes: dict[str, None] = {}
    for note in footnotes:
        content = next((e for e in note.iter("span") if "ltx_note_content" in classes(e)), note)
        text = inline_text(content)
        if text:
            notes[text] = None
    return list(notes)
