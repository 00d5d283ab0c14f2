"""Block Kit rendering: card content, escaping of paper text, Slack's size limits."""

from __future__ import annotations

import json
from typing import Any

from bot.kernel.config import ArxivConfig
from handlers.slack.blocks import (
    ANALYZE_ACTION,
    MAX_BLOCKS,
    MAX_MESSAGE_CHARS,
    MAX_SECTION_CHARS,
    analysis_messages,
    card,
    card_nonce,
    notices,
    pack,
    section,
    split_text,
)
from tests.support.fakes.slack import sample_analysis, sample_paper

ARXIV = ArxivConfig(
    abs_url="https://mirror.example/abs/{id}",
    pdf_url="https://mirror.example/pdf/{id}",
    html_url="https://mirror.example/html/{id}",
)


def texts(blocks: list[dict[str, Any]]) -> str:
    parts = []
    for block in blocks:
        if "text" in block:
            parts.append(block["text"]["text"])
        parts += [element.get("text", "") for element in block.get("elements", ())]
    return "\n".join(str(part) for part in parts)


def test_card_shows_the_paper_facts_and_links() -> None:
    message = card(sample_paper(), ("vla", "traffic prediction"), "n1", ARXIV)
    shown = texts(message.blocks)

    assert message.blocks[0]["text"]["text"] == (
        "*<https://mirror.example/abs/2511.05275|TwinVLA: Data-Efficient Bimanual Manipulation"
        " with Twin Single-Arm Vision-Language-Action Models>*"
    )
    assert "Hokyun Im, Euijin Jeong, Jianlong Fu et al." in shown
    assert "`arXiv:2511.05275v1` · cs.RO, cs.LG · 🔀 cross-list · 2025-11-10" in shown
    assert "Matched: *vla*, *traffic prediction*" in shown
    assert "<https://mirror.example/pdf/2511.05275|PDF>" in shown
    assert "<https://mirror.example/html/2511.05275|HTML>" in shown
    assert message.text == (
        "TwinVLA: Data-Efficient Bimanual Manipulation with Twin Single-Arm "
        "Vision-Language-Action Models (arXiv:2511.05275v1)"
    )


def test_card_abstract_is_shortened_at_a_word() -> None:
    paper = sample_paper()
    [abstract] = [b["text"]["text"] for b in card(paper, (), "n", ARXIV).blocks[3:4]]
    assert len(paper.abstract) > 600
    assert len(abstract) <= 600
    assert abstract.endswith("…")
    assert paper.abstract.startswith(abstract[:-1].rstrip())


def test_card_button_and_nonce_round_trip() -> None:
    message = card(sample_paper(), (), "n1", ARXIV)
    [actions] = [b for b in message.blocks if b["type"] == "actions"]
    assert actions["elements"][0]["action_id"] == ANALYZE_ACTION
    assert actions["elements"][0]["value"] == "2511.05275"
    assert card_nonce({"metadata": message.metadata, "blocks": message.blocks}) == "n1"
    assert card_nonce({"blocks": message.blocks}) == "n1"
    assert card_nonce({"blocks": [section("hello")]}) is None


def test_hostile_paper_text_is_rendered_harmless() -> None:
    paper = sample_paper(
        title="<!channel> Attention <@U123> is <https://evil.example|all you need>",
        authors=("<!here>", "Eve @everyone"),
        abstract="Click <https://evil.example|here> & win. @channel",
    )
    message = card(paper, ("<!subteam^S1>",), "n", ARXIV)
    rendered = json.dumps(message.blocks, ensure_ascii=False) + message.text

    for control in ("<!channel>", "<!here>", "<@U123>", "<https://evil", "<!subteam"):
        assert control not in rendered
    for word in ("@channel", "@everyone"):
        assert word not in rendered
    assert "&lt;!channel&gt; Attention" in message.blocks[0]["text"]["text"]


def test_card_without_announce_type_or_date() -> None:
    paper = sample_paper(announce_type="", published=None, published_raw="")
    facts = texts(card(paper, (), "n", ARXIV).blocks)
    assert "`arXiv:2511.05275v1` · cs.RO, cs.LG\n" in facts


def test_split_text_respects_the_limit_and_keeps_everything() -> None:
    paragraph = ("A sentence about &amp; flow matching. " * 40).strip()
    text = "\n\n".join([paragraph] * 6)
    chunks = split_text(text, MAX_SECTION_CHARS)
    assert len(chunks) > 1
    assert all(len(chunk) <= MAX_SECTION_CHARS for chunk in chunks)
    assert " ".join(chunks).split() == text.split()


def test_split_text_never_breaks_an_entity() -> None:
    text = "&lt;" * 2000
    chunks = split_text(text, 3001)
    assert all(len(c) <= 3001 and c.endswith("&lt;") for c in chunks)
    assert "".join(chunks) == text


def test_pack_respects_block_and_character_limits() -> None:
    small = [section("x") for _ in range(120)]
    assert [len(page) for page in pack(small)] == [MAX_BLOCKS, MAX_BLOCKS, 20]
    big = [section("y" * MAX_SECTION_CHARS) for _ in range(30)]
    pages = list(pack(big))
    assert len(pages) == 3
    assert all(len(texts(page)) <= MAX_MESSAGE_CHARS for page in pages)


def test_notices_escape_and_split_core_replies() -> None:
    messages = notices("Use `/arxiv analyze <arXiv ID>` **now** <!channel>\n" * 2000)
    assert len(messages) > 1
    for message in messages:
        assert len(message.blocks) <= MAX_BLOCKS
        assert "<!channel>" not in texts(message.blocks)
    assert "`/arxiv analyze &lt;arXiv ID&gt;` *now*" in messages[0].blocks[0]["text"]["text"]


def test_analysis_follows_the_seed_structure_with_status_and_warnings() -> None:
    [message] = analysis_messages(sample_analysis())
    shown = texts(message.blocks)

    assert message.text == (
        "Analysis: TwinVLA: &lt;!channel&gt; Twin Single-Arm VLAs (arXiv:2511.05275v1)"
    )
    headings = ["Overview", "Motivation", "Key Contributions", "Method", "Experiments"]
    positions = [shown.index(f"*{heading}*") for heading in headings]
    assert positions == sorted(positions)
    assert "*Limitations and Future Work*" in shown
    assert "Engine: extractive" in shown
    assert "abstract only (reason: the PDF has no text layer)" in shown
    assert "⚠️ Note: Table 9 is cited but not found in the paper." in shown
    assert "1. *Twin design* (§4): Copies the VLM." in shown
    assert "<!channel>" not in shown


def test_long_analysis_is_split_within_slack_limits() -> None:
    analysis = sample_analysis(paragraphs=60)
    messages = analysis_messages(analysis)

    assert len(messages) > 1
    for index, message in enumerate(messages, start=1):
        assert message.text.endswith(f"({index}/{len(messages)})")
        assert len(message.blocks) <= MAX_BLOCKS
        assert len(texts(message.blocks)) + len(message.text) <= MAX_MESSAGE_CHARS
        for block in message.blocks:
            if block["type"] == "section":
                assert len(block["text"]["text"]) <= MAX_SECTION_CHARS
    shown = "\n".join(texts(m.blocks) for m in messages)
    assert shown.count("*Step ") == 60 * 20
    assert shown.index("*Step 59.*") < shown.index("*Experiments*")
