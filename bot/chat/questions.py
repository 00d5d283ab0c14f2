"""Questions about a paper: from ``/arxiv ask`` or a reply in the paper's thread, to a job.

A question is checked (the asker's daily question limit, the day's LLM token budget)
and queued as a ``question`` job in one transaction (``store.queue.ask``); the workers
answer it in its thread (:mod:`bot.chat.answering`). A thread is about the paper
version it was opened for (:mod:`bot.store.threads`): a question there is answered
from that version, and the answer says when a newer one exists. A queued question
counts as the channel's interest in the paper (:func:`bot.chat.feedback.asked_for`).
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any

from analysis.choices import EngineKind
from bot.chat import feedback
from bot.kernel.config import Config
from bot.kernel.errors import BudgetExceededError, RadarError
from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import Store, usage
from bot.store.questions import QuestionAdmission
from bot.store.threads import PaperThread
from bot.store.usage import UsageRow
from bot.watch.interests import QUESTION

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

# The service's write: runs a store write, retried while another process holds the lock.
Write = Callable[[Callable[[], Awaitable[Any]]], Awaitable[Any]]


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
        return await self.store.threads.find(platform, thread, channel)

    async def ask_in_thread(self, thread: PaperThread, question: str, ref: ChatRef) -> str | None:
        """Queue a question asked in ``thread``; the refusal text if a limit stops it.

        The answer (and its progress message) go to the thread, so an accepted question
        needs no other acknowledgement.
        """
        paper = ArxivId(thread.arxiv_id, thread.version)
        where = replace(ref, channel=thread.channel, thread=thread.thread)
        try:
            await self._enqueue(paper, question, where, None)
        except RadarError as exc:
            return exc.user_message
        return None

    async def ask(
        self, paper: ArxivId, question: str, ref: ChatRef, language: str | None = None
    ) -> str:
        """Queue a question from ``/arxiv ask``; the reply says where the answer will be."""
        await self._enqueue(paper, question, ref, language)
        where = "in this thread" if ref.thread else "in the thread under its card"
        return f"Looking into {paper} for your question; the answer will be posted {where}."

    async def _enqueue(
        self, paper: ArxivId, question: str, ref: ChatRef, language: str | None
    ) -> None:
        engine = self.config.analysis.engine
        llm = self.analyzer.engine_kind(engine) is EngineKind.LLM  # raises without the key
        day = usage.usage_day(self.config, self.store.clock())
        await self.write(
            lambda: self.store.queue.ask(
                paper, engine, language or "", ref, question, day=day, admit=self.admission(llm)
            )
        )
        self.jobs_changed.set()
        await feedback.asked_for(self.store, ref, paper.id, kind=QUESTION)

    def admission(self, llm: bool) -> QuestionAdmission:
        """The check a question passes before it is queued: the asker's daily question
        limit and, for an LLM answer, the day's token budget."""

        def admit(asked: int, total: UsageRow) -> None:
            limit = self.config.analysis.max_questions_per_user_per_day
            if 0 < limit <= asked:
                raise BudgetExceededError(
                    f"You have asked your {limit} questions for today; the count resets at "
                    f"midnight ({self.config.report.timezone})."
                )
            if llm:
                usage.check_token_budget(self.config, total)

        return admit
