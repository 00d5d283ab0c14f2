"""Untrusted text made inert for Discord: markdown, mentions, masked links."""

from __future__ import annotations

import pytest

from handlers.discord.escape import ZWSP, defuse, escape, one_line, unescape


@pytest.mark.parametrize(
    ("raw", "shown"),
    [
        ("@everyone look", f"@{ZWSP}everyone look"),
        ("ping @HERE now", f"ping @{ZWSP}HERE now"),
        ("<@123> and <@!45>", f"<{ZWSP}@123> and <{ZWSP}@!45>"),
        ("role <@&99>", f"role <{ZWSP}@&99>"),
        ("channel <#77>", f"channel <{ZWSP}#77>"),
        ("at <t:1700000000:R>", f"at <{ZWSP}t:1700000000:R>"),
        ("emoji <:x:12>", f"emoji <{ZWSP}:x:12>"),
    ],
)
def test_mentions_are_broken_by_a_zero_width_space(raw: str, shown: str) -> None:
    assert escape(raw) == shown
    assert defuse(raw) == shown


def test_escape_shows_markdown_literally() -> None:
    assert escape("**bold** _it_ ~~s~~ `code` ||spoiler||") == (
        r"\*\*bold\*\* \_it\_ \~\~s\~\~ \`code\` \|\|spoiler\|\|"
    )
    assert escape("[phish](https://evil.example)") == r"\[phish\](`https://evil.example`)"
    assert escape("# big\n> quote\n- item\n-# small\n1. first") == (
        "\\# big\n\\> quote\n\\- item\n\\-# small\n1\\. first"
    )


def test_escape_makes_urls_inert_and_leaves_ordinary_text_untouched() -> None:
    text = "code at https://github.com/a_b/c_d and Vision-Language-Action v1.5"
    assert escape(text) == "code at `https://github.com/a_b/c_d` and Vision-Language-Action v1.5"


def test_escape_escapes_backslashes_so_nothing_can_unescape() -> None:
    assert escape(r"\*x") == r"\\\*x"


@pytest.mark.parametrize(
    "raw",
    [
        "TwinVLA: *Data*-Efficient_[x] @everyone <@1> \\ end",
        "# Heading\n1. one\n- two",
        "plain",
    ],
)
def test_unescape_inverts_escape(raw: str) -> None:
    assert unescape(escape(raw)) == raw


def test_defuse_keeps_formatting_but_breaks_masked_links() -> None:
    markdown = "**Method** uses [the code](https://evil.example) and ref [29].\n- item"
    assert defuse(markdown) == (
        "**Method** uses \\[the code](`https://evil.example`) and ref [29].\n- item"
    )


def test_defuse_does_not_let_an_escaped_backslash_reopen_a_masked_link() -> None:
    assert defuse(r"\\[x](https://evil.example)") == r"\\\[x](`https://evil.example`)"
    assert defuse(r"\[x](y)") == r"\[x](y)"


def test_one_line_collapses_whitespace() -> None:
    assert one_line("  A\n  title\twith   gaps ") == "A title with gaps"
