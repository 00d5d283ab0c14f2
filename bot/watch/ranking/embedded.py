"""Similarity by embeddings when ``[embeddings]`` names a model: cosine, vectors cached.

Each paper's vector is stored per model with a hash of its text, so a paper is
embedded once (again only if its title or abstract changes). Vectors are
normalised once, so each comparison is one dot product.
"""

from __future__ import annotations

import hashlib
import math
import operator
from collections.abc import Sequence

from bot.kernel.config import Config
from bot.kernel.models import Paper
from bot.store import Store
from bot.watch.ranking.profile import Profile, ProfilePaper
from bot.watch.ranking.similarity import Similarity, paper_text, weighted


async def embedding_similarities(
    store: Store, config: Config, profile: Profile, papers: Sequence[Paper]
) -> list[Similarity]:
    """Cosine similarity of each paper to its closest interest paper of each sign.

    Raises :class:`~bot.kernel.errors.EmbeddingsError` when the endpoint fails (the caller
    falls back to BM25).
    """
    items = [(p.key, p.text) for p in (*profile.positive, *profile.negative)]
    items += [(paper.arxiv_id, paper_text(paper)) for paper in papers]
    vectors = await _vectors(store, config, items)
    positives = [_unit(vectors[p.key]) for p in profile.positive]
    negatives = [_unit(vectors[p.key]) for p in profile.negative]
    results = []
    for paper in papers:
        vector = _unit(vectors[paper.arxiv_id])
        results.append(
            weighted(
                profile,
                _closest(profile.positive, positives, vector),
                _closest(profile.negative, negatives, vector),
            )
        )
    return results


async def _vectors(
    store: Store, config: Config, items: Sequence[tuple[str, str]]
) -> dict[str, list[float]]:
    from analysis.embeddings import embed_texts

    model = config.embeddings.model
    hashes = {key: text_hash(text) for key, text in items}
    known = await store.interests.vectors(model, list(hashes.items()))
    wanted = {key: text for key, text in items if key not in known}
    if wanted:
        fresh = await embed_texts(config.embeddings, list(wanted.values()))
        rows = [(key, hashes[key], v) for key, v in zip(wanted, fresh, strict=True)]
        await store.interests.save_vectors(model, rows)
        known.update((key, vector) for key, _, vector in rows)
    return known


def _closest(
    group: Sequence[ProfilePaper], vectors: Sequence[list[float]], vector: list[float]
) -> tuple[ProfilePaper, float] | None:
    best: tuple[ProfilePaper, float] | None = None
    for paper, other in zip(group, vectors, strict=True):
        similarity = max(0.0, min(1.0, sum(map(operator.mul, vector, other))))
        if best is None or similarity > best[1]:
            best = (paper, similarity)
    return best


def _unit(vector: list[float]) -> list[float]:
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector


def text_hash(text: str) -> str:
    """The key under which a text's vector is cached (with the paper and the model)."""
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:32]
