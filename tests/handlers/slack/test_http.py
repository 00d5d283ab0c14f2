"""HTTP mode: signed slash commands through the real Bolt app, acked before the work."""

from __future__ import annotations

import json
import time
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl

import pytest

from handlers.slack.app import REFUSAL
from tests.support.corpus import corpus_file
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import Fault
from tests.support.fakes.slack import SlackFake, sample_paper
from tests.support.slack_harness import (
    CHANNEL,
    SIGNING_SECRET,
    USER,
    Bot,
    app_mention,
    atom_api,
    block_actions,
    command_body,
    post_default_monitor_to,
    reaction_added,
    running_bot,
    sign,
)

FORM = "application/x-www-form-urlencoded"
SLACK = "slack"  # corpus folder of recorded payloads


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        yield running


async def whisper(bot: Bot, count: int = 1) -> str:
    """The text of the ``count``-th ephemeral reply (to the user, in the channel)."""
    calls = await bot.slack.until_calls("chat.postEphemeral", count)
    params = calls[count - 1].params
    assert (params["channel"], params["user"]) == (CHANNEL, USER)
    return str(params["blocks"][0]["text"]["text"])


async def test_help_is_acked_then_whispered(bot: Bot) -> None:
    response = await bot.command("help")
    assert response.status == 200
    assert await response.text() == ""
    text = await whisper(bot)
    assert "`/arxiv analyze &lt;arXiv ID or URL&gt; [en|zh] [refresh]`" in text
    assert not bot.slack.called("chat.postMessage")


async def test_analyze_is_acked_then_says_what_was_queued(bot: Bot) -> None:
    response = await bot.command("analyze https://arxiv.org/abs/2511.05275 en")
    assert response.status == 200
    assert await response.text() == ""  # the ack never waits on the database
    assert (await whisper(bot)).startswith("Queued the analysis of 2511.05275")

    # no card yet: the worker posts one, then threads progress and the analysis under it
    calls = await bot.slack.until_calls("chat.postMessage", 3)
    card, progress, analysis = (call.params for call in calls[:3])
    assert card["metadata"]["event_payload"]["arxiv_id"] == "2511.05275"
    card_ts = bot.slack.history[CHANNEL][0]["ts"]
    assert progress["thread_ts"] == card_ts
    assert analysis["thread_ts"] == card_ts
    assert bot.analyzer.requested[0].id == "2511.05275"


async def test_bad_arxiv_id_is_refused_in_the_ack(bot: Bot) -> None:
    response = await bot.command("analyze https://evil.example/abs/2511.05275")
    body = await response.json()
    assert "is not an arXiv ID or arXiv URL" in body["text"]
    assert "evil.example" in body["blocks"][0]["text"]["text"]
    assert not bot.analyzer.requested


async def test_unknown_command_is_explained(bot: Bot) -> None:
    body = await (await bot.command("frobnicate <!channel>")).json()
    assert "Unknown command 'frobnicate'" in body["text"]


async def test_subscriptions_round_trip(bot: Bot) -> None:
    steps = [
        ('subscribe "traffic prediction"', "now follows the keyword “traffic prediction”"),
        ("categories add cs.RO", "now follows the category cs.RO"),
        ("list", "this channel's keywords: traffic prediction"),
        ('unsubscribe "traffic prediction"', "no longer follows the keyword"),
        ("categories remove cs.RO", "no longer follows the category cs.RO"),
        ("list", "This channel follows nothing yet."),
    ]
    for count, (text, expected) in enumerate(steps, start=1):
        response = await bot.command(text)
        assert response.status == 200
        assert expected in await whisper(bot, count)


async def test_digest_without_report_says_so(bot: Bot) -> None:
    await bot.command("digest")
    assert "No daily report has been written yet." in await whisper(bot)
    assert not bot.slack.called("files.getUploadURLExternal")


async def test_digest_uploads_the_latest_report(bot: Bot, tmp_path: Path) -> None:
    report = tmp_path / "arxiv_report_2025-11-11.md"
    report.write_text("# arXiv论文监控报告 - 2025年11月11日\n", encoding="utf-8")
    bot.service.store.record_report("default", date(2025, 11, 11), "2025-11-10", str(report), 4)
    post_default_monitor_to(bot, f"slack:{CHANNEL}")  # a channel gets its monitors' reports

    await bot.command("digest")

    assert "the default report for 2025-11-11 (4 papers)" in await whisper(bot)
    [complete] = (await bot.slack.until_calls("files.completeUploadExternal"))[:1]
    assert complete.params["channel_id"] == CHANNEL
    assert list(bot.slack.uploads.values()) == [report.read_bytes()]


