"""Caps on what one channel may follow (the command length cap is in :mod:`bot.kernel.commands`)."""

from __future__ import annotations

from bot.kernel.config import SubscriptionsConfig
from bot.store.subscriptions import KEYWORD, ChannelFollows


def counted(count: int, noun: str) -> str:
    """``1 keyword``, ``2 keywords``, ``1 category``, ``3 categories``."""
    if count == 1:
        return f"1 {noun}"
    return f"{count} {noun[:-1]}ies" if noun.endswith("y") else f"{count} {noun}s"


def subscription_refusal(
    config: SubscriptionsConfig, follows: ChannelFollows, kind: str, value: str, *, all_papers: bool
) -> str | None:
    """Why a channel may not add this subscription (caps, keywordless categories), or None."""
    if value in (follows.keywords if kind == KEYWORD else follows.categories):
        return None  # already followed: the reply says so
    if kind == KEYWORD:
        if len(follows.keywords) >= config.max_keywords:
            return (
                f"This channel already follows {counted(len(follows.keywords), 'keyword')}, "
                f"the most allowed (subscriptions.max_keywords); unsubscribe one first."
            )
        return None
    if len(follows.categories) >= config.max_categories:
        return (
            f"This channel already follows {counted(len(follows.categories), 'category')}, "
            f"the most allowed (subscriptions.max_categories); remove one first."
        )
    if follows.keywords:
        return None
    if not config.allow_all:
        return (
            f"Without keywords, {value} would post every paper of the category here. "
            'Subscribe to a keyword first (`subscribe "your topic"`); following whole '
            "categories is turned off by the admin (subscriptions.allow_all)."
        )
    if not all_papers:
        return (
            f"Without keywords, {value} posts every paper of the category here. "
            f"Subscribe to a keyword first, or confirm with `categories add {value} --all`."
        )
    return None
