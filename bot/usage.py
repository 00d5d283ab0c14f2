"""Daily usage: analyses requested per user, tokens spent, and the limits on both.

The counts are in the ``usage`` table (:mod:`bot.store.usage`). Days are calendar
days in ``report.timezone``. A request counts against its user's
``analysis.max_per_user_per_day`` when accepted; tokens are booked when an analysis
finishes (by :class:`analysis.pipeline.Analyzer`, whoever asked), to the day's
total and to the user whose request started the job.
``llm.daily_token_budget`` (0: unlimited) stops new LLM analyses once the day's
total reaches it.
"""

from __future__ import annotations

from datetime import datetime

from sqlite_utils import Database

from bot.config import Config
from bot.errors import BudgetExceededError
from bot.store.usage import TOTAL, UsageRow, row


def usage_day(config: Config, moment: datetime) -> str:
    return moment.astimezone(config.tz).date().isoformat()


def check_user_limit(db: Database, config: Config, day: str, user: str | None) -> None:
    """Raise :class:`BudgetExceededError` when ``user`` has no analyses left today."""
    limit = config.analysis.max_per_user_per_day
    if user is None or limit <= 0:
        return
    if row(db, day, user).analyses >= limit:
        raise BudgetExceededError(
            f"You have used your {limit} analyses for today; the count resets at midnight "
            f"({config.report.timezone})."
        )


def check_token_budget(db: Database, config: Config, day: str) -> None:
    """Raise :class:`BudgetExceededError` when the day's LLM token budget is spent."""
    budget = config.llm.daily_token_budget
    if budget > 0 and row(db, day, TOTAL).tokens >= budget:
        raise BudgetExceededError(
            f"Today's LLM token budget ({budget:,} tokens) is used up; new analyses resume "
            f"tomorrow ({config.report.timezone})."
        )


def format_report(rows: list[UsageRow]) -> str:
    """The ``stats`` table: one line per day total, indented lines per user."""
    if not rows:
        return "No usage recorded yet."
    lines = [f"{'day':<12}{'user':<24}{'analyses':>9}{'input tok':>12}{'output tok':>12}"]
    for entry in rows:
        who = "(all users)" if entry.user == TOTAL else f"  {entry.user}"
        day = entry.day if entry.user == TOTAL else ""
        lines.append(
            f"{day:<12}{who:<24}{entry.analyses:>9}{entry.input_tokens:>12,}"
            f"{entry.output_tokens:>12,}"
        )
    return "\n".join(lines)
