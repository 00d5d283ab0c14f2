"""Question jobs in the workers: ask the paper, keep the answer, remember the turn.

The workers run a ``question`` job like an analysis (claim, progress edits,
retries, one final reply); this module holds what differs. :meth:`Answering.answer`
asks :class:`~analysis.ask.asker.Asker` with the thread's earlier turns (at most
``analysis.question_history_turns``), books the tokens of a fresh LLM answer to
the asker (``store.usage``) and stores the answer with the job, so an owed reply is
delivered after a restart without asking again. :meth:`Answering.delivered` records
the thread as one about the answer's paper version and the question as one of its turns.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import TYPE_CHECKING

from analysis.ask.language import words
from analysis.ask.types import Answer, Turn
from bot.kernel.config import Config
from bot.kernel.errors import AnalysisError
from bot.kernel.models import ChatRef
from bot.kernel.platform import ChatPlatform
from bot.store import Store
from bot.store.jobs import FAILED, Job
from bot.store.questions import Question
from bot.store.threads import PaperThread
from bot.store.usage import usage_day

if TYPE_CHECKING:
    from analysis.ask.asker import Asker

Progress = Callable[[str], Awaitable[None]]


class Answering:
    """The question-specific steps of the workers."""

    def __init__(self, config: Config, store: Store, asker: Asker) -> None:
        self.config = config
        self.store = store
        self.asker = asker

    async def answer(self, job: Job, ref: ChatRef, progress: Progress) -> Answer:
        """Ask the paper the job's question, with the thread's earlier turns as context."""
        question = await self._question(job)
        limit = self.config.analysis.question_history_turns
        earlier: list[tuple[str, str]] = []
        if ref.thread:
            earlier = await self.store.threads.turns(ref.platform, ref.channel, ref.thread, limit)
        result = await self.asker.ask(
            job.paper_id,
            question.text,
            history=[Turn(q, a) for q, a in earlier],
            language=job.language or None,
            engine=job.engine,
            progress=progress,
        )
        answer = with_newer_version(result.answer, question.newer)
        body = json.dumps(answer.to_dict(), ensure_ascii=False)
        await self.store.questions.save_answer(job.id, body)
        spent = result.usage if result.fresh else None
        if spent is not None and (spent.input_tokens or spent.output_tokens):
            day = usage_day(self.config, self.store.clock())
            tokens = (spent.input_tokens, spent.output_tokens)
            await self.store.usage.add_tokens(day, ref.user, *tokens)
        return answer

    async def load(self, job: Job) -> Answer:
        """The stored answer of a finished job (a reply owed after a restart)."""
        question = await self._question(job)
        if question.answer is None:
            raise AnalysisError(f"The answer to question job {job.id} was not kept.")
        return Answer.from_dict(json.loads(question.answer))

    async def delivered(self, ref: ChatRef, answer: Answer) -> None:
        """The answer is in the thread of ``ref``: a turn of it, about that paper version."""
        if not ref.thread:
            return
        thread = PaperThread(ref.platform, ref.channel, ref.thread, answer.arxiv_id, answer.version)
        await self.store.threads.answered(thread, answer.question, answer.answer)

    async def failure_text(self, job: Job, platform: ChatPlatform) -> str:
        question = await self._question(job)
        again = f"`{platform.command_prefix} ask {job.paper_id} {question.text}`"
        if job.state == FAILED:
            return (
                f"Could not answer the question about {job.paper_id}: {job.last_error} "
                f"Ask again here, or with {again}."
            )
        return f"The question about {job.paper_id} was cancelled by an operator."

    async def _question(self, job: Job) -> Question:
        found = await self.store.questions.get(job.id)
        if found is None:
            raise AnalysisError(f"Question job {job.id} has no question.")
        return found


def with_newer_version(answer: Answer, newer: int | None) -> Answer:
    """``answer`` saying that version ``newer`` exists, unless it already says so."""
    if newer is None or newer <= answer.version:
        return answer
    template = words(answer.language).newer_version
    prefix = template.split("{", 1)[0]
    if any(warning.startswith(prefix) for warning in answer.warnings):
        return answer
    note = template.format(latest=newer, version=answer.version)
    return replace(answer, warnings=(note, *answer.warnings))
