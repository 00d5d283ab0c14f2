"""The LLM engine: one structured analysis through an OpenAI-compatible chat API.

The paper goes in as delimited data (``<paper>…</paper>``, see
``prompts/user.md``), shrunk by :mod:`analysis.budget`; a paper whose core is still
over ``llm.max_input_tokens`` is summarised part by part first (map) and analysed
from the notes (reduce). The answer is requested as a strict JSON schema; a
server without ``json_schema`` support gets ``json_object`` instead, and an
answer that does not validate gets one repair round. Every failure becomes an
:class:`~bot.kernel.errors.AnalysisError` whose message tells the user what to do.
"""

from __future__ import annotations

import asyncio
import json
import logging
import re
import time
from collections.abc import AsyncIterator, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from functools import cache
from typing import Any

import openai
from openai import AsyncOpenAI
from openai.types.chat import ChatCompletion, ChatCompletionMessageParam
from pydantic import ValidationError

from analysis import prompts
from analysis.budget import Fate, PaperText, select_text
from analysis.choices import EngineKind, llm_label
from analysis.document import Document
from analysis.schema import EngineResult, LlmAnswer, Subject, Usage, strict_json_schema
from analysis.tokens import count_tokens
from bot.kernel.config import LlmConfig
from bot.kernel.errors import AnalysisError

log = logging.getLogger(__name__)

MESSAGE_OVERHEAD_TOKENS = 16  # chat formatting per request, with a margin
MIN_PAPER_TOKENS = 1000
MIN_NOTES_TOKENS = 256
NOTES_HEADING_TOKENS = 16  # "### Notes on part N" and the blank lines around it
WORDS_PER_TOKEN = 0.75
_BUDGET_WORDS = {  # template, trimmed, left out, list separator, group separator
    "zh": ("为适应输入预算，部分章节未完整发送给模型（{}）", "截短：", "未发送：", "、", "；"),
    "en": ("To fit the input budget, some sections were not sent whole ({}).", "trimmed: ",
           "left out: ", ", ", "; "),
}  # fmt: skip
_FENCE = re.compile(r"^\s*```(?:json)?\s*(.*?)\s*```\s*$", re.DOTALL)
_PAPER_TAG = re.compile(r"<(\s*/?\s*paper\s*)>", re.IGNORECASE)
_REFUSAL = re.compile(
    r"^\W*(i'?m sorry|i am sorry|sorry|i can ?not|i can'?t|i won'?t|as an ai|"
    r"抱歉|对不起|很抱歉|我无法|我不能)",
    re.IGNORECASE,
)


