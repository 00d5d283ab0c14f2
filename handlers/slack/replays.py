"""Replayed slash commands: the same command delivered again is recognised without the database.

Slack signs a request with its timestamp and rejects signatures older than five
minutes, so a replay can only arrive within that window: the listener checks an
in-memory set of recent keys before it acks (no database wait on the ack path),
and the background work checks ``seen_events`` too (replays across a restart).
"""

from __future__ import annotations

import time
from collections.abc import Mapping, Sequence
from typing import Any

REPLAY_WINDOW_S = 300.0  # Slack rejects signatures older than 5 minutes
PRUNE_ABOVE = 1000


class RecentKeys:
    """Keys seen in the last ``window_s`` seconds, in memory (no database on the ack path)."""

    def __init__(self, window_s: float) -> None:
        self.window_s = window_s
        self._seen: dict[str, float] = {}

    def first_time(self, key: str) -> bool:
        now = time.monotonic()
        if len(self._seen) > PRUNE_ABOVE:
            self._seen = {k: t for k, t in self._seen.items() if now - t < self.window_s}
        seen = self._seen.get(key)
        if seen is not None and now - seen < self.window_s:
            return False
        self._seen[key] = now
        return True


def replay_key(command: dict[str, Any], headers: Mapping[str, Sequence[str]]) -> str | None:
    """What identifies one slash command: its ``trigger_id``, else its signature and timestamp."""
    if command.get("trigger_id"):
        return f"trigger:{command['trigger_id']}"
    signature = headers.get("x-slack-signature") or ()
    stamp = headers.get("x-slack-request-timestamp") or ()
    if signature and stamp:
        return f"signed:{stamp[0]}:{signature[0]}"
    return None
