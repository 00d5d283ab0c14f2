"""The ``ask`` command: one question about an arXiv paper or a local PDF/HTML file.

Progress goes to stderr, the answer to stdout (Markdown, or the JSON object of
issue #15); a :class:`~bot.kernel.errors.RadarError` becomes one ``Error: …`` line and
exit status 1. The tokens of an LLM answer count on the day's total.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from analysis.choices import ENGINES, LANGUAGES
from analysis.cli import paper_target
from bot.kernel.config import Config
from bot.runtime.cli_context import echo_stages, run_async

if TYPE_CHECKING:  # loaded when the command runs, so --help stays fast
    from analysis.ask.asker import Asker
    from analysis.ask.types import AskResult


@click.command("ask")
@click.argument("paper", metavar="ID|URL|FILE")
@click.argument("question")
@click.option(
    "--lang",
    "language",
    type=click.Choice(LANGUAGES),
    help="Answer language. Default: the question's (Chinese characters → zh, else en).",
)
@click.option("--engine", type=click.Choice(ENGINES), default="auto", show_default=True)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["markdown", "json"]),
    default="markdown",
    show_default=True,
)
@click.option("--refresh", is_flag=True, help="Answer again instead of using the cache.")
@click.pass_obj
def ask_command(
    obj: Any,
    paper: str,
    question: str,
    language: str | None,
    engine: str,
    output_format: str,
    refresh: bool,
) -> None:
    """Ask a question about an arXiv paper or a local PDF/HTML file; cited answer."""
    config: Config = obj.config

    async def run() -> AskResult:
        target = paper_target(paper)
        async with _asker(config) as asker:
            options: dict[str, Any] = {
                "language": language,
                "engine": engine,
                "refresh": refresh,
                "progress": echo_stages(asker.engine_label(engine)),
            }
            if isinstance(target, Path):
                return await asker.ask_file(target, question, **options)
            return await asker.ask(target, question, **options)

    result: AskResult = run_async(run())
    if output_format == "json":
        click.echo(json.dumps(result.answer.to_json(), ensure_ascii=False, indent=2))
    else:
        from analysis.ask.render import render_answer

        click.echo(render_answer(result.answer), nl=False)


@asynccontextmanager
async def _asker(config: Config) -> AsyncIterator[Asker]:
    from analysis.ask.asker import Asker
    from analysis.pipeline import Analyzer
    from bot.runtime.radar import open_radar

    async with open_radar(config) as radar:
        analyzer = Analyzer(config, radar.store, radar.arxiv)
        yield Asker(config, radar.store, radar.arxiv, analyzer, record_usage=True)
