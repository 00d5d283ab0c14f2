"""The ``papers`` table: arXiv metadata as stored, and back.

Papers are written with a poll (:meth:`bot.store.core.Store.record_poll`) or on
their own (:meth:`bot.store.core.Store.save_papers`); a row keeps the newest version.
"""

from __future__ import annotations

import json
from datetime import datetime
from typing import Any

from bot.kernel.models import Paper

UPSERT_PAPER = """
INSERT INTO papers (arxiv_id, version, title, authors, abstract, categories, announce_type,
                    published, published_raw, first_seen, updated)
VALUES (:arxiv_id, :version, :title, :authors, :abstract, :categories, :announce_type,
        :published, :published_raw, :now, :now)
ON CONFLICT(arxiv_id) DO UPDATE SET
    version = max(version, excluded.version), title = excluded.title,
    authors = excluded.authors, abstract = excluded.abstract,
    categories = excluded.categories, announce_type = excluded.announce_type,
    published = coalesce(excluded.published, published),
    published_raw = coalesce(nullif(excluded.published_raw, ''), published_raw),
    updated = excluded.updated
WHERE excluded.version >= papers.version
"""


def announced_date(paper: Paper) -> str | None:
    """The announcement day of a feed item: its pubDate's date in the feed's own offset."""
    return paper.published.date().isoformat() if paper.published else None


def paper_row(paper: Paper) -> dict[str, Any]:
    return {
        "arxiv_id": paper.arxiv_id,
        "version": paper.version,
        "title": paper.title,
        "authors": json.dumps(paper.authors, ensure_ascii=False),
        "abstract": paper.abstract,
        "categories": json.dumps(paper.categories),
        "announce_type": paper.announce_type,
        "published": paper.published.isoformat() if paper.published else None,
        "published_raw": paper.published_raw,
    }


def paper_from_row(row: dict[str, Any]) -> Paper:
    published = row.get("published")
    return Paper(
        arxiv_id=row["arxiv_id"],
        version=row["version"],
        title=row["title"],
        authors=tuple(json.loads(row["authors"])),
        abstract=row["abstract"],
        categories=tuple(json.loads(row["categories"])),
        announce_type=row["announce_type"] or "",
        published=datetime.fromisoformat(published) if published else None,
        published_raw=row["published_raw"] or "",
    )
