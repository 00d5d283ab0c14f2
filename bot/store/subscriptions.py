"""Per-channel keyword and category subscriptions made from chat commands."""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade

KEYWORD = "keyword"
CATEGORY = "category"


@dataclass(frozen=True)
class ChannelFollows:
    platform: str
    channel: str
    keywords: tuple[str, ...]
    categories: tuple[str, ...]

    @property
    def address(self) -> str:
        return f"{self.platform}:{self.channel}"


def add(db: Database, platform: str, channel: str, kind: str, value: str, now: str) -> bool:
    """Add a subscription; False when the channel already had it."""
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO subscriptions (platform, channel, kind, value, created) "
            "VALUES (?, ?, ?, ?, ?)",
            [platform, channel, kind, value, now],
        )
    return bool(cursor.rowcount)


def remove(db: Database, platform: str, channel: str, kind: str, value: str) -> bool:
    """Remove a subscription (keywords compare case-insensitively); False if absent."""
    with transaction(db):
        cursor = db.execute(
            "DELETE FROM subscriptions WHERE platform = ? AND channel = ? AND kind = ? "
            "AND lower(value) = lower(?)",
            [platform, channel, kind, value],
        )
    return bool(cursor.rowcount)


def follows(db: Database, platform: str, channel: str) -> ChannelFollows:
    rows = db.execute(
        "SELECT kind, value FROM subscriptions WHERE platform = ? AND channel = ? ORDER BY created",
        [platform, channel],
    ).fetchall()
    return ChannelFollows(
        platform,
        channel,
        tuple(value for kind, value in rows if kind == KEYWORD),
        tuple(value for kind, value in rows if kind == CATEGORY),
    )


def all_channels(db: Database) -> list[ChannelFollows]:
    """Every channel with at least one subscription."""
    rows = db.execute(
        "SELECT DISTINCT platform, channel FROM subscriptions ORDER BY 1, 2"
    ).fetchall()
    return [follows(db, platform, channel) for platform, channel in rows]


class Subscriptions(Facade):
    """Channel subscriptions on the store's database thread (``store.subscriptions``)."""

    async def add(self, platform: str, channel: str, kind: str, value: str) -> bool:
        """Add a subscription; False when the channel already had it."""
        return await self._call(add, platform, channel, kind, value, self._now())

    async def remove(self, platform: str, channel: str, kind: str, value: str) -> bool:
        """Remove a subscription; False if absent."""
        return await self._call(remove, platform, channel, kind, value)

    async def follows(self, platform: str, channel: str) -> ChannelFollows:
        return await self._call(follows, platform, channel)

    async def all_channels(self) -> list[ChannelFollows]:
        """Every channel with at least one subscription."""
        return await self._call(all_channels)
