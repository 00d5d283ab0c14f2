"""Cards as embeds and analyses as text messages, within Discord's limits."""

from __future__ import annotations

from datetime import UTC, datetime

import discord

from analysis.schema import Analysis, Contribution, Experiments, FutureWork, Limitations
from bot.kernel.config import ArxivConfig
from bot.kernel.models import Paper
from handlers.discord.embeds import (
    DESCRIPTION_LIMIT,
    EMBED_TOTAL_LIMIT,
    FIELD_LIMIT,
    THREAD_NAME_LIMIT,
    TITLE_LIMIT,
    card_arxiv_id,
    card_embed,
    thread_name,
)
from handlers.discord.escape import ZWSP
from handlers.discord.text import MESSAGE_LIMIT, analysis_messages, clip, split_message

ARXIV = ArxivConfig()
HINT = "React with 🔍 or press Analyze for a full-text analysis"


def paper(**changes: object) -> Paper:
    fields: dict[str, object] = {
        "arxiv_id": "2511.05275",
        "version": 1,
        "title": "TwinVLA: Data-Efficient Bimanual Manipulation",
        "authors": (
            "Hokyun Im",
            "Euijin Jeong",
            "Jianlong Fu",
            "Andrey Kolobov",
            "Youngwoon Lee",
            "Sixth Author",
        ),
        "abstract": "Vision-language-action models (VLAs) trained on large-scale robotic data.",
        "categories": ("cs.RO", "cs.LG"),
        "announce_type": "cross",
        "published": datetime(2025, 11, 10, 5, tzinfo=UTC),
    }
    fields.update(changes)
    return Paper(**fields)  # type: ignore[arg-type]


def analysis(**changes: object) -> Analysis:
    fields: dict[str, object] = {
        "arxiv_id": "2511.05275",
        "version": 1,
        "title": "TwinVLA @everyone",
        "language": "en",
        "engine": "llm:gpt-4o-mini",
        "source": "full_text",
        "overview": "Composes two single-arm VLAs <@123> into one policy.",
        "motivation": "Bimanual data is scarce; see [the code](https://evil.example).",
        "contributions": [Contribution(title="Twin design", detail="Copies the VLM.", refs=["§4"])],
        "method": "Joint attention (Section 4.2).",
        "experiments": Experiments(
            metrics=["success rate"], datasets=["RoboTwin 2.0"], baselines=["RDT-1B"], setup=[]
        ),
        "limitations": Limitations(acknowledged=["forgetting"], potential=[]),
        "future_work": [FutureWork(suggestion="continual learning", feasibility="high")],
        "warnings": ["Table 9 is cited but not found in the paper."],
    }
    fields.update(changes)
    return Analysis(**fields)  # type: ignore[arg-type]


def field_values(embed: discord.Embed) -> dict[str, str]:
    return {str(f.name): str(f.value) for f in embed.fields}


def test_card_carries_the_slack_cards_information() -> None:
    embed = card_embed(paper(), ("vla", "Vision Language Action "), ARXIV, HINT)
    assert embed.title == "TwinVLA: Data-Efficient Bimanual Manipulation"
    assert embed.url == "https://arxiv.org/abs/2511.05275"
    fields = field_values(embed)
    assert (
        fields["Authors"] == "Hokyun Im, Euijin Jeong, Jianlong Fu, Andrey Kolobov, "
        "Youngwoon Lee et al."
    )
    assert fields["arXiv ID"] == "2511.05275v1"
    assert fields["Categories"] == "**cs.RO**, cs.LG"
    assert fields["Announce type"] == "cross-list"
    assert fields["Date"] == "2025-11-10"
    assert fields["Matched keywords"] == "vla, Vision Language Action"
    description = str(embed.description)
    assert description.startswith("Vision-language-action models (VLAs)")
    assert description.endswith(
        "[Abstract](https://arxiv.org/abs/2511.05275) · [PDF](https://arxiv.org/pdf/2511.05275)"
        " · [HTML](https://arxiv.org/html/2511.05275)"
    )
    assert embed.footer.text == f"arXiv:2511.05275v1 · {HINT}"
    assert embed.timestamp == datetime(2025, 11, 10, 5, tzinfo=UTC)


