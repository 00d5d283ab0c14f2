"""Cards posted to chat channels: intent first, message ID after.

A post is recorded as ``intent`` before the platform call and ``posted`` with its
message ID after it, so a crash in between is visible at the next start and can be
reconciled against the channel instead of re-posting blindly.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade

INTENT = "intent"
POSTED = "posted"
SUMMARISED = "summarised"  # listed in a summary message instead of getting a card
SEARCH = "search"  # Post.monitor of a card posted as a search result


@dataclass(frozen=True)
class Post:
    platform: str
    channel: str
    arxiv_id: str
    monitor: str
    message_id: str | None
    state: str
    similar_to: str | None = None  # the closest interest paper's title, shown on the card


def nonce(platform: str, channel: str, arxiv_id: str) -> str:
    """A stable per-(paper, channel) token; Discord accepts at most 25 characters."""
    digest = hashlib.sha256(f"{platform}:{channel}:{arxiv_id}".encode()).hexdigest()
    return digest[:25]


def claim(
    db: Database,
    platform: str,
    channel: str,
    arxiv_id: str,
    monitor: str,
    now: str,
    similar_to: str | None = None,
) -> bool:
    """Record the intent to post; False when this paper was already claimed for the channel."""
    with transaction(db):
        cursor = db.execute(
            "INSERT OR IGNORE INTO posts "
            "(platform, channel, arxiv_id, monitor, state, created, similar_to) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            [platform, channel, arxiv_id, monitor, INTENT, now, similar_to],
        )
    return bool(cursor.rowcount)


def claim_summarised(db: Database, platform: str, channel: str, arxiv_id: str) -> None:
    """Turn a paper listed in a summary into the intent to post its card after all."""
    with transaction(db):
        db.execute(
            "UPDATE posts SET state = ? WHERE platform = ? AND channel = ? AND arxiv_id = ? "
            "AND state = ?",
            [INTENT, platform, channel, arxiv_id, SUMMARISED],
        )


def mark_posted(
    db: Database, platform: str, channel: str, arxiv_id: str, message_id: str, now: str
) -> None:
    with transaction(db):
        db.execute(
            "UPDATE posts SET message_id = ?, state = ?, posted = ? "
            "WHERE platform = ? AND channel = ? AND arxiv_id = ?",
            [message_id, POSTED, now, platform, channel, arxiv_id],
        )


def pending(db: Database, platform: str) -> list[Post]:
    """Intents without a message ID (a crash between posting and recording, or never sent)."""
    rows = db.query(
        "SELECT * FROM posts WHERE platform = ? AND state = ? ORDER BY created", [platform, INTENT]
    )
    return [_post(row) for row in rows]


def card_for_message(db: Database, platform: str, message_id: str) -> Post | None:
    """The card the bot posted as ``message_id``, a search result's card included
    (reactions on other messages are ignored)."""
    rows = list(
        db.query(
            "SELECT * FROM posts WHERE platform = ? AND message_id = ?", [platform, message_id]
        )
    )
    if rows:
        return _post(rows[0])
    found = db.execute(
        "SELECT channel, arxiv_id FROM search_cards WHERE platform = ? AND message_id = ?",
        [platform, message_id],
    ).fetchone()
    return Post(platform, found[0], found[1], SEARCH, message_id, POSTED) if found else None


def record_search_card(
    db: Database, platform: str, channel: str, arxiv_id: str, message_id: str, now: str
) -> None:
    """Remember a card posted as a search result, so reactions and buttons on it work."""
    db.execute(
        "INSERT OR REPLACE INTO search_cards (platform, message_id, channel, arxiv_id, created) "
        "VALUES (?, ?, ?, ?, ?)",
        [platform, message_id, channel, arxiv_id, now],
    )


def card_in_channel(db: Database, platform: str, channel: str, arxiv_id: str) -> Post | None:
    rows = list(
        db.query(
            "SELECT * FROM posts WHERE platform = ? AND channel = ? AND arxiv_id = ?",
            [platform, channel, arxiv_id],
        )
    )
    return _post(rows[0]) if rows else None


def _post(row: dict[str, object]) -> Post:
    return Post(
        str(row["platform"]),
        str(row["channel"]),
        str(row["arxiv_id"]),
        str(row["monitor"] or ""),
        str(row["message_id"]) if row["message_id"] else None,
        str(row["state"]),
        str(row["similar_to"]) if row.get("similar_to") else None,
    )


class Posts(Facade):
    """Cards and search-result cards on the store's database thread (``store.posts``)."""

    async def card_in_channel(self, platform: str, channel: str, arxiv_id: str) -> Post | None:
        return await self._call(card_in_channel, platform, channel, arxiv_id)

    async def card_for_message(self, platform: str, message_id: str) -> Post | None:
        """The card the bot posted as ``message_id`` (a search result's card included)."""
        return await self._call(card_for_message, platform, message_id)

    async def claim(
        self,
        platform: str,
        channel: str,
        arxiv_id: str,
        monitor: str,
        similar_to: str | None = None,
    ) -> bool:
        """Record the intent to post; False when the paper was already claimed there."""
        now = self._now()
        return await self._call(claim, platform, channel, arxiv_id, monitor, now, similar_to)

    async def claim_summarised(self, platform: str, channel: str, arxiv_id: str) -> None:
        """Turn a paper listed in a summary into the intent to post its card after all."""
        await self._call(claim_summarised, platform, channel, arxiv_id)

    async def mark_posted(
        self, platform: str, channel: str, arxiv_id: str, message_id: str
    ) -> None:
        await self._call(mark_posted, platform, channel, arxiv_id, message_id, self._now())

    async def pending(self, platform: str) -> list[Post]:
        """Intents without a message ID."""
        return await self._call(pending, platform)

    async def record_search_card(
        self, platform: str, channel: str, arxiv_id: str, message_id: str, now: str
    ) -> None:
        """Remember a card posted as a search result (posted at ``now``)."""
        await self._call(record_search_card, platform, channel, arxiv_id, message_id, now)
