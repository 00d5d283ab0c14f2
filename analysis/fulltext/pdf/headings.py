"""Section headings: which rows start a section, with what number, title and level.

A row is a heading only if it *looks* like one (bold, larger than the body font
or all capitals; short) and either its number continues the numbering seen so
far (``3`` after ``2``, ``3.2`` inside ``3``, ``IV`` after ``III``, ``B.1``
inside appendix ``B``) or it is a well-known unnumbered heading (Abstract,
References, Acknowledgments...). Papers without numbered sections get
style-based headings instead: bold or large standalone rows.
"""

from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

from analysis.fulltext.pdf.layout import Row

BODY, ABSTRACT, FRONT, REFERENCES, APPENDIX = "body", "abstract", "front", "references", "appendix"

_VOCABULARY = {
    "abstract": ABSTRACT,
    "résumé": ABSTRACT,
    "references": REFERENCES,
    "reference": REFERENCES,
    "bibliography": REFERENCES,
    "literature cited": REFERENCES,
    "references and notes": REFERENCES,
    "références": REFERENCES,
    "bibliographie": REFERENCES,
    "ccs concepts": FRONT,
    "keywords": FRONT,
    "key words": FRONT,
    "index terms": FRONT,
    "general terms": FRONT,
    "author keywords": FRONT,
    "acm reference format": FRONT,
    "additional key words and phrases": FRONT,
    "introduction": BODY,
    "related work": BODY,
    "background": BODY,
    "discussion": BODY,
    "conclusion": BODY,
    "conclusions": BODY,
    "limitations": BODY,
    "acknowledgments": BODY,
    "acknowledgements": BODY,
    "acknowledgment": BODY,
    "acknowledgement": BODY,
    "ethics statement": BODY,
    "ethical considerations": BODY,
    "broader impact": BODY,
    "broader impacts": BODY,
    "remerciements": BODY,
    "appendix": APPENDIX,
    "appendices": APPENDIX,
    "supplementary material": APPENDIX,
    "supplementary materials": APPENDIX,
    "annexe": APPENDIX,
}
_NUMBERED = re.compile(r"^(?P<num>(?:\d{1,2}|[A-Z])(?:\.\d{1,2}){0,3})\.?\s+(?P<title>\S.*)$")
_ROMAN = re.compile(r"^(?P<num>[IVX]{1,5})\.\s+(?P<title>\S.*)$")
_EXPLICIT_APPENDIX = re.compile(
    r"^(?:appendix|annexe)\s+(?P<num>[A-Z](?:\.\d{1,2})*)\b\s*[:.\-–—]?\s*(?P<title>.*)$", re.I
)
CAPTION = re.compile(
    r"^(?P<kind>fig(?:ure)?|tab(?:le)?)\.?\s*(?P<label>[A-Z]?\d{1,3}[a-z]?|[IVXL]{1,6})"
    r"\s*(?:[:.|–—-]\s*|$)(?P<text>.*)$",
    re.IGNORECASE,
)
"""A caption's first row: ``Figure 3: text``, ``Fig. 3.``, ``FIG. 1 –``, ``TABLE II``."""
_LETTER = re.compile(r"[^\W\d_]")
_TITLE_START = re.compile(r"^[\[(“\"'A-ZÀ-ÖØ-Þ]")
_NUMERIC_TOKEN = re.compile(r"(?<![\w.])[\d.,%]+(?![\w.])")
_AFFILIATION = re.compile(r"universit|institut|department|laborator|college|@", re.IGNORECASE)
_ROMAN_VALUES = {"I": 1, "V": 5, "X": 10}

_MAX_HEADING_CHARS = 150
_MAX_SENTENCE_WORDS = 6
_LETTERED = re.compile(r"^[A-Z]\.\s+[A-Z]")
_MAX_UNNUMBERED_WORDS = 10
_MAX_CONTINUATION_ROWS = 2


@dataclass(frozen=True, slots=True)
class Heading:
    """A heading found at ``rows[index]``, spanning ``span`` rows."""

    index: int
    span: int
    number: str | None
    title: str
    level: int
    kind: str


@dataclass(slots=True)
class _Numbering:
    """Which numbers may come next: each parent's last child and the current path."""

    last_child: dict[tuple[str, ...], int] = field(default_factory=dict)
    path: tuple[str, ...] = ()
    in_appendix: bool = False
    top_style: tuple[float, str] | None = None

    def accept(self, parts: tuple[str, ...], style: str) -> bool:
        parent = parts[:-1]
        if parent != self.path[: len(parent)]:
            return False
        key = (*parent, style)
        value, last = _ordinal(parts[-1], style), self.last_child.get(key, 0)
        if not last < value <= last + 2:
            return False
        self.last_child[key] = value
        self.path = parts
        return True


