"""Rank a day's matched papers for one monitor in one channel (#16).

Similarity to the profile is BM25 over SQLite FTS5, or the cosine of embeddings when
``[embeddings]`` names a model.

score = 100 × (0.3 × keyword strength + 0.7 × (similarity to the profile − similarity
to papers marked 👎)); without a profile, score = 100 × keyword strength. Ties keep
the announcement order, so the same inputs always give the same order.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.kernel.config import Config, MonitorConfig
from bot.kernel.errors import EmbeddingsError
from bot.kernel.matching import Selection
from bot.kernel.models import ChatRef, Paper
from bot.store import Store, StoredMatch
from bot.watch.ranking.channels import ChannelKey, channel_key
from bot.watch.ranking.embedded import embedding_similarities
from bot.watch.ranking.keywords import KeywordEvidence, KeywordJudge
from bot.watch.ranking.lookup import load_profile
from bot.watch.ranking.profile import Profile
from bot.watch.ranking.similarity import Similarity, bm25_similarities

if TYPE_CHECKING:
    from bot.arxiv.client import ArxivClient

log = logging.getLogger(__name__)
KEYWORD_SHARE = 0.3
PROFILE_SHARE = 0.7
MIN_SIMILARITY = 0.05  # below this the profile is not named as a reason
TITLE_CHARS = 100


@dataclass(frozen=True)
class Ranked:
    paper: Paper
    score: float
    reasons: tuple[str, ...]
    similar_to: str | None  # title of the closest interest paper, when the profile counted


def selections(matches: Sequence[StoredMatch]) -> dict[str, Selection]:
    """The keyword match info of stored matches, keyed by arXiv ID, for :func:`rank_papers`."""
    return {m.paper.arxiv_id: Selection(m.keywords, m.authors) for m in matches}


async def rank_papers(
    store: Store,
    config: Config,
    *,
    monitor: MonitorConfig,
    channel: ChatRef | ChannelKey | None,
    papers: Sequence[Paper],
    matches: Mapping[str, Selection] | None,
    arxiv: ArxivClient | None = None,
) -> list[Ranked]:
    """``papers`` best first, each with its score and the reasons for it.

    ``matches`` maps arXiv IDs to the keywords and authors the poller matched (a paper
    missing from it is matched again here). ``channel`` None ranks for all the
    monitor's channels together (the report). With ``arxiv``, profile papers whose
    title is not known yet are looked up first.
    """
    key = channel_key(channel) if channel is not None else None
    profile = await load_profile(store, config, monitor, key, arxiv)
    judge = KeywordJudge(monitor)
    evidence = [judge.evidence(p, (matches or {}).get(p.arxiv_id)) for p in papers]
    similar = await _similarities(store, config, profile, papers)
    ranked = [
        _ranked(paper, found, near, profile)
        for paper, found, near in zip(papers, evidence, similar, strict=True)
    ]
    order = sorted(range(len(ranked)), key=lambda i: (-ranked[i].score, i))
    return [ranked[i] for i in order]


async def _similarities(
    store: Store, config: Config, profile: Profile, papers: Sequence[Paper]
) -> list[Similarity]:
    """Embedding cosine when ``[embeddings]`` is on (BM25 if the endpoint fails), else BM25."""
    if profile.empty or not papers:
        return [Similarity() for _ in papers]
    if config.embeddings.model.strip():
        try:
            return await embedding_similarities(store, config, profile, papers)
        except EmbeddingsError as exc:
            log.warning("ranking by BM25 instead of embeddings: %s", exc.user_message)
    return await bm25_similarities(profile, papers)


def _ranked(paper: Paper, found: KeywordEvidence, near: Similarity, profile: Profile) -> Ranked:
    if profile.empty:
        score = 100 * found.strength
    else:
        score = 100 * (
            KEYWORD_SHARE * found.strength + PROFILE_SHARE * (near.positive - near.negative)
        )
    reasons = list(found.reasons())
    similar_to = None
    if near.closest is not None and near.positive >= MIN_SIMILARITY:
        if near.closest.key == paper.arxiv_id:  # the team listed or liked this very paper
            reasons.append(f"in the interest profile ({near.closest.source})")
        else:
            similar_to = near.closest.title
            reasons.append(f"similar to: {_short(similar_to)} ({near.positive:.2f})")
    if near.against is not None and near.negative >= MIN_SIMILARITY:
        if near.against.key == paper.arxiv_id:
            reasons.append(f"marked down ({near.against.source})")
        else:
            reasons.append(f"like a paper marked down: {_short(near.against.title)}")
    return Ranked(paper, round(score, 2), tuple(reasons), similar_to)


def _short(title: str) -> str:
    flat = " ".join(title.split())
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1].rstrip() + "…"
