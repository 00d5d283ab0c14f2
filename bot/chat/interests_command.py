"""``/arxiv interests add|list|remove``: the papers a channel cares about, from chat (#16).

An added paper is checked on arXiv first (an ID arXiv does not know is refused, with
nothing stored) and its title and abstract are cached for the ranking; when arXiv
cannot be reached the paper is added and looked up at the next ranking. A channel
holds at most ``interests.max_papers`` chat-added papers. Titles are untrusted: the
adapters escape the reply like every other.
"""

from __future__ import annotations

import logging

from bot.arxiv.client import ArxivClient
from bot.kernel.commands import DEFAULT_PREFIX, Interests
from bot.kernel.config import Config
from bot.kernel.errors import FetchError
from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import Store
from bot.store import interests as table
from bot.watch.interests import add_interest, list_interests, remove_interest

log = logging.getLogger(__name__)
TITLE_CHARS = 150


async def interests_reply(
    store: Store,
    arxiv: ArxivClient,
    config: Config,
    ref: ChatRef,
    command: Interests,
    prefix: str = DEFAULT_PREFIX,
) -> str:
    """Carry out ``command`` for ``ref``'s channel; the reply text (``prefix``: how
    commands are typed on its platform)."""
    if command.action == "list" or command.arxiv_id is None:
        return await _list(store, config, ref, prefix)
    if command.action == "remove":
        removed = await remove_interest(store, channel=ref, arxiv_id=command.arxiv_id.id)
        if not removed:
            return f"{command.arxiv_id.id} is not among this channel's interests."
        return f"Removed {command.arxiv_id.id} from this channel's interests."
    return await _add(store, arxiv, config, ref, command.arxiv_id)


async def _add(
    store: Store, arxiv: ArxivClient, config: Config, ref: ChatRef, arxiv_id: ArxivId
) -> str:
    held = await store.interests.channel_interests([(ref.platform, ref.channel)])
    cap = config.interests.max_papers
    if len(held) >= cap and arxiv_id.id not in {row.arxiv_id for row in held}:
        return f"This channel already has {cap} interest papers; remove one before adding more."
    title = await _title(store, arxiv, arxiv_id)  # raises PaperNotFoundError: nothing stored
    added = await add_interest(store, channel=ref, arxiv_id=arxiv_id.id, at=store.clock())
    named = f"{arxiv_id.id} ({_short(title)})" if title else arxiv_id.id
    if not added:
        return f"{named} is already among this channel's interests."
    later = "" if title else " arXiv could not be reached; its title is looked up later."
    return (
        f"Added {named} to this channel's interests: similar new papers are ranked first "
        f"here.{later}"
    )


async def _title(store: Store, arxiv: ArxivClient, arxiv_id: ArxivId) -> str:
    """The paper's title, from the feeds seen, the look-up cache, or arXiv ("" if offline)."""
    texts = await store.interests.paper_texts([arxiv_id.id])
    if arxiv_id.id in texts.feeds:
        return texts.feeds[arxiv_id.id][0]
    cached = texts.cached.get(arxiv_id.id)
    if cached is not None and cached.state == table.FOUND:
        return cached.title
    try:
        paper = await arxiv.paper(ArxivId(arxiv_id.id))
    except FetchError as exc:
        log.warning("interest %s not looked up now: %s", arxiv_id.id, exc.user_message)
        return ""
    published = paper.published.isoformat() if paper.published else None
    row = table.CachedPaper(
        paper.arxiv_id, paper.title, paper.abstract, published, table.FOUND, store.now()
    )
    await store.interests.cache_papers([row])
    return paper.title


async def _list(store: Store, config: Config, ref: ChatRef, prefix: str) -> str:
    items = await list_interests(store, channel=ref, config=config)
    if not items:
        return (
            "This channel has no interest papers yet. Add one of your papers with "
            f"`{prefix} interests add <arXiv ID or URL>`: similar new papers are then "
            "ranked first."
        )
    lines = []
    for item in items:
        monitor = item.source.removeprefix("config:")
        source = "added here" if item.source == "chat" else f"in monitor {monitor}'s config"
        title = f" {_short(item.title)}" if item.title else ""
        lines.append(f"• {item.arxiv_id}{title} ({source})")
    return f"This channel's interest papers ({len(items)}):\n" + "\n".join(lines)


def _short(title: str) -> str:
    flat = " ".join(title.split())
    return flat if len(flat) <= TITLE_CHARS else flat[: TITLE_CHARS - 1].rstrip() + "…"
