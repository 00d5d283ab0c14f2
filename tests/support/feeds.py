"""Helpers that build test feeds from the RSS 2.0 fixtures."""

from __future__ import annotations

from pathlib import Path

FIXTURES = Path(__file__).parents[1] / "fixtures" / "feeds"
SEED_FEED = FIXTURES / "rss_seed_2025-11-10.xml"
WEEKEND_FEED = FIXTURES / "rss_weekend_empty_2025-11-08.xml"
SEED_IDS = ["2511.05275", "2511.05397", "2509.14117", "2511.05491"]


def seed_feed() -> bytes:
    return SEED_FEED.read_bytes()


def redated(feed: bytes, day: str) -> bytes:
    """The same items announced on another day (``"Tue, 11 Nov 2025"``)."""
    return feed.replace(b"Mon, 10 Nov 2025", day.encode())


def as_announce_type(feed: bytes, arxiv_id: str, announce_type: str) -> bytes:
    """Change one item's announce type (and bump its version for replacements)."""
    text = feed.decode()
    start = text.index(f"arXiv:{arxiv_id}v")
    end = text.index("</item>", start)
    item = text[start:end]
    for old in ("cross", "new", "replace"):
        item = item.replace(f"Announce Type: {old} ", f"Announce Type: {announce_type} ")
        item = item.replace(
            f"<arxiv:announce_type>{old}</arxiv:announce_type>",
            f"<arxiv:announce_type>{announce_type}</arxiv:announce_type>",
        )
    return (text[:start] + item + text[end:]).encode()
