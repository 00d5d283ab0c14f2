"""BM25 similarity through SQLite FTS5, in a private in-memory database.

The interest papers (positive, then negative) and the day's papers go into one
FTS5 index (Porter stemming, accents folded), so term statistics cover both. Each
day's paper is then a query made of its most distinctive terms: its best BM25
match among the interest papers, divided by the score it gives itself, is a
similarity in [0, 1].
"""

from __future__ import annotations

import math
import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

QUERY_TERMS = 32  # terms per query: the paper's highest tf-idf words
BACKWARD_LIMIT = 100  # day's papers scored per interest paper as the query
_WORD = re.compile(r"[^\W_]{3,}")
# Words that say nothing about a paper's topic.
_STOPWORD_TEXT = """about above after again against also among and any are based been before being
    between both but can could does doing during each few for from further had has have
    having here how however into its itself more most much not now off once only other our
    out over own paper propose proposed same several should show shows some such than that
    the their them then there these they this those through thus under until using very
    via was way we were what when where which while who whom why will with within without
    would yet you your novel new approach method methods results"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())


@dataclass(frozen=True)
class Closest:
    """The best match of one query among a group of interest papers."""

    index: int  # position in that group
    similarity: float  # in [0, 1]


def best_matches(
    positives: Sequence[str], negatives: Sequence[str], queries: Sequence[str]
) -> list[tuple[Closest | None, Closest | None]]:
    """For each query text: its closest positive and closest negative text (None: no overlap).

    The similarity of a day's paper and an interest paper is the mean of both
    directions: the day's paper as the query against the interest papers, and each
    interest paper as the query against the day's papers, each score divided by
    the score the query gives itself.
    """
    first_query = len(positives) + len(negatives) + 1
    groups = ((1, len(positives)), (len(positives) + 1, len(positives) + len(negatives)))
    with _Index([*positives, *negatives, *queries]) as index:
        backward = [index.backward(first, last, first_query) for first, last in groups]
        results = []
        for number in range(len(queries)):
            rowid = first_query + number
            forward = [index.forward(rowid, first, last) for first, last in groups]
            results.append(
                (
                    _combine(forward[0], backward[0].get(rowid), groups[0][0]),
                    _combine(forward[1], backward[1].get(rowid), groups[1][0]),
                )
            )
    return results


def _combine(
    forward: tuple[int, float] | None, backward: tuple[int, float] | None, first: int
) -> Closest | None:
    if forward is None and backward is None:
        return None
    best = forward or backward
    assert best is not None
    total = (forward[1] if forward else 0.0) + (backward[1] if backward else 0.0)
    return Closest(index=best[0] - first, similarity=min(1.0, total / 2))


class _Index:
    def __init__(self, texts: Sequence[str]) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.conn.executemany(
            "INSERT INTO docs (rowid, body) VALUES (?, ?)",
            ((number, text) for number, text in enumerate(texts, start=1)),
        )
        self.words = [_words(text) for text in texts]
        frequency: Counter[str] = Counter()
        for words in self.words:
            frequency.update(set(words))
        self.idf = {word: math.log(len(texts) / count) for word, count in frequency.items()}
        self.expressions = [self._expression(words) for words in self.words]

    def __enter__(self) -> _Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def forward(self, rowid: int, first: int, last: int) -> tuple[int, float] | None:
        """The best of rows ``first``..``last`` for text ``rowid`` as the query: (row, share)."""
        if last < first:
            return None
        expression = self.expressions[rowid - 1]
        if expression is None:
            return None
        own = self._self_score(expression, rowid)
        row = self.conn.execute(
            "SELECT rowid, -bm25(docs) AS score FROM docs WHERE docs MATCH ? "
            "AND rowid BETWEEN ? AND ? ORDER BY score DESC, rowid LIMIT 1",
            [expression, first, last],
        ).fetchone()
        return (row[0], row[1] / own) if row and own > 0 else None

    def backward(self, first: int, last: int, queries_from: int) -> dict[int, tuple[int, float]]:
        """For each query row: its best interest row among ``first``..``last`` as the query."""
        best: dict[int, tuple[int, float]] = {}
        for rowid in range(first, last + 1):
            expression = self.expressions[rowid - 1]
            own = self._self_score(expression, rowid) if expression else 0.0
            if own <= 0:
                continue
            rows = self.conn.execute(
                "SELECT rowid, -bm25(docs) AS score FROM docs WHERE docs MATCH ? "
                "AND rowid >= ? ORDER BY score DESC, rowid LIMIT ?",
                [expression, queries_from, BACKWARD_LIMIT],
            )
            for target, score in rows:
                if target not in best or score / own > best[target][1]:
                    best[target] = (rowid, score / own)
        return best

    def _self_score(self, expression: str, rowid: int) -> float:
        row = self.conn.execute(
            "SELECT -bm25(docs) FROM docs WHERE docs MATCH ? AND rowid = ?", [expression, rowid]
        ).fetchone()
        return float(row[0]) if row else 0.0

    def _expression(self, words: list[str]) -> str | None:
        """An FTS5 OR-query of the most distinctive ``words`` (None: no usable word)."""
        counts = Counter(words)
        weighted = sorted(counts, key=lambda w: (-counts[w] * self.idf.get(w, 0.0), w))
        chosen = [w for w in weighted[:QUERY_TERMS] if self.idf.get(w, 0.0) > 0]
        return " OR ".join(f'"{word}"' for word in chosen) if chosen else None


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and not w.isdigit()]
