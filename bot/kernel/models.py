"""Platform-neutral value types of the core."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum

ANNOUNCE_TYPES = ("new", "cross", "replace", "replace-cross")


class Verdict(StrEnum):
    """The feed-health verdict of one poll (see :mod:`bot.watch.poll`)."""

    OK = "ok"  # new items, or the announcement seen in full before
    STALE = "stale"  # only items already seen, announcement not taken in full
    NO_ANNOUNCEMENT = "no-announcement"  # an empty feed (weekend, holiday)
    ERROR = "error"  # the feed could not be fetched or parsed


class PlatformName(StrEnum):
    """The chat platforms arxiv-radar runs on (``ChatRef.platform``, config sections)."""

    SLACK = "slack"
    DISCORD = "discord"


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

    platform: str  # a PlatformName
    channel: str
    thread: str | None = None  # Slack thread_ts / Discord card message id
    user: str | None = None


@dataclass(frozen=True)
class CardSummary:
    """One message listing the matches of a poll beyond a channel's card cap, best first."""

    heading: str
    papers: tuple[Paper, ...]
