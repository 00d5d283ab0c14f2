"""A retrieved passage and how well it matched."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.ask.types import Passage


@dataclass(frozen=True)
class Hit:
    id: int  # the passage's row id in the index
    passage: Passage
    covered: int  # question groups the passage covers (0 for a vector-only hit)
    score: float  # BM25, lower is better (0.0 for a vector-only hit)
