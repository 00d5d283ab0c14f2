"""What a channel's reactions and requests tell its ranking (#16).

A 👍 or ⭐ on one of the bot's cards counts as interest in that paper, a 👎 against;
taking the reaction back takes its signal back (an opposite signal at the same time,
so both decay alike and cancel exactly). Asking for a paper's analysis (reaction,
button, command, mention) counts as interest too. Signals belong to the channel they
were given in: another channel's ranking never moves.
"""

from __future__ import annotations

import logging
from collections import defaultdict
from datetime import datetime

from bot.kernel.models import ChatRef
from bot.store import Store, posts
from bot.store import interests as table
from bot.watch.interests import ANALYSIS, SIGNAL_WEIGHTS, record_signal

log = logging.getLogger(__name__)


async def react(
    store: Store, platform: str, channel: str, message_id: str, kind: str, *, removed: bool
) -> bool:
    """Record (or, ``removed``, take back) a ``kind`` reaction on a card; False when
    ``message_id`` is not one of the bot's cards."""
    card = await store.run(posts.card_for_message, store.db, platform, message_id)
    if card is None or card.channel != channel:
        return False
    weight, at = SIGNAL_WEIGHTS[kind], store.clock()
    if removed:
        given = await store.run(_latest_standing, store, (platform, channel), card.arxiv_id, kind)
        if given is None:
            return True  # nothing of this kind stands for the paper here
        weight, at = -given[0], given[1]
    monitor = card.monitor if card.monitor not in ("", posts.SEARCH) else None
    await record_signal(
        store,
        monitor=monitor,
        channel=(platform, channel),
        arxiv_id=card.arxiv_id,
        kind=kind,
        weight=weight,
        at=at,
    )
    return True


async def asked_for(store: Store, ref: ChatRef, arxiv_id: str, kind: str = ANALYSIS) -> None:
    """A user of ``ref``'s channel asked for ``arxiv_id``'s analysis (or a question on it).

    Never fails the request it comes with: a signal that cannot be saved is logged.
    """
    if ref.user is None:  # the bot's own requests (auto-analyze) say nothing of interest
        return
    card = None
    if ref.thread is not None:
        card = await store.posts.card_for_message(ref.platform, ref.thread)
    monitor = card.monitor if card is not None and card.monitor != posts.SEARCH else None
    try:
        await record_signal(
            store,
            monitor=monitor or None,
            channel=(ref.platform, ref.channel),
            arxiv_id=arxiv_id,
            kind=kind,
            weight=SIGNAL_WEIGHTS[kind],
            at=store.clock(),
        )
    except Exception:
        log.exception("the %s signal for %s in %s was not saved", kind, arxiv_id, ref.channel)


def _latest_standing(
    store: Store, channel: tuple[str, str], arxiv_id: str, kind: str
) -> tuple[float, datetime] | None:
    """The weight and time of the newest ``kind`` signal not taken back yet."""
    standing: dict[str, float] = defaultdict(float)
    for row in table.signals(store.db, [channel], None):
        if row.arxiv_id == arxiv_id and row.kind == kind:
            standing[row.at] += row.weight
    given = [(at, weight) for at, weight in standing.items() if abs(weight) > 1e-9]
    if not given:
        return None
    at, weight = max(given)
    return weight, datetime.fromisoformat(at)
