"""What every ``arxiv-radar`` subcommand shares: the loaded config and a clean exit.

Subcommands defined outside :mod:`bot.runtime.cli` (the adapters' ``slack-manifest``,
``discord-invite``, ``discord-sync``; ``run``, ``jobs``, ``stats``) import this
module, so nothing imports the command group back.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

import click

from bot.kernel.config import Config
from bot.kernel.errors import RadarError
from bot.kernel.redact import redact


@dataclass
class CliContext:
    config: Config


def echo_stages(engine_label: str) -> Callable[[str], Awaitable[None]]:
    """A ``progress`` callback that prints each stage of an analysis or answer on stderr."""
    from analysis.stages import stage_text  # only commands that analyze or answer need it

    async def progress(stage: str) -> None:
        click.echo(stage_text(stage, engine_label), err=True)

    return progress


def fail(exc: RadarError) -> None:
    """Print a user-facing error on stderr and exit with status 1 (no traceback)."""
    click.secho(f"Error: {redact(exc.user_message)}", fg="red", err=True)
    sys.exit(1)


def run_async(coro: Any) -> Any:
    """Run a coroutine, turning RadarError into a clean exit."""
    try:
        return asyncio.run(coro)
    except RadarError as exc:
        fail(exc)
