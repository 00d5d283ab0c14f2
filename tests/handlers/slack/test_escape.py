"""Untrusted text becomes inert mrkdwn: no broadcasts, no mentions, no disguised links."""

from __future__ import annotations

import pytest

from handlers.slack.escape import cap, escape, escape_inline, link, mrkdwn_from_markdown


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("<!channel> look", "&lt;!channel&gt; look"),
        ("<!here|here>", "&lt;!here|here&gt;"),
        ("ping <@U123>", "ping &lt;@U123&gt;"),
        ("<https://evil.example|click>", "&lt;`https://evil.example|click`&gt;"),
        ("R&D &lt;b&gt;", "R&amp;D &amp;lt;b&amp;gt;"),
    ],
)
def test_control_sequences_are_escaped(raw: str, expected: str) -> None:
    assert escape(raw) == expected


@pytest.mark.parametrize("word", ["@channel", "@here", "@everyone", "@Channel"])
def test_broadcast_words_are_defused(word: str) -> None:
    escaped = escape(f"hello {word}!")
    assert word not in escaped
    assert escaped.replace("\u2060", "") == f"hello {word}!"


def test_email_like_text_is_left_alone() -> None:
    assert escape("mail me@hereford.ac.uk") == "mail me@hereford.ac.uk"


def test_cap_never_splits_an_escape_sequence() -> None:
    escaped = escape("a" * 10 + "<" * 10)
    for limit in range(11, 20):
        shortened = cap(escaped, limit)
        assert len(shortened) <= limit
        assert shortened.endswith("…")
        assert "&" not in shortened or shortened.rstrip("…").endswith(";")


def test_cap_prefers_a_word_break() -> None:
    assert cap("alpha beta gamma delta", 20) == "alpha beta gamma…"


def test_inline_collapses_whitespace() -> None:
    assert escape_inline("  Twin\n  VLA\t<x> ", 50) == "Twin VLA &lt;x&gt;"


def test_link_escapes_label_and_url() -> None:
    assert link("https://arxiv.org/abs/1?a=1&b=|", "<!channel> T") == (
        "<https://arxiv.org/abs/1?a=1&amp;b=%7C|&lt;!channel&gt; T>"
    )


def test_markdown_becomes_mrkdwn_with_links_spelled_out() -> None:
    markdown = "### **Method**\n- uses **flow matching** on <tokens>\n[click](https://evil.example)"
    assert mrkdwn_from_markdown(markdown) == (
        "*Method*\n• uses *flow matching* on &lt;tokens&gt;\nclick (`https://evil.example`)"
    )