def find_headings(rows: list[Row], body_size: float, skip: set[int]) -> list[Heading]:
    """Headings among ``rows`` in reading order; rows in ``skip`` (captions) never are."""
    numbering = _Numbering()
    found: dict[int, Heading] = {}
    index = 0
    while index < len(rows):
        heading = None
        if index not in skip and _looks_like_heading(rows[index], body_size):
            heading = _known_heading(rows, index, numbering)
        if heading is not None:
            heading = _with_continuation(rows, heading, skip)
            found[index] = heading
            index += heading.span
        else:
            index += 1
    numbered_tops = sum(1 for h in found.values() if h.number and h.level == 1)
    for heading in _styled_headings(rows, body_size, skip, found, numbering, numbered_tops >= 2):
        found[heading.index] = heading
    return [found[index] for index in sorted(found)]


def _looks_like_heading(row: Row, body_size: float) -> bool:
    """Short, not a caption, not a table row of several cells, not a sentence; and bold,
    large, in capitals, or a short italic line lettered like IEEE subsections ("A. Setup")."""
    if len(row.text) > _MAX_HEADING_CHARS or row.size < 0.8 * body_size:
        return False
    letters = _LETTER.findall(row.text)
    if len(letters) < 2 or CAPTION.match(row.text) or len(row.cells) >= 3 or _is_sentence(row.text):
        return False
    if row.bold or row.size >= body_size + 0.9:
        return True
    if row.italic and _LETTERED.match(row.text) and len(row.text.split()) <= _MAX_UNNUMBERED_WORDS:
        return True
    return sum(map(str.isupper, letters)) > 0.8 * len(letters)


def _is_sentence(text: str) -> bool:
    """A line of prose: it ends with a full stop after several words ("Appendix E of the
    paper.", "We train the model for ten epochs.")."""
    return text.rstrip().endswith(".") and len(text.split()) > _MAX_SENTENCE_WORDS


def _known_heading(rows: list[Row], index: int, numbering: _Numbering) -> Heading | None:
    row = rows[index]
    kind = _VOCABULARY.get(row.text.strip(" .:").lower())
    if kind is not None:
        if kind in (REFERENCES, APPENDIX):
            numbering.in_appendix = True
        return Heading(index, 1, None, row.text.strip(" .:"), 1, kind)
    explicit = _EXPLICIT_APPENDIX.match(row.text)
    if explicit and explicit.group("title")[:1].islower():
        explicit = None  # "Appendix E of the paper": a sentence, not a heading
    if explicit:
        number = explicit.group("num")
        numbering.in_appendix = True
        numbering.accept(tuple(number.split(".")), "letter")
        title = explicit.group("title").strip() or f"Appendix {number}"
        return Heading(index, 1, number, title, number.count(".") + 1, APPENDIX)
    return _numbered_heading(row, index, numbering)


def _numbered_heading(row: Row, index: int, numbering: _Numbering) -> Heading | None:
    for match, roman in ((_ROMAN.match(row.text), True), (_NUMBERED.match(row.text), False)):
        if match is None or not _plausible_title(match.group("title")):
            continue
        parts = tuple(match.group("num").split("."))
        reading = ("roman", parts) if roman else _reading(parts, numbering)
        if reading and numbering.accept(reading[1], reading[0]):
            return _accepted(row, index, reading[1], reading[0], match.group("title"), numbering)
    return None


def _accepted(
    row: Row, index: int, path: tuple[str, ...], style: str, title: str, numbering: _Numbering
) -> Heading:
    if len(path) == 1 and style != "letter":
        numbering.top_style = (row.size, row.font)
    kind = _VOCABULARY.get(title.strip(" .:").lower(), BODY)
    if kind not in (REFERENCES, APPENDIX):
        kind = APPENDIX if style == "letter" and len(path) == 1 else BODY
    if kind == REFERENCES:
        numbering.in_appendix = True
    return Heading(index, 1, ".".join(path), title, len(path), kind)


