"""From an arXiv ID to a verified, cached :class:`Analysis`.

metadata (arXiv API, resolving the latest version) → cache → PDF download (size
cap) → text extraction in a worker process → engine (LLM or extractive) →
verification against the paper → cache → result. A PDF that cannot be used
(encrypted, damaged, a scan, garbled fonts…) is analysed from the abstract
instead, with the reason shown; a PDF over the size or page limit is an error.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

from analysis.budget import explain, select_text
from analysis.cache import AnalysisCache, cache_key
from analysis.document import Document, Quality
from analysis.extractive import ExtractiveEngine
from analysis.llm import LlmEngine, paper_budget
from analysis.pdf import extract_document
from analysis.schema import LANGUAGES, Analysis, Engine, Language, Subject
from analysis.verify import verify
from bot.arxiv import ArxivClient
from bot.config import AnalysisConfig, Config, secret
from bot.errors import AnalysisError, PaperNotFoundError, PdfError
from bot.ids import ArxivId
from bot.models import Paper
from bot.store import Store

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]
ENGINES = ("auto", "llm", "extractive")

# Why only the abstract was analysed, by PdfError / Quality reason code.
FALLBACK_REASONS: dict[str, dict[str, str]] = {
    "encrypted": {"zh": "PDF 已加密", "en": "the PDF is password-protected"},
    "unreadable": {"zh": "PDF 已损坏或不完整", "en": "the PDF is damaged or incomplete"},
    "not_pdf": {"zh": "arXiv 返回的文件不是 PDF", "en": "arXiv did not send a PDF"},
    "timeout": {"zh": "PDF 文本提取超时", "en": "text extraction timed out"},
    "memory": {"zh": "PDF 文本提取超出内存上限", "en": "text extraction ran out of memory"},
    "crashed": {"zh": "PDF 解析器崩溃", "en": "the PDF parser crashed"},
    "no_text_layer": {
        "zh": "PDF 为扫描图像，没有文本层",
        "en": "the PDF is a scan without a text layer",
    },
    "garbled_text": {
        "zh": "PDF 字体编码损坏，提取的文字无法阅读",
        "en": "the PDF's font encoding is broken, so its text is garbled",
    },
    "too_little_text": {
        "zh": "PDF 中可提取的文字太少",
        "en": "the PDF has too little extractable text",
    },
    "no_pdf": {"zh": "arXiv 没有该论文的 PDF", "en": "arXiv has no PDF for this paper"},
}
# Fallbacks that may not happen next time: their results are not cached.
TRANSIENT_REASONS = frozenset({"timeout"})
# A file that is not a readable PDF may be a bad download: fetch it again next time.
REDOWNLOAD_REASONS = frozenset({"not_pdf", "unreadable"})


@dataclass(frozen=True)
class Source:
    """The document to analyse and, for abstract-only, the reason code."""

    document: Document
    reason: str | None = None


class Analyzer:
    """Analyses papers; one instance per process, shared by CLI, jobs and chat."""

    def __init__(self, config: Config, store: Store, arxiv: ArxivClient) -> None:
        self.config = config
        self.arxiv = arxiv
        self.cache = AnalysisCache(store, config)
        self._extractive = ExtractiveEngine()
        self._llm: tuple[str, LlmEngine] | None = None  # (API key, engine)

    def engine_label(self, engine: str = "auto") -> str:
        """``llm:<model>`` or ``extractive``: what :meth:`analyze` would use."""
        return self._engine(engine).label

    async def cached(
        self, arxiv_id: ArxivId, *, language: str | None = None, engine: str = "auto"
    ) -> Analysis | None:
        """The cached analysis (of the newest cached version if none is given), no network."""
        chosen, lang = self._engine(engine), self._language(language)
        if arxiv_id.version is None:
            return await self.cache.latest(arxiv_id.id, chosen.label, lang, chosen.version)
        key = cache_key(arxiv_id.id, arxiv_id.version, chosen.label, lang, chosen.version)
        return await self.cache.get(key)

    async def analyze(
        self,
        arxiv_id: ArxivId,
        *,
        language: str | None = None,
        engine: str = "auto",
        refresh: bool = False,
        progress: Progress | None = None,
        record_usage: bool = False,
        paper: Paper | None = None,
    ) -> Analysis:
        """Analyse ``arxiv_id``, or return the cached analysis unless ``refresh``.

        ``paper`` is the metadata when the caller already has it (the digest has it
        from the feed): then no arXiv API request is made for it.

        With ``record_usage`` the tokens spent are added to the day's total in the
        ``usage`` table (the CLI and the digest; chat jobs book them per user in
        :mod:`bot.workers`). An LLM analysis is refused once the day's budget is spent.
        """
        chosen, lang = self._engine(engine), self._language(language)
        if arxiv_id.version and not refresh:  # a known version: no arXiv request on a hit
            hit = await self.cached(arxiv_id, language=lang, engine=engine)
            if hit is not None:
                return hit
        if paper is None or paper.arxiv_id != arxiv_id.id:
            paper = await self.arxiv.paper(arxiv_id)
        version = arxiv_id.version or paper.version
        key = cache_key(paper.arxiv_id, version, chosen.label, lang, chosen.version)
        if not refresh and (hit := await self.cache.get(key)) is not None:
            return hit
        if isinstance(chosen, LlmEngine):
            await self.cache.check_token_budget()
        analysis, cacheable = await self._run(chosen, lang, paper, version, progress)
        if record_usage:
            await self.cache.record_usage(analysis.usage)
        if cacheable:
            await self.cache.put(key, analysis, chosen.version)
        return analysis

    async def selection(self, analysis: Analysis) -> str:
        """Which sections of the analysed paper the LLM is sent whole, trimmed or not at all."""
        path = await self._download(ArxivId(analysis.arxiv_id, analysis.version), None)
        document = await self._extract(path)
        subject = Subject(analysis.arxiv_id, analysis.title, analysis.language)
        budget = paper_budget(self.config.llm, subject)
        return explain(select_text(document, budget), budget)

    async def document(self, arxiv_id: ArxivId, progress: Progress | None = None) -> Document:
        """The extracted full text of ``arxiv_id`` (latest version if none is given)."""
        paper = await self.arxiv.paper(arxiv_id)
        versioned = ArxivId(paper.arxiv_id, arxiv_id.version or paper.version)
        path = await self._download(versioned, progress)
        await _report(progress, "extracting")
        return await self._extract(path)

    # steps ----------------------------------------------------------------------

    async def _run(
        self,
        engine: Engine,
        language: Language,
        paper: Paper,
        version: int,
        progress: Progress | None,
    ) -> tuple[Analysis, bool]:
        """Fetch, extract, analyse and verify; also says whether the result may be cached."""
        source = await self._source(ArxivId(paper.arxiv_id, version), paper, progress)
        await _report(progress, "analysing")
        reason = FALLBACK_REASONS[source.reason][language] if source.reason else None
        subject = Subject(paper.arxiv_id, paper.title, language, reason)
        result = await engine.analyse(source.document, subject)
        draft = Analysis(
            **result.answer.model_dump(),
            arxiv_id=paper.arxiv_id,
            version=version,
            title=paper.title,
            language=language,
            engine=engine.label,
            source=subject.source,
            source_reason=reason,
            warnings=list(result.warnings),
            usage=result.usage,
        )
        return verify(draft, source.document), source.reason not in TRANSIENT_REASONS

    async def _source(self, arxiv_id: ArxivId, paper: Paper, progress: Progress | None) -> Source:
        """The full text, or the abstract with the reason the full text is unusable."""
        try:
            path = await self._download(arxiv_id, progress)
            await _report(progress, "extracting")
            document = await self._extract(path)
        except PaperNotFoundError:
            return Source(abstract_document(paper), "no_pdf")
        except PdfError as exc:
            if exc.reason not in FALLBACK_REASONS:
                raise
            log.warning("%s: %s; analysing the abstract", arxiv_id, exc.user_message)
            if exc.reason in REDOWNLOAD_REASONS:
                self._pdf_path(arxiv_id).unlink(missing_ok=True)
            return Source(abstract_document(paper), exc.reason)
        if not document.quality.usable:
            reason = document.quality.reason or "too_little_text"
            log.warning(
                "%s: extracted text unusable (%s); analysing the abstract", arxiv_id, reason
            )
            return Source(abstract_document(paper), reason)
        return Source(document)

    async def _download(self, arxiv_id: ArxivId, progress: Progress | None) -> Path:
        await _report(progress, "downloading")
        return await self.arxiv.download_pdf(
            arxiv_id, self._pdf_path(arxiv_id), self.config.analysis.max_pdf_mb
        )

    async def _extract(self, path: Path) -> Document:
        return await extract_pdf(self.config.analysis, path)

    def _pdf_path(self, arxiv_id: ArxivId) -> Path:
        name = arxiv_id.versioned.replace("/", "_")
        return Path(self.config.storage.cache_dir) / "pdfs" / f"{name}.pdf"

    def _engine(self, requested: str) -> Engine:
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
            self._llm = (key, LlmEngine(self.config.llm, key))
        return self._llm[1]

    def _language(self, requested: str | None) -> Language:
        language = requested or self.config.report.language
        if language == "zh":
            return "zh"
        if language == "en":
            return "en"
        raise AnalysisError(f"Unknown language {language!r}; use one of {', '.join(LANGUAGES)}.")


def abstract_document(paper: Paper) -> Document:
    """A document holding only the title and abstract from the arXiv API."""
    words = len(paper.abstract.split())
    quality = Quality(len(paper.abstract), words, 1.0, 0, usable=True, reason=None)
    return Document(paper.title, paper.abstract, 0, (), (), (), (), quality)


async def _report(progress: Progress | None, stage: str) -> None:
    if progress is not None:
        await progress(stage)


async def extract_pdf(settings: AnalysisConfig, path: Path) -> Document:
    """Extract ``path`` in a worker process with the configured limits, off the event loop."""
    return await asyncio.to_thread(
        extract_document,
        path,
        timeout_s=settings.extract_timeout_s,
        memory_mb=settings.extract_memory_mb,
        max_pages=settings.max_pages,
    )
