"""What the bot does, in platform-neutral terms: the only thing adapters call.

Adapters turn a slash command, mention, reaction or button into a call here and
post the :class:`Reply` they get back; they never touch the database or arXiv
themselves. ``handle`` never raises :class:`RadarError`: the user-facing message
comes back as the reply text.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, TypeVar

from analysis.choices import EngineKind
from bot.arxiv.client import ArxivClient
from bot.chat import feedback, repeats
from bot.chat.interests_command import interests_reply
from bot.chat.limits import subscription_refusal
from bot.chat.questions import Questions
from bot.kernel.commands import (
    DEFAULT_PREFIX,
    Analyze,
    Ask,
    Categories,
    Command,
    Digest,
    Help,
    Interests,
    ListFollowed,
    Search,
    Subscribe,
    Unsubscribe,
    help_text,
)
from bot.kernel.config import Config
from bot.kernel.errors import RadarError, StorageBusyError, StorageFullError, StoreError
from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef, Paper
from bot.kernel.platform import ChatPlatform
from bot.kernel.supervise import Supervisor
from bot.store import Store, subscriptions, usage
from bot.store.repeats import Repeat
from bot.watch.posting import Cards
from bot.watch.uploads import Uploads

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

log = logging.getLogger(__name__)
T = TypeVar("T")
WRITE_RETRY_S = 60.0  # how long a chat request waits out a database lock held elsewhere
SEARCH_RESULTS = 5


@dataclass(frozen=True)
class Reply:
    text: str  # plain text; adapters escape for their platform
    papers: tuple[Paper, ...] = ()  # cards to post (search results)
    report: Path | None = None  # a report file to upload (digest)


SAVE_FAILURES = (sqlite3.Error, StoreError)  # the database refused a write


def not_saved(what: str, exc: BaseException) -> str:
    """The reply when the database refused a write: nothing was stored, try again."""
    return (
        f"Sorry, {what} could not be saved ({_save_failure(exc)}), so nothing was changed. "
        "Please try again in a minute."
    )


def _save_failure(exc: BaseException) -> str:
    if isinstance(exc, StorageFullError):
        return "the disk is full"
    if isinstance(exc, StorageBusyError):
        return "database is locked"
    return str(exc)


class RadarService:
    """The platform-neutral core shared by every adapter, the scheduler and the workers."""

    def __init__(
        self, config: Config, store: Store, arxiv: ArxivClient, analyzer: Analyzer
    ) -> None:
        self.config = config
        self.store = store
        self.arxiv = arxiv
        self.analyzer = analyzer
        self.platforms: dict[str, ChatPlatform] = {}
        self.cards = Cards(store)
        self.uploads = Uploads(store)  # daily report uploads, recorded as intents
        self.jobs_changed = asyncio.Event()  # a job was queued: wake the workers
        self.platforms_changed = asyncio.Event()  # a platform registered: deliver owed replies
        self.supervisor = Supervisor()  # long-lived tasks and scheduled jobs, for health
        self.write_retry_s = WRITE_RETRY_S
        self.questions = Questions(config, store, analyzer, self.write, self.jobs_changed)

    def command_prefix(self, platform: str) -> str:
        """How users type commands on ``platform`` (for help and retry hints)."""
        registered = self.platforms.get(platform)
        return registered.command_prefix if registered else DEFAULT_PREFIX

    def register(self, platform: ChatPlatform) -> None:
        self.platforms[platform.name] = platform
        self.platforms_changed.set()

    async def first_time(self, platform: str, event_id: str) -> bool:
        """True the first time an event ID is seen (platforms retry unacknowledged events)."""
        return await self.write(lambda: self.store.events.first_time(platform, event_id))

    # analyses ---------------------------------------------------------------------

    async def enqueue_analysis(
        self, arxiv_id: ArxivId, ref: ChatRef, language: str | None, *, refresh: bool = False
    ) -> Reply:
        """Queue an analysis for ``ref`` (a fast DB write); say so if a limit stops it.

        A repeat of an analysis the thread already has (or is about to get) is
        answered with a notice instead: no job, no quota. ``refresh`` analyses again.
        """
        engine = self.config.analysis.engine
        language = language or self.config.report.language
        try:
            label = self.analyzer.engine_label(engine)
            llm = self.analyzer.engine_kind(engine) is EngineKind.LLM
            outcome = await self.write(
                lambda: self.store.queue.request(
                    arxiv_id,
                    engine,
                    language,
                    ref,
                    day=usage.usage_day(self.config, self.store.clock()),
                    admit=usage.admission(self.config, llm=llm),
                    refresh=refresh,
                    engine_label=label,
                )
            )
        except SAVE_FAILURES as exc:
            return Reply(not_saved(f"the request to analyse {arxiv_id}", exc))
        except RadarError as exc:  # a spent budget, or an LLM engine without its key
            return Reply(exc.user_message)
        await feedback.asked_for(self.store, ref, arxiv_id.id)
        if isinstance(outcome, Repeat):
            prefix = self.command_prefix(ref.platform)
            return Reply(repeats.notice(arxiv_id, ref, outcome, prefix))
        self.jobs_changed.set()
        if outcome:
            return Reply(f"{arxiv_id} is already being analysed — you'll get it too.")
        where = "in this thread" if ref.thread else "in a thread under its card"
        return Reply(f"Queued the analysis of {arxiv_id}; the result will be posted {where}.")

    async def write(self, write: Callable[[], Awaitable[T]]) -> T:
        """Make a store write, retrying while another process holds the lock.

        A lock held past the busy timeout raises ``database is locked``; the write is
        tried again with growing pauses for up to :attr:`write_retry_s` seconds.
        """
        deadline = time.monotonic() + self.write_retry_s
        pause = 0.5
        while True:
            try:
                return await write()
            except StorageBusyError as exc:
                if time.monotonic() + pause > deadline:
                    raise
                log.warning("database busy (%s); trying the write again in %.1f s", exc, pause)
            await asyncio.sleep(pause)
            pause = min(pause * 2, 8.0)

    async def reaction(
        self,
        platform: str,
        channel: str,
        message_id: str,
        user: str,
        language: str | None = None,
    ) -> Reply | None:
        """An analyse-reaction on ``message_id``: None unless it is one of the bot's cards."""
        card = await self.store.posts.card_for_message(platform, message_id)
        if card is None:
            return None
        ref = ChatRef(platform, channel, thread=message_id, user=user)
        return await self.enqueue_analysis(ArxivId(card.arxiv_id), ref, language)

    async def react(
        self, platform: str, channel: str, message_id: str, kind: str, *, removed: bool = False
    ) -> bool:
        """A 👍/⭐/👎 (``bot.watch.interests`` signal kind) put on or taken off ``message_id``:
        it moves this channel's ranking when the message is one of the bot's cards."""
        return await feedback.react(
            self.store, platform, channel, message_id, kind, removed=removed
        )

    # commands ---------------------------------------------------------------------

    async def handle(self, command: Command, ref: ChatRef) -> Reply:
        """Carry out any chat command; errors come back as the reply text."""
        try:
            return await self._dispatch(command, ref)
        except SAVE_FAILURES as exc:
            return Reply(not_saved("that change", exc))
        except RadarError as exc:
            return Reply(exc.user_message)

    async def _dispatch(self, command: Command, ref: ChatRef) -> Reply:
        match command:
            case Analyze(arxiv_id, language, refresh):
                return await self.enqueue_analysis(arxiv_id, ref, language, refresh=refresh)
            case Ask(arxiv_id, question, language):
                return Reply(await self.questions.ask(arxiv_id, question, ref, language))
            case Subscribe(keyword):
                return await self._follow(ref, subscriptions.KEYWORD, keyword, add=True)
            case Unsubscribe(keyword):
                return await self._follow(ref, subscriptions.KEYWORD, keyword, add=False)
            case Categories(action, category, all_papers):
                return await self._follow(
                    ref,
                    subscriptions.CATEGORY,
                    category,
                    add=action == "add",
                    all_papers=all_papers,
                )
            case Interests():
                prefix = self.command_prefix(ref.platform)
                return Reply(
                    await interests_reply(self.store, self.arxiv, self.config, ref, command, prefix)
                )
            case ListFollowed():
                return Reply(await self._followed_text(ref))
            case Digest():
                return await self.store.run(self._digest, ref)
            case Search(query):
                return await self._search(query)
            case Help():
                return Reply(help_text(self.command_prefix(ref.platform)))
        raise AssertionError(f"unhandled command {command!r}")

    async def _follow(
        self, ref: ChatRef, kind: str, value: str, *, add: bool, all_papers: bool = False
    ) -> Reply:
        table = self.store.subscriptions
        what = f"keyword “{value}”" if kind == subscriptions.KEYWORD else f"category {value}"
        if add:
            follows = await table.follows(ref.platform, ref.channel)
            limits = self.config.subscriptions
            refused = subscription_refusal(limits, follows, kind, value, all_papers=all_papers)
            if refused is not None:
                return Reply(refused)
            changed = await self.write(lambda: table.add(ref.platform, ref.channel, kind, value))
            return Reply(
                f"This channel now follows the {what}; new matches are posted here."
                if changed
                else f"This channel already follows the {what}."
            )
        changed = await self.write(lambda: table.remove(ref.platform, ref.channel, kind, value))
        return Reply(
            f"This channel no longer follows the {what}."
            if changed
            else f"This channel does not follow the {what}."
        )

    def _channel_monitors(self, ref: ChatRef) -> list[str]:
        address = f"{ref.platform}:{ref.channel}"
        return [m.name for m in self.config.monitors if address in m.channels]

    async def _followed_text(self, ref: ChatRef) -> str:
        lines = []
        for name in self._channel_monitors(ref):
            monitor = self.config.monitor(name)
            keywords = ", ".join(k.strip() for k in monitor.keywords) or "(all papers)"
            lines.append(
                f"• monitor {name}: keywords {keywords}; categories {', '.join(monitor.categories)}"
            )
        own = await self.store.subscriptions.follows(ref.platform, ref.channel)
        if own.keywords:
            lines.append(f"• this channel's keywords: {', '.join(own.keywords)}")
        if own.categories:
            lines.append(f"• this channel's categories: {', '.join(own.categories)}")
        if not lines:
            prefix = self.command_prefix(ref.platform)
            return f'This channel follows nothing yet. Try `{prefix} subscribe "your topic"`.'
        return "This channel follows:\n" + "\n".join(lines)

    def _digest(self, ref: ChatRef) -> Reply:
        """The latest report of a monitor that posts to this channel (never another's)."""
        names = self._channel_monitors(ref)
        found = [report for name in names if (report := self.store.latest_report(name))]
        if not found:
            return Reply("No daily report has been written yet.")
        latest = max(found, key=lambda report: str(report["report_date"]))
        path = Path(latest["path"])
        label = f"the {latest['monitor']} report for {latest['report_date']}"
        if not path.is_file():
            log.warning("report file missing: %s", path)  # the path is for the admin only
            return Reply(f"The latest report ({label}) is no longer on disk; ask the admin.")
        return Reply(f"Here is {label} ({latest['papers']} papers).", report=path)

    async def post_search_results(
        self, platform: ChatPlatform, channel: str, papers: tuple[Paper, ...]
    ) -> None:
        """Post a search reply's cards; reactions and buttons on them work like on any card."""
        for paper in papers:
            await self.cards.post_search_result(platform, channel, paper)

    async def _search(self, query: str) -> Reply:
        papers = await self.arxiv.search(query, max_results=SEARCH_RESULTS)
        if not papers:
            return Reply(f"No arXiv papers found for “{query}”.")
        await self.store.run(self.store.save_papers, papers)
        return Reply(f"Top {len(papers)} arXiv results for “{query}”:", papers=tuple(papers))
