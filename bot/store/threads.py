"""Paper threads: which paper (and version) a chat thread is about, and its question turns.

A thread is about a paper when the bot posted that paper's card (the thread hangs
under it), an analysis or an answer in it. :func:`record` notes it when that
happens; :func:`find` also recognises cards and analysis threads from before this
table existed (from ``posts``, ``search_cards`` and ``job_requests``). Slack thread
IDs (``ts``) are unique per channel, Discord thread IDs everywhere, so ``find``
takes the channel when the platform knows it.

Each answered question is a turn (question, answer) of its thread; :func:`turns`
gives the latest ones, oldest first, as context for a follow-up. The application
reaches all this through :class:`Threads` (``store.threads``).
"""

from __future__ import annotations

from dataclasses import dataclass, replace

from sqlite_utils import Database

from bot.kernel.models import Paper
from bot.store.sqlite_tx import transaction
from bot.store.thread import Facade

MAX_TURN_CHARS = 4000  # an answer kept as context is cut to this


@dataclass(frozen=True)
class PaperThread:
    platform: str
    channel: str
    thread: str
    arxiv_id: str
    version: int | None  # None: not known (a card from before versions were recorded)


def record(
    db: Database,
    platform: str,
    channel: str,
    thread: str,
    arxiv_id: str,
    version: int | None,
    now: str,
) -> None:
    """Note that ``thread`` is about ``arxiv_id`` (an analysis there overrides a card's version)."""
    db.execute(
        "INSERT INTO paper_threads (platform, channel, thread, arxiv_id, version, created) "
        "VALUES (?, ?, ?, ?, ?, ?) ON CONFLICT(platform, channel, thread) DO UPDATE SET "
        "arxiv_id = excluded.arxiv_id, version = coalesce(excluded.version, version)",
        [platform, channel, thread, arxiv_id, version, now],
    )


def find(
    db: Database, platform: str, thread: str, channel: str | None = None
) -> PaperThread | None:
    """The paper ``thread`` is about, or None when the bot has no paper there.

    The first source that knows the thread names the paper; a later one may add
    the version when the first does not know it.
    """
    found: PaperThread | None = None
    for query in (_RECORDED, _CARD, _SEARCH_CARD, _ANALYSED):
        row = db.execute(query, [platform, thread, channel, channel]).fetchone()
        if row is None or (found is not None and row[1] != found.arxiv_id):
            continue
        version = int(row[2]) if row[2] is not None else None
        found = found or PaperThread(platform, str(row[0]), thread, str(row[1]), version)
        if version is not None:
            return replace(found, version=version)
    return found


_SAME_CHANNEL = "AND (? IS NULL OR channel = ?)"
_RECORDED = (
    "SELECT channel, arxiv_id, version FROM paper_threads "
    f"WHERE platform = ? AND thread = ? {_SAME_CHANNEL} LIMIT 1"
)
_CARD = (
    "SELECT channel, arxiv_id, (SELECT version FROM papers p WHERE p.arxiv_id = posts.arxiv_id) "
    f"FROM posts WHERE platform = ? AND message_id = ? {_SAME_CHANNEL} LIMIT 1"
)
_SEARCH_CARD = (
    "SELECT channel, arxiv_id, (SELECT version FROM papers p WHERE p.arxiv_id = s.arxiv_id) "
    f"FROM search_cards s WHERE platform = ? AND message_id = ? {_SAME_CHANNEL} LIMIT 1"
)
_ANALYSED = (
    "SELECT r.channel, j.arxiv_id, j.version FROM job_requests r JOIN jobs j ON j.id = r.job_id "
    "WHERE r.platform = ? AND r.thread = ? AND (? IS NULL OR r.channel = ?) "
    "AND j.kind = 'analysis' ORDER BY r.id DESC LIMIT 1"
)


def newest_version(db: Database, arxiv_id: str) -> int | None:
    """The newest version of ``arxiv_id`` the radar has seen (feeds, API, analyses)."""
    row = db.execute(
        "SELECT max(v) FROM (SELECT version AS v FROM papers WHERE arxiv_id = ? "
        "UNION ALL SELECT version FROM analyses WHERE arxiv_id = ?)",
        [arxiv_id, arxiv_id],
    ).fetchone()
    return int(row[0]) if row and row[0] is not None else None


# turns ----------------------------------------------------------------------------------


def add_turn(db: Database, thread: PaperThread, question: str, answer: str, now: str) -> None:
    """Keep one answered question of ``thread`` as context for its follow-ups."""
    db.execute(
        "INSERT INTO thread_turns (platform, channel, thread, question, answer, created) "
        "VALUES (?, ?, ?, ?, ?, ?)",
        [
            thread.platform,
            thread.channel,
            thread.thread,
            question,
            answer[:MAX_TURN_CHARS],
            now,
        ],
    )


def turns(
    db: Database, platform: str, channel: str, thread: str, limit: int
) -> list[tuple[str, str]]:
    """The latest ``limit`` (question, answer) turns of ``thread``, oldest first."""
    if limit <= 0:
        return []
    rows = db.execute(
        "SELECT question, answer FROM thread_turns WHERE platform = ? AND channel = ? "
        "AND thread = ? ORDER BY id DESC LIMIT ?",
        [platform, channel, thread, limit],
    ).fetchall()
    return [(str(question), str(answer)) for question, answer in reversed(rows)]


class Threads(Facade):
    """Paper threads and their question turns on the store's database thread."""

    async def find(self, platform: str, thread: str, channel: str | None) -> PaperThread | None:
        """The paper ``thread`` is about, or None when it is not one of the bot's paper threads."""
        return await self._call(find, platform, thread, channel)

    async def turns(
        self, platform: str, channel: str, thread: str, limit: int
    ) -> list[tuple[str, str]]:
        """The latest ``limit`` (question, answer) turns of ``thread``, oldest first."""
        return await self._call(turns, platform, channel, thread, limit)

    async def record(self, platform: str, channel: str, thread: str, paper: Paper) -> None:
        """Note that ``thread`` (a card's) is about ``paper``'s version."""
        await self._call(
            record, platform, channel, thread, paper.arxiv_id, paper.version, self._now()
        )

    async def answered(self, thread: PaperThread, question: str, answer: str) -> None:
        """An answer is in ``thread``: the thread is about its paper version, and the
        question and answer are one of its turns."""
        await self._call(_answered, thread, question, answer, self._now())


def _answered(db: Database, thread: PaperThread, question: str, answer: str, now: str) -> None:
    with transaction(db):
        where = (thread.platform, thread.channel, thread.thread)
        record(db, *where, thread.arxiv_id, thread.version, now)
        add_turn(db, thread, question, answer, now)