class LlmEngine:
    """Analyses a :class:`Document` with the configured model; safe to share."""

    def __init__(self, config: LlmConfig, api_key: str) -> None:
        self.config = config
        self._api_key = api_key
        self._json_schema_ok = config.response_format != "json_object"

    kind = EngineKind.LLM

    @property
    def label(self) -> str:
        return llm_label(self.config.model)

    @property
    def version(self) -> str:
        return prompts.PROMPT_VERSION

    async def analyze(self, document: Document, subject: Subject) -> EngineResult:
        started = time.monotonic()
        late = "The analysis did not finish"
        async with deadline_session(self.config, self._api_key, late) as session:
            answer, warnings = await self._run(session, document, subject)
        usage = session.usage.model_copy(update={"seconds": time.monotonic() - started})
        return EngineResult(answer, usage, warnings)

    # steps ------------------------------------------------------------------

    async def _run(
        self, session: Session, document: Document, subject: Subject
    ) -> tuple[LlmAnswer, tuple[str, ...]]:
        prompt = _Prompt(subject, self.config.model)
        available = paper_budget(self.config, subject)
        if available < MIN_PAPER_TOKENS:
            raise AnalysisError(
                f"llm.max_input_tokens ({self.config.max_input_tokens}) leaves no room for the "
                "paper after the prompt; raise it."
            )
        selected = select_text(document, available)
        log.info(
            "%s: sending %d of %d tokens (trimmed %s; left out %s)",
            subject.arxiv_id,
            selected.tokens,
            selected.naive_tokens,
            list(selected.condensed),
            list(selected.omitted),
        )
        warnings = budget_warnings(selected, subject.language)
        if selected.tokens <= available:
            return await self._answer(session, prompt, selected.text(), parts=0), warnings
        notes, parts, lost = await self._notes(session, prompt, selected, available)
        if lost:
            warnings += (f"Too long to analyse in full; left out: {', '.join(lost)}.",)
        return await self._answer(session, prompt, notes, parts=parts), warnings

    async def _notes(
        self, session: Session, prompt: _Prompt, selected: PaperText, available: int
    ) -> tuple[str, int, list[str]]:
        """Map step: notes on each chunk.

        Returns the title and abstract followed by all notes, the number of parts and
        the core sections that did not fit in the allowed number of parts.
        """
        front, rest = selected.blocks[0], selected.blocks[1:]
        body = PaperText(rest, selected.naive_tokens, selected.report)
        chunk_limit = self.config.max_input_tokens - prompt.notes_overhead_tokens()
        chunks, lost = body.chunks(max(chunk_limit, MIN_NOTES_TOKENS))
        share = (available - front.tokens) // len(chunks) - NOTES_HEADING_TOKENS
        per_chunk = max(share, MIN_NOTES_TOKENS)
        max_tokens = min(per_chunk, self.config.max_output_tokens)
        requests = [
            prompt.notes_messages(chunk, i + 1, len(chunks), max_tokens)
            for i, chunk in enumerate(chunks)
        ]
        try:
            async with asyncio.TaskGroup() as group:  # one failure cancels the other parts
                tasks = [group.create_task(session.text(r, max_tokens)) for r in requests]
        except* Exception as failures:
            raise failures.exceptions[0] from None
        answers = [task.result() for task in tasks]
        notes = [f"### Notes on part {i + 1}\n{text}" for i, text in enumerate(answers)]
        return "\n\n".join([front.text, *notes]), len(chunks), lost

    async def _answer(
        self, session: Session, prompt: _Prompt, paper: str, *, parts: int
    ) -> LlmAnswer:
        """Reduce step (or the only step): the structured answer, with fallbacks."""
        content, messages, schema_mode = await structured_answer(
            session,
            lambda json_schema: prompt.messages(paper, parts=parts, json_schema=json_schema),
            json_schema=self._json_schema_ok,
        )
        self._json_schema_ok = schema_mode
        try:
            return _parse(content)
        except ValidationError as exc:
            repair = prompts.render("repair", error=_summarise(exc))
            messages = [
                *messages,
                {"role": "assistant", "content": content},
                {"role": "user", "content": repair},
            ]
            content = await session.structured(messages, json_schema=schema_mode)
        try:
            return _parse(content)
        except ValidationError as exc:
            raise AnalysisError(
                "The LLM did not return a valid analysis, even after a repair round "
                f"({_summarise(exc, limit=2)}).",
                retryable=True,
            ) from None


