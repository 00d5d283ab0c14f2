"""Questions about a paper: from ``/arxiv ask`` or a reply in the paper's thread, to a job.

A question is checked (the asker's daily question limit, the day's LLM token budget)
and queued as a ``question`` job in one transaction; the workers answer it in its
thread (:mod:`bot.answering`). A thread is about the paper version it was opened
for (:mod:`bot.store.threads`): a question there is answered from that version, and
the answer says when a newer one exists.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from bot import usage
from bot.config import Config
from bot.errors import BudgetExceededError, RadarError
from bot.ids import ArxivId
from bot.models import ChatRef
from bot.store import Store, questions, threads
from bot.store.sqlite_tx import transaction
from bot.store.threads import PaperThread

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

Write = Callable[..., Awaitable[Any]]  # the service's write: retried while the lock is busy


class Questions:
    """Queues questions; the platform-neutral half of asking a paper."""

    def __init__(
        self,
        config: Config,
        store: Store,
        analyzer: Analyzer,
        write: Write,
        jobs_changed: asyncio.Event,
    ) -> None:
        self.config = config
        self.store = store
        self.analyzer = analyzer
        self.write = write
        self.jobs_changed = jobs_changed

    async def thread(self, platform: str, thread: str, channel: str | None) -> PaperThread | None:
        """The paper ``thread`` is about, or None when it is not one of the bot's paper threads."""
        return await self.store.run(threads.find, self.store.db, platform, thread, channel)

    async def ask_in_thread(self, thread: PaperThread, question: str, ref: ChatRef) -> str | None:
        """Queue a question asked in ``thread``; the refusal text if a limit stops it.

        The answer (and its progress message) go to the thread, so an accepted question
        needs no other acknowledgement.
        """
        paper = ArxivId(thread.arxiv_id, thread.version)
        where = replace(ref, channel=thread.channel, thread=thread.thread)
        try:
            await self.write(self._enqueue, paper, question, where, None)
        except RadarError as exc:
            return exc.user_message
        self.jobs_changed.set()
        return None

    async def ask(
        self, paper: ArxivId, question: str, ref: ChatRef, language: str | None = None
    ) -> str:
        """Queue a question from ``/arxiv ask``; the reply says where the answer will be."""
        await self.write(self._enqueue, paper, question, ref, language)
        self.jobs_changed.set()
        where = "in this thread" if ref.thread else "in the thread under its card"
        return f"Looking into {paper} for your question; the answer will be posted {where}."

    def _enqueue(self, paper: ArxivId, question: str, ref: ChatRef, language: str | None) -> int:
        db, config = self.store.db, self.config
        engine = config.analysis.engine
        label = self.analyzer.engine_label(engine)  # raises for an LLM engine without its key
        day = usage.usage_day(config, self.store.clock())
        with transaction(db):
            self._check_limit(day, ref.user)
            if label.startswith("llm"):
                usage.check_token_budget(db, config, day)
            newest = threads.newest_version(db, paper.id)
            newer = newest if paper.version and newest and newest > paper.version else None
            job_id = questions.enqueue(
                db, paper, engine, language or "", ref, question, newer, self.store.now()
            )
            questions.count(db, day, ref.user)
        return job_id

    def _check_limit(self, day: str, user: str | None) -> None:
        limit = self.config.analysis.max_questions_per_user_per_day
        if user is None or limit <= 0:
            return
        if questions.asked_today(self.store.db, day, user) >= limit:
            raise BudgetExceededError(
                f"You have asked your {limit} questions for today; the count resets at "
                f"midnight ({self.config.report.timezone})."
            )
