"""Analyze from a card (button, reaction) or a mention, ending in a threaded reply."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from handlers.slack.app import REFUSAL
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import until
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import (
    CHANNEL,
    Bot,
    app_mention,
    assert_threaded_analysis,
    block_actions,
    eventually,
    reaction_added,
    running_bot,
    starts,
)


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        running.analyzer.gate.clear()
        yield running


async def test_button_on_a_card_analyses_in_its_thread(bot: Bot) -> None:
    card_ts = await bot.post_card(sample_paper())

    response = await bot.interaction(block_actions(card_ts, "2511.05275"))

    assert response.status == 200
    [ack] = await bot.slack.until_calls("chat.postEphemeral")
    assert ack.params["text"].startswith("Queued the analysis of 2511.05275")
    await assert_threaded_analysis(bot, card_ts)


async def test_reaction_on_a_card_analyses_in_its_thread(bot: Bot) -> None:
    card_ts = await bot.post_card(sample_paper())

    response = await bot.event(reaction_added(card_ts, BOT_USER))

    assert response.status == 200
    [ack] = await bot.slack.until_calls("chat.postEphemeral")
    assert ack.params["user"] == "W111"
    await assert_threaded_analysis(bot, card_ts)


async def test_reactions_elsewhere_are_ignored_without_a_request(bot: Bot) -> None:
    card_ts = await bot.post_card(sample_paper())
    foreign_ts = bot.slack.post(CHANNEL, text="<!channel> lunch?", user="W999")
    before = len(bot.slack.calls)

    ignored = [
        reaction_added(foreign_ts, "W999", event_id="Ev1"),  # someone else's message
        reaction_added(card_ts, BOT_USER, reaction="tada", event_id="Ev2"),  # other emoji
        reaction_added("1700000000.999999", BOT_USER, event_id="Ev3"),  # bot message, no card
    ]
    for payload in ignored:
        assert (await bot.event(payload)).status == 200
    await bot.event(reaction_added(card_ts, BOT_USER, event_id="Ev4"))  # the one that counts

    await bot.slack.until_calls("chat.postEphemeral")
    await bot.slack.until_calls("chat.postMessage", 2)
    # auth.test is Bolt's one-time identity lookup on its first request
    await until(lambda: bot.analyzer.requested)  # the worker has picked the job up
    methods = sorted(c.method for c in bot.slack.calls[before:] if c.method != "auth.test")
    assert methods == ["chat.postEphemeral", "chat.postMessage"]
    assert len(bot.analyzer.requested) == 1


async def test_retried_events_are_handled_once(bot: Bot) -> None:
    card_ts = await bot.post_card(sample_paper())
    payload = reaction_added(card_ts, BOT_USER, event_id="EvRetry")

    await bot.event(payload)
    await bot.slack.until_calls("chat.postEphemeral")
    for attempt in ("1", "2"):
        retry = await bot.event(payload, **{"X-Slack-Retry-Num": attempt})
        assert retry.status == 200
    await eventually(lambda: len(bot.seen) == 3)
    assert [answer for _, answer in bot.seen] == [True, False, False]
    await bot.event(reaction_added(card_ts, BOT_USER, event_id="EvNext"))

    ephemerals = await bot.slack.until_calls("chat.postEphemeral", 2)
    assert "already being analysed" in ephemerals[1].params["text"]
    assert len(bot.slack.called("chat.postEphemeral")) == 2


async def test_unauthorised_reaction_and_button_are_refused(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    async with running_bot(
        tmp_path, monkeypatch, slack, arxiv_fake, allowed_users=("U0OK",)
    ) as bot:
        card_ts = await bot.post_card(sample_paper())
        await bot.event(reaction_added(card_ts, BOT_USER))
        await bot.interaction(block_actions(card_ts, "2511.05275"))

        refusals = await bot.slack.until_calls("chat.postEphemeral", 2)
        assert {c.params["text"] for c in refusals} == {REFUSAL}
        assert not bot.analyzer.requested
        assert len(bot.slack.called("chat.postMessage")) == 1  # only the card


async def test_mention_analyze_replies_in_thread(bot: Bot) -> None:
    mention_ts = "1595926230.009600"
    text = "<@UBOT0001> analyze <https://arxiv.org/abs/2511.05275|arxiv.org/abs/2511.05275>"

    assert (await bot.event(app_mention(text, mention_ts))).status == 200

    [reply] = await bot.slack.until_calls("chat.postMessage", where=starts("Queued"))
    assert reply.params["thread_ts"] == mention_ts
    await assert_threaded_analysis(bot, mention_ts)


async def test_mention_commands_and_errors_reply_in_thread(bot: Bot) -> None:
    await bot.event(app_mention("<@UBOT0001> help", "1.000001", event_id="Ev1"))
    await bot.event(app_mention("<@UBOT0001> analyze @channel", "1.000002", event_id="Ev2"))
    await bot.event(app_mention("<@UBOT0001> help", "1.000001", event_id="Ev1"))  # a retry
    await eventually(lambda: len(bot.seen) == 3)
    assert sorted(bot.seen) == [("Ev1", False), ("Ev1", True), ("Ev2", True)]
    await bot.event(app_mention("<@UBOT0001> list", "1.000003", event_id="Ev3"))

    replies = await bot.slack.until_calls("chat.postMessage", 3)
    by_thread = {c.params["thread_ts"]: c.params["blocks"][0]["text"]["text"] for c in replies}
    assert "`/arxiv search &lt;query&gt;`" in by_thread["1.000001"]
    assert "is not an arXiv ID" in by_thread["1.000002"]
    assert "'@\u2060channel' is not an arXiv ID" in by_thread["1.000002"]
    assert "follows nothing yet" in by_thread["1.000003"]
    assert len(bot.slack.called("chat.postMessage")) == 3
