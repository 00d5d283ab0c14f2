"""Which Slack ``message`` events are human replies in a thread (``thread_questions = "all"``).

Slack sends a ``message`` event for every message in a channel the app is in. Only
a plain reply by a person inside a thread counts: no bot (the bot itself included),
no edit (``message_changed``), deletion or other subtype except a reply also sent
to the channel (``thread_broadcast``), no thread parent, and no reply mentioning
the bot (its ``app_mention`` event carries it).
"""

from __future__ import annotations

from typing import Any

REPLY_SUBTYPES = (None, "thread_broadcast")


def human_reply(event: dict[str, Any], bot_user_id: str | None) -> bool:
    """Whether ``event`` is a person's reply in a thread that does not mention the bot."""
    user = event.get("user")
    thread = event.get("thread_ts")
    if event.get("subtype") not in REPLY_SUBTYPES or event.get("bot_id") or not user:
        return False
    if user == bot_user_id or not thread or thread == event.get("ts"):
        return False
    text = str(event.get("text") or "")
    return bool(text.strip()) and f"<@{bot_user_id}>" not in text