@dataclass
class _Prompt:
    """The messages of one analysis, built from the prompt files."""

    subject: Subject
    model: str

    def system(self) -> str:
        language = prompts.render(f"language_{self.subject.language}")
        return prompts.render("system", language_instruction=language)

    def messages(
        self, paper: str, *, parts: int, json_schema: bool
    ) -> list[ChatCompletionMessageParam]:
        if self.subject.source_reason is not None:
            source = prompts.render("source_abstract_only", reason=self.subject.source_reason)
        elif parts:
            source = prompts.render("source_notes", parts=parts)
        else:
            source = prompts.render("source_full_text")
        user = prompts.render(
            "user",
            source_note=source,
            arxiv_id=self.subject.arxiv_id,
            title=_fence(self.subject.title),
            paper=_fence(paper),
            format_note=_format_note(json_schema=json_schema),
        )
        return [{"role": "system", "content": self.system()}, {"role": "user", "content": user}]

    def notes_messages(
        self, chunk: str, part: int, parts: int, max_tokens: int
    ) -> list[ChatCompletionMessageParam]:
        system = prompts.render("notes_system", max_words=int(max_tokens * WORDS_PER_TOKEN))
        user = prompts.render(
            "notes_user",
            part=part,
            parts=parts,
            title=_fence(self.subject.title),
            arxiv_id=self.subject.arxiv_id,
            paper=_fence(chunk),
        )
        return [{"role": "system", "content": system}, {"role": "user", "content": user}]

    def overhead_tokens(self) -> int:
        """Tokens of the analysis prompt without the paper, in its largest form."""
        variants = (self.messages("", parts=parts, json_schema=False) for parts in (0, 99))
        return max(_tokens(messages) for messages in variants) + MESSAGE_OVERHEAD_TOKENS

    def notes_overhead_tokens(self) -> int:
        return _tokens(self.notes_messages("", 99, 99, 9999)) + MESSAGE_OVERHEAD_TOKENS


@dataclass
class Session:
    """One analysis' (or answer's) calls through one client, adding up their token usage."""

    client: AsyncOpenAI
    config: LlmConfig
    usage: Usage = field(default_factory=Usage)

    async def structured(
        self,
        messages: Sequence[ChatCompletionMessageParam],
        *,
        json_schema: bool,
        schema: tuple[str, dict[str, Any]] | None = None,
    ) -> str:
        """The answer's JSON text; ``schema`` is (name, JSON schema), the analysis' by default."""
        name, body = schema or ("paper_analysis", _schema())
        response_format: Any = (
            {"type": "json_schema", "json_schema": {"name": name, "strict": True, "schema": body}}
            if json_schema
            else {"type": "json_object"}
        )
        response = await self._create(
            messages, self.config.max_output_tokens, response_format=response_format
        )
        return _structured_content(response, self.config)

    async def text(self, messages: Sequence[ChatCompletionMessageParam], max_tokens: int) -> str:
        response = await self._create(messages, max_tokens)
        return _text_content(response)

    async def _create(
        self, messages: Sequence[ChatCompletionMessageParam], max_tokens: int, **extra: Any
    ) -> ChatCompletion:
        response = await self.client.chat.completions.create(
            model=self.config.model,
            messages=list(messages),
            temperature=self.config.temperature,
            max_tokens=max_tokens,
            **extra,
        )
        self.usage = self.usage + _usage(response, messages)
        return response


# helpers ------------------------------------------------------------------------


@asynccontextmanager
async def deadline_session(config: LlmConfig, api_key: str, late: str) -> AsyncIterator[Session]:
    """A :class:`Session` on a fresh client, within ``llm.deadline_s``.

    Passing the deadline raises a retryable :class:`AnalysisError` that starts with
    ``late`` ("The analysis did not finish"); an openai error becomes the
    user-facing :class:`AnalysisError` of :func:`translate_error`.
    """
    try:
        async with asyncio.timeout(config.deadline_s), open_client(config, api_key) as client:
            yield Session(client, config)
    except TimeoutError:
        raise AnalysisError(
            f"{late} within llm.deadline_s ({config.deadline_s:g} s).", retryable=True
        ) from None
    except openai.APIError as exc:
        raise translate_error(exc, config, api_key) from None


