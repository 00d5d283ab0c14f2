"""Summary messages: a poll's matches beyond a channel's card cap, listed in one message.

Planning a summary is one transaction: the summary's intent (its papers, best
first) and a ``summarised`` row in ``posts`` for each of those papers, so they are
never owed a card afterwards. The message ID is recorded once it is posted; an
intent whose earlier attempt may have reached the platform is reconciled there
before it is sent again (its ``attempts`` say so).
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass

from sqlite_utils import Database

from bot.store.posts import INTENT, POSTED, SUMMARISED
from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade


@dataclass(frozen=True)
class Summary:
    platform: str
    channel: str
    nonce: str
    monitor: str
    arxiv_ids: tuple[str, ...]  # best first
    attempts: int  # earlier tries to post it (a try may have reached the platform)


def summary_nonce(platform: str, channel: str, monitor: str, arxiv_ids: list[str]) -> str:
    """A stable token for one summary; Discord accepts at most 25 characters."""
    key = f"summary:{platform}:{channel}:{monitor}:{','.join(arxiv_ids)}"
    return hashlib.sha256(key.encode()).hexdigest()[:25]


def plan(
    db: Database, platform: str, channel: str, monitor: str, arxiv_ids: list[str], now: str
) -> str:
    """Record the intent to list ``arxiv_ids`` in one summary; return its nonce."""
    nonce = summary_nonce(platform, channel, monitor, arxiv_ids)
    with transaction(db):
        db.execute(
            "INSERT OR IGNORE INTO summaries "
            "(platform, channel, nonce, monitor, papers, state, attempts, created) "
            "VALUES (?, ?, ?, ?, ?, ?, 0, ?)",
            [platform, channel, nonce, monitor, json.dumps(arxiv_ids), INTENT, now],
        )
        db.conn.executemany(
            "INSERT OR IGNORE INTO posts (platform, channel, arxiv_id, monitor, state, created) "
            "VALUES (?, ?, ?, ?, ?, ?)",
            [(platform, channel, arxiv_id, monitor, SUMMARISED, now) for arxiv_id in arxiv_ids],
        )
    return nonce


def pending(db: Database, platform: str, channel: str | None = None) -> list[Summary]:
    """Summaries not posted yet on ``platform`` (in ``channel`` if given), oldest first."""
    where, args = "platform = ? AND state = ?", [platform, INTENT]
    if channel is not None:
        where, args = where + " AND channel = ?", [*args, channel]
    rows = db.query(f"SELECT * FROM summaries WHERE {where} ORDER BY created, rowid", args)
    return [_summary(row) for row in rows]


def start_attempt(db: Database, summary: Summary) -> None:
    """Count a try before the platform call: a crash after it makes the next one look first."""
    with transaction(db):
        db.execute(
            "UPDATE summaries SET attempts = attempts + 1 "
            "WHERE platform = ? AND channel = ? AND nonce = ?",
            [summary.platform, summary.channel, summary.nonce],
        )


def mark_posted(db: Database, summary: Summary, message_id: str, now: str) -> None:
    with transaction(db):
        db.execute(
            "UPDATE summaries SET state = ?, message_id = ?, posted = ? "
            "WHERE platform = ? AND channel = ? AND nonce = ?",
            [POSTED, message_id, now, summary.platform, summary.channel, summary.nonce],
        )


def _summary(row: dict[str, object]) -> Summary:
    return Summary(
        str(row["platform"]),
        str(row["channel"]),
        str(row["nonce"]),
        str(row["monitor"]),
        tuple(json.loads(str(row["papers"]))),
        int(str(row["attempts"] or 0)),
    )


class Summaries(Facade):
    """Summary messages on the store's database thread (``store.summaries``)."""

    async def plan(self, platform: str, channel: str, monitor: str, arxiv_ids: list[str]) -> str:
        """Record the intent to list ``arxiv_ids`` in one summary; return its nonce."""
        return await self._call(plan, platform, channel, monitor, arxiv_ids, self._now())

    async def pending(self, platform: str, channel: str | None = None) -> list[Summary]:
        """Summaries not posted yet on ``platform`` (in ``channel`` if given), oldest first."""
        return await self._call(pending, platform, channel)

    async def start_attempt(self, summary: Summary) -> None:
        """Count a try before the platform call."""
        await self._call(start_attempt, summary)

    async def mark_posted(self, summary: Summary, message_id: str) -> None:
        await self._call(mark_posted, summary, message_id, self._now())
