"""The ``usage`` table: analyses requested and tokens spent, per day and user.

One row per (day, user) plus a total row per day under the user :data:`TOTAL`.
The limits on these counts live in :mod:`bot.usage`.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlite_utils import Database

TOTAL = "*"


@dataclass(frozen=True)
class UsageRow:
    day: str
    user: str
    analyses: int
    input_tokens: int
    output_tokens: int

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


@dataclass(frozen=True)
class Requester:
    """Who asked for an analysis: the usage rows its tokens are booked on."""

    user: str | None = None  # also billed on this user's row (chat); None: the total only
    counted: bool = False  # the request was counted when accepted (chat requests are)


def row(db: Database, day: str, user: str) -> UsageRow:
    found = db.execute(
        "SELECT analyses, input_tokens, output_tokens FROM usage WHERE day = ? AND user = ?",
        [day, user],
    ).fetchone()
    return UsageRow(day, user, *(found or (0, 0, 0)))


def count_request(db: Database, day: str, user: str | None) -> None:
    """One more accepted analysis request for the day (and for ``user``)."""
    for who in (TOTAL, user) if user else (TOTAL,):
        _add(db, day, who, analyses=1)


def add_tokens(
    db: Database, day: str, user: str | None, input_tokens: int, output_tokens: int
) -> None:
    """Tokens spent by one analysis, on the day's total and on ``user``."""
    for who in (TOTAL, user) if user else (TOTAL,):
        _add(db, day, who, input_tokens=input_tokens, output_tokens=output_tokens)


def book(
    db: Database, day: str, requester: Requester, input_tokens: int, output_tokens: int
) -> None:
    """Book one fresh analysis: its tokens, and the request unless counted on acceptance."""
    if not requester.counted:
        count_request(db, day, requester.user)
    add_tokens(db, day, requester.user, input_tokens, output_tokens)


def _add(
    db: Database,
    day: str,
    user: str,
    *,
    analyses: int = 0,
    input_tokens: int = 0,
    output_tokens: int = 0,
) -> None:
    db.execute(
        "INSERT INTO usage (day, user, analyses, input_tokens, output_tokens) "
        "VALUES (?, ?, ?, ?, ?) ON CONFLICT(day, user) DO UPDATE SET "
        "analyses = analyses + excluded.analyses, "
        "input_tokens = input_tokens + excluded.input_tokens, "
        "output_tokens = output_tokens + excluded.output_tokens",
        [day, user, analyses, input_tokens, output_tokens],
    )


def report(db: Database, days: int) -> list[UsageRow]:
    """Usage of the last ``days`` days with any activity, newest first, total row first."""
    rows = db.execute(
        "SELECT day, user, analyses, input_tokens, output_tokens FROM usage "
        "WHERE day IN (SELECT DISTINCT day FROM usage ORDER BY day DESC LIMIT ?) "
        "ORDER BY day DESC, user != ?, user",
        [days, TOTAL],
    ).fetchall()
    return [UsageRow(*values) for values in rows]
