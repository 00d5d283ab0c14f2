"""The LLM engine of questions: the best passages, the overview and earlier turns to the model.

The best :data:`MAX_PASSAGES` passages go in rank order, each under its bracketed
reference, as far as ``llm.max_input_tokens`` allows; the last :data:`MAX_TURNS` turns of the
thread go in (each answer cut to :data:`TURN_CHARS`). Everything untrusted is
delimited as data (:func:`analysis.ask.prompt.fence`). The answer is requested
as a strict JSON schema (``json_object`` for servers without it) with one
repair round, through the analysis' client machinery (:mod:`analysis.engines.llm`).
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Sequence

from openai.types.chat import ChatCompletionMessageParam
from pydantic import ValidationError

from analysis import prompts as analysis_prompts
from analysis.ask.answer_schema import LlmAskAnswer, answer_schema
from analysis.ask.draft import Draft, Question
from analysis.ask.hits import Hit
from analysis.ask.language import passage_reference, words
from analysis.ask.prompt import ASK_PROMPT_VERSION, fence, render
from analysis.ask.types import Citation
from analysis.choices import llm_label
from analysis.engines.llm import (
    MESSAGE_OVERHEAD_TOKENS,
    Session,
    deadline_session,
    structured_answer,
    unfenced,
)
from analysis.tokens import count_tokens
from bot.kernel.config import LlmConfig
from bot.kernel.errors import AnalysisError

log = logging.getLogger(__name__)

MAX_TURNS = 4
TURN_CHARS = 1500
OVERVIEW_CHARS = 2000
MAX_OUTPUT_TOKENS = 1024
MIN_PASSAGES = 1
MAX_PASSAGES = 12  # the best ones; more costs tokens without helping a short answer
_REFERENCE_STYLE = {
    "zh": "（第4.2节）、（表2）、（图3）、（附录B）、（公式3）",
    "en": "(§4.2), (Table 2), (Figure 3), (Appendix B), (Eq. 3)",
}


class LlmAsker:
    """Answers questions with the configured model; safe to share."""

    def __init__(self, config: LlmConfig, api_key: str) -> None:
        self.config = config
        self._api_key = api_key
        self._json_schema_ok = config.response_format != "json_object"

    @property
    def label(self) -> str:
        return llm_label(self.config.model)

    @property
    def version(self) -> str:
        return ASK_PROMPT_VERSION

    async def answer(self, question: Question, hits: Sequence[Hit]) -> Draft:
        """The model's answer from ``hits`` (best first); the caller verifies it."""
        started = time.monotonic()
        late = "The answer did not come"
        async with deadline_session(self.config, self._api_key, late) as session:
            parsed = await self._ask(session, question, hits)
        usage = session.usage.model_copy(update={"seconds": time.monotonic() - started})
        citations = tuple(Citation(c.section, c.kind, c.quote) for c in parsed.citations)
        return Draft(parsed.answer.strip(), citations, usage)

    async def _ask(self, session: Session, question: Question, hits: Sequence[Hit]) -> LlmAskAnswer:
        content, messages, schema_mode = await structured_answer(
            session,
            lambda json_schema: self.messages(question, hits, json_schema=json_schema),
            json_schema=self._json_schema_ok,
            schema=_schema(),
        )
        self._json_schema_ok = schema_mode
        try:
            return LlmAskAnswer.model_validate_json(unfenced(content))
        except ValidationError as exc:
            repair = analysis_prompts.render("repair", error=str(exc.errors()[:5]))
            retry: list[ChatCompletionMessageParam] = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": repair},
            ]
            content = await session.structured(retry, json_schema=schema_mode, schema=_schema())
        try:
            return LlmAskAnswer.model_validate_json(unfenced(content))
        except ValidationError:
            raise AnalysisError(
                "The LLM did not return a valid answer, even after a repair round.",
                retryable=True,
            ) from None

    def messages(
        self, question: Question, hits: Sequence[Hit], *, json_schema: bool
    ) -> list[ChatCompletionMessageParam]:
        """The system and user messages, with the passages ``llm.max_input_tokens`` allows."""
        system = self._system(question.language)
        base = self._user(question, [], json_schema=json_schema)
        budget = (
            self.config.max_input_tokens
            - count_tokens(system)
            - count_tokens(base)
            - MESSAGE_OVERHEAD_TOKENS
        )
        best = hits[:MAX_PASSAGES]
        blocks = _fit([_block(hit, question.language) for hit in best], budget)
        if len(blocks) < MIN_PASSAGES:
            raise AnalysisError(
                f"llm.max_input_tokens ({self.config.max_input_tokens}) leaves no room for the "
                "paper's passages after the prompt; raise it."
            )
        user = self._user(question, blocks, json_schema=json_schema)
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def _system(self, language: str) -> str:
        return render(
            "system",
            not_stated=words(language).not_stated,
            reference_style=_REFERENCE_STYLE[language],
            language_instruction=render(f"language_{language}"),
        )

    def _user(self, question: Question, blocks: Sequence[str], *, json_schema: bool) -> str:
        format_note = (
            render("format_json_schema")
            if json_schema
            else render("format_json_object", schema=json.dumps(answer_schema()))
        )
        return render(
            "user",
            arxiv_id=question.arxiv_id,
            title=fence(question.title),
            overview=fence((question.overview or "")[:OVERVIEW_CHARS]) or "(none)",
            conversation=_conversation(question) or "(none)",
            passages="\n\n".join(blocks),
            question=fence(question.text),
            format_note=format_note,
        )


def _schema() -> tuple[str, dict[str, object]]:
    return "paper_answer", answer_schema()


def _block(hit: Hit, language: str) -> str:
    reference = passage_reference(hit.passage, language)
    return f"[{fence(reference)}] ({hit.passage.kind})\n{fence(hit.passage.text)}"


def _fit(blocks: Sequence[str], budget: int) -> list[str]:
    """The leading blocks whose tokens fit in ``budget``."""
    kept: list[str] = []
    for block in blocks:
        cost = count_tokens(block) + 2
        if cost > budget:
            break
        kept.append(block)
        budget -= cost
    return kept


def _conversation(question: Question) -> str:
    turns = question.history[-MAX_TURNS:]
    return "\n\n".join(
        f"Q: {fence(turn.question)}\nA: {fence(turn.answer[:TURN_CHARS])}" for turn in turns
    )
