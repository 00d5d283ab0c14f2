"""The ``analyze`` and ``extract`` commands (registered in the main CLI group).

Both expect ``ctx.obj.config`` to hold the loaded :class:`~bot.kernel.config.Config`.
Progress goes to stderr, the result to stdout; a :class:`~bot.kernel.errors.RadarError`
becomes one ``Error: …`` line on stderr and exit code 1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine, Iterator
from contextlib import asynccontextmanager, contextmanager, suppress
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from analysis.choices import ENGINES, LANGUAGES, SOURCES
from bot.kernel.config import Config
from bot.kernel.errors import InvalidArxivIdError, RadarError
from bot.kernel.ids import ArxivId, parse_arxiv_id
from bot.runtime.cli_context import echo_stages

if TYPE_CHECKING:  # the pipeline loads only for what needs it: not for a local file
    from analysis.document import Document
    from analysis.pipeline import Analyzer
    from analysis.schema import Analysis

T = TypeVar("T")
_FILE_SUFFIXES = (".pdf", ".html", ".htm", ".xhtml")
_SOURCE_HELP = (
    "Full text from arXiv's HTML, the PDF, or auto (HTML if clean). Default: analysis.source."
)


@click.command("analyze")
@click.argument("paper", metavar="ID|URL|FILE")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("--lang", "language", type=click.Choice(LANGUAGES), help="Default: report.language.")
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True)
@click.option("--refresh", is_flag=True, help="Analyse again instead of using the cache.")
@click.option("--source", "text_source", type=click.Choice(SOURCES), help=_SOURCE_HELP)
@click.option(
    "--explain",
    is_flag=True,
    help="Also print on stderr which sections the LLM is sent whole, trimmed or not at all.",
)
@click.pass_obj
def analyze_command(
    obj: Any,
    paper: str,
    output_format: str,
    language: str | None,
    engine: str,
    refresh: bool,
    text_source: str | None,
    explain: bool,
) -> None:
    """Analyse an arXiv paper, or a local PDF or HTML file, from its full text."""
    config: Config = obj.config
    with _user_errors():
        target = paper_target(paper)
        hit = (
            None
            if refresh or explain
            else _cache_hit(config, target, engine, language, text_source)
        )

    async def run() -> Analysis:
        async with _analyzer(config) as analyzer:
            options: dict[str, Any] = {
                "language": language,
                "engine": engine,
                "refresh": refresh,
                "progress": echo_stages(analyzer.engine_label(engine)),
                "source": text_source,
            }
            if isinstance(target, Path):
                result = await analyzer.analyze_file(target, **options)
            else:
                result = await analyzer.analyze(target, **options)
            analysis = result.analysis
            if explain:
                click.echo(await _selection(analyzer, analysis, target), err=True)
            return analysis

    analysis = hit or _run_forking(run(), target, text_source)
    if output_format == "json":
        click.echo(analysis.model_dump_json(indent=2))
    else:
        click.echo(_markdown(analysis, config))


@click.command("extract")
@click.argument("paper", metavar="PDF|HTML|ID")
@click.option("--source", "text_source", type=click.Choice(SOURCES), help=_SOURCE_HELP)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="text",
    show_default=True,
)
@click.pass_obj
def extract_command(obj: Any, paper: str, text_source: str | None, output_format: str) -> None:
    """Print the text the analysis reads, from a local PDF or HTML file or an arXiv paper."""
    config: Config = obj.config
    with _user_errors():
        target = paper_target(paper)
    document = _run_forking(_document(config, target, text_source), target, text_source)
    if output_format == "json":
        click.echo(json.dumps(document.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(document.to_text(), nl=False)


async def _document(config: Config, target: Path | ArxivId, text_source: str | None) -> Document:
    if isinstance(target, Path):
        from analysis.fulltext.source import read_local_file

        return await read_local_file(config.analysis, target, text_source or "auto")
    async with _analyzer(config) as analyzer:
        return await analyzer.document(target, source=text_source)


def paper_target(paper: str) -> Path | ArxivId:
    """A local file, or an arXiv ID; a path that does not exist says so (also used by ``ask``)."""
    path = Path(paper)
    if path.is_file():
        return path
    try:
        return parse_arxiv_id(paper)
    except InvalidArxivIdError:
        if path.suffix.lower() in _FILE_SUFFIXES or ("/" in paper and "://" not in paper):
            from analysis.fulltext.source import MissingFileError

            raise MissingFileError(f"No such file: {paper}") from None
        raise


def _cache_hit(
    config: Config,
    target: Path | ArxivId,
    engine: str,
    language: str | None,
    text_source: str | None,
) -> Analysis | None:
    """The cached analysis of a versioned arXiv ID, found without the pipeline, the arXiv
    client or the store's migrations (see :mod:`analysis.cache_lookup`); None on a miss."""
    if isinstance(target, Path) or target.version is None:
        return None
    from analysis.cache_lookup import cached_analysis

    try:
        return cached_analysis(config, target, engine=engine, language=language, source=text_source)
    except RadarError as exc:
        click.echo(f"Error: {exc.user_message}", err=True)
        raise click.exceptions.Exit(1) from None


async def _selection(analyzer: Analyzer, analysis: Analysis, target: Path | ArxivId) -> str:
    """The ``--explain`` table, or why there is none (no usable full text)."""
    try:
        return await analyzer.selection(analysis, target if isinstance(target, Path) else None)
    except RadarError as exc:
        return f"--explain: no full text to select from ({exc.user_message})"


@asynccontextmanager
async def _analyzer(config: Config) -> AsyncIterator[Analyzer]:
    from analysis.pipeline import Analyzer
    from bot.runtime.radar import open_radar

    async with open_radar(config) as radar:
        yield Analyzer(config, radar.store, radar.arxiv)


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; a RadarError becomes a clean message and exit code 1."""
    with _user_errors():
        return asyncio.run(work)


def _run_forking(
    work: Coroutine[Any, Any, T], target: Path | ArxivId, text_source: str | None
) -> T:
    """:func:`_run`, with PDF workers forked from this one-shot process (no fork server);
    for a local PDF the worker starts at once, loading PyMuPDF while this process sets up."""
    from analysis.fulltext.worker import forking_this_process

    with forking_this_process():
        if isinstance(target, Path) and text_source != "html":
            from analysis.fulltext.pdf.extract import start_extractor
            from analysis.fulltext.source import is_pdf_path

            with suppress(OSError):  # unreadable: reading it will say so
                if is_pdf_path(target):
                    start_extractor()
        return _run(work)


@contextmanager
def _user_errors() -> Iterator[None]:
    """A RadarError in the block becomes one ``Error: …`` line and exit code 1."""
    try:
        yield
    except RadarError as exc:
        click.echo(f"Error: {exc.user_message}", err=True)
        raise click.exceptions.Exit(1) from None


def _markdown(analysis: Analysis, config: Config) -> str:
    from analysis.render import neutralise_mentions, render_markdown
    from analysis.schema import LOCAL_FILE_PREFIX

    heading = neutralise_mentions(f"## {analysis.title}")
    if analysis.arxiv_id.startswith(LOCAL_FILE_PREFIX):  # a local file: no arXiv page to link
        where = f"`{analysis.arxiv_id.removeprefix(LOCAL_FILE_PREFIX)}`"
    else:
        where = config.arxiv.abs_url.format(id=f"{analysis.arxiv_id}v{analysis.version}")
    return f"{heading}\n\n{neutralise_mentions(where)}\n\n{render_markdown(analysis)}"
