"""Figures and tables: the text inside their areas leaves the running text.

A float is found from its caption (``Figure 3:``, ``Table II``) and the page's
graphics (vector paths and images, from MuPDF's bounding-box log): the
graphics next to the caption, on the side away from the text, are chained
while what lies between them is not prose (booktabs tables have only three
rules, far apart). Rows inside the resulting area are figure text (axis
labels, panel words, text drawn in a diagram) or table rows. Figure text is
dropped; table rows become a table block. Rows that read as prose stop the
growth, and an area that would cover mostly prose, or most of the page, is no
float, so a boxed paragraph or a page frame never swallows the body.
"""

from __future__ import annotations

from dataclasses import dataclass

from analysis.fulltext.pdf.headings import CAPTION
from analysis.fulltext.pdf.layout import Box, PageRows, Row

_NEAR_CAPTION = 2.5  # line heights between a caption and its float's first graphic
_MAX_CHAIN_GAP = 0.4  # of the page height, between two graphics of one float
_MAX_AREA = 0.6  # of the page area: larger graphics are frames, not floats
_MIN_OVERLAP = 0.5  # horizontal overlap with the caption, of the narrower width
_EDGE = 2.0  # points of slack around a float's area
_PROSE_WORDS = 8
_PROSE_LETTERS = 0.7


@dataclass(frozen=True, slots=True)
class Float:
    """One figure or table found on a page, with the rows inside it."""

    kind: str
    label: str
    page: int
    rows: list[Row]


def take_floats(pages: list[PageRows], body_size: float) -> list[Float]:
    """Remove the rows inside figure and table areas from ``pages``; return them per float."""
    found: list[Float] = []
    for page in pages:
        if not page.graphics:
            continue
        taken: set[int] = set()
        captions = _caption_rows(page)
        caption_rows = [caption for caption, _, _ in captions]
        for caption, kind, label in captions:
            area = _float_area(page, caption, caption_rows, body_size)
            if area is None:
                continue
            inside = [r for r in page.rows if id(r) not in taken and _inside(r, area, caption)]
            if not inside or _mostly_prose(inside, body_size, page.width):
                continue
            taken.update(id(r) for r in inside)
            found.append(Float(kind, label, page.number, inside))
        if taken:
            page.rows = [row for row in page.rows if id(row) not in taken]
    return found


def _caption_rows(page: PageRows) -> list[tuple[Row, str, str]]:
    """Rows that open a caption (``Figure N``/``Table N`` starting a block), kind, label."""
    found: list[tuple[Row, str, str]] = []
    for index, row in enumerate(page.rows):
        match = CAPTION.match(row.text)
        if match and (index == 0 or page.rows[index - 1].block != row.block):
            kind = "figure" if match.group("kind").lower().startswith("f") else "table"
            found.append((row, kind, match.group("label")))
    return found


def _float_area(page: PageRows, caption: Row, captions: list[Row], body_size: float) -> Box | None:
    """The area of the float captioned by ``caption``: chained graphics above or below it."""
    line = max(caption.y1 - caption.y0, body_size)
    paragraph = [row for row in page.rows if row.block == caption.block]
    top, bottom = min(r.y0 for r in paragraph), max(r.y1 for r in paragraph)
    candidates = [
        g
        for g in page.graphics
        if _usable(g, page) and _aligned(g, caption) and not top < (g[1] + g[3]) / 2 < bottom
    ]  # link boxes and highlights inside the caption's own paragraph are not the float
    above = sorted((g for g in candidates if g[3] <= top + _EDGE), key=lambda g: -g[3])
    below = sorted((g for g in candidates if g[1] >= bottom - _EDGE), key=lambda g: g[1])
    gap_above = top - above[0][3] if above else None
    gap_below = below[0][1] - bottom if below else None
    options = [
        (gap, graphics, side)
        for gap, graphics, side in ((gap_above, above, -1), (gap_below, below, 1))
        if gap is not None and gap <= _NEAR_CAPTION * line
    ]
    if not options:
        return None
    # A float is as wide as its caption: a full-width table's caption does not take the
    # half-width figure under it, however close.
    left, right = min(r.x0 for r in paragraph), max(r.x1 for r in paragraph)
    _, _, graphics, side = max(
        (_width_match(graphics[0], left, right), -gap, graphics, side)
        for gap, graphics, side in options
    )
    return _chain(page, graphics, side, (top, bottom), captions, body_size)