def _reading(parts: tuple[str, ...], numbering: _Numbering) -> tuple[str, tuple[str, ...]] | None:
    """The style and path of a heading number: "3.2" is arabic; "A" is appendix A
    after the references or an Appendix heading, and subsection II.A inside
    roman section II; "B.1" is a subsection of appendix B."""
    if parts[0].isdigit():
        return ("arabic", parts) if all(part.isdigit() for part in parts) else None
    if numbering.in_appendix:
        return ("letter" if len(parts) == 1 else "arabic", parts)
    roman_parent = numbering.path[:1]
    if len(parts) == 1 and roman_parent and _is_roman(roman_parent[0]):
        return ("letter", (roman_parent[0], parts[0]))
    return None


def _plausible_title(title: str) -> bool:
    """Starts like a title, is not mostly numbers and is not an affiliation line."""
    return (
        bool(_TITLE_START.match(title))
        and len(_NUMERIC_TOKEN.findall(title)) < 2
        and not _AFFILIATION.search(title)
    )


def _with_continuation(rows: list[Row], heading: Heading, skip: set[int]) -> Heading:
    """Extend ``heading`` over the rows that continue a title broken over lines."""
    first = rows[heading.index]
    title, span = heading.title, 1
    while span <= _MAX_CONTINUATION_ROWS and heading.index + span < len(rows):
        row, previous = rows[heading.index + span], rows[heading.index + span - 1]
        same_style = (
            row.bold == first.bold
            and row.italic == first.italic
            and abs(row.size - first.size) <= 0.3
        )
        gap = row.y0 - previous.y1
        close = row.page == first.page and -0.5 * first.size < gap < 0.8 * first.size
        if not (same_style and close and row.x0 >= first.x0 - 2) or heading.index + span in skip:
            break
        if _NUMBERED.match(row.text) or _VOCABULARY.get(row.text.strip(" .:").lower()):
            break
        title, span = f"{title} {row.text}", span + 1
    return Heading(heading.index, span, heading.number, title, heading.level, heading.kind)


def _styled_headings(
    rows: list[Row],
    body_size: float,
    skip: set[int],
    found: dict[int, Heading],
    numbering: _Numbering,
    numbered: bool,
) -> list[Heading]:
    """Unnumbered headings recognised by style alone.

    In a numbered paper they must match the font of its numbered top-level
    headings; otherwise bold or large rows standing alone qualify, ranked into
    levels by font size.
    """
    start = min(found, default=len(rows)) if numbered else _first_body_row(rows, body_size, found)
    covered = {i for h in found.values() for i in range(h.index, h.index + h.span)}
    picked: list[int] = []
    for index in range(start, len(rows)):
        row = rows[index]
        if index in covered or index in skip or not _standalone_title(rows, index, body_size):
            continue
        if numbered and (row.size, row.font) != numbering.top_style:
            continue
        picked.append(index)
    levels = _levels_by_size([rows[i].size for i in picked])
    headings = [Heading(i, 1, None, rows[i].text, levels[rows[i].size], BODY) for i in picked]
    return [_with_continuation(rows, heading, skip) for heading in headings]


def _first_body_row(rows: list[Row], body_size: float, found: dict[int, Heading]) -> int:
    """Where style-based headings may begin: after the title block of page 1."""
    if found:
        return min(found)
    for index, row in enumerate(rows):
        if not row.bold and abs(row.size - body_size) <= 0.5 and len(row.text) > 40:
            return index
    return len(rows)


def _standalone_title(rows: list[Row], index: int, body_size: float) -> bool:
    row = rows[index]
    if not (row.bold or row.size >= body_size + 1.5) or row.size < body_size - 0.5:
        return False
    words = row.text.split()
    if len(words) > _MAX_UNNUMBERED_WORDS or row.text[-1] in ".,;:" or CAPTION.match(row.text):
        return False
    if not _TITLE_START.match(row.text) or not any(char.isalpha() for char in row.text):
        return False
    previous = rows[index - 1] if index else None
    return previous is None or previous.block != row.block or previous.page != row.page


def _levels_by_size(sizes: list[float]) -> dict[float, int]:
    ranked = sorted(Counter(sizes), reverse=True)
    return {size: min(rank + 1, 3) for rank, size in enumerate(ranked)}


def _ordinal(part: str, style: str) -> int:
    if style == "arabic":
        return int(part)
    if style == "roman":
        return _roman_value(part)
    return ord(part) - ord("A") + 1


def _is_roman(text: str) -> bool:
    return bool(text) and all(char in _ROMAN_VALUES for char in text)


def _roman_value(text: str) -> int:
    total = 0
    for char, following in zip(text, [*text[1:], ""], strict=True):
        value = _ROMAN_VALUES[char]
        total += -value if following and _ROMAN_VALUES[following] > value else value
    return total
