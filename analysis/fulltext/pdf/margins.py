"""What surrounds the running text: headers, footers, page and line numbers, footnotes.

Works on whole documents, since a running header is only recognisable by
repeating across pages.
"""

from __future__ import annotations

import math
import re
from collections import Counter, defaultdict

from analysis.fulltext.pdf.layout import PageRows, Row

_PAGE_NUMBER = re.compile(
    r"^(?:page\s*)?[-–—]?\s*\d{1,4}\s*[-–—]?(?:\s*(?:/|of)\s*\d{1,4})?$", re.IGNORECASE
)
_DIGITS = re.compile(r"\d+")
FOOTNOTE_MARK = re.compile(r"^(?P<mark>\d{1,2}|[∗*†‡§¶]{1,2})\s*(?=[^\W\d_])")
"""A footnote's opening mark ("4", "∗", "†") followed by its first word."""

_HEADER_ZONE = 0.15
_FOOTER_ZONE = 0.88
_SAME_Y = 3.0
_LINE_NUMBER_ZONE = 0.12
_MIN_LINE_NUMBERS = 10
_FOOTNOTE_SMALLER = 0.9
_FOOTNOTE_ZONE = 0.5


def strip_margins(pages: list[PageRows]) -> Counter[str]:
    """Remove running headers/footers, page numbers and line numbers, in place; count them."""
    counts: Counter[str] = Counter()
    repeated = _repeated_margin_rows(pages)
    for page in pages:
        line_numbers, page_numbers = _line_numbers(page), _page_numbers(page)
        counts["line_numbers"] += len(line_numbers)
        counts["page_numbers"] += len(page_numbers - line_numbers)
        ids = {id(row) for row in page.rows}
        counts["running_heads"] += len((repeated & ids) - line_numbers - page_numbers)
        dropped = repeated | line_numbers | page_numbers
        page.rows = [row for row in page.rows if id(row) not in dropped]
    return counts


def mark_footnotes(pages: list[PageRows], body_size: float) -> None:
    """Flag the small print at the foot of each column from its first footnote mark on."""
    for page in pages:
        for column in (0, 1):
            rows = [row for row in page.rows if row.column == column]
            start = len(rows)
            while start and rows[start - 1].size <= body_size - _FOOTNOTE_SMALLER:
                start -= 1
            marked = False
            for row in rows[start:]:
                low = row.y0 > page.height * _FOOTNOTE_ZONE
                marked = marked or (low and FOOTNOTE_MARK.match(row.text) is not None)
                row.footnote = marked


def _in_margin(row: Row, page: PageRows) -> bool:
    return row.y1 < page.height * _HEADER_ZONE or row.y0 > page.height * _FOOTER_ZONE


def _margin_key(row: Row) -> str:
    return _DIGITS.sub("#", row.text.lower())


def _repeated_margin_rows(pages: list[PageRows]) -> set[int]:
    """Ids of margin rows repeated at the same height on many pages."""
    threshold = max(2, math.ceil(0.3 * len(pages)))
    seen: dict[str, list[tuple[int, float]]] = defaultdict(list)
    for page in pages:
        for row in page.rows:
            if _in_margin(row, page):
                seen[_margin_key(row)].append((page.number, row.y0))
    repeated: set[int] = set()
    for page in pages:
        for row in page.rows:
            if not _in_margin(row, page):
                continue
            places = seen[_margin_key(row)]
            if len(places) < threshold:
                continue
            pages_at_y = {number for number, y in places if abs(y - row.y0) <= _SAME_Y}
            if len(pages_at_y) >= threshold:
                repeated.add(id(row))
    return repeated


def _page_numbers(page: PageRows) -> set[int]:
    """Ids of bare page numbers: in the margins, or the top-most or bottom-most row."""
    if not page.rows:
        return set()
    top = min(page.rows, key=lambda row: row.y0)
    bottom = max(page.rows, key=lambda row: row.y1)
    return {
        id(row)
        for row in page.rows
        if (row is top or row is bottom or _in_margin(row, page)) and _PAGE_NUMBER.match(row.text)
    }


def _line_numbers(page: PageRows) -> set[int]:
    """Ids of review-copy line numbers: many bare numbers in the outer margins."""
    left, right = page.width * _LINE_NUMBER_ZONE, page.width * (1 - _LINE_NUMBER_ZONE)
    numbers = {
        id(row)
        for row in page.rows
        if row.text.isdigit() and len(row.text) <= 4 and (row.x1 < left or row.x0 > right)
    }
    return numbers if len(numbers) >= _MIN_LINE_NUMBERS else set()
