"""The entry point of questions: :class:`Asker`, shared by the CLI and the chat workers.

paper version → indexed passages (fetched, extracted and indexed once, through
the :class:`~analysis.pipeline.Analyzer`) → answer cache → retrieval → engine
(LLM with the analysis overview and earlier turns, or extractive) →
verification → cache. When retrieval finds nothing relevant the answer is
"the paper does not say" (论文未明确说明) and no model is called.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

from analysis.ask.cache import AnswerCache, answer_key
from analysis.ask.checks import Checks
from analysis.ask.draft import Draft, Question
from analysis.ask.extractive import ExtractiveAsker
from analysis.ask.index import IndexedPaper, PassageIndex, doc_key
from analysis.ask.language import answer_language, words
from analysis.ask.query import build_query
from analysis.ask.types import Answer, AskResult, Citation, Turn
from analysis.choices import ENGINES
from analysis.fulltext.source import MissingFileError, file_digest, read_local_file
from analysis.pipeline import (
    FALLBACK_REASONS,
    LOCAL_FILE_PREFIX,
    TRANSIENT_REASONS,
    Analyzer,
    Progress,
)
from bot.arxiv import ArxivClient
from bot.config import Config, secret
from bot.errors import AnalysisError
from bot.ids import ArxivId
from bot.sanitize import strip_invisible
from bot.store import Store

if TYPE_CHECKING:  # the openai client loads with the LLM engine only
    from analysis.ask.llm_engine import LlmAsker

log = logging.getLogger(__name__)

MAX_QUESTION_CHARS = 1000
DIGEST_PREFIX = "sha256:"  # the index key of a local file


class Asker:
    """Answers questions about papers; one instance per process.

    With ``record_usage`` (the CLI) the tokens of each fresh LLM answer are added to
    the day's total; chat workers leave it off and book ``AskResult.usage`` per user.
    """

    def __init__(
        self,
        config: Config,
        store: Store,
        arxiv: ArxivClient,
        analyzer: Analyzer,
        *,
        record_usage: bool = False,
    ) -> None:
        self.config = config
        self.store = store
        self.arxiv = arxiv
        self.analyzer = analyzer
        self.index = PassageIndex(store, config)
        self.answers = AnswerCache(store)
        self.record_usage = record_usage
        self._extractive = ExtractiveAsker()
        self._checks = Checks()
        self._llm: tuple[str, LlmAsker] | None = None  # (API key, engine)
        self._indexing: dict[str, asyncio.Lock] = {}

    def engine_label(self, engine: str = "auto") -> str:
        """``llm:<model>`` or ``extractive``: what :meth:`ask` would use."""
        return self._engine(engine).label

    async def ask(
        self,
        arxiv_id: ArxivId,
        question: str,
        *,
        history: Sequence[Turn] = (),
        language: str | None = None,
        engine: str = "auto",
        progress: Progress | None = None,
        refresh: bool = False,
    ) -> AskResult:
        """Answer ``question`` about ``arxiv_id`` (the latest version if none is given)."""
        text = _clean(question)
        lang = answer_language(text, language)
        chosen = self._engine(engine)
        paper = await self._paper(arxiv_id, progress)
        return await self._answer(paper, text, tuple(history), lang, chosen, progress, refresh)

    async def ask_file(
        self,
        path: Path,
        question: str,
        *,
        history: Sequence[Turn] = (),
        language: str | None = None,
        engine: str = "auto",
        progress: Progress | None = None,
        refresh: bool = False,
    ) -> AskResult:
        """Answer ``question`` about a local PDF or HTML file (keyed by its sha256)."""
        text = _clean(question)
        lang = answer_language(text, language)
        chosen = self._engine(engine)
        if not path.is_file():
            raise MissingFileError(f"No such file: {path}")
        digest = await asyncio.to_thread(file_digest, path)
        paper = await self._local_paper(f"{DIGEST_PREFIX}{digest}", path, progress)
        shown = replace(
            paper, arxiv_id=f"{LOCAL_FILE_PREFIX}{path.name}"
        )  # the key stays the digest
        return await self._answer(shown, text, tuple(history), lang, chosen, progress, refresh)

    # the paper ----------------------------------------------------------------

    async def _paper(self, arxiv_id: ArxivId, progress: Progress | None) -> IndexedPaper:
        """The indexed version of ``arxiv_id``, read and indexed first if need be."""
        if arxiv_id.version is not None:
            found = await self.index.paper(doc_key(arxiv_id.id, arxiv_id.version))
            if found is not None:  # newer versions seen in the feeds since, without a request
                seen = await self.store.run(self.store.paper, arxiv_id.id)
                return await self.index.note_latest(found, seen.version if seen else 0)
        meta = await self.arxiv.paper(ArxivId(arxiv_id.id))  # the latest version's metadata
        version = arxiv_id.version or meta.version
        key = doc_key(meta.arxiv_id, version)
        async with self._indexing.setdefault(key, asyncio.Lock()):
            found = await self.index.paper(key)
            if found is not None:
                return await self.index.note_latest(found, meta.version)
            versioned = ArxivId(meta.arxiv_id, version)
            source = await self.analyzer.read_paper(versioned, meta, progress)
            await _report(progress, "indexing")
            document = source.document
            if not document.title:
                document = replace(document, title=meta.title)
            paper = await self.index.add(
                meta.arxiv_id, version, document, meta.version, source.reason
            )
        if source.reason in TRANSIENT_REASONS:  # may read in full next time: do not keep it
            await self.index.forget(key)
        return paper

    async def _local_paper(self, key: str, path: Path, progress: Progress | None) -> IndexedPaper:
        found = await self.index.paper(doc_key(key, 0))
        if found is not None:
            return found
        await _report(progress, "extracting")
        document = await read_local_file(self.config.analysis, path, self.config.analysis.source)
        if not document.quality.usable:
            reason = document.quality.reason or "too_little_text"
            raise AnalysisError(f"The text of {path.name} cannot be used: {reason}.")
        await _report(progress, "indexing")
        return await self.index.add(key, 0, replace(document, title=document.title or path.stem), 0)

    # the answer ---------------------------------------------------------------

    async def _answer(
        self,
        paper: IndexedPaper,
        text: str,
        history: tuple[Turn, ...],
        language: str,
        engine: LlmAsker | ExtractiveAsker,
        progress: Progress | None,
        refresh: bool,
    ) -> AskResult:
        key = answer_key(paper.key, engine.label, engine.version, language, text, history)
        notes = _paper_notes(paper, language)
        if not refresh and (cached := await self.answers.get(key)) is not None:
            return AskResult(_with_notes(cached, notes), fresh=False, usage=None)
        await _report(progress, "answering")
        retrieval = await self.index.search(paper, text, language)
        question = Question(paper.arxiv_id, paper.document.title, text, language, history)
        if not retrieval.hits:
            draft = Draft(words(language).not_stated, ())
        elif isinstance(engine, ExtractiveAsker):
            query = build_query(text, cjk_paper=paper.cjk)
            draft = engine.answer(question, retrieval.hits, query)
        else:
            question = replace(question, overview=await self._overview(paper, language))
            await self.analyzer.cache.check_token_budget()
            draft = await engine.answer(question, retrieval.hits)
            draft = self._checks.check(draft, paper.key, paper.document, language)
            if self.record_usage:
                await self.answers.record_tokens(self.config, draft.usage)
        answer = Answer(
            arxiv_id=paper.arxiv_id,
            version=paper.version,
            question=text,
            answer=draft.answer,
            citations=draft.citations,
            engine=engine.label,
            language=language,
            warnings=(*retrieval.warnings, *draft.warnings),
            usage=draft.usage,
        )
        await self.answers.put(key, answer)
        spent = retrieval.hits and not isinstance(engine, ExtractiveAsker)
        fresh_usage = draft.usage if spent else None
        return AskResult(_with_notes(answer, notes), fresh=True, usage=fresh_usage)

    async def _overview(self, paper: IndexedPaper, language: str) -> str | None:
        """The cached analysis' overview of this version, if there is one (no network)."""
        versioned = ArxivId(paper.arxiv_id, paper.version)
        for engine in ("auto", "extractive"):
            analysis = await self.analyzer.cached(versioned, language=language, engine=engine)
            if analysis is not None:
                return analysis.overview
        return None

    def _engine(self, requested: str) -> LlmAsker | ExtractiveAsker:
        if requested not in ENGINES:
            raise AnalysisError(f"Unknown engine {requested!r}; use one of {', '.join(ENGINES)}.")
        name = self.config.analysis.engine if requested == "auto" else requested
        key = secret(self.config.llm.api_key_env)
        if name == "extractive" or (name == "auto" and key is None):
            return self._extractive
        if key is None:
            raise AnalysisError(
                f"The LLM engine needs an API key: set ${self.config.llm.api_key_env} "
                "(or use the extractive engine)."
            )
        if self._llm is None or self._llm[0] != key:
            from analysis.ask.llm_engine import LlmAsker

            self._llm = (key, LlmAsker(self.config.llm, key))
        return self._llm[1]


def _clean(question: str) -> str:
    text = " ".join(strip_invisible(question).split())
    if not text:
        raise AnalysisError("The question is empty: write what you want to know about the paper.")
    if len(text) > MAX_QUESTION_CHARS:
        raise AnalysisError(
            f"The question is too long ({len(text)} characters; at most {MAX_QUESTION_CHARS})."
        )
    return text


def _paper_notes(paper: IndexedPaper, language: str) -> tuple[str, ...]:
    """What the reader should know about the paper the answer comes from."""
    w = words(language)
    notes = []
    if paper.fallback_reason:
        reason = FALLBACK_REASONS.get(paper.fallback_reason, {}).get(language)
        notes.append(w.abstract_only.format(reason=reason or paper.fallback_reason))
    if paper.latest_version > paper.version:
        notes.append(w.newer_version.format(latest=paper.latest_version, version=paper.version))
    return tuple(notes)


def _with_notes(answer: Answer, notes: tuple[str, ...]) -> Answer:
    return replace(answer, warnings=(*notes, *answer.warnings)) if notes else answer


async def _report(progress: Progress | None, stage: str) -> None:
    if progress is not None:
        await progress(stage)


__all__ = ["Answer", "AskResult", "Asker", "Citation", "Turn"]