def _chain(
    page: PageRows,
    graphics: list[Box],
    side: int,
    caption: tuple[float, float],
    captions: list[Row],
    body_size: float,
) -> Box:
    """Grow from the nearest graphic away from the caption until prose or a caption intervenes."""
    x0, y0, x1, y1 = graphics[0]
    for box in graphics[1:]:
        gap = (y0 - box[3]) if side < 0 else (box[1] - y1)
        if gap > _MAX_CHAIN_GAP * page.height:
            break
        if gap > 0:
            top, bottom = (box[3], y0) if side < 0 else (y1, box[1])
            between = [
                r
                for r in page.rows
                if r.y0 >= top - _EDGE and r.y1 <= bottom + _EDGE and _overlaps(r, x0, x1)
            ]
            if any(r in captions or _is_prose(r, body_size, page.width) for r in between):
                break
        x0, y0, x1, y1 = min(x0, box[0]), min(y0, box[1]), max(x1, box[2]), max(y1, box[3])
    # The float reaches its caption: labels between the graphics and the caption are inside.
    if side < 0:
        return (x0, y0, x1, caption[0] - 0.1)
    return (x0, caption[1] + 0.1, x1, y1)


def _width_match(box: Box, left: float, right: float) -> float:
    """Overlap over union of the box's and the caption's horizontal extents, to a tenth."""
    overlap = min(box[2], right) - max(box[0], left)
    union = max(box[2], right) - min(box[0], left)
    return round(max(overlap, 0) / union, 1) if union > 0 else 0.0


def _usable(box: Box, page: PageRows) -> bool:
    width, height = box[2] - box[0], box[3] - box[1]
    return width * height <= _MAX_AREA * page.width * page.height and width > 0


def _aligned(box: Box, caption: Row) -> bool:
    """Whether graphic and caption share most of the narrower one's horizontal extent."""
    narrower = min(box[2] - box[0], caption.x1 - caption.x0)
    span = min(box[2], caption.x1 + 10) - max(box[0], caption.x0 - 10)
    return span >= _MIN_OVERLAP * narrower


def _inside(row: Row, area: Box, caption: Row) -> bool:
    if row is caption or row.block == caption.block:
        return False
    middle_x, middle_y = (row.x0 + row.x1) / 2, (row.y0 + row.y1) / 2
    x0, y0, x1, y1 = area
    return x0 - _EDGE <= middle_x <= x1 + _EDGE and y0 - _EDGE <= middle_y <= y1 + _EDGE


def _overlaps(row: Row, x0: float, x1: float) -> bool:
    return min(row.x1, x1) - max(row.x0, x0) > 0


def _mostly_prose(rows: list[Row], body_size: float, page_width: float) -> bool:
    prose = sum(1 for row in rows if _is_prose(row, body_size, page_width))
    return prose > 0.5 * len(rows)


def _is_prose(row: Row, body_size: float, page_width: float) -> bool:
    """A line of running text: body size, several words, mostly letters, one cell."""
    text = row.text
    if abs(row.size - body_size) > 0.6 or len(row.cells) > 1 or len(text.split()) < _PROSE_WORDS:
        return False
    letters = sum(char.isalpha() for char in text)
    return letters >= _PROSE_LETTERS * len(text.replace(" ", "")) and (
        row.x1 - row.x0 >= 0.3 * page_width
    )
