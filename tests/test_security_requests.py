"""#14 items 6 and 7: malformed or oversized requests are refused cheaply and cleanly."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest

from handlers.slack.requests import signature_of
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import until
from tests.support.fakes.slack import SlackFake
from tests.support.slack_harness import Bot, block_actions, running_bot

FORM = "application/x-www-form-urlencoded"


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        yield running


async def send_raw(bot: Bot, body: bytes, content_type: str) -> aiohttp.ClientResponse:
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": content_type,
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": signature_of(bot.secret, stamp, body),
    }
    return await bot.session.post(bot.events_url, data=body, headers=headers)


def without(payload: dict[str, Any], *path: str) -> dict[str, Any]:
    copy = json.loads(json.dumps(payload))
    target = copy
    for key in path[:-1]:
        target = target[key]
    del target[path[-1]]
    return copy


async def test_malformed_requests_get_4xx_one_log_line_and_no_traceback(
    bot: Bot, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    unsigned = await bot.session.post(
        bot.events_url,
        data="x=1",
        headers={"X-Slack-Request-Timestamp": "soon", "Content-Type": FORM},
    )
    assert unsigned.status == 401
    card = block_actions("1.2", "2511.05275")
    cases = [
        (without(card, "container"), FORM),
        (without(without(card, "container", "channel_id"), "channel"), FORM),
    ]
    for payload, kind in cases:
        response = await bot.send(urlencode({"payload": json.dumps(payload)}), kind)
        assert response.status == 400
    for body, kind in (
        (b"\xff\xfe\x00binary", "application/json"),
        (b"[1, 2]", "application/json"),
    ):
        response = await send_raw(bot, body, kind)
        assert response.status == 400
    refusals = [r for r in caplog.records if "refused a Slack request" in r.getMessage()]
    assert len(refusals) == 5
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    assert not bot.slack.called("chat.postEphemeral")


async def test_a_huge_command_is_refused_before_parsing_and_health_stays_quick(
    bot: Bot,
) -> None:
    text = "search " + '"a b ' * 20_000  # 100 KB of quoted words: seconds of shlex
    started = time.perf_counter()
    response = await bot.command(text)
    answer = json.dumps(await response.json())
    assert time.perf_counter() - started < 1.0
    assert "too long" in answer
    huge = await bot.command("search " + "x" * 400_000)
    assert huge.status == 413


async def test_a_socket_mode_button_payload_without_a_container_is_acked_and_ignored(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack: SlackFake,
    arxiv_fake: ArxivFake,
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, mode="socket") as bot:
        await asyncio.to_thread(slack.wait_connected)
        envelope = slack.push(
            "interactive", without(block_actions("1.2", "2511.05275"), "container")
        )
        await slack.until_ack(envelope)
        await until(lambda: any("without container" in r.getMessage() for r in caplog.records))
        assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
        assert not bot.slack.called("chat.postEphemeral")
