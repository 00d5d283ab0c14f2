"""Interest profiles: papers a channel added, its signals, cached profile papers and vectors.

- ``interests``: papers a channel added from chat (``/arxiv interests add``);
- ``signals``: what a channel did with a paper (analysis asked, question, 👍/⭐/👎), with
  a weight and a time;
- ``profile_papers``: title and abstract of profile papers looked up on arXiv (or
  ``unknown`` when arXiv has no such paper);
- ``embeddings``: one vector per paper text and embedding model.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade

FOUND = "found"
UNKNOWN = "unknown"


@dataclass(frozen=True)
class ChannelInterest:
    platform: str
    channel: str
    arxiv_id: str
    monitor: str | None
    added: str


@dataclass(frozen=True)
class SignalRow:
    platform: str
    channel: str
    monitor: str | None
    arxiv_id: str
    kind: str
    weight: float
    at: str


@dataclass(frozen=True)
class CachedPaper:
    """A profile paper's text as arXiv gave it (empty for an ``unknown`` ID)."""

    arxiv_id: str
    title: str
    abstract: str
    published: str | None
    state: str
    fetched: str


def add_interest(
    db: Database, platform: str, channel: str, arxiv_id: str, monitor: str | None, now: str
) -> bool:
    """Add a paper to a channel's interests; False when it was there already."""
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO interests (platform, channel, arxiv_id, monitor, added) "
            "VALUES (?, ?, ?, ?, ?)",
            [platform, channel, arxiv_id, monitor, now],
        )
    return bool(cursor.rowcount)


def remove_interest(db: Database, platform: str, channel: str, arxiv_id: str) -> bool:
    """Remove a paper from a channel's interests; False when it was not there."""
    with transaction(db):
        cursor = db.execute(
            "DELETE FROM interests WHERE platform = ? AND channel = ? AND arxiv_id = ?",
            [platform, channel, arxiv_id],
        )
    return bool(cursor.rowcount)


def channel_interests(db: Database, channels: Sequence[tuple[str, str]]) -> list[ChannelInterest]:
    """The interests of ``channels``, newest first (ties by ID)."""
    rows: list[ChannelInterest] = []
    for platform, channel in channels:
        found = db.execute(
            "SELECT platform, channel, arxiv_id, monitor, added FROM interests "
            "WHERE platform = ? AND channel = ?",
            [platform, channel],
        ).fetchall()
        rows.extend(ChannelInterest(*row) for row in found)
    return sorted(rows, key=lambda row: (row.added, row.arxiv_id), reverse=True)


def add_signal(db: Database, signal: SignalRow) -> None:
    with transaction(db):
        db.execute(
            "INSERT INTO signals (platform, channel, monitor, arxiv_id, kind, weight, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [
                signal.platform,
                signal.channel,
                signal.monitor,
                signal.arxiv_id,
                signal.kind,
                signal.weight,
                signal.at,
            ],
        )


def signals(
    db: Database, channels: Sequence[tuple[str, str]], monitor: str | None
) -> list[SignalRow]:
    """The signals of ``channels``, plus those recorded for ``monitor`` when it is given."""
    rows: list[SignalRow] = []
    for platform, channel in channels:
        found = db.execute(
            "SELECT platform, channel, monitor, arxiv_id, kind, weight, at FROM signals "
            "WHERE platform = ? AND channel = ? ORDER BY id",
            [platform, channel],
        ).fetchall()
        rows.extend(SignalRow(*row) for row in found)
    if monitor is not None:
        wanted = set(channels)
        found = db.execute(
            "SELECT platform, channel, monitor, arxiv_id, kind, weight, at FROM signals "
            "WHERE monitor = ? ORDER BY id",
            [monitor],
        ).fetchall()
        rows.extend(SignalRow(*row) for row in found if (row[0], row[1]) not in wanted)
    return rows


def cached_papers(db: Database, arxiv_ids: Iterable[str]) -> dict[str, CachedPaper]:
    """The cached profile papers among ``arxiv_ids``, found and unknown."""
    wanted = list(dict.fromkeys(arxiv_ids))
    cached: dict[str, CachedPaper] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            "SELECT arxiv_id, title, abstract, published, state, fetched FROM profile_papers "
            f"WHERE arxiv_id IN ({marks})",
            chunk,
        ).fetchall()
        cached.update((row[0], CachedPaper(*row)) for row in rows)
    return cached


@dataclass(frozen=True)
class PaperTexts:
    """What the store holds of some papers' text: from the feeds seen and the look-up cache."""

    feeds: dict[str, tuple[str, str, str | None]]  # title, abstract, publication time
    cached: dict[str, CachedPaper]


