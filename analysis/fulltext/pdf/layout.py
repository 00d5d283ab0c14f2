"""Page layout: PyMuPDF text dicts to clean rows of text in reading order.

A :class:`Row` is one visual line (PyMuPDF may split a line at wide gaps, e.g.
``1`` and ``Introduction``; rows rejoin them) with its dominant font size and
boldness. Text at an angle to the page's main direction (the vertical arXiv
stamp, rotated axis labels) is dropped; a page whose text all runs vertically
is read in its own rotated frame. Two-column pages are read column by column
between full-width blocks. :mod:`analysis.fulltext.pdf.margins` then removes what is
not running text.
"""

from __future__ import annotations

import functools
import re
from collections import Counter, defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

import pymupdf

# No TEXT_PRESERVE_IMAGES (image bytes are large and unused) and no
# TEXT_PRESERVE_LIGATURES (so "ﬁ" arrives as "fi").
TEXT_FLAGS = pymupdf.TEXT_PRESERVE_WHITESPACE | pymupdf.TEXT_MEDIABOX_CLIP
_BOLD_FONT = re.compile(r"bold|black|heavy|semibold|demi|medi|cmbx|[-,+]b\b|tb$", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_CAPTION_START = re.compile(r"(?:fig|tab)", re.IGNORECASE)
_NOTE_MARK = re.compile(r"[\d∗*†‡§¶]{1,3}(?:,[\d∗*†‡§¶]{1,3})*")
_WORD_END = re.compile(r"[^\W\d_]{3,}$")
_AFTER_MARK = frozenset(".,;:!?)]”’\"'")
_BOLD, _ITALIC = pymupdf.TEXT_FONT_BOLD, pymupdf.TEXT_FONT_ITALIC
_SUPERSCRIPT = pymupdf.TEXT_FONT_SUPERSCRIPT

_COLUMN_SLACK = 0.02
_CELL_GAP = 1.2  # a gap wider than this many font sizes separates table cells
_RIGHT_PART = 5_000


@dataclass(slots=True)
class Row:
    """One visual line of text; coordinates are in the page's reading frame.

    ``column`` is 1 for the right column of a two-column page, else 0;
    ``footnote`` marks the footnotes at the foot of a column; ``cells`` holds
    the row's pieces split at wide gaps (a table row has several, a line of prose one).
    """

    page: int
    block: int
    text: str
    x0: float
    y0: float
    x1: float
    y1: float
    size: float
    bold: bool
    font: str
    italic: bool = False
    column: int = 0
    footnote: bool = False
    cells: list[str] = field(default_factory=list)


@dataclass(slots=True)
class PageRows:
    """The rows of one page in reading order, with the page size in its reading frame.

    ``graphics`` are the boxes of vector paths and images (upright pages only).
    """

    number: int
    width: float
    height: float
    rows: list[Row]
    graphics: list[Box] = field(default_factory=list)


Box = tuple[float, float, float, float]
_GRAPHICS = ("fill-path", "stroke-path", "fill-image", "fill-shade", "fill-imgmask")


def page_rows(page: pymupdf.Page, number: int) -> PageRows:
    """Rows of ``page`` (``number`` is 1-based) in reading order."""
    data = page.get_text("dict", flags=TEXT_FLAGS)
    lines = [
        (block["number"], line)
        for block in data["blocks"]
        if block.get("type", 0) == 0
        for line in block["lines"]
    ]
    direction = _main_direction(line for _, line in lines)
    frame = _to_frame((0.0, 0.0, data["width"], data["height"]), direction)
    width, height = frame[2] - frame[0], frame[3] - frame[1]
    blocks: dict[int, list[Row]] = defaultdict(list)
    for block_number, line in lines:
        if _snap(line["dir"]) != direction:
            continue
        row = _line_row(line, number, number * 10_000 + block_number, direction, frame)
        if row is None:
            continue
        rows = blocks[row.block]
        if rows and _same_row(rows[-1], row):
            _merge_into(rows[-1], row)
        else:
            rows.append(row)
    split = [part for rows in blocks.values() for part in _split_columns(rows, width)]
    ordered = _reading_order(split, width)
    # Graphics only matter next to a caption: pages without one skip the extra pass.
    captioned = any(_CAPTION_START.match(row.text) for row in ordered)
    graphics = _graphics(page) if direction == (1, 0) and captioned else []
    return PageRows(number, width, height, ordered, graphics)


def _graphics(page: pymupdf.Page) -> list[Box]:
    """Boxes of the page's drawings and images, from MuPDF's cheap bounding-box log."""
    x0, y0 = page.rect.x0, page.rect.y0
    return [
        (r[0] - x0, r[1] - y0, r[2] - x0, r[3] - y0)
        for kind, r in page.get_bboxlog()
        if kind in _GRAPHICS
    ]


def body_font_size(rows: Iterable[Row]) -> float:
    """The most common font size by characters, in half-point bins."""
    sizes: Counter[float] = Counter()
    for row in rows:
        sizes[round(row.size * 2) / 2] += len(row.text)
    return sizes.most_common(1)[0][0] if sizes else 10.0


def _main_direction(lines: Iterable[dict[str, Any]]) -> tuple[int, int]:
    weights: Counter[tuple[int, int]] = Counter()
    for line in lines:
        weights[_snap(line["dir"])] += sum([len(span["text"]) for span in line["spans"]])
    weights.pop((0, 0), None)
    return weights.most_common(1)[0][0] if weights else (1, 0)


@functools.cache
def _snap(direction: tuple[float, float]) -> tuple[int, int]:
    dx, dy = direction
    if abs(dx) > 0.99:
        return (1 if dx > 0 else -1, 0)
    if abs(dy) > 0.99:
        return (0, 1 if dy > 0 else -1)
    return (0, 0)


def _to_frame(
    bbox: tuple[float, float, float, float], direction: tuple[int, int]
) -> tuple[float, float, float, float]:
    """``bbox`` in coordinates where text of ``direction`` runs left to right."""
    dx, dy = direction
    x0, y0, x1, y1 = bbox
    us = (x0 * dx + y0 * dy, x1 * dx + y1 * dy)
    vs = (y0 * dx - x0 * dy, y1 * dx - x1 * dy)
    return min(us), min(vs), max(us), max(vs)


def _line_row(
    line: dict[str, Any],
    page: int,
    block: int,
    direction: tuple[int, int],
    frame: tuple[float, float, float, float],
) -> Row | None:
    sizes: dict[float, int] = {}
    fonts: dict[str, int] = {}
    bold = italic = chars = 0
    pieces: list[str] = []
    previous = ""
    for span in line["spans"]:
        text, flags = span["text"], span["flags"]
        if flags & _SUPERSCRIPT and is_note_mark(text, previous):
            pieces.append(" ")  # a footnote mark raised after a word or punctuation
        else:
            pieces.append(text)
            previous = text
        weight = len(text.strip())
        if not weight:
            continue
        chars += weight
        size, font = round(span["size"], 1), span["font"]
        sizes[size] = sizes.get(size, 0) + weight
        fonts[font] = fonts.get(font, 0) + weight
        if flags & _BOLD or _bold_font(font):
            bold += weight
        if flags & _ITALIC:
            italic += weight
    if not chars:
        return None
    text = _SPACES.sub(" ", "".join(pieces)).strip()
    x0, y0, x1, y1 = _to_frame(line["bbox"], direction)
    return Row(
        page=page,
        block=block,
        text=text,
        x0=x0 - frame[0],
        y0=y0 - frame[1],
        x1=x1 - frame[0],
        y1=y1 - frame[1],
        size=max(sizes, key=sizes.__getitem__),
        bold=bold >= 0.7 * chars,
        font=max(fonts, key=fonts.__getitem__),
        italic=italic >= 0.7 * chars,
    )


def is_note_mark(text: str, before: str) -> bool:
    """A raised footnote mark ("4", "∗", "†,1") after punctuation or a word of 3+ letters.

    Exponents stay: they follow a digit or a one- or two-letter symbol (``x2``, ``10^5``).
    """
    if not _NOTE_MARK.fullmatch(text.strip()):
        return False
    tail = before.rstrip()
    return bool(tail) and (tail[-1] in _AFTER_MARK or _WORD_END.search(tail) is not None)


@functools.cache
def _bold_font(name: str) -> bool:
    return _BOLD_FONT.search(name) is not None


def _same_row(left: Row, right: Row) -> bool:
    overlap = min(left.y1, right.y1) - max(left.y0, right.y0)
    shorter = min(left.y1 - left.y0, right.y1 - right.y0)
    return overlap > 0.5 * shorter and right.x0 >= left.x1 - 2


def _merge_into(row: Row, other: Row) -> None:
    gap = other.x0 - row.x1
    separator = " " if gap > 0.15 * max(row.size, other.size) else ""
    pieces = row.cells or [row.text]
    if gap > _CELL_GAP * max(row.size, other.size):
        row.cells = [*pieces, *(other.cells or [other.text])]
    else:
        row.cells = [*pieces[:-1], f"{pieces[-1]}{separator}{other.text}"]
    longer = other if len(other.text) > len(row.text) else row
    row.text = f"{row.text}{separator}{other.text}"
    row.size, row.font = longer.size, longer.font
    row.bold = row.bold and other.bold
    row.x1 = max(row.x1, other.x1)
    row.y0, row.y1 = min(row.y0, other.y0), max(row.y1, other.y1)


def _split_columns(rows: list[Row], width: float) -> list[list[Row]]:
    """A block whose rows all sit in one column or the other, as one block per column.

    MuPDF can put side-by-side lines of two columns into one block when the
    file writes them interleaved; no row of a real full-width block stays
    within one half of the page.
    """
    mid, slack = width / 2, width * _COLUMN_SLACK
    left = [row for row in rows if row.x1 <= mid + slack]
    right = [row for row in rows if row.x0 >= mid - slack]
    if not left or not right or len(left) + len(right) != len(rows):
        return [rows]
    for row in right:
        row.block += _RIGHT_PART
    return [left, right]


def _reading_order(blocks: list[list[Row]], width: float) -> list[Row]:
    """Rows block by block: on a two-column page, each column in turn between wide blocks."""
    mid, slack = width / 2, width * _COLUMN_SLACK
    sides: dict[int, str] = {}
    chars: Counter[str] = Counter()
    for rows in blocks:
        x0, x1 = min(r.x0 for r in rows), max(r.x1 for r in rows)
        side = "left" if x1 <= mid + slack else "right" if x0 >= mid - slack else "wide"
        sides[rows[0].block] = side
        chars[side] += sum(len(r.text) for r in rows)
    blocks.sort(key=lambda rows: (rows[0].y0, rows[0].x0))
    if not (chars["left"] and chars["right"]) or chars["wide"] > chars["left"] + chars["right"]:
        return [row for rows in blocks for row in rows]
    ordered: list[Row] = []
    band: list[list[Row]] = []
    for rows in blocks:
        if sides[rows[0].block] == "wide":
            ordered.extend(_flush_band(band, sides))
            band = []
            ordered.extend(rows)
        else:
            band.append(rows)
    ordered.extend(_flush_band(band, sides))
    return ordered


def _flush_band(band: list[list[Row]], sides: dict[int, str]) -> list[Row]:
    left = [row for rows in band if sides[rows[0].block] == "left" for row in rows]
    right = [row for rows in band if sides[rows[0].block] == "right" for row in rows]
    for row in right:
        row.column = 1
    return left + right
