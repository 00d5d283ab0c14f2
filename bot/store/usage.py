"""Daily usage: analyses requested per user, tokens spent, and the limits on both.

The ``usage`` table has one row per (day, user) plus a total row per day under the
user :data:`TOTAL`. Days are calendar days in ``report.timezone``. A request counts
against its user's ``analysis.max_per_user_per_day`` when accepted; tokens are
booked when an analysis finishes (by :class:`analysis.pipeline.Analyzer`, whoever
asked), to the day's total and to the user whose request started the job.
``llm.daily_token_budget`` (0: unlimited) stops new LLM analyses once the day's
total reaches it.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from sqlite_utils import Database

from bot.kernel.config import Config
from bot.kernel.errors import BudgetExceededError
from bot.store.thread import Facade

TOTAL = "*"


@dataclass(frozen=True)
class UsageRow:
    day: str
    user: str
    analyses: int
    input_tokens: int
    output_tokens: int
    questions: int = 0  # questions asked about papers (their tokens are in the totals)

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
        "SELECT analyses, input_tokens, output_tokens, questions FROM usage "
        "WHERE day = ? AND user = ?",
        [day, user],
    ).fetchone()
    return UsageRow(day, user, *(found or (0, 0, 0, 0)))


def count_request(db: Database, day: str, user: str | None) -> None:
    """One more accepted analysis request for the day (and for ``user``)."""
    for who in (TOTAL, user) if user else (TOTAL,):
        _add(db, day, who, analyses=1)


def count_question(db: Database, day: str, user: str | None) -> None:
    """One more accepted question for the day (and for ``user``)."""
    for who in (TOTAL, user) if user else (TOTAL,):
        _add(db, day, who, questions=1)


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
    questions: int = 0,
) -> None:
    db.execute(
        "INSERT INTO usage (day, user, analyses, input_tokens, output_tokens, questions) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(day, user) DO UPDATE SET "
        "analyses = analyses + excluded.analyses, "
        "input_tokens = input_tokens + excluded.input_tokens, "
        "output_tokens = output_tokens + excluded.output_tokens, "
        "questions = questions + excluded.questions",
        [day, user, analyses, input_tokens, output_tokens, questions],
    )


def report(db: Database, days: int) -> list[UsageRow]:
    """Usage of the last ``days`` days with any activity, newest first, total row first."""
    rows = db.execute(
        "SELECT day, user, analyses, input_tokens, output_tokens, questions FROM usage "
        "WHERE day IN (SELECT DISTINCT day FROM usage ORDER BY day DESC LIMIT ?) "
        "ORDER BY day DESC, user != ?, user",
        [days, TOTAL],
    ).fetchall()
    return [UsageRow(*values) for values in rows]


class UsageBook(Facade):
    """The ``usage`` table on the store's database thread (``store.usage``)."""

    async def row(self, day: str, user: str) -> UsageRow:
        return await self._call(row, day, user)

    async def add_tokens(
        self, day: str, user: str | None, input_tokens: int, output_tokens: int
    ) -> None:
        """Tokens spent (e.g. by a fresh answer), on the day's total and on ``user``."""
        await self._call(add_tokens, day, user, input_tokens, output_tokens)

    async def report(self, days: int) -> list[UsageRow]:
        """Usage of the last ``days`` active days, newest first, total row first."""
        return await self._call(report, days)


# limits ----------------------------------------------------------------------------


def usage_day(config: Config, moment: datetime) -> str:
    return moment.astimezone(config.tz).date().isoformat()


def admission(config: Config, *, llm: bool) -> Callable[[UsageRow, UsageRow], None]:
    """The check a chat request passes before it is queued: the user's daily limit and,
    for an LLM analysis, the day's token budget (given the user's and the total row)."""

    def admit(mine: UsageRow, total: UsageRow) -> None:
        check_user_limit(config, mine)
        if llm:
            check_token_budget(config, total)

    return admit


def check_user_limit(config: Config, mine: UsageRow) -> None:
    """Raise :class:`BudgetExceededError` when the user of ``mine`` has no analyses left."""
    limit = config.analysis.max_per_user_per_day
    if not mine.user or limit <= 0:
        return
    if mine.analyses >= limit:
        raise BudgetExceededError(
            f"You have used your {limit} analyses for today; the count resets at midnight "
            f"({config.report.timezone})."
        )


def check_token_budget(config: Config, total: UsageRow) -> None:
    """Raise :class:`BudgetExceededError` when the day's LLM token budget is spent."""
    budget = config.llm.daily_token_budget
    if budget > 0 and total.tokens >= budget:
        raise BudgetExceededError(
            f"Today's LLM token budget ({budget:,} tokens) is used up; LLM analyses and "
            f"answers resume tomorrow ({config.report.timezone})."
        )


def format_report(rows: list[UsageRow]) -> str:
    """The ``stats`` table: one line per day total, indented lines per user."""
    if not rows:
        return "No usage recorded yet."
    lines = [
        f"{'day':<12}{'user':<24}{'analyses':>9}{'questions':>10}{'input tok':>12}"
        f"{'output tok':>12}"
    ]
    for entry in rows:
        who = "(all users)" if entry.user == TOTAL else f"  {entry.user}"
        day = entry.day if entry.user == TOTAL else ""
        lines.append(
            f"{day:<12}{who:<24}{entry.analyses:>9}{entry.questions:>10}"
            f"{entry.input_tokens:>12,}{entry.output_tokens:>12,}"
        )
    return "\n".join(lines)
