"""BM25 similarity through SQLite FTS5, in a private in-memory database.

The interest papers (positive, then negative) and the day's papers go into one
FTS5 index (Porter stemming, accents folded), so term statistics cover both. Each
interest paper then becomes a query made of its most distinctive words, run against
the day's papers: a day's paper's BM25 score divided by the score the interest paper
gives itself is their similarity in [0, 1]. That is one query per interest paper
whatever the size of the day; the other direction and the mean of both were measured
too (docs/ranking.md, "Similarity").
"""

from __future__ import annotations

import heapq
import math
import re
import sqlite3
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass

QUERY_TERMS = 24  # terms per query: the interest paper's highest tf-idf words
PER_QUERY = 200  # day's papers scored per interest paper
IDF_SAMPLE = 500  # day's papers counted for word rarity
_WORD = re.compile(r"[^\W_]{3,}")
# Words that say nothing about a paper's topic.
_STOPWORD_TEXT = """about above after again against also among and any are based been before
being between both but can could does doing during each few for from further had has have
having here how however into its itself more most much not now off once only other our out
over own paper propose proposed same several should show shows some such than that the their
them then there these they this those through thus under until using very via was way we
were what when where which while who whom why will with within without would yet you your
novel new approach method methods results"""
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_BEST = (
    "SELECT rowid, -bm25(docs) AS score FROM docs WHERE docs MATCH ? "
    "AND (rowid > ? OR rowid = ?) ORDER BY score DESC, rowid LIMIT ?"
)


@dataclass(frozen=True)
class Closest:
    """The best match of one query among a group of interest papers."""

    index: int  # position in that group
    similarity: float  # in [0, 1]


def best_matches(
    positives: Sequence[str], negatives: Sequence[str], queries: Sequence[str]
) -> list[tuple[Closest | None, Closest | None]]:
    """For each query text: its closest positive and closest negative text (None: no overlap)."""
    interests = [*positives, *negatives]
    with _Index([*interests, *queries], len(interests)) as index:
        best = [index.closest_to(rowid, len(interests)) for rowid in range(1, len(interests) + 1)]
    positive: dict[int, tuple[int, float]] = {}
    negative: dict[int, tuple[int, float]] = {}
    for number, scores in enumerate(best):
        group, index_in_group = (
            (positive, number) if number < len(positives) else (negative, number - len(positives))
        )
        for query, similarity in scores.items():
            if query not in group or similarity > group[query][1]:
                group[query] = (index_in_group, similarity)
    first_query = len(interests) + 1
    return [
        (_closest(positive.get(rowid)), _closest(negative.get(rowid)))
        for rowid in range(first_query, first_query + len(queries))
    ]


def _closest(found: tuple[int, float] | None) -> Closest | None:
    return Closest(found[0], found[1]) if found else None


class _Index:
    """The FTS5 index of ``texts``, whose first ``interests`` are the interest papers."""

    def __init__(self, texts: Sequence[str], interests: int) -> None:
        self.conn = sqlite3.connect(":memory:")
        self.conn.execute(
            "CREATE VIRTUAL TABLE docs USING fts5(body, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self.conn.executemany(
            "INSERT INTO docs (rowid, body) VALUES (?, ?)",
            ((number, text) for number, text in enumerate(texts, start=1)),
        )
        # One b-tree per term instead of the insert's segments: queries a third cheaper.
        self.conn.execute("INSERT INTO docs (docs) VALUES ('optimize')")
        self.texts = texts
        # Word rarity, for choosing query words: the interest papers and an even sample of
        # at most IDF_SAMPLE day's papers (stop words are dropped from queries, not here).
        step = max(1, (len(texts) - interests) // IDF_SAMPLE)
        counted = [*texts[:interests], *texts[interests::step]]
        frequency: Counter[str] = Counter()
        for text in counted:
            frequency.update(set(_WORD.findall(text.lower())))
        self.idf = {word: math.log(len(counted) / count) for word, count in frequency.items()}

    def __enter__(self) -> _Index:
        return self

    def __exit__(self, *exc: object) -> None:
        self.conn.close()

    def closest_to(self, rowid: int, last_interest: int) -> dict[int, float]:
        """The day's papers closest to interest text ``rowid``: their row -> similarity."""
        expression = self._expression(_words(self.texts[rowid - 1]))
        if expression is None:
            return {}
        rows = self.conn.execute(
            _BEST, [expression, last_interest, rowid, PER_QUERY + 1]
        ).fetchall()
        scores = dict(rows)
        own = scores.pop(rowid, None) or self._self_score(expression, rowid)
        if own <= 0:
            return {}
        return {row: min(1.0, score / own) for row, score in scores.items()}

    def _self_score(self, expression: str, rowid: int) -> float:
        row = self.conn.execute(
            "SELECT -bm25(docs) FROM docs WHERE docs MATCH ? AND rowid = ?", [expression, rowid]
        ).fetchone()
        return float(row[0]) if row else 0.0

    def _expression(self, words: list[str]) -> str | None:
        """An FTS5 OR-query of the most distinctive ``words`` (None: no usable word)."""
        idf = self.idf
        scored = [(-count * idf.get(w, 0.0), w) for w, count in Counter(words).items()]
        chosen = [w for score, w in heapq.nsmallest(QUERY_TERMS, scored) if score < 0]
        return " OR ".join(f'"{word}"' for word in chosen) if chosen else None


def _words(text: str) -> list[str]:
    return [w for w in _WORD.findall(text.lower()) if w not in _STOPWORDS and not w.isdigit()]
