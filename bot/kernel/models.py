"""Platform-neutral value types of the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


@dataclass(frozen=True)
class Paper:
    """One arXiv paper as announced in a feed or returned by the API."""

    arxiv_id: str  # without version: "2511.05275" or "hep-th/9711200"
    version: int
    title: str
    authors: tuple[str, ...]
    abstract: str  # without the "arXiv:... Announce Type: ..." prefix
    categories: tuple[str, ...]  # primary category first
    announce_type: str = ""  # one of ANNOUNCE_TYPES, "" when unknown (API)
    published: datetime | None = None  # the feed's pubDate, timezone-aware
    published_raw: str = ""  # the pubDate string exactly as the feed gave it

    @property
    def versioned_id(self) -> str:
        return f"{self.arxiv_id}v{self.version}"


@dataclass(frozen=True)
class FeedInfo:
    """Channel-level facts of one fetched feed, used for feed health."""

    build_date: datetime | None = None  # lastBuildDate / updated
    pub_date: datetime | None = None  # channel pubDate
    item_count: int = 0
    skipped_items: int = 0  # malformed items dropped (and logged)


@dataclass(frozen=True)
class FeedResult:
    info: FeedInfo
    papers: tuple[Paper, ...] = field(default_factory=tuple)


@dataclass(frozen=True)
class ChatRef:
    """Where to reply on a chat platform: a channel and optionally a thread."""

    platform: str  # "slack" | "discord"
    channel: str
    thread: str | None = None  # Slack thread_ts / Discord card message id
    user: str | None = None
