"""From an arXiv ID (or a local PDF/HTML file) to a verified, cached :class:`Analysis`.

metadata (arXiv API, resolving the latest version) → cache → full text (arXiv's
HTML when it converted cleanly, else the PDF: download with a size cap, text
extraction in a worker process; see :mod:`analysis.fulltext.source`) → engine
(LLM or extractive) → verification against the paper → cache → result. A PDF
that cannot be used (encrypted, damaged, a scan, garbled fonts…) is analysed
from the abstract instead, with the reason shown; a PDF over the size or page
limit is an error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from pathlib import Path

from analysis.budget import explain, select_text
from analysis.cache import AnalysisCache, cache_key
from analysis.choices import ENGINES, LANGUAGES, SOURCES
from analysis.document import Document, Quality
from analysis.extractive import ExtractiveEngine
from analysis.fulltext.html.check import HTML_REASONS, HtmlUnavailable
from analysis.fulltext.source import (
    MissingFileError,
    file_digest,
    read_html,
    read_local_file,
    read_pdf,
)
from analysis.llm_deferred import DeferredLlmEngine
from analysis.schema import Analysis, Engine, Language, Subject, Usage
from analysis.verify import verify
from bot.arxiv import ArxivClient
from bot.config import Config, secret
from bot.errors import AnalysisError, FetchError, PaperNotFoundError, PdfError
from bot.files import FileCache
from bot.ids import ArxivId
from bot.models import Paper
from bot.store import Store
from bot.store.usage import Requester

log = logging.getLogger(__name__)

Progress = Callable[[str], Awaitable[None]]
LOCAL_FILE_PREFIX = "file:"  # Analysis.arxiv_id of a local file: "file:<name>"
ANYONE = Requester()  # the CLI or the digest: booked on the day's total only

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
class AnalysisResult:
    """What :meth:`Analyzer.analyze` did: the analysis, whether it was made now (False:
    from the cache) and the tokens this call spent (booked in the ``usage`` table)."""

    analysis: Analysis
    fresh: bool
    usage: Usage


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
        self.files = FileCache(config.storage)  # downloaded PDFs, capped in size
        self._extractive = ExtractiveEngine()
        self._llm: tuple[str, DeferredLlmEngine] | None = None  # (API key, engine)

    def engine_label(self, engine: str = "auto") -> str:
        """``llm:<model>`` or ``extractive``: what :meth:`analyze` would use."""
        return self._engine(engine).label

    async def cached(
        self,
        arxiv_id: ArxivId,
        *,
        language: str | None = None,
        engine: str = "auto",
        source: str | None = None,
    ) -> Analysis | None:
        """The cached analysis (of the newest cached version if none is given), no network."""
        chosen, lang = self._engine(engine), self._language(language)
        variant = self._variant(chosen, source)
        if arxiv_id.version is None:
            return await self.cache.latest(arxiv_id.id, chosen.label, lang, variant)
        key = cache_key(arxiv_id.id, arxiv_id.version, chosen.label, lang, variant)
        return await self.cache.get(key)

    async def analyze(
        self,
        arxiv_id: ArxivId,
        *,
        language: str | None = None,
        engine: str = "auto",
        refresh: bool = False,
        progress: Progress | None = None,
        requester: Requester = ANYONE,
        paper: Paper | None = None,
        source: str | None = None,
    ) -> AnalysisResult:
        """Analyse ``arxiv_id``, or return the cached analysis unless ``refresh``.

        ``source`` is ``auto``, ``html`` or ``pdf`` (default: ``analysis.source``).

        ``paper`` is the metadata when the caller already has it (the digest has it
        from the feed): then no arXiv API request is made for it.

        The tokens of a fresh analysis are booked on the day's total and on
        ``requester`` (a chat job passes its first requester, whose request was
        counted when accepted; the CLI and the digest pass nobody and count it now).
        An LLM analysis is refused once the day's budget is spent.
        """
        chosen, lang = self._engine(engine), self._language(language)
        mode = self._mode(source)
        variant = self._variant(chosen, mode)
        if arxiv_id.version and not refresh:  # a known version: no arXiv request on a hit
            hit = await self.cached(arxiv_id, language=lang, engine=engine, source=mode)
            if hit is not None:
                return _from_cache(hit)
        if paper is None or paper.arxiv_id != arxiv_id.id:
            paper = await self.arxiv.paper(arxiv_id)
        version = arxiv_id.version or paper.version
        key = cache_key(paper.arxiv_id, version, chosen.label, lang, variant)
        if not refresh and (hit := await self.cache.get(key)) is not None:
            return _from_cache(hit)
        if isinstance(chosen, DeferredLlmEngine):
            await self.cache.check_token_budget()
        versioned = ArxivId(paper.arxiv_id, version)
        source_read = await self._source(versioned, paper, progress, mode)
        subject = Subject(paper.arxiv_id, paper.title, lang, self._reason(source_read, lang))
        analysis = await self._run(chosen, subject, version, source_read, progress)
        cacheable = source_read.reason not in TRANSIENT_REASONS
        return await self._keep(analysis, key if cacheable else None, variant, requester)

    async def analyze_file(
        self,
        path: Path,
        *,
        language: str | None = None,
        engine: str = "auto",
        refresh: bool = False,
        progress: Progress | None = None,
        source: str | None = None,
    ) -> AnalysisResult:
        """Analyse a local PDF or HTML file (a paper under review, one not on arXiv).

        The same engines, verification and cache as arXiv papers, keyed by the
        file's sha256; a file whose text is unusable is an error (there is no abstract
        to fall back to).
        """
        chosen, lang = self._engine(engine), self._language(language)
        mode = self._mode(source)
        variant = self._variant(chosen, mode)
        if not path.is_file():
            raise MissingFileError(f"No such file: {path}")
        digest = await asyncio.to_thread(file_digest, path)
        key = cache_key(f"sha256:{digest}", 0, chosen.label, lang, variant)
        if not refresh and (hit := await self.cache.get(key)) is not None:
            return _from_cache(hit)
        document = await read_local_file(self.config.analysis, path, mode)
        if not document.quality.usable:
            reason = document.quality.reason or "too_little_text"
            raise AnalysisError(f"The text of {path.name} cannot be used: {reason}.")
        if isinstance(chosen, DeferredLlmEngine):
            await self.cache.check_token_budget()
        subject = Subject(f"{LOCAL_FILE_PREFIX}{path.name}", document.title or path.stem, lang)
        analysis = await self._run(chosen, subject, 0, Source(document), progress)
        return await self._keep(analysis, key, variant, ANYONE)

    async def selection(self, analysis: Analysis, path: Path | None = None) -> str:
        """Which sections of the analysed paper the LLM is sent whole, trimmed or not at all.

        The paper's text is read again from the same source (the cache has it); ``path``
        names the local file of a local analysis.
        """
        from analysis.llm import paper_budget  # the openai client only for this debug view

        if path is not None:
            mode = analysis.text_source or "auto"
            document = await read_local_file(self.config.analysis, path, mode)
        else:
            versioned = ArxivId(analysis.arxiv_id, analysis.version)
            document = await self._full_text(versioned, None, analysis.text_source or "auto")
        subject = Subject(analysis.arxiv_id, analysis.title, analysis.language)
        budget = paper_budget(self.config.llm, subject)
        return explain(select_text(document, budget), budget)

    async def document(
        self, arxiv_id: ArxivId, progress: Progress | None = None, source: str | None = None
    ) -> Document:
        """The full text of ``arxiv_id`` (latest version if none is given) from ``source``."""
        mode = self._mode(source)
        paper = await self.arxiv.paper(arxiv_id)
        versioned = ArxivId(paper.arxiv_id, arxiv_id.version or paper.version)
        return await self._full_text(versioned, progress, mode)

    async def read_paper(
        self,
        arxiv_id: ArxivId,
        paper: Paper,
        progress: Progress | None = None,
        source: str | None = None,
    ) -> Source:
        """The full text of ``arxiv_id`` (with its version), or the abstract and the reason code.

        The same sources, downloads and fallbacks as :meth:`analyze`; no engine runs.
        """
        return await self._source(arxiv_id, paper, progress, self._mode(source))

    # steps ----------------------------------------------------------------------

    async def _full_text(
        self, versioned: ArxivId, progress: Progress | None, mode: str
    ) -> Document:
        """The HTML when ``mode`` allows and it is clean, else the PDF (with the reason)."""
        html, note = await self._html_first(versioned, progress, mode)
        if html is not None:
            return html
        path = await self._download(versioned, progress)
        await _report(progress, "extracting")
        return replace(await self._extract(path), source_note=note)

    async def _run(
        self,
        engine: Engine,
        subject: Subject,
        version: int,
        source: Source,
        progress: Progress | None,
    ) -> Analysis:
        """Analyse and verify the document read for ``subject``."""
        await _report(progress, "analysing")
        result = await engine.analyse(source.document, subject)
        full_text = subject.source_reason is None
        draft = Analysis(
            **result.answer.model_dump(),
            arxiv_id=subject.arxiv_id,
            version=version,
            title=subject.title,
            language=subject.language,
            engine=engine.label,
            source=subject.source,
            source_reason=subject.source_reason,
            text_source=source.document.text_source if full_text else None,  # type: ignore[arg-type]
            text_source_note=_html_note(source.document.source_note) if full_text else None,
            warnings=list(result.warnings),
            usage=result.usage,
        )
        return verify(draft, source.document)

    async def _keep(
        self, analysis: Analysis, key: str | None, variant: str, requester: Requester
    ) -> AnalysisResult:
        """Book the tokens of a fresh analysis and cache it under ``key`` (None: a
        fallback that may not recur, not cached): the one place usage is booked."""
        await self.cache.keep(key, analysis, variant, requester)
        return AnalysisResult(analysis, fresh=True, usage=analysis.usage)

    @staticmethod
    def _reason(source: Source, language: Language) -> str | None:
        return FALLBACK_REASONS[source.reason][language] if source.reason else None

    async def _source(
        self, arxiv_id: ArxivId, paper: Paper, progress: Progress | None, mode: str
    ) -> Source:
        """The full text (HTML first unless ``mode`` is pdf), or the abstract with the reason."""
        html, note = await self._html_first(arxiv_id, progress, mode)
        if html is not None:
            return Source(html)
        source = await self._pdf_source(arxiv_id, paper, progress)
        return replace(source, document=replace(source.document, source_note=note))

    async def _html_first(
        self, arxiv_id: ArxivId, progress: Progress | None, mode: str
    ) -> tuple[Document | None, str | None]:
        """The HTML document, or None and why not (None too when ``mode`` is pdf).

        With ``mode`` html an unusable page is an error (:class:`HtmlUnavailable`).
        """
        if mode == "pdf":
            return None, None
        try:
            return await self._html(arxiv_id, progress), None
        except HtmlUnavailable as exc:
            if mode == "html":
                raise
            log.info("%s: %s; reading the PDF", arxiv_id, exc.user_message)
            return None, exc.reason

    async def _html(self, arxiv_id: ArxivId, progress: Progress | None) -> Document:
        """arXiv's HTML of ``arxiv_id`` as a document, or :class:`HtmlUnavailable`.

        No stage is reported until the page is there: most fallbacks to the PDF
        are a quick 404, and then the user sees the PDF stages only.
        """
        try:
            path = await self.arxiv.download_html(
                arxiv_id, self._cached_path(arxiv_id, "html"), self.config.analysis.max_pdf_mb
            )
        except PaperNotFoundError:
            raise HtmlUnavailable("html_not_found") from None
        except FetchError as exc:
            log.warning("%s: %s", arxiv_id, exc.user_message)
            raise HtmlUnavailable("html_fetch_failed") from exc
        await self.files.used(path)  # least-recently-used order and the cache's size cap
        await _report(progress, "reading_html")
        return await read_html(self.config.analysis, path)

    async def _pdf_source(
        self, arxiv_id: ArxivId, paper: Paper, progress: Progress | None
    ) -> Source:
        """The PDF's text, or the abstract with the reason the PDF is unusable."""
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
                self._cached_path(arxiv_id, "pdf").unlink(missing_ok=True)
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
        path = await self.arxiv.download_pdf(
            arxiv_id, self._cached_path(arxiv_id, "pdf"), self.config.analysis.max_pdf_mb
        )
        await self.files.used(path)  # least-recently-used order and the cache's size cap
        return path

    async def _extract(self, path: Path) -> Document:
        started = time.monotonic()
        document = await read_pdf(self.config.analysis, path)
        seconds = time.monotonic() - started
        log.info(
            "extracted %s: %d pages in %.2f s",
            path.name,
            document.pages,
            seconds,
            extra={"event": "extracted", "pages": document.pages, "seconds": round(seconds, 4)},
        )
        return document

    def _cached_path(self, arxiv_id: ArxivId, kind: str) -> Path:
        """Where the downloaded PDF or HTML of ``arxiv_id`` is kept (``pdfs/``, ``html/``)."""
        name = arxiv_id.versioned.replace("/", "_")
        folder = "pdfs" if kind == "pdf" else kind
        return Path(self.config.storage.cache_dir) / folder / f"{name}.{kind}"

    def _mode(self, requested: str | None) -> str:
        mode = requested or self.config.analysis.source
        if mode not in SOURCES:
            raise AnalysisError(f"Unknown source {mode!r}; use one of {', '.join(SOURCES)}.")
        return mode

    def _variant(self, engine: Engine, source: str | None) -> str:
        """The cache's prompt-version field: the engine's version and the text source chosen."""
        return f"{engine.version}+{self._mode(source)}"

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
            self._llm = (key, DeferredLlmEngine(self.config.llm, key))
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


def _from_cache(analysis: Analysis) -> AnalysisResult:
    return AnalysisResult(analysis, fresh=False, usage=Usage())


async def _report(progress: Progress | None, stage: str) -> None:
    if progress is not None:
        await progress(stage)


def _html_note(reason: str | None) -> str | None:
    return HTML_REASONS.get(reason, reason) if reason else None
