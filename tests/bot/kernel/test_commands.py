"""The core's command vocabulary: typed options and typed text make the same commands."""

from __future__ import annotations

import pytest

from bot.kernel import commands
from bot.kernel.commands import (
    Analyze,
    Ask,
    Categories,
    CommandError,
    Help,
    Search,
    Subscribe,
    parse_command,
    thread_command,
)
from bot.kernel.errors import InvalidArxivIdError
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


def test_ask_takes_the_question_as_typed() -> None:
    """An apostrophe or a quote in a question is text, not shell quoting."""
    paper = parse_arxiv_id("2511.05275")
    assert parse_command("ask 2511.05275 What's the batch size?") == Ask(
        paper, "What's the batch size?"
    )
    assert parse_command('ASK https://arxiv.org/abs/2511.05275v2 which "GPUs"\n they used') == Ask(
        parse_arxiv_id("2511.05275v2"), 'which "GPUs" they used'
    )
    assert commands.ask(" 2511.05275 ", " 用了哪些数据集？ ", "zh") == Ask(
        paper, "用了哪些数据集？", "zh"
    )


def test_ask_without_a_question_or_with_a_bad_one_says_how() -> None:
    for text in ("ask", "ask 2511.05275", "ask   2511.05275   "):
        with pytest.raises(CommandError, match="Usage: ask <arXiv ID or URL> <question>"):
            parse_command(text)
    with pytest.raises(CommandError, match="at most 500 characters"):
        parse_command("ask 2511.05275 " + "why " * 200)
    with pytest.raises(CommandError, match="Please ask a question"):
        commands.ask("2511.05275", "\u200b \u202e ")
    with pytest.raises(CommandError, match="Unknown language 'fr'"):
        commands.ask("2511.05275", "why?", "fr")
    with pytest.raises(InvalidArxivIdError):
        parse_command("ask which GPUs did they use?")


def test_in_a_paper_thread_only_a_parsing_command_is_a_command() -> None:
    """ "list the datasets" is a question; "analyze 2511.05275 zh" and "help" are commands."""
    assert thread_command("analyze 2511.05275 zh") == commands.analyze("2511.05275", "zh")
    assert thread_command("help") == Help()
    assert thread_command("") == Help()
    for question in (
        "list the datasets they used",
        "help me read Table 2",
        "which GPUs did they use?",
        "ask which GPUs did they use?",
        "what's the learning rate",
    ):
        assert thread_command(question) is None, question
