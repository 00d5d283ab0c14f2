"""Answers cached by paper version, language, engine and normalised question (``answers``).

Earlier turns change what a follow-up means, so they are part of the key too;
so is the engine's version (the prompt files for the LLM).
"""

from __future__ import annotations

import hashlib
import json
import logging
from collections.abc import Sequence

from analysis.ask.language import normalise_question
from analysis.ask.types import Answer, Turn
from analysis.schema import Usage
from bot.kernel.config import Config
from bot.store import Store
from bot.store import usage as usage_table

log = logging.getLogger(__name__)


def answer_key(
    paper_key: str,
    engine: str,
    engine_version: str,
    language: str,
    question: str,
    history: Sequence[Turn],
) -> str:
    """sha256 of everything that determines an answer (``paper_key``: the paper version's)."""
    turns = [[normalise_question(t.question), t.answer] for t in history]
    fields = [paper_key, engine, engine_version, language, normalise_question(question)]
    return hashlib.sha256(json.dumps([*fields, turns]).encode()).hexdigest()


class AnswerCache:
    """Async access to cached answers, on the store's database thread."""

    def __init__(self, store: Store) -> None:
        self.store = store

    async def get(self, key: str) -> Answer | None:
        body = await self.store.answers.get(key)
        if body is None:
            return None
        try:
            return Answer.from_dict(json.loads(body))
        except (ValueError, KeyError, TypeError):
            log.warning("ignoring unreadable cached answer %s", key)
            return None

    async def put(self, key: str, answer: Answer) -> None:
        row = {
            "cache_key": key,
            "arxiv_id": answer.arxiv_id,
            "version": answer.version,
            "engine": answer.engine,
            "language": answer.language,
            "question": answer.question,
            "body": json.dumps(answer.to_dict(), ensure_ascii=False),
            "created": self.store.now(),
        }
        await self.store.answers.put(row)

    async def record_tokens(self, config: Config, usage: Usage) -> None:
        """Add an answer's tokens to the day's total (not counted as an analysis)."""
        day = usage_table.usage_day(config, self.store.clock())
        await self.store.usage.add_tokens(day, None, usage.input_tokens, usage.output_tokens)