def test_card_links_follow_the_configured_templates() -> None:
    arxiv = ArxivConfig(
        abs_url="http://mirror/abs/{id}",
        pdf_url="http://mirror/pdf/{id}",
        html_url="http://mirror/html/{id}",
    )
    embed = card_embed(paper(), (), arxiv, HINT)
    assert embed.url == "http://mirror/abs/2511.05275"
    assert "[PDF](http://mirror/pdf/2511.05275)" in str(embed.description)
    assert "Matched keywords" not in field_values(embed)


def test_card_text_is_escaped() -> None:
    nasty = paper(
        title="**Bold** @everyone <@&1>",
        authors=("[x](https://e.vil)",),
        abstract="# Heading @here",
    )
    embed = card_embed(nasty, ("<@1>",), ARXIV, HINT)
    assert embed.title == f"\\*\\*Bold\\*\\* @{ZWSP}everyone <{ZWSP}@&1>"
    assert field_values(embed)["Authors"] == "\\[x\\](`https://e.vil`)"
    assert field_values(embed)["Matched keywords"] == f"<{ZWSP}@1>"
    assert str(embed.description).startswith(f"\\# Heading @{ZWSP}here")


def test_huge_card_stays_within_every_embed_limit() -> None:
    huge = paper(
        title="T" * 1000,
        authors=tuple("A" * 400 for _ in range(50)),
        abstract="word " * 5000,
        categories=tuple(f"cs.X{i}" for i in range(400)),
    )
    embed = card_embed(huge, tuple("k" * 90 for _ in range(60)), ARXIV, HINT)
    assert len(str(embed.title)) <= TITLE_LIMIT
    assert len(str(embed.description)) <= DESCRIPTION_LIMIT
    assert all(len(str(f.value)) <= FIELD_LIMIT for f in embed.fields)
    assert len(embed) <= EMBED_TOTAL_LIMIT


def test_card_is_recognised_by_its_footer() -> None:
    embed = card_embed(paper(arxiv_id="hep-th/9711200", version=3), (), ARXIV, HINT)
    assert card_arxiv_id([discord.Embed(title="x"), embed]) == "hep-th/9711200"
    assert card_arxiv_id([discord.Embed(title="x")]) is None


def test_thread_name_is_the_plain_title_within_100_characters() -> None:
    embed = card_embed(paper(title="A *starred* [title] " + "x" * 200), (), ARXIV, HINT)
    name = thread_name([embed])
    assert name.startswith("A *starred* [title] x")
    assert len(name) == THREAD_NAME_LIMIT


def test_split_message_breaks_at_paragraphs_then_lines_then_characters() -> None:
    paragraphs = "\n\n".join("p" * 900 for _ in range(5))
    parts = split_message(paragraphs)
    assert [len(p) for p in parts] == [1802, 1802, 900]
    long_line = "word " * 1000
    assert all(len(p) <= MESSAGE_LIMIT for p in split_message(long_line))
    assert "".join(split_message(long_line)).replace(" ", "") == long_line.replace(" ", "")
    unbroken = "字" * 4500
    assert [len(p) for p in split_message(unbroken)] == [2000, 2000, 500]


def test_clip_never_leaves_a_dangling_escape() -> None:
    assert clip("abc", 5) == "abc"
    assert clip("abcdef", 5) == "abcd…"
    assert clip("ab\\*def", 4) == "ab…"


def test_analysis_messages_follow_the_seed_structure_and_are_safe() -> None:
    parts = analysis_messages(analysis(), ARXIV)
    text = "\n\n".join(parts)
    assert text.startswith(
        f"## TwinVLA @{ZWSP}everyone\narXiv:2511.05275v1 · "
        "<https://arxiv.org/abs/2511.05275>\n> Engine: llm:gpt-4o-mini"
    )
    assert "> ⚠️ Note: Table 9 is cited but not found in the paper." in text
    headings = [line for line in text.splitlines() if line.startswith("### ")]
    assert headings == [
        "### Overview",
        "### Motivation",
        "### Key Contributions",
        "### Method",
        "### Experiments",
        "### Limitations and Future Work",
    ]
    assert f"<{ZWSP}@123>" in text
    assert "\\[the code](`https://evil.example`)" in text
    assert "1. **Twin design**" in text


def test_long_analysis_is_split_within_the_message_limit() -> None:
    long = analysis(language="zh", method="\n\n".join("方法细节。" * 150 for _ in range(6)))
    parts = analysis_messages(long, ARXIV)
    assert len(parts) >= 3
    assert all(0 < len(p) <= MESSAGE_LIMIT for p in parts)
    assert "### 方法概述" in "".join(parts)
