"""How close each day's paper is to the interest profile, and to the papers marked 👎."""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass

from bot.kernel.models import Paper
from bot.store.bm25 import Closest, best_matches
from bot.watch.ranking.profile import Profile, ProfilePaper


@dataclass(frozen=True)
class Similarity:
    positive: float = 0.0  # in [0, 1], already weighted by the interest's weight
    closest: ProfilePaper | None = None
    negative: float = 0.0  # in [0, 1], weighted by how strongly it was marked down
    against: ProfilePaper | None = None


def paper_text(paper: Paper) -> str:
    return f"{paper.title}\n{paper.abstract}"


async def bm25_similarities(profile: Profile, papers: Sequence[Paper]) -> list[Similarity]:
    """BM25 over SQLite FTS5 (off the event loop); no service, works offline."""
    matches = await asyncio.to_thread(
        best_matches,
        [p.text for p in profile.positive],
        [p.text for p in profile.negative],
        [paper_text(p) for p in papers],
    )
    return [
        weighted(profile, _pick(profile.positive, pos), _pick(profile.negative, neg))
        for pos, neg in matches
    ]


def weighted(
    profile: Profile,
    positive: tuple[ProfilePaper, float] | None,
    negative: tuple[ProfilePaper, float] | None,
) -> Similarity:
    """A :class:`Similarity` from the closest paper of each sign and its raw similarity."""
    return Similarity(
        positive=positive[1] * positive[0].weight if positive else 0.0,
        closest=positive[0] if positive else None,
        negative=negative[1] * min(1.0, -negative[0].weight) if negative else 0.0,
        against=negative[0] if negative else None,
    )


def _pick(
    group: Sequence[ProfilePaper], closest: Closest | None
) -> tuple[ProfilePaper, float] | None:
    return (group[closest.index], closest.similarity) if closest else None