def paper_texts(db: Database, arxiv_ids: Iterable[str]) -> PaperTexts:
    """The feed texts and the cached look-ups of ``arxiv_ids``, in one read."""
    wanted = list(dict.fromkeys(arxiv_ids))
    return PaperTexts(feed_texts(db, wanted), cached_papers(db, wanted))


def cache_papers(db: Database, papers: Iterable[CachedPaper]) -> None:
    with transaction(db):
        for paper in papers:
            db.execute(
                "INSERT OR REPLACE INTO profile_papers "
                "(arxiv_id, title, abstract, published, state, fetched) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    paper.arxiv_id,
                    paper.title,
                    paper.abstract,
                    paper.published,
                    paper.state,
                    paper.fetched,
                ],
            )


def feed_texts(db: Database, arxiv_ids: Iterable[str]) -> dict[str, tuple[str, str, str | None]]:
    """Title, abstract and publication time of ``arxiv_ids`` seen in feeds (``papers``)."""
    wanted = list(dict.fromkeys(arxiv_ids))
    texts: dict[str, tuple[str, str, str | None]] = {}
    for start in range(0, len(wanted), 500):
        chunk = wanted[start : start + 500]
        marks = ",".join("?" * len(chunk))
        rows = db.execute(
            f"SELECT arxiv_id, title, abstract, published FROM papers WHERE arxiv_id IN ({marks})",
            chunk,
        ).fetchall()
        texts.update((row[0], (row[1], row[2], row[3])) for row in rows)
    return texts


def vectors(db: Database, model: str, keys: Sequence[tuple[str, str]]) -> dict[str, list[float]]:
    """Stored vectors by paper key for ``(key, text_hash)`` pairs whose text is unchanged."""
    found: dict[str, list[float]] = {}
    for key, text_hash in keys:
        row = db.execute(
            "SELECT vector FROM embeddings WHERE paper = ? AND model = ? AND text_hash = ?",
            [key, model, text_hash],
        ).fetchone()
        if row is not None:
            found[key] = json.loads(row[0])
    return found


def save_vectors(
    db: Database, model: str, rows: Iterable[tuple[str, str, list[float]]], now: str
) -> None:
    """Store ``(key, text_hash, vector)`` rows for ``model``, replacing older ones."""
    with transaction(db):
        for key, text_hash, vector in rows:
            db.execute(
                "INSERT OR REPLACE INTO embeddings (paper, model, text_hash, vector, created) "
                "VALUES (?, ?, ?, ?, ?)",
                [key, model, text_hash, json.dumps(vector), now],
            )


class Interests(Facade):
    """Interests, signals, looked-up profile papers and their vectors on the store's
    database thread (``store.interests``)."""

    async def add_interest(
        self, platform: str, channel: str, arxiv_id: str, monitor: str | None, added: str
    ) -> bool:
        """Add a paper to a channel's interests; False when it was there already."""
        return await self._call(add_interest, platform, channel, arxiv_id, monitor, added)

    async def remove_interest(self, platform: str, channel: str, arxiv_id: str) -> bool:
        """Remove a paper from a channel's interests; False when it was not there."""
        return await self._call(remove_interest, platform, channel, arxiv_id)

    async def channel_interests(self, channels: Sequence[tuple[str, str]]) -> list[ChannelInterest]:
        """The interests of ``channels``, newest first."""
        return await self._call(channel_interests, list(channels))

    async def add_signal(self, signal: SignalRow) -> None:
        await self._call(add_signal, signal)

    async def signals(
        self, channels: Sequence[tuple[str, str]], monitor: str | None
    ) -> list[SignalRow]:
        """The signals of ``channels``, plus those recorded for ``monitor`` when it is given."""
        return await self._call(signals, list(channels), monitor)

    async def paper_texts(self, arxiv_ids: Iterable[str]) -> PaperTexts:
        """The feed texts and the cached look-ups of ``arxiv_ids``."""
        return await self._call(paper_texts, list(arxiv_ids))

    async def cache_papers(self, papers: Iterable[CachedPaper]) -> None:
        await self._call(cache_papers, list(papers))

    async def vectors(self, model: str, keys: Sequence[tuple[str, str]]) -> dict[str, list[float]]:
        """Stored vectors by paper key for ``(key, text_hash)`` pairs whose text is unchanged."""
        return await self._call(vectors, model, list(keys))

    async def save_vectors(self, model: str, rows: Iterable[tuple[str, str, list[float]]]) -> None:
        """Store ``(key, text_hash, vector)`` rows for ``model``, replacing older ones."""
        await self._call(save_vectors, model, list(rows), self._now())
