"""DiscordPlatform through real discord.py against the loopback Discord (REST only)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import discord
import pytest

from analysis.schema import Analysis, Contribution, Experiments, FutureWork, Limitations
from bot.kernel.config import Config, parse_config
from bot.kernel.models import ChatRef, Paper
from handlers.discord.client import endpoints, intents
from handlers.discord.escape import ZWSP
from handlers.discord.platform import DiscordPlatform
from handlers.discord.text import MESSAGE_LIMIT
from tests.support.fakes.discord import (
    API,
    CHANNEL_ID,
    OTHER_CHANNEL_ID,
    DiscordFake,
    message_payload,
    rate_limited,
    uploaded_files,
)

SUPPRESS_EMBEDS = 1 << 2
NO_MENTIONS: dict[str, list[str]] = {"parse": []}
NONCE = "a1b2c3d4e5f60718293a4b5c6"


@pytest.fixture
def config(discord_fake: DiscordFake) -> Config:
    return parse_config(discord_fake.config_toml())


@pytest.fixture
async def platform(config: Config) -> AsyncIterator[DiscordPlatform]:
    client = discord.Client(intents=intents())
    with endpoints(config.discord):
        await client.login("test-token")
        yield DiscordPlatform(client, config)
        await client.close()


def paper(title: str = "TwinVLA: Twin Single-Arm Vision-Language-Action Models") -> Paper:
    return Paper(
        arxiv_id="2511.05275",
        version=1,
        title=title,
        authors=("Hokyun Im", "Euijin Jeong"),
        abstract="Vision-language-action models trained on large-scale robotic datasets.",
        categories=("cs.RO", "cs.LG"),
        announce_type="cross",
        published=datetime(2025, 11, 10, 5, tzinfo=UTC),
    )


def analysis(method: str = "Joint attention (Section 4.2).") -> Analysis:
    return Analysis(
        arxiv_id="2511.05275",
        version=1,
        title="TwinVLA",
        language="en",
        engine="extractive",
        source="full_text",
        overview="Composes two single-arm VLAs @everyone.",
        motivation="Bimanual data is scarce.",
        contributions=[Contribution(title="Twin design", detail="Copies the VLM.", refs=["§4"])],
        method=method,
        experiments=Experiments(metrics=["success"], datasets=["RoboTwin"], baselines=[], setup=[]),
        limitations=Limitations(acknowledged=["forgetting"], potential=[]),
        future_work=[FutureWork(suggestion="continual learning", feasibility="high")],
        warnings=["Table 9 is cited but not found in the paper."],
    )


def posted(fake: DiscordFake, channel: str) -> list[dict]:
    return [message_payload(r) for r in fake.posts(channel)]


async def test_card_is_an_embed_with_analyze_button_nonce_and_no_mentions(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    message_id = await platform.post_card(CHANNEL_ID, paper(), ("vla",), NONCE)

    [body] = posted(discord_fake, CHANNEL_ID)
    assert body["nonce"] == NONCE
    assert body["enforce_nonce"] is True
    assert body["allowed_mentions"] == NO_MENTIONS
    [embed] = body["embeds"]
    assert embed["title"] == "TwinVLA: Twin Single-Arm Vision-Language-Action Models"
    assert embed["url"] == "https://arxiv.org/abs/2511.05275"
    assert {f["name"] for f in embed["fields"]} >= {"Authors", "arXiv ID", "Categories"}
    assert embed["footer"]["text"].startswith("arXiv:2511.05275v1 · React with 🔍")
    [row] = body["components"]
    [button] = row["components"]
    assert button["custom_id"] == "arxiv-radar:analyze:2511.05275"
    assert button["label"] == "Analyze"
    reactions = discord_fake.matching(lambda r: r.method == "PUT" and "/reactions/" in r.path)
    assert [r.path for r in reactions] == [
        f"{API}/channels/{CHANNEL_ID}/messages/{message_id}/reactions/🔍/@me"
    ]


async def test_title_with_everyone_is_sent_with_mentions_disabled(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    await platform.post_card(CHANNEL_ID, paper("Attention @everyone <@&42>"), (), NONCE)

    [body] = posted(discord_fake, CHANNEL_ID)
    assert body["allowed_mentions"]["parse"] == []
    assert body["embeds"][0]["title"] == f"Attention @{ZWSP}everyone <{ZWSP}@&42>"


async def test_a_repeated_nonce_returns_the_existing_message(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    first = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)
    second = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)

    assert first == second
    assert len(discord_fake.posts(CHANNEL_ID)) == 2
    assert len(discord_fake.channel_messages(CHANNEL_ID)) == 1


async def test_a_rate_limited_post_is_retried_and_arrives_once(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    discord_fake.script(f"{API}/channels/{CHANNEL_ID}/messages", rate_limited(0.05))

    message_id = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)

    assert len(discord_fake.posts(CHANNEL_ID)) == 2
    stored = discord_fake.channel_messages(CHANNEL_ID)
    assert [m["id"] for m in stored] == [message_id]


async def test_a_post_whose_response_was_lost_is_retried_without_a_duplicate(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    discord_fake.lost_responses = 1  # stored, but the answer is a 502: discord.py retries

    message_id = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)

    assert len(discord_fake.posts(CHANNEL_ID)) == 2
    assert [m["id"] for m in discord_fake.channel_messages(CHANNEL_ID)] == [message_id]


async def test_find_card_looks_for_the_bots_card_in_recent_history(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    card = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)
    lookalike = [{"title": "x", "footer": {"text": "arXiv:2511.09999v1 · x"}}]
    discord_fake.add_message(CHANNEL_ID, embeds=lookalike)
    discord_fake.add_message(CHANNEL_ID, content="unrelated chatter")

    assert await platform.find_card(CHANNEL_ID, "2511.05275", NONCE) == card
    assert await platform.find_card(CHANNEL_ID, "2511.09999", NONCE) is None
    assert await platform.find_card(OTHER_CHANNEL_ID, "2511.05275", NONCE) is None


async def test_progress_and_analysis_go_into_a_thread_on_the_card(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    card = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)
    ref = ChatRef("discord", CHANNEL_ID, thread=card, user="1")

    progress = await platform.start_progress(ref, "⏳ Downloading PDF…")
    await platform.update_progress(ref, progress, "⏳ Analysing with extractive…")
    await platform.deliver_analysis(ref, analysis(method="Step. " * 700), progress)

    [thread_request] = discord_fake.matching(lambda r: r.path.endswith("/threads"))
    assert thread_request.path == f"{API}/channels/{CHANNEL_ID}/messages/{card}/threads"
    assert thread_request.json["name"] == paper().title
    bodies = posted(discord_fake, card)  # the thread's ID is the card's ID
    assert bodies[0]["content"] == "⏳ Downloading PDF…"
    parts = bodies[1:]
    assert len(parts) >= 2
    assert parts[0]["content"].startswith("## TwinVLA\narXiv:2511.05275v1")
    assert all(p["flags"] & SUPPRESS_EMBEDS for p in bodies)
    assert all(p["allowed_mentions"] == NO_MENTIONS for p in bodies)
    assert all(len(p["content"]) <= MESSAGE_LIMIT for p in parts)
    assert len({p["nonce"] for p in parts}) == len(parts)
    assert f"@{ZWSP}everyone" in "".join(p["content"] for p in parts)
    edits = discord_fake.matching(lambda r: r.method == "PATCH")
    assert [e.path for e in edits] == [f"{API}/channels/{card}/messages/{progress}"] * 2
    assert [e.json["content"] for e in edits] == [
        "⏳ Analysing with extractive…",
        "✅ Analysis posted below.",
    ]


async def test_an_existing_thread_on_the_card_is_reused(
    discord_fake: DiscordFake, platform: DiscordPlatform, config: Config
) -> None:
    card = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)
    ref = ChatRef("discord", CHANNEL_ID, thread=card)
    await platform.start_progress(ref, "first request")
    restarted = DiscordPlatform(platform.client, config)  # no memory of the thread

    await restarted.start_progress(ref, "second request")

    threads = discord_fake.matching(lambda r: r.path.endswith("/threads"))
    assert len(threads) == 2  # the second attempt was told the thread exists
    contents = [m["content"] for m in discord_fake.channel_messages(card)]
    assert contents == ["first request", "second request"]


async def test_a_repeated_delivery_does_not_post_the_analysis_twice(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    card = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)
    ref = ChatRef("discord", CHANNEL_ID, thread=card)

    await platform.deliver_analysis(ref, analysis(), None)
    await platform.deliver_analysis(ref, analysis(), None)

    assert len(discord_fake.posts(card)) == 2 * len(discord_fake.channel_messages(card))


async def test_failure_is_posted_in_the_thread_and_marks_the_progress(
    discord_fake: DiscordFake, platform: DiscordPlatform
) -> None:
    card = await platform.post_card(CHANNEL_ID, paper(), (), NONCE)
    ref = ChatRef("discord", CHANNEL_ID, thread=card)
    progress = await platform.start_progress(ref, "⏳ Downloading PDF…")

    reason = "Could not analyse 2511.05275: the PDF is encrypted. Try `/arxiv analyze 2511.05275`."
    await platform.deliver_failure(ref, reason, "2511.05275", progress)

    contents = [m["content"] for m in discord_fake.channel_messages(card)]
    assert contents == ["❌ Analysis failed (see below).", f"❌ {reason}"]


async def test_report_is_uploaded_as_a_file(
    discord_fake: DiscordFake, platform: DiscordPlatform, tmp_path: Path
) -> None:
    report = tmp_path / "2025-11-11.md"
    report.write_text("# arXiv论文监控报告\n", encoding="utf-8")

    await platform.upload_report(CHANNEL_ID, report, "Daily report @here")

    [request] = discord_fake.posts(CHANNEL_ID)
    assert uploaded_files(request) == {"2025-11-11.md": report.read_bytes()}
    body = message_payload(request)
    assert body["content"] == f"Daily report @{ZWSP}here"
    assert body["allowed_mentions"] == NO_MENTIONS


def test_endpoints_are_restored_after_use(config: Config) -> None:
    from discord.gateway import DiscordWebSocket
    from discord.http import Route

    before = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    with endpoints(config.discord):
        assert config.discord.api_url == Route.BASE
        assert str(DiscordWebSocket.DEFAULT_GATEWAY) == config.discord.gateway_url
    assert before == (Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY)
