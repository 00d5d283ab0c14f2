"""The core's command vocabulary: typed options and typed text make the same commands."""

from __future__ import annotations

import pytest

from bot.kernel import commands
from bot.kernel.commands import Analyze, Categories, CommandError, Search, Subscribe, parse_command
from bot.kernel.ids import parse_arxiv_id


def test_typed_options_build_what_the_text_parses_to() -> None:
    assert commands.analyze("2511.05275", "zh", True) == parse_command(
        "analyze 2511.05275 zh refresh"
    )
    assert commands.subscribe(" traffic  prediction ") == Subscribe("traffic  prediction")
    assert commands.categories("add", "cs.RO") == parse_command("categories add cs.RO")
    assert commands.search("twin arms") == parse_command("search twin arms")


def test_typed_options_keep_the_checks_of_the_grammar() -> None:
    with pytest.raises(CommandError, match="Unknown language 'fr'"):
        commands.analyze("2511.05275", "fr")
    with pytest.raises(CommandError, match="not an arXiv category"):
        commands.categories("add", "robots!")
    with pytest.raises(CommandError, match="Regular-expression keywords"):
        commands.subscribe("re:tra.*")
    with pytest.raises(CommandError, match="Usage: search"):
        commands.search("   ")
    assert commands.categories("remove", "cs.XX") == Categories("remove", "cs.XX")


def test_the_text_grammar_is_unchanged() -> None:
    assert parse_command("analyse 2511.05275") == Analyze(parse_arxiv_id("2511.05275"))
    assert parse_command("search " + "x" * 300) == Search("x" * 200)
    with pytest.raises(CommandError, match="Usage: categories"):
        parse_command("categories list cs.RO")