async def test_search_is_acked_before_arxiv_answers(bot: Bot) -> None:
    papers = [sample_paper(arxiv_id=f"2511.0527{i}", title=f"Paper {i}") for i in range(3)]
    bot.arxiv.api["*"] = atom_api(papers)
    bot.arxiv.script("/api/query", Fault(200, atom_api(papers), delay_s=1.5))

    started = time.monotonic()
    response = await bot.command("search bimanual manipulation")
    acked = time.monotonic() - started

    assert response.status == 200
    assert acked < 0.5
    assert not bot.slack.called("chat.postEphemeral")
    assert "Top 3 arXiv results" in await whisper(bot)
    cards = await bot.slack.until_calls("chat.postMessage", 3)
    assert [c.params["metadata"]["event_payload"]["arxiv_id"] for c in cards] == [
        "2511.05270",
        "2511.05271",
        "2511.05272",
    ]
    assert cards[0].at - started >= 1.5


async def test_unauthorised_user_is_refused_politely(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    async with running_bot(
        tmp_path, monkeypatch, slack, arxiv_fake, allowed_users=("U0OK",)
    ) as bot:
        await bot.command("analyze 2511.05275")
        assert await whisper(bot) == REFUSAL
        response = await bot.command("help")  # a free command still works
        assert response.status == 200
        await whisper(bot, 2)
        assert not bot.analyzer.requested
        assert not slack.called("chat.postMessage")


@pytest.mark.parametrize("tamper", ["unsigned", "stale", "tampered", "wrong secret"])
async def test_bad_signatures_get_401_and_do_nothing(bot: Bot, tamper: str) -> None:
    body = command_body('subscribe "traffic prediction"')
    if tamper == "unsigned":
        response = await bot.session.post(bot.events_url, data=body, headers={"Content-Type": FORM})
    elif tamper == "stale":
        response = await bot.send(body, FORM, timestamp=int(time.time()) - 6 * 60)
    elif tamper == "tampered":
        stamp = str(int(time.time()))
        good = sign(bot.secret, stamp, body)
        response = await bot.session.post(
            bot.events_url,
            data=body.replace("traffic", "evil"),
            headers={
                "Content-Type": FORM,
                "X-Slack-Request-Timestamp": stamp,
                "X-Slack-Signature": good,
            },
        )
    else:
        bot.secret = "not-the-secret"
        response = await bot.send(body, FORM)

    assert response.status == 401
    bot.secret = SIGNING_SECRET
    await bot.command("list")  # a good request afterwards: the bad one changed nothing
    assert "This channel follows nothing yet." in await whisper(bot)
    assert len(bot.slack.called("chat.postEphemeral")) == 1


async def test_url_verification_challenge_is_answered(bot: Bot) -> None:
    challenge = {"token": "x", "challenge": "3eZbrw1aBm2rZgRNFdxV", "type": "url_verification"}
    response = await bot.event(challenge)
    assert response.status == 200
    assert (await response.json()) == {"challenge": "3eZbrw1aBm2rZgRNFdxV"}


def test_payload_builders_have_the_recorded_shapes() -> None:
    recorded = dict(
        parse_qsl(
            corpus_file(f"{SLACK}/slash_command_hello_world.x-www-form-urlencoded.txt").read_text()
        )
    )
    assert set(dict(parse_qsl(command_body("help")))) <= set(recorded)
    pairs = [
        ("event_callback_reaction_added.json", reaction_added("1.2", "U1")),
        ("event_callback_app_mention.json", app_mention("hi")),
        ("interactivity_block_actions.json", block_actions("1.2", "2511.05275")),
    ]
    for name, built in pairs:
        shape = json.loads(corpus_file(f"{SLACK}/{name}").read_text())
        assert keys(built) <= keys(shape), name


def keys(payload: dict[str, Any], prefix: str = "") -> set[str]:
    """Dotted key paths of nested dicts (the first item of lists)."""
    found = set()
    for key, value in payload.items():
        found.add(prefix + key)
        if isinstance(value, list) and value and isinstance(value[0], dict):
            value = value[0]
        if isinstance(value, dict):
            found |= keys(value, f"{prefix}{key}.")
    return found
