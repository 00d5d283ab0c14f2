"""What a channel tells the ranking: interest papers added from chat and signals (#16).

The chat side calls these; each runs on the store's writer thread. A signal is one
thing a channel did with a paper: asked for its analysis or asked a question about
it (positive), reacted 👍/⭐ (positive) or 👎 (negative). Its weight decays with age
(``[interests] half_life_days``) when the ranking reads it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from bot.kernel.config import Config
from bot.kernel.errors import RadarError
from bot.kernel.ids import parse_arxiv_id
from bot.kernel.models import ChatRef
from bot.store import Store
from bot.store import interests as table
from bot.watch.ranking.channels import ChannelKey, channel_key, monitor_channel_keys

# The signal kinds the chat side records, with the weights it gives them.
ANALYSIS = "analysis"
QUESTION = "question"
THUMBS_UP = "thumbsup"
STAR = "star"
THUMBS_DOWN = "thumbsdown"
SIGNAL_WEIGHTS = {ANALYSIS: 1.0, QUESTION: 1.0, THUMBS_UP: 1.0, STAR: 1.5, THUMBS_DOWN: -1.0}


class SignalError(RadarError):
    """A signal that cannot be recorded (empty kind, zero or non-finite weight)."""


@dataclass(frozen=True)
class InterestItem:
    """One paper of a channel's profile as ``/arxiv interests list`` shows it."""

    arxiv_id: str
    title: str  # "" until its metadata has been looked up
    source: str  # "chat" or "config:<monitor>"
    added: str  # ISO time it was added ("" for config papers)


async def record_signal(
    store: Store,
    *,
    monitor: str | None,
    channel: ChatRef | ChannelKey,
    arxiv_id: str,
    kind: str,
    weight: float,
    at: datetime,
) -> None:
    """Record that ``channel`` did ``kind`` with ``arxiv_id`` (weight > 0 for, < 0 against)."""
    if not kind.strip():
        raise SignalError("A signal needs a kind, such as 'thumbsup'.")
    if not weight or weight != weight or abs(weight) == float("inf"):
        raise SignalError(f"A signal's weight must be a non-zero number, got {weight!r}.")
    platform, channel_id = channel_key(channel)
    when = at if at.tzinfo is not None else at.replace(tzinfo=UTC)
    row = table.SignalRow(
        platform, channel_id, monitor, parse_arxiv_id(arxiv_id).id, kind, weight, when.isoformat()
    )
    await store.interests.add_signal(row)


async def add_interest(
    store: Store,
    *,
    channel: ChatRef | ChannelKey,
    arxiv_id: str,
    monitor: str | None = None,
    at: datetime | None = None,
) -> bool:
    """Add a paper (ID or arXiv URL) to ``channel``'s interests; False if it was there.

    A malformed ID raises :class:`~bot.kernel.errors.InvalidArxivIdError` with the user's message.
    """
    platform, channel_id = channel_key(channel)
    paper = parse_arxiv_id(arxiv_id).id
    added = (at or store.clock()).isoformat()
    return await store.interests.add_interest(platform, channel_id, paper, monitor, added)


async def remove_interest(store: Store, *, channel: ChatRef | ChannelKey, arxiv_id: str) -> bool:
    """Remove a paper (ID or arXiv URL) from ``channel``'s interests; False if absent."""
    platform, channel_id = channel_key(channel)
    paper = parse_arxiv_id(arxiv_id).id
    return await store.interests.remove_interest(platform, channel_id, paper)


async def list_interests(
    store: Store, *, channel: ChatRef | ChannelKey, config: Config | None = None
) -> list[InterestItem]:
    """``channel``'s interest papers, newest first, then (with ``config``) those the
    configured monitors posting there list in ``interests``."""
    key = channel_key(channel)
    rows = await store.interests.channel_interests([key])
    configured = _configured(config, key) if config is not None else []
    ids = [row.arxiv_id for row in rows] + [arxiv_id for arxiv_id, _ in configured]
    titles = _titles(await store.interests.paper_texts(ids))
    items = [InterestItem(r.arxiv_id, titles.get(r.arxiv_id, ""), "chat", r.added) for r in rows]
    chat_ids = {row.arxiv_id for row in rows}
    seen: set[str] = set()
    for arxiv_id, source in configured:
        if arxiv_id not in chat_ids and arxiv_id not in seen:
            seen.add(arxiv_id)
            items.append(InterestItem(arxiv_id, titles.get(arxiv_id, ""), source, ""))
    return items


def _configured(config: Config, key: ChannelKey) -> list[tuple[str, str]]:
    """(arXiv ID, source) of the interests the monitors posting to ``key`` declare."""
    return [
        (parse_arxiv_id(text).id, f"config:{monitor.name}")
        for monitor in config.monitors
        if key in monitor_channel_keys(config, monitor)
        for text in monitor.interests
    ]


def _titles(texts: table.PaperTexts) -> dict[str, str]:
    titles = {key: value[0] for key, value in texts.feeds.items()}
    for key, cached in texts.cached.items():
        if cached.state == table.FOUND and key not in titles:
            titles[key] = cached.title
    return titles
