"""#14 items 2 and 3: links, mentions and invisible characters from papers stay inert in chat."""

from __future__ import annotations

import json
import re
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import date
from pathlib import Path
from typing import Any

import pytest

from bot.store import subscriptions
from tests.support.discord_harness import Bot as DiscordBot
from tests.support.discord_harness import running_bot as discord_running_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import CHANNEL_ID, DiscordFake, message_payload
from tests.support.fakes.server import until
from tests.support.fakes.slack import SlackFake, sample_paper
from tests.support.hostile import CHAT_ABSTRACT, CHAT_TITLE
from tests.support.slack_harness import (
    CHANNEL,
    Bot,
    atom_api,
    block_actions,
    post_default_monitor_to,
    running_bot,
)

SLACK_LINK = re.compile(r"<(https?://[^|>]+)\|")
INVISIBLE = ("\u202e", "\u202c", "\u2066")


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        yield running


def text_objects(blocks: list[dict[str, Any]]) -> list[dict[str, Any]]:
    objects = [block["text"] for block in blocks if "text" in block]
    return objects + [e for block in blocks for e in block.get("elements", ()) if "text" in e]


async def test_slack_shows_injected_links_inert_verbatim_and_listed(bot: Bot) -> None:
    paper = sample_paper(title=CHAT_TITLE, abstract=CHAT_ABSTRACT)
    bot.arxiv.api[paper.arxiv_id] = atom_api([paper])
    card_ts = await bot.post_card(paper)
    await bot.interaction(block_actions(card_ts, paper.arxiv_id))
    await bot.slack.until_calls("chat.update", where=lambda p: str(p.get("text")).startswith("✅"))
    posted = bot.slack.called("chat.postMessage")
    mrkdwn = [o for p in posted for o in text_objects(p["blocks"]) if o["type"] == "mrkdwn"]
    assert mrkdwn
    assert all(o.get("verbatim") is True for o in mrkdwn)  # Slack auto-links nothing
    shown = json.dumps(posted, ensure_ascii=False)
    text = "\n".join(o["text"] for o in mrkdwn)
    arxiv = bot.config.arxiv
    ours = {t.format(id=paper.arxiv_id) for t in (arxiv.abs_url, arxiv.pdf_url, arxiv.html_url)}
    assert set(SLACK_LINK.findall(text)) <= ours
    assert "`http://evil.example/login`" in text  # shown as code, not clickable
    assert re.search(r"(?<!`)https?://evil", text) is None
    assert "check before visiting: `https://evil.example/t`" in text
    for live in ("<!channel>", "<!here>", "<@U999>", "@everyone", *INVISIBLE):
        assert live not in shown


@pytest.fixture
async def discord_bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> AsyncIterator[DiscordBot]:
    async with discord_running_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as running:
        yield running


def bare_urls(text: str) -> list[str]:
    """URLs Discord would make clickable: not inside a code span, not a <link> of ours."""
    outside_code = re.sub(r"`[^`]*`", "", text)
    return re.findall(r"(?<![<(])https?://[^\s)>]+", outside_code)


async def test_discord_shows_paper_links_inert_and_lists_them(discord_bot: DiscordBot) -> None:
    [served] = discord_bot.serve("2511.05275")
    paper = replace(served, title=CHAT_TITLE, abstract=CHAT_ABSTRACT)
    discord_bot.core.fake.api[paper.arxiv_id] = atom_api([paper])
    card = await discord_bot.post_card(paper)
    discord_bot.discord.dispatch("MESSAGE_REACTION_ADD", discord_bot.discord.reaction(card))
    done = "✅ Analysis posted below."
    await until(
        lambda: any(m["content"] == done for m in discord_bot.discord.channel_messages(card)),
        timeout_s=60,
    )
    [embed] = message_payload(discord_bot.discord.posts(CHANNEL_ID)[0])["embeds"]
    thread = "\n".join(m["content"] for m in discord_bot.discord.channel_messages(card))
    shown = json.dumps(embed, ensure_ascii=False) + thread
    assert bare_urls(embed["title"] + embed["description"].split("\n\n")[0] + thread) == []
    assert "`http://evil.example/login`" in embed["description"]
    assert "check before visiting: `https://evil.example/t`" in thread
    for live in ("@everyone", "](javascript", *INVISIBLE):  # <!channel> means nothing here
        assert live not in shown


async def test_invisible_only_or_bidi_arguments_are_refused_or_cleaned(bot: Bot) -> None:
    refused = await bot.command("subscribe \u200b\u200b")
    assert "Usage: subscribe" in json.dumps(await refused.json())

    await bot.command("subscribe VLA\u202e\u2066")
    await bot.slack.until_calls("chat.postEphemeral", where=lambda p: "follows" in str(p))
    assert (
        await bot.service.store.run(subscriptions.follows, bot.service.store.db, "slack", CHANNEL)
    ).keywords == ("VLA",)


async def test_digest_gives_only_this_channels_reports_and_no_paths(
    bot: Bot, tmp_path: Path
) -> None:
    report = tmp_path / "reports" / "default-2025-11-11.md"
    report.parent.mkdir()
    report.write_text("# private report of another team\n", encoding="utf-8")
    bot.service.store.record_report("default", date(2025, 11, 11), None, str(report), 3)
    post_default_monitor_to(bot, "slack:C999")  # another team's channel

    await bot.command("digest")
    [answer] = await bot.slack.until_calls("chat.postEphemeral")
    assert "No daily report has been written yet." in json.dumps(answer.params)
    assert not bot.slack.called("files.getUploadURLExternal")

    post_default_monitor_to(bot, f"slack:{CHANNEL}")
    report.unlink()
    await bot.command("digest")
    [_, missing] = await bot.slack.until_calls("chat.postEphemeral", 2)
    shown = json.dumps(missing.params)
    assert "no longer on disk" in shown
    assert str(tmp_path) not in shown
    assert "/" not in missing.params["text"].replace("</", "")
