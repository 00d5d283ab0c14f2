"""Every CLI command and chat command is documented in the README."""

from __future__ import annotations

from pathlib import Path

import click

from bot.kernel.commands import COMMANDS
from bot.runtime.cli import main

# Table cells escape the pipe; compare the text a reader sees.
README = (Path(__file__).resolve().parents[1] / "README.md").read_text(encoding="utf-8")
README = README.replace("\\|", "|")


def test_readme_starts_with_the_two_setup_commands() -> None:
    first_block = README.split("```", 2)[1]
    assert "make digest" in first_block
    assert "make test" in first_block


def test_every_cli_command_is_documented() -> None:
    context = click.Context(main)
    for name in main.list_commands(context):
        command = main.get_command(context, name)
        assert command is not None, name
        assert f"arxiv-radar {name}" in README, f"`arxiv-radar {name}` missing from README"
        assert command.help, f"`{name}` has no --help text"


def test_every_chat_command_is_documented() -> None:
    for spec in COMMANDS:
        assert f"/arxiv {spec.usage}" in README, f"`/arxiv {spec.usage}` missing from README"
