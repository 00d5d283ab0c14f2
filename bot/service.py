"""What the bot does, in platform-neutral terms: the only thing adapters call.

Adapters turn a slash command, mention, reaction or button into a call here and
post the :class:`Reply` they get back; they never touch the database or arXiv
themselves. ``handle`` never raises :class:`RadarError`: the user-facing message
comes back as the reply text.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import TYPE_CHECKING

from bot import jobs, posts, subscriptions, usage
from bot.announce import Cards
from bot.arxiv import ArxivClient
from bot.config import Config
from bot.errors import RadarError
from bot.ids import ArxivId
from bot.models import ChatRef, Paper
from bot.platform import ChatPlatform
from bot.sqlite_tx import transaction
from bot.store import Store
from bot.supervise import Supervisor
from bot.uploads import Uploads
from handlers.commands import (
    Analyze,
    Categories,
    Command,
    Digest,
    Help,
    ListFollowed,
    Search,
    Subscribe,
    Unsubscribe,
    help_text,
)

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

log = logging.getLogger(__name__)
SEEN_EVENTS_KEPT = timedelta(days=2)
SEARCH_RESULTS = 5


@dataclass(frozen=True)
class Reply:
    text: str  # plain text; adapters escape for their platform
    papers: tuple[Paper, ...] = ()  # cards to post (search results)
    report: Path | None = None  # a report file to upload (digest)


def command_prefix(config: Config, platform: str) -> str:
    """How users type commands on ``platform`` (for help and retry hints)."""
    return config.slack.command if platform == "slack" else "/arxiv"


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

    def register(self, platform: ChatPlatform) -> None:
        self.platforms[platform.name] = platform
        self.platforms_changed.set()

    async def first_time(self, platform: str, event_id: str) -> bool:
        """True the first time an event ID is seen (platforms retry unacknowledged events)."""
        return await self.store.run(self._first_time, platform, event_id)

    def _first_time(self, platform: str, event_id: str) -> bool:
        now = self.store.clock()
        with transaction(self.store.db):
            self.store.db.execute(
                "DELETE FROM seen_events WHERE seen < ?", [(now - SEEN_EVENTS_KEPT).isoformat()]
            )
            cursor = self.store.db.execute(
                "INSERT OR IGNORE INTO seen_events (platform, event_id, seen) VALUES (?, ?, ?)",
                [platform, event_id, now.isoformat()],
            )
        return bool(cursor.rowcount)

    # analyses ---------------------------------------------------------------------

    async def enqueue_analysis(
        self, arxiv_id: ArxivId, ref: ChatRef, language: str | None
    ) -> Reply:
        """Queue an analysis for ``ref`` (a fast DB write); say so if a limit stops it."""
        engine = self.config.analysis.engine
        language = language or self.config.report.language
        try:
            uses_llm = self.analyzer.engine_label(engine).startswith("llm")
            joined = await self.store.run(self._enqueue, arxiv_id, engine, language, ref, uses_llm)
        except RadarError as exc:  # a spent budget, or an LLM engine without its key
            return Reply(exc.user_message)
        self.jobs_changed.set()
        if joined:
            return Reply(f"{arxiv_id} is already being analysed — you'll get it too.")
        where = "in this thread" if ref.thread else "in a thread under its card"
        return Reply(f"Queued the analysis of {arxiv_id}; the result will be posted {where}.")

    def _enqueue(
        self, arxiv_id: ArxivId, engine: str, language: str, ref: ChatRef, uses_llm: bool
    ) -> bool:
        db = self.store.db
        day = usage.usage_day(self.config, self.store.clock())
        with transaction(db):
            usage.check_user_limit(db, self.config, day, ref.user)
            if uses_llm:
                usage.check_token_budget(db, self.config, day)
            _, joined = jobs.enqueue(db, arxiv_id, engine, language, ref, self.store.now())
            usage.count_request(db, day, ref.user)
        return joined

    async def reaction(
        self,
        platform: str,
        channel: str,
        message_id: str,
        user: str,
        language: str | None = None,
    ) -> Reply | None:
        """An analyse-reaction on ``message_id``: None unless it is one of the bot's cards."""
        card = await self.store.run(posts.card_for_message, self.store.db, platform, message_id)
        if card is None:
            return None
        ref = ChatRef(platform, channel, thread=message_id, user=user)
        return await self.enqueue_analysis(ArxivId(card.arxiv_id), ref, language)

    # commands ---------------------------------------------------------------------

    async def handle(self, command: Command, ref: ChatRef) -> Reply:
        """Carry out any chat command; errors come back as the reply text."""
        try:
            return await self._dispatch(command, ref)
        except RadarError as exc:
            return Reply(exc.user_message)

    async def _dispatch(self, command: Command, ref: ChatRef) -> Reply:
        match command:
            case Analyze(arxiv_id, language):
                return await self.enqueue_analysis(arxiv_id, ref, language)
            case Subscribe(keyword):
                return await self._follow(ref, subscriptions.KEYWORD, keyword, add=True)
            case Unsubscribe(keyword):
                return await self._follow(ref, subscriptions.KEYWORD, keyword, add=False)
            case Categories(action, category):
                return await self._follow(
                    ref, subscriptions.CATEGORY, category, add=action == "add"
                )
            case ListFollowed():
                return Reply(await self.store.run(self._followed_text, ref))
            case Digest():
                return await self.store.run(self._digest, ref)
            case Search(query):
                return await self._search(query)
            case Help():
                return Reply(help_text(command_prefix(self.config, ref.platform)))
        raise AssertionError(f"unhandled command {command!r}")

    async def _follow(self, ref: ChatRef, kind: str, value: str, *, add: bool) -> Reply:
        db = self.store.db
        what = f"keyword “{value}”" if kind == subscriptions.KEYWORD else f"category {value}"
        if add:
            changed = await self.store.run(
                subscriptions.add, db, ref.platform, ref.channel, kind, value, self.store.now()
            )
            return Reply(
                f"This channel now follows the {what}; new matches are posted here."
                if changed
                else f"This channel already follows the {what}."
            )
        changed = await self.store.run(
            subscriptions.remove, db, ref.platform, ref.channel, kind, value
        )
        return Reply(
            f"This channel no longer follows the {what}."
            if changed
            else f"This channel does not follow the {what}."
        )

    def _channel_monitors(self, ref: ChatRef) -> list[str]:
        address = f"{ref.platform}:{ref.channel}"
        return [m.name for m in self.config.monitors if address in m.channels]

    def _followed_text(self, ref: ChatRef) -> str:
        lines = []
        for name in self._channel_monitors(ref):
            monitor = self.config.monitor(name)
            keywords = ", ".join(k.strip() for k in monitor.keywords) or "(all papers)"
            lines.append(
                f"• monitor {name}: keywords {keywords}; categories {', '.join(monitor.categories)}"
            )
        own = subscriptions.follows(self.store.db, ref.platform, ref.channel)
        if own.keywords:
            lines.append(f"• this channel's keywords: {', '.join(own.keywords)}")
        if own.categories:
            lines.append(f"• this channel's categories: {', '.join(own.categories)}")
        if not lines:
            prefix = command_prefix(self.config, ref.platform)
            return f'This channel follows nothing yet. Try `{prefix} subscribe "your topic"`.'
        return "This channel follows:\n" + "\n".join(lines)

    def _digest(self, ref: ChatRef) -> Reply:
        names: list[str | None] = [*self._channel_monitors(ref)] or [None]  # None: any monitor
        found = [report for name in names if (report := self.store.latest_report(name))]
        if not found:
            return Reply("No daily report has been written yet.")
        latest = max(found, key=lambda report: str(report["report_date"]))
        path = Path(latest["path"])
        label = f"the {latest['monitor']} report for {latest['report_date']}"
        if not path.is_file():
            return Reply(f"The latest report ({label}) is no longer on disk at {path}.")
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