async def structured_answer(
    session: Session,
    build: Callable[[bool], list[ChatCompletionMessageParam]],
    *,
    json_schema: bool,
    schema: tuple[str, dict[str, Any]] | None = None,
) -> tuple[str, list[ChatCompletionMessageParam], bool]:
    """The JSON answer to ``build(json_schema)``'s messages, falling back to
    ``json_object`` output once when the server lacks ``json_schema``.

    Returns the content, the messages sent and whether ``json_schema`` was used
    (False from then on for that server).
    """
    messages = build(json_schema)
    try:
        content = await session.structured(messages, json_schema=json_schema, schema=schema)
    except openai.BadRequestError as exc:
        if not (json_schema and lacks_json_schema(exc)):
            raise
    else:
        return content, messages, json_schema
    log.warning("%s lacks json_schema output; using json_object", session.config.base_url)
    messages = build(False)
    return await session.structured(messages, json_schema=False, schema=schema), messages, False


def open_client(config: LlmConfig, api_key: str) -> AsyncOpenAI:
    """The openai client for ``[llm]`` (use it as an async context manager)."""
    return AsyncOpenAI(
        base_url=config.base_url,
        api_key=api_key,
        timeout=config.timeout_s,
        max_retries=config.max_retries,
    )


def translate_error(exc: openai.APIError, config: LlmConfig, api_key: str) -> AnalysisError:
    """The user-facing :class:`AnalysisError` for an openai error, without the key."""
    error = _describe(exc, config)
    message = error.message.replace(api_key, "***") if api_key else error.message
    return AnalysisError(message, retryable=error.retryable)


def lacks_json_schema(exc: openai.BadRequestError) -> bool:
    """Whether a 400 says the server does not support ``json_schema`` output."""
    text = f"{exc.message} {exc.body}".lower()
    return "json_schema" in text or "response_format" in text


def unfenced(content: str) -> str:
    """JSON text without a Markdown code fence around it."""
    fenced = _FENCE.match(content)
    return fenced.group(1) if fenced else content


def paper_budget(config: LlmConfig, subject: Subject) -> int:
    """Tokens left for the paper in one request after the prompt (``llm.max_input_tokens``)."""
    return config.max_input_tokens - _Prompt(subject, config.model).overhead_tokens()


def budget_warnings(selected: PaperText, language: str) -> tuple[str, ...]:
    """One warning naming the sections trimmed or left out to fit the budget (if any)."""
    template, trimmed_word, omitted_word, comma, semicolon = _BUDGET_WORDS[language]
    groups = [
        (word, [s.label for s in selected.report if s.fate == fate and s.tier is not None])
        for word, fate in ((trimmed_word, Fate.TRIMMED), (omitted_word, Fate.OMITTED))
    ]
    parts = [word + comma.join(labels) for word, labels in groups if labels]
    return (template.format(semicolon.join(parts)),) if parts else ()


def _fence(text: str) -> str:
    """Neutralise ``<paper>``/``</paper>`` inside untrusted text so it cannot close the data."""
    return _PAPER_TAG.sub(r"&lt;\1>", text)


@cache
def _schema() -> dict[str, Any]:
    return strict_json_schema(LlmAnswer)


def _format_note(*, json_schema: bool) -> str:
    if json_schema:
        return prompts.render("format_json_schema")
    schema = json.dumps(_schema(), ensure_ascii=False)
    return prompts.render("format_json_object", schema=schema)


def _tokens(messages: Sequence[ChatCompletionMessageParam]) -> int:
    return sum(count_tokens(str(message.get("content") or "")) for message in messages)


def _usage(response: ChatCompletion, messages: Sequence[ChatCompletionMessageParam]) -> Usage:
    """The server's token counts, or our own count when it reports none."""
    if response.usage is not None:
        return Usage(
            input_tokens=response.usage.prompt_tokens,
            output_tokens=response.usage.completion_tokens,
        )
    content = response.choices[0].message.content if response.choices else None
    return Usage(input_tokens=_tokens(messages), output_tokens=count_tokens(content or ""))


