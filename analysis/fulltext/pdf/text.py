"""Rows to running text: line joining, hyphenation repair and reference splitting."""

from __future__ import annotations

import re
from collections import Counter

from analysis.fulltext.pdf.layout import Row

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SPLIT_END = re.compile(r"([^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)*)[-\u00ad]$")
_FIRST_WORD = re.compile(r"^([^\W\d_]+)")
_SENTENCE_END = re.compile(r"[.!?:;)\]\"”]$")
_BRACKET_ENTRY = re.compile(r"^\[[\w+.\- ]{1,12}\]")
_NUMBERED_ENTRY = re.compile(r"^(\d{1,3})\.?\s+\S")

_HYPHENS = ("-", "\u00ad")
_MAX_WORD = 60
_MIN_REFERENCE_CHARS = 12
_HANGING_INDENT = 1.5


class TextJoiner:
    """Joins rows into paragraphs, undoing end-of-line hyphenation.

    Whether ``a-`` + ``b`` was a word broken for the line (``represen-`` +
    ``tation``) or a hyphenated compound (``dual-`` + ``encoder``) is decided
    from the rest of the document: the form used more often elsewhere wins;
    unseen, two halves that are words of their own keep the hyphen, other
    fragments are joined. A split at a compound's own hyphen (``state-of-the-``
    + ``art``) keeps it, and so does one before a capital or digit
    (``Lucene-`` + ``BM25``) unless the joined form is the common one.
    """

    def __init__(self, rows: list[Row]) -> None:
        words: list[str] = []
        after_split = False
        for row in rows:
            found = _WORD.findall(row.text)
            split = _split_word(row.text) is not None
            # Fragments around a line-end hyphen are not words of the document.
            words += found[after_split : len(found) - split]
            after_split = split
        self._vocabulary = Counter([word.lower() for word in words if len(word) > 2])

    def join(self, rows: list[Row]) -> str:
        """Text of ``rows``: rows of a block form one line, blocks are separated by newlines."""
        lines: list[str] = []
        previous: Row | None = None
        for row in rows:
            if previous is None:
                lines.append(row.text)
            elif previous.block == row.block or self._continues(lines[-1], row.text):
                lines[-1] = self.glue(lines[-1], row.text)
            else:
                lines.append(row.text)
            previous = row
        return "\n".join(lines)

    def glue(self, left: str, right: str) -> str:
        """``left`` and ``right`` as one line, repairing a word split by a hyphen."""
        split = _split_word(left)
        if split is None:
            return f"{left} {right}"
        head = left[: len(left) - 1]
        second = _FIRST_WORD.match(right)
        first = split.group(1).lower()
        if second is None or "-" in first:
            return f"{head}-{right}"
        if self._is_broken_word(first, second.group(1).lower(), right[0].islower()):
            return f"{head}{right}"
        return f"{head}-{right}"

    def _is_broken_word(self, first: str, rest: str, lowercase: bool) -> bool:
        joined = self._vocabulary[first + rest]
        hyphenated = self._vocabulary[f"{first}-{rest}"]
        if joined or hyphenated or not lowercase:
            return joined > hyphenated or (lowercase and joined == hyphenated)
        return not (self._vocabulary[first] and self._vocabulary[rest])

    @staticmethod
    def _continues(text: str, following: str) -> bool:
        """Whether a new block carries on the sentence of the previous one."""
        if _split_word(text):
            return True
        return not _SENTENCE_END.search(text) and following[:1].islower()


def _split_word(text: str) -> re.Match[str] | None:
    """The word fragment before a line-final hyphen, if ``text`` ends with one."""
    if not text.endswith(_HYPHENS):
        return None
    return _SPLIT_END.search(text, max(0, len(text) - _MAX_WORD))


def split_references(rows: list[Row], joiner: TextJoiner) -> list[str]:
    """Reference entries from the rows of a bibliography."""
    starts = _bracket_starts(rows) or _numbered_starts(rows) or _indent_starts(rows)
    entries: list[list[Row]] = []
    for index, row in enumerate(rows):
        if index in starts or not entries:
            entries.append([row])
        else:
            entries[-1].append(row)
    texts = (_one_line(joiner, entry) for entry in entries)
    return [text for text in texts if len(text) >= _MIN_REFERENCE_CHARS]


def _one_line(joiner: TextJoiner, rows: list[Row]) -> str:
    text = rows[0].text
    for row in rows[1:]:
        text = joiner.glue(text, row.text)
    return text


def _bracket_starts(rows: list[Row]) -> set[int]:
    starts = {i for i, row in enumerate(rows) if _BRACKET_ENTRY.match(row.text)}
    return starts if len(starts) >= 3 else set()


def _numbered_starts(rows: list[Row]) -> set[int]:
    """Rows starting with 1, 2, 3... in sequence (other numbers are continuation lines)."""
    starts: set[int] = set()
    expected = 1
    for index, row in enumerate(rows):
        match = _NUMBERED_ENTRY.match(row.text)
        if match and int(match.group(1)) == expected:
            starts.add(index)
            expected += 1
    return starts if len(starts) >= 3 else set()


def _indent_starts(rows: list[Row]) -> set[int]:
    """Entries with a hanging indent start at their column's left edge; else one per block."""
    left_edge: dict[tuple[int, int], float] = {}
    for row in rows:
        key = (row.page, row.column)
        left_edge[key] = min(left_edge.get(key, row.x0), row.x0)
    starts = {
        index
        for index, row in enumerate(rows)
        if row.x0 <= left_edge[(row.page, row.column)] + _HANGING_INDENT
    }
    if len(starts) < 0.8 * len(rows):
        return starts
    return {i for i, row in enumerate(rows) if i == 0 or rows[i - 1].block != row.block}
