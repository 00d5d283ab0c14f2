"""Queries of the ``matches`` table that posting cards needs.

(Writing matches is part of storing a poll: :meth:`bot.store.core.Store.save_poll`.)
"""

from __future__ import annotations

import json

from sqlite_utils import Database

from bot.kernel.models import Paper
from bot.store.core import paper_from_row


def recent_monitors(db: Database, since: str) -> list[str]:
    """The monitors with a match first seen at or after ``since``."""
    rows = db.execute(
        "SELECT DISTINCT monitor FROM matches WHERE first_seen >= ? ORDER BY monitor", [since]
    )
    return [row[0] for row in rows.fetchall()]


def unposted(
    db: Database, monitor: str, platform: str, channel: str, since: str
) -> list[tuple[Paper, tuple[str, ...]]]:
    """The monitor's recent matches without a card in ``channel``, in feed order."""
    rows = db.query(
        "SELECT m.keywords AS matched, p.* FROM matches m "
        "JOIN papers p ON p.arxiv_id = m.arxiv_id "
        "WHERE m.monitor = ? AND m.first_seen >= ? AND NOT EXISTS (SELECT 1 FROM posts s "
        "WHERE s.platform = ? AND s.channel = ? AND s.arxiv_id = m.arxiv_id) "
        "ORDER BY m.first_seen, m.position",
        [monitor, since, platform, channel],
    )
    return [(paper_from_row(row), tuple(json.loads(row["matched"]))) for row in rows]


def keywords(db: Database, monitor: str, arxiv_id: str) -> tuple[str, ...]:
    """The keywords ``arxiv_id`` matched for ``monitor`` (none if it never matched)."""
    row = db.execute(
        "SELECT keywords FROM matches WHERE monitor = ? AND arxiv_id = ?", [monitor, arxiv_id]
    ).fetchone()
    return tuple(json.loads(row[0])) if row else ()
