"""Character repair and page furniture that repetition does not reveal.

Fonts whose ToUnicode map sends the ``ff`` ligature to "↵" (``e↵orts``) are
repaired, ligature code points are spelled out, U+FFFD glyphs (no Unicode
mapping at all) are dropped. Conference and copyright footers, "Preprint.
Under review." lines and similar notices are recognised by their wording
when they sit in a page's margins or in the small print at its foot, so they
go even when they appear on one page only.
"""

from __future__ import annotations

import re
from collections import Counter

from analysis.fulltext.pdf.layout import PageRows, Row

_LIGATURES = {
    "\ufb00": "ff",
    "\ufb01": "fi",
    "\ufb02": "fl",
    "\ufb03": "ffi",
    "\ufb04": "ffl",
    "\ufb05": "st",
    "\ufb06": "st",
}
_LIGATURE_CHARS = re.compile("[\ufb00-\ufb06]")
# "↵" (U+21B5) is what some TeX fonts' maps give for the ff ligature: only between letters.
_BROKEN_FF = re.compile(r"(?<=[^\W\d_])↵|↵(?=[^\W\d_])")
_NOTICE = re.compile(
    r"©|\(c\)\s*(?:19|20)\d\d|\bcopyright\b|all rights reserved|permission to make digital"
    r"|\bpreprint\b.*\b(?:under review|submitted|work in progress)\b|under review as a"
    r"|licensed under (?:a |the )?(?:creative|cc)",
    re.IGNORECASE,
)
# Wording that references share ("Proceedings of the…", a DOI): a notice on page 1 only,
# where the venue footer sits and no bibliography does.
_FIRST_PAGE_NOTICE = re.compile(
    r"^\s*(?:published|accepted) (?:as|at|in)\b|proceedings of the\b|\bisbn\b|\bissn\b"
    r"|\$\d+\.\d\d\b|^\s*doi:|https?://doi\.org/",
    re.IGNORECASE,
)
_SPACE_BEFORE_PUNCT = re.compile(r"\s+([.,;:!?)])")
_MARGIN = 0.12
_FOOT = 0.8


def clean_rows(pages: list[PageRows], body_size: float) -> Counter[str]:
    """Repair characters and drop notices in place; counts per class of what changed."""
    counts: Counter[str] = Counter()
    for page in pages:
        kept: list[Row] = []
        # A notice runs over its whole small-print block ("Copyright © 2022, Association
        # for the Advancement of / Artificial Intelligence… / All rights reserved.").
        notices = {row.block for row in page.rows if _is_notice(row, page, body_size)}
        for row in page.rows:
            if row.block in notices and _in_notice_zone(row, page, body_size):
                counts["notices"] += 1
                continue
            row.text = _repair(row.text, counts)
            row.cells = [_repair(cell, Counter()) for cell in row.cells]  # counted in the text
            if row.text:
                kept.append(row)
        page.rows = kept
    return counts


def _repair(text: str, counts: Counter[str]) -> str:
    if "\ufffd" in text:
        counts["unmapped_glyphs"] += text.count("\ufffd")
        text = _SPACE_BEFORE_PUNCT.sub(r"\1", " ".join(text.replace("\ufffd", "").split()))
    if "↵" in text:
        text, repaired = _BROKEN_FF.subn("ff", text)
        counts["ligatures_repaired"] += repaired
    if _LIGATURE_CHARS.search(text):
        counts["ligatures_repaired"] += len(_LIGATURE_CHARS.findall(text))
        text = _LIGATURE_CHARS.sub(lambda m: _LIGATURES[m.group(0)], text)
    return text


def _is_notice(row: Row, page: PageRows, body_size: float) -> bool:
    """A notice line in the top or bottom margin, or in small print at the page's foot."""
    if not _in_notice_zone(row, page, body_size):
        return False
    if _NOTICE.search(row.text):
        return True
    return page.number == 1 and _FIRST_PAGE_NOTICE.search(row.text) is not None


def _in_notice_zone(row: Row, page: PageRows, body_size: float) -> bool:
    in_margin = row.y1 < page.height * _MARGIN or row.y0 > page.height * (1 - _MARGIN)
    small_at_foot = row.y0 > page.height * _FOOT and row.size < body_size - 0.4
    return in_margin or small_at_foot
