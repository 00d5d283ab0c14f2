"""Rows to running text: line joining, hyphenation repair and reference splitting."""

from __future__ import annotations

import re
from collections import Counter

from analysis.pdf_layout import Row

_WORD = re.compile(r"[^\W\d_]+(?:-[^\W\d_]+)*")
_SPLIT_END = re.compile(r"([^\W\d_][^\W\d_-]*(?:-[^\W\d_]+)*)[-\u00ad]$")
_FIRST_WORD = re.compile(r"^([^\W\d_]+)")
_SENTENCE_END = re.compile(r"[.!?:;)\]\"”]$")
_BRACKET_ENTRY = re.compile(r"^\[[\w+.\- ]{1,12}\]")
_NUMBERED_ENTRY = re.compile(r"^(\d{1,3})\.?\s+\S")

_MIN_REFERENCE_CHARS = 12
_HANGING_INDENT = 1.5


class TextJoiner:
    """Joins rows into paragraphs, undoing end-of-line hyphenation.

    ``represen-`` + ``tation`` becomes ``representation``; a compound split at
    its own hyphen (``state-of-the-`` + ``art``) or a hyphenated form that the
    document uses elsewhere more often than the joined one (``dual-encoder``)
    keeps its hyphen, as does a split before a capital or digit (``Lucene-BM25``).
    """

    def __init__(self, rows: list[Row]) -> None:
        self._vocabulary = Counter(
            word.lower() for row in rows for word in _WORD.findall(row.text) if len(word) > 2
        )

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
        split = _SPLIT_END.search(left)
        if split is None:
            return f"{left} {right}"
        head = left[: split.end(1)]
        if not right[:1].islower():
            return f"{head}-{right}"
        second = _FIRST_WORD.match(right)
        if second is None:
            return f"{head}-{right}"
        hyphenated = f"{split.group(1)}-{second.group(1)}".lower()
        joined = hyphenated.replace("-", "", 1) if "-" not in split.group(1) else ""
        if joined and self._vocabulary[hyphenated] <= self._vocabulary[joined]:
            return f"{head}{right}"
        return f"{head}-{right}"

    @staticmethod
    def _continues(text: str, following: str) -> bool:
        """Whether a new block carries on the sentence of the previous one."""
        if _SPLIT_END.search(text):
            return True
        return not _SENTENCE_END.search(text) and following[:1].islower()


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
