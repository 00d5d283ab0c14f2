"""Vector similarity ranking and its reciprocal-rank fusion with the BM25 ranking.

RRF: a passage scores ``sum(1 / (RRF_K + rank))`` over the rankings it appears in
(Cormack et al., 2009). A passage that only the vectors find must be a close
neighbour (:data:`MIN_COSINE`), so a question the paper does not touch still finds
nothing.
"""

from __future__ import annotations

from array import array
from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.ask.hits import Hit
from analysis.ask.types import Passage
from analysis.embeddings import cosine

RRF_K = 60
MIN_COSINE = 0.3
VECTOR_DEPTH = 10


@dataclass(frozen=True)
class Vectors:
    """The question's vector and the passages' (float32 bytes, by passage id)."""

    question: list[float]
    passages: dict[int, bytes]

    @staticmethod
    def pack(vector: Sequence[float]) -> bytes:
        return array("f", vector).tobytes()

    @staticmethod
    def unpack(blob: bytes) -> list[float]:
        values = array("f")
        values.frombytes(blob)
        return values.tolist()


def vector_ranking(vectors: Vectors) -> list[tuple[int, float]]:
    """(passage id, cosine) of every passage, nearest the question first."""
    scored = []
    for passage_id, blob in vectors.passages.items():
        vector = Vectors.unpack(blob)
        if len(vector) == len(vectors.question):  # a model change mid-way: skip stale ones
            scored.append((passage_id, cosine(vectors.question, vector)))
    scored.sort(key=lambda item: -item[1])
    return scored


def fuse(
    lexical: Sequence[Hit], ranking: Sequence[tuple[int, float]], passages: dict[int, Passage]
) -> tuple[Hit, ...]:
    """Lexical hits and close vector neighbours, ordered by reciprocal-rank fusion.

    A lexical hit scores in both rankings; a passage only the vectors found joins when
    it is among the :data:`VECTOR_DEPTH` nearest with a cosine of :data:`MIN_COSINE`.
    """
    scores: defaultdict[int, float] = defaultdict(float)
    hits = {hit.id: hit for hit in lexical}
    for rank, hit in enumerate(lexical, start=1):
        scores[hit.id] += 1 / (RRF_K + rank)
    for rank, (passage_id, similarity) in enumerate(ranking, start=1):
        if passage_id not in hits:
            if rank > VECTOR_DEPTH or similarity < MIN_COSINE:
                continue
            hits[passage_id] = Hit(passage_id, passages[passage_id], 0, 0.0)
        scores[passage_id] += 1 / (RRF_K + rank)
    order = sorted(scores, key=lambda passage_id: -scores[passage_id])
    return tuple(hits[passage_id] for passage_id in order)
