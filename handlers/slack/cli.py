"""``arxiv-radar slack-manifest``: print the Slack app manifest for this config."""

from __future__ import annotations

import click

from bot.runtime.cli_context import CliContext
from handlers.slack.manifest import manifest, to_yaml


@click.command("slack-manifest")
@click.option("--name", default="arxiv-radar", show_default=True, help="App and bot name.")
@click.pass_obj
def manifest_command(obj: CliContext, name: str) -> None:
    """Print the Slack app manifest (YAML) matching slack.mode and slack.command."""
    click.echo(to_yaml(manifest(obj.config.slack, name)))
