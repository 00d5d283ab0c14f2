"""Text of LaTeXML elements: prose with math as ``$…$``, tables as pipe grids.

Math comes from the ``alttext`` LaTeX (not the MathML), footnotes and
conversion errors are left out of the running text, and a table becomes one
Markdown row per ``ltx_tr``.
"""

from __future__ import annotations

import re

from lxml import etree
from lxml.html import HtmlElement

_SPACES = re.compile(r"\s+")
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([,.;:!?)\]])")
_SPACE_AFTER_BRACKET = re.compile(r"([(\[])\s+")
# LaTeXML wraps long alttext with a TeX comment: "%" + newline, which is no content.
_TEX_LINE_WRAP = re.compile(r"(?<!\\)%[ \t]*\n\s*")
# Left out of running text: footnotes (collected apart), their marks, errors, scripts.
_SKIPPED_CLASSES = frozenset({"ltx_note", "ltx_note_mark", "ltx_tag_note", "ltx_ERROR"})
_SKIPPED_TAGS = frozenset({"script", "style", "button", "noscript"})


def classes(element: HtmlElement) -> frozenset[str]:
    """The element's CSS classes."""
    return frozenset((element.get("class") or "").split())


def is_element(node: object) -> bool:
    """True for elements, False for comments and processing instructions."""
    return isinstance(node, etree.ElementBase) and isinstance(node.tag, str)


def inline_text(element: HtmlElement, *, skip: frozenset[str] = frozenset()) -> str:
    """The text of ``element`` on one line; classes in ``skip`` are left out as well."""
    parts: list[str] = []
    _collect(element, parts, _SKIPPED_CLASSES | skip, top=True)
    return normalise("".join(parts))


def normalise(text: str) -> str:
    """Collapse whitespace and drop the space LaTeXML leaves before punctuation."""
    text = _SPACE_BEFORE_PUNCT.sub(r"\1", _SPACES.sub(" ", text))
    return _SPACE_AFTER_BRACKET.sub(r"\1", text).strip()


def math_text(element: HtmlElement) -> str:
    """``$…$`` from the LaTeX in ``alttext`` (the visible MathML when there is none)."""
    latex = element.get("alttext")
    if latex is None:
        latex = element.text_content()
    latex = _SPACES.sub(" ", _TEX_LINE_WRAP.sub("", latex)).strip()
    return f"${latex}$" if latex else ""


def table_grid(tabular: HtmlElement) -> str:
    """The rows of an ``ltx_tabular`` as Markdown pipe rows, header rule after the first."""
    rows = [_cells(row) for row in _rows(tabular)]
    rows = [row for row in rows if any(row)]
    if not rows:
        return ""
    width = max(len(row) for row in rows)
    lines = ["| " + " | ".join(row + [""] * (width - len(row))) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * width)
    return "\n".join(lines)


def _collect(element: HtmlElement, parts: list[str], skip: frozenset[str], *, top: bool) -> None:
    if not top and (element.tag in _SKIPPED_TAGS or classes(element) & skip):
        return
    if element.tag == "math":
        parts.append(f" {math_text(element)} ")
        return
    if element.tag == "br":
        parts.append(" ")
    if element.text:
        parts.append(element.text)
    for child in element:
        if is_element(child):
            _collect(child, parts, skip, top=False)
        if child.tail:
            parts.append(child.tail)


def _rows(tabular: HtmlElement) -> list[HtmlElement]:
    """``ltx_tr`` rows of this tabular, not of tabulars nested in its cells."""
    rows = []
    for row in tabular.iter():
        if is_element(row) and "ltx_tr" in classes(row) and _owner(row) is tabular:
            rows.append(row)
    return rows


def _owner(row: HtmlElement) -> HtmlElement | None:
    for ancestor in row.iterancestors():
        if "ltx_tabular" in classes(ancestor):
            return ancestor
    return None


def _cells(row: HtmlElement) -> list[str]:
    cells = []
    for cell in row.iter():
        if is_element(cell) and classes(cell) & {"ltx_td", "ltx_th"} and _row_of(cell) is row:
            cells.append(inline_text(cell).replace("|", "\\|"))
    return cells


def _row_of(cell: HtmlElement) -> HtmlElement | None:
    for ancestor in cell.iterancestors():
        if "ltx_tr" in classes(ancestor):
            return ancestor
    return None