def _text_content(response: ChatCompletion) -> str:
    if not response.choices:
        raise AnalysisError("The LLM server sent an answer without choices.", retryable=True)
    message = response.choices[0].message
    if message.refusal:
        raise AnalysisError(f"The model refused to analyse this paper: {message.refusal[:300]}")
    if response.choices[0].finish_reason == "content_filter":
        raise AnalysisError("The LLM provider's content filter blocked the answer.")
    return (message.content or "").strip()


def _structured_content(response: ChatCompletion, config: LlmConfig) -> str:
    content = _text_content(response)
    if response.choices[0].finish_reason == "length":
        raise AnalysisError(
            f"The analysis was cut off at llm.max_output_tokens ({config.max_output_tokens}); "
            "raise it."
        )
    if not content.lstrip().startswith(("{", "```")) and _REFUSAL.match(content):
        raise AnalysisError(f"The model refused to analyse this paper: {content[:300]}")
    return content


def _parse(content: str) -> LlmAnswer:
    return LlmAnswer.model_validate_json(unfenced(content))


def _summarise(exc: ValidationError, limit: int = 10) -> str:
    lines = [
        f"{'.'.join(str(part) for part in error['loc']) or '(root)'}: {error['msg']}"
        for error in exc.errors()[:limit]
    ]
    more = exc.error_count() - limit
    return "; ".join(lines) + (f"; and {more} more" if more > 0 else "")


@dataclass(frozen=True)
class _Described:
    message: str
    retryable: bool


def _describe(exc: openai.APIError, config: LlmConfig) -> _Described:
    """The user-facing message for an openai error (the key itself is never included)."""
    env = config.api_key_env
    if isinstance(exc, openai.AuthenticationError):
        return _Described(f"The LLM server rejected the API key (check ${env}).", False)
    if isinstance(exc, openai.PermissionDeniedError):
        return _Described(
            f"The LLM server denied access to model {config.model!r} (HTTP 403); "
            f"check what the key in ${env} may use.",
            False,
        )
    if isinstance(exc, openai.NotFoundError):
        return _Described(
            f"The LLM server at {config.base_url} does not know model {config.model!r} "
            "(HTTP 404); check llm.model and llm.base_url.",
            False,
        )
    if isinstance(exc, openai.RateLimitError):
        return _rate_limited(exc, config)
    if isinstance(exc, openai.APITimeoutError):
        return _Described(
            f"The LLM server did not answer within llm.timeout_s ({config.timeout_s:g} s).", True
        )
    if isinstance(exc, openai.APIConnectionError):
        return _Described(f"Cannot reach the LLM server at {config.base_url}.", True)
    if isinstance(exc, openai.BadRequestError):
        return _bad_request(exc)
    if isinstance(exc, openai.APIStatusError) and exc.status_code >= 500:
        return _Described(
            f"The LLM server failed (HTTP {exc.status_code}) after {config.max_retries} "
            "retries; try again later.",
            True,
        )
    status = getattr(exc, "status_code", "error")
    return _Described(f"The LLM server answered HTTP {status}: {_short(exc.message)}", False)


def _rate_limited(exc: openai.RateLimitError, config: LlmConfig) -> _Described:
    if "insufficient_quota" in f"{exc.code} {exc.message}":
        return _Described("The LLM account has no quota left (HTTP 429 insufficient_quota).", False)
    return _Described(
        f"The LLM server is rate-limiting requests (HTTP 429), still after {config.max_retries} "
        "retries; try again in a few minutes.",
        True,
    )


def _bad_request(exc: openai.BadRequestError) -> _Described:
    text = f"{exc.code} {exc.message}".lower()
    if "context_length" in text or "maximum context" in text or "too long" in text:
        return _Described(
            "The paper text is longer than the model accepts; lower llm.max_input_tokens.", False
        )
    return _Described(
        f"The LLM server rejected the request (HTTP 400): {_short(exc.message)}", False
    )


def _short(message: str, limit: int = 200) -> str:
    message = " ".join(message.split())
    return message if len(message) <= limit else message[: limit - 1] + "…"
