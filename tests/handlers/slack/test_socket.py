"""Socket Mode: the app connects where apps.connections.open points and acks every envelope."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import parse_qsl

import pytest

from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import Fault
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import (
    Bot,
    atom_api,
    block_actions,
    command_body,
    eventually,
    reaction_added,
    running_bot,
)


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, mode="socket") as running:
        await asyncio.to_thread(slack.wait_connected)
        yield running


def slash(text: str) -> dict[str, str]:
    return dict(parse_qsl(command_body(text)))


async def test_connects_with_the_app_token_to_the_returned_url(bot: Bot) -> None:
    [opened] = bot.slack.matching(lambda r: r.path == "/api/apps.connections.open")
    assert opened.headers["Authorization"] == "Bearer xapp-test"
    assert bot.slack.matching(lambda r: r.path == "/socket")
    assert bot.adapter.is_connected()
    await bot.adapter.stop()
    assert not bot.adapter.is_connected()


async def test_slash_command_analyze_is_acked_then_told_what_was_queued(bot: Bot) -> None:
    envelope = bot.slack.push("slash_commands", slash("analyze 2511.05275"))
    ack = await bot.slack.until_ack(envelope)
    assert not ack.payload  # acked before the database write
    [queued] = await bot.slack.until_calls("chat.postEphemeral")
    assert queued.params["text"].startswith("Queued the analysis of 2511.05275")

    card, progress = (c.params for c in await bot.slack.until_calls("chat.postMessage", 2))
    assert progress["thread_ts"] == bot.slack.history["C111"][0]["ts"]
    assert card["metadata"]["event_payload"]["arxiv_id"] == "2511.05275"


async def test_slash_command_search_is_acked_before_arxiv_answers(bot: Bot) -> None:
    papers = [sample_paper(arxiv_id="2511.05270", title="Paper 0")]
    bot.arxiv.script("/api/query", Fault(200, atom_api(papers), delay_s=1.5))

    pushed = time.monotonic()
    envelope = bot.slack.push("slash_commands", slash("search bimanual"))
    ack = await bot.slack.until_ack(envelope)

    assert ack.at - pushed < 0.5
    assert not bot.slack.called("chat.postEphemeral")
    [card] = await bot.slack.until_calls("chat.postMessage")
    assert card.at - pushed >= 1.5
    assert card.params["metadata"]["event_payload"]["arxiv_id"] == "2511.05270"


async def test_retried_reaction_envelopes_are_acked_and_handled_once(bot: Bot) -> None:
    bot.analyzer.gate.clear()
    card_ts = await bot.post_card(sample_paper())
    payload = reaction_added(card_ts, BOT_USER, event_id="EvSocket")

    first = bot.slack.push("events_api", payload)
    await bot.slack.until_ack(first)
    [queued] = await bot.slack.until_calls("chat.postEphemeral")
    assert queued.params["text"].startswith("Queued the analysis of 2511.05275")
    retry = bot.slack.push("events_api", payload, retry_attempt=1)
    await bot.slack.until_ack(retry)
    await eventually(lambda: len(bot.seen) == 2)
    assert bot.seen == [("EvSocket", True), ("EvSocket", False)]
    button = bot.slack.push("interactive", block_actions(card_ts, "2511.05275"))
    await bot.slack.until_ack(button)

    ephemerals = await bot.slack.until_calls("chat.postEphemeral", 2)
    assert "already being analysed" in ephemerals[1].params["text"]
    assert len(bot.slack.called("chat.postEphemeral")) == 2


async def test_a_slash_command_delivered_again_is_acked_and_ignored(bot: Bot) -> None:
    payload = slash('subscribe "traffic prediction"')
    envelopes = [bot.slack.push("slash_commands", payload) for _ in range(3)]
    for envelope in envelopes:
        await bot.slack.until_ack(envelope)  # every delivery is acknowledged
    [subscribed] = await bot.slack.until_calls("chat.postEphemeral")
    await bot.slack.until_ack(bot.slack.push("slash_commands", slash("list")))
    whispers = await bot.slack.until_calls("chat.postEphemeral", 2)

    assert len(whispers) == 2  # the replays were ignored at the ack: nothing else is coming
    assert "now follows the keyword" in subscribed.params["text"]
    assert "this channel's keywords: traffic prediction" in whispers[1].params["text"]
