"""Repeat analysis requests: the notice a user gets instead of a second, identical job.

Whether a request repeats an earlier one is read in the same transaction that would
queue it (:func:`bot.store.repeats.find`, through :meth:`bot.store.queue.Queue.request`).
"""

from __future__ import annotations

from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store.repeats import COMING, Repeat


def notice(arxiv_id: ArxivId, ref: ChatRef, repeat: Repeat, prefix: str) -> str:
    """What to tell the user whose request ``repeat`` answers already (``prefix``: how
    commands are typed on the platform)."""
    where = "this thread" if ref.thread else "the thread under its card in this channel"
    if repeat.status == COMING:
        return f"{arxiv_id} is already being analysed for {where}; the result will be posted there."
    version = f"v{repeat.version}" if repeat.version and arxiv_id.version is None else ""
    again = f"`{prefix} analyze {arxiv_id.id} refresh`"
    return (
        f"The analysis of {arxiv_id}{version} is already in {where}. "
        f"To analyse it again, use {again}."
    )
