"""The ``analyze`` and ``extract`` commands (registered in the main CLI group).

Both expect ``ctx.obj.config`` to hold the loaded :class:`~bot.config.Config`.
Progress goes to stderr, the result to stdout; a :class:`~bot.errors.RadarError`
becomes one ``Error: …`` line on stderr and exit code 1.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator, Coroutine
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any, TypeVar

import click

from analysis.document import Document
from analysis.pipeline import ENGINES, Analyzer, extract_pdf
from analysis.render import neutralise_mentions, render_markdown
from analysis.schema import LANGUAGES, Analysis
from analysis.stages import STAGE_TEXT
from bot.arxiv import ArxivClient
from bot.config import Config
from bot.errors import RadarError
from bot.ids import parse_arxiv_id
from bot.store import Store

T = TypeVar("T")


@click.command("analyze")
@click.argument("paper", metavar="ID|URL")
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
    explain: bool,
) -> None:
    """Analyse an arXiv paper from its full text and print the analysis."""
    config: Config = obj.config

    async def run() -> Analysis:
        arxiv_id = parse_arxiv_id(paper)
        async with _analyzer(config) as analyzer:
            label = analyzer.engine_label(engine)

            async def progress(stage: str) -> None:
                click.echo(STAGE_TEXT[stage].format(engine=label), err=True)

            analysis = await analyzer.analyze(
                arxiv_id,
                language=language,
                engine=engine,
                refresh=refresh,
                progress=progress,
                record_usage=True,
            )
            if explain:
                click.echo(await _selection(analyzer, analysis), err=True)
            return analysis

    analysis = _run(run())
    if output_format == "json":
        click.echo(analysis.model_dump_json(indent=2))
    else:
        click.echo(_markdown(analysis, config))


@click.command("extract")
@click.argument("source", metavar="PDF|ID")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["json", "text"]),
    default="text",
    show_default=True,
)
@click.pass_obj
def extract_command(obj: Any, source: str, output_format: str) -> None:
    """Extract the text of a local PDF or an arXiv paper and print it."""
    config: Config = obj.config
    document = _run(_document(config, source))
    if output_format == "json":
        click.echo(json.dumps(document.to_json(), ensure_ascii=False, indent=2))
    else:
        click.echo(document.to_text(), nl=False)


async def _document(config: Config, source: str) -> Document:
    path = Path(source)
    if path.is_file():
        return await extract_pdf(config.analysis, path)
    arxiv_id = parse_arxiv_id(source)
    async with _analyzer(config) as analyzer:
        return await analyzer.document(arxiv_id)


async def _selection(analyzer: Analyzer, analysis: Analysis) -> str:
    """The ``--explain`` table, or why there is none (no usable full text)."""
    try:
        return await analyzer.selection(analysis)
    except RadarError as exc:
        return f"--explain: no full text to select from ({exc.user_message})"


@asynccontextmanager
async def _analyzer(config: Config) -> AsyncIterator[Analyzer]:
    store = Store.open(config.storage.path)
    arxiv = ArxivClient(config.arxiv)
    try:
        yield Analyzer(config, store, arxiv)
    finally:
        await arxiv.aclose()
        store.close()


def _run(work: Coroutine[Any, Any, T]) -> T:
    """Run ``work``; a RadarError becomes a clean message and exit code 1."""
    try:
        return asyncio.run(work)
    except RadarError as exc:
        click.echo(f"Error: {exc.user_message}", err=True)
        raise click.exceptions.Exit(1) from None


def _markdown(analysis: Analysis, config: Config) -> str:
    link = config.arxiv.abs_url.format(id=f"{analysis.arxiv_id}v{analysis.version}")
    heading = neutralise_mentions(f"## {analysis.title}")
    return f"{heading}\n\n{link}\n\n{render_markdown(analysis)}"
