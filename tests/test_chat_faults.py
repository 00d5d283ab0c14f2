"""Chat faults: replayed slash commands, a database lock held elsewhere, Slack 500s after a write.

The real Bolt app gets real signed requests; Slack is the loopback fake; SQLite is
a real file, locked by another process where the test says so.
"""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest

from handlers.slack.replays import RecentKeys
from tests.support import discord_harness
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import DiscordFake
from tests.support.fakes.server import Fault, until
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import CHANNEL, Bot, command_body, reaction_added, running_bot

PAPER_ID = "2511.05275"
FORM = "application/x-www-form-urlencoded"
LOCKER = """
import sqlite3, sys, time
conn = sqlite3.connect(sys.argv[1], isolation_level=None)
conn.execute("BEGIN EXCLUSIVE")
print("locked", flush=True)
time.sleep(float(sys.argv[2]))
conn.execute("COMMIT")
"""


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    # a short busy timeout: a held lock outlives it quickly
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, busy_timeout_s=0.3) as running:
        yield running


def whispers(bot: Bot) -> list[str]:
    return [str(params["text"]) for params in bot.slack.called("chat.postEphemeral")]


def count(bot: Bot, sql: str) -> int:
    return int(bot.service.store.db.execute(sql).fetchone()[0])


@asynccontextmanager
async def locked(path: str, seconds: float) -> AsyncIterator[subprocess.Popen[str]]:
    """Another process holds SQLite's write lock (``BEGIN EXCLUSIVE``) for ``seconds``;
    the bot's event loop keeps running meanwhile, and on leaving until it is released."""
    holder = subprocess.Popen(
        [sys.executable, "-c", LOCKER, path, str(seconds)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None
        assert (await asyncio.to_thread(holder.stdout.readline)).strip() == "locked"
        yield holder
    finally:
        await asyncio.to_thread(holder.wait, seconds + 10)


# replays -------------------------------------------------------------------------------


async def test_five_replays_of_a_signed_command_make_one_analysis(bot: Bot) -> None:
    body = command_body(f"analyze {PAPER_ID}", trigger_id="4242.1.abc")
    stamp = str(int(time.time()))
    for _ in range(5):
        response = await bot.send(body, FORM, timestamp=int(stamp))
        assert response.status == 200
    await until(lambda: count(bot, "SELECT count(*) FROM job_requests WHERE state = 'replied'"))

    bot.adapter.listeners.recent = RecentKeys(300)  # a restart forgets the in-memory keys
    assert (await bot.send(body, FORM)).status == 200  # re-signed: only trigger_id matches
    await until(lambda: ("command:trigger:4242.1.abc", False) in bot.seen)

    assert count(bot, "SELECT count(*) FROM jobs") == 1
    assert count(bot, "SELECT count(*) FROM job_requests") == 1
    assert len(bot.analyzer.requested) == 1
    assert whispers(bot) == [
        f"Queued the analysis of {PAPER_ID}; the result will be posted in a thread under its card."
    ]
    analyses = [
        p for p in bot.slack.called("chat.postMessage") if p["text"].startswith("Analysis: ")
    ]
    assert len({p["thread_ts"] for p in analyses}) == 1


async def test_a_replay_without_trigger_id_is_known_by_its_signature(bot: Bot) -> None:
    body = command_body('subscribe "traffic prediction"').replace("&trigger_id=", "&x=")
    stamp = int(time.time())
    for _ in range(5):  # the same body and timestamp: the same signature
        assert (await bot.send(body, FORM, timestamp=stamp)).status == 200
    other = command_body("list").replace("&trigger_id=", "&x=")
    await bot.send(other, FORM)
    await until(lambda: len(whispers(bot)) >= 2)

    assert len(whispers(bot)) == 2
    # the two commands run concurrently after their acks: either may answer first
    assert sum("now follows the keyword" in text for text in whispers(bot)) == 1
    assert count(bot, "SELECT count(*) FROM subscriptions") == 1


# a database lock held by another process ---------------------------------------------


async def test_ack_does_not_wait_for_a_lock_and_the_request_is_stored_after_it(
    bot: Bot, tmp_path: Path
) -> None:
    async with locked(str(tmp_path / "radar.db"), 2.0):
        started = time.monotonic()
        response = await bot.command(f"analyze {PAPER_ID}")
        ack_s = time.monotonic() - started
        assert response.status == 200
        subscribe = await bot.command('subscribe "traffic prediction"')
        assert subscribe.status == 200
        assert not whispers(bot)  # nothing stored yet: nothing claimed
    assert ack_s < 1.0  # Slack's limit is 3 s; the lock is held for 2 s
    await until(lambda: len(whispers(bot)) >= 2, timeout_s=20)

    assert sorted(whispers(bot)) == [
        f"Queued the analysis of {PAPER_ID}; the result will be posted in a thread under its card.",
        "This channel now follows the keyword “traffic prediction”; new matches are posted here.",
    ]
    assert count(bot, "SELECT count(*) FROM job_requests") == 1
    assert count(bot, "SELECT count(*) FROM subscriptions") == 1


async def test_a_change_that_could_not_be_stored_is_reported_as_failed(
    bot: Bot, tmp_path: Path
) -> None:
    bot.service.write_retry_s = 1.0
    async with locked(str(tmp_path / "radar.db"), 4.0):
        started = time.monotonic()
        await bot.command('subscribe "traffic prediction"')
        await bot.command(f"analyze {PAPER_ID}")
        assert time.monotonic() - started < 1.0
        await until(lambda: len(whispers(bot)) >= 2, timeout_s=20)

    for text in whispers(bot):
        assert text.startswith("Sorry, ")
        assert "could not be saved (database is locked), so nothing was changed" in text
    assert count(bot, "SELECT count(*) FROM subscriptions") == 0
    assert count(bot, "SELECT count(*) FROM job_requests") == 0


async def test_discord_change_that_could_not_be_stored_is_reported_as_failed(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> None:
    async with discord_harness.running_bot(
        tmp_path, monkeypatch, discord_fake, arxiv_fake, storage="busy_timeout_s = 0.3\n"
    ) as bot:
        bot.core.service.write_retry_s = 1.0
        async with locked(str(tmp_path / "radar.db"), 4.0):
            interaction = bot.interact(bot.discord.interaction("subscribe", keyword="VLA"))
            [answer] = await bot.followups(interaction)
        assert bot.callbacks(interaction)  # deferred at once, before any write
        assert answer["content"].startswith("Sorry, ")
        assert "could not be saved (database is locked)" in answer["content"]
        db = bot.core.service.store.db
        assert db.execute("SELECT count(*) FROM subscriptions").fetchone()[0] == 0


# Slack answers 500 after storing the message -------------------------------------------


def analyses_in_thread(bot: Bot, thread: str) -> list[str]:
    return [str(m["text"]) for m in bot.slack.thread(CHANNEL, thread)]


async def test_a_card_stored_before_a_500_is_not_posted_again(bot: Bot) -> None:
    bot.slack.fail_after_write("chat.postMessage")

    card_ts = await bot.post_card(sample_paper())

    assert [m["ts"] for m in bot.slack.history[CHANNEL]] == [card_ts]
    assert len(bot.slack.called("chat.postMessage")) == 1
    assert bot.slack.called("conversations.history")  # reconciled before deciding


async def test_thread_replies_stored_before_500s_are_not_duplicated(bot: Bot) -> None:
    card_ts = await bot.post_card(sample_paper())
    bot.slack.fail_after_write("chat.postMessage", 2)  # the progress message and the analysis

    await bot.event(reaction_added(card_ts, BOT_USER))
    await until(lambda: count(bot, "SELECT count(*) FROM job_requests WHERE state = 'replied'"))

    thread = analyses_in_thread(bot, card_ts)
    assert thread[0].startswith("⏳ Starting")  # the progress message (edited later)
    assert thread[1].startswith("Analysis: Twin")
    assert len(thread) == len(set(thread)) == len(bot.slack.called("chat.postMessage")) - 1
    assert len(bot.slack.called("conversations.replies")) == 2


async def test_a_post_lost_with_a_500_is_sent_again_once(bot: Bot) -> None:
    error = json.dumps({"ok": False, "error": "internal_error"}).encode()
    bot.slack.script(
        "/api/chat.postMessage", Fault(500, error, {"Content-Type": "application/json"})
    )

    card_ts = await bot.post_card(sample_paper())

    assert [m["ts"] for m in bot.slack.history[CHANNEL]] == [card_ts]
    assert len(bot.slack.matching(lambda r: r.path == "/api/chat.postMessage")) == 2


async def test_an_upload_shared_before_a_500_is_not_uploaded_again(
    bot: Bot, tmp_path: Path
) -> None:
    report = tmp_path / "vla-2025-11-11.md"
    report.write_text("# report\n")
    bot.slack.fail_after_write("files.completeUploadExternal")

    await bot.adapter.platform.upload_report(CHANNEL, report, "Daily report")

    shared = [m for m in bot.slack.history.get(CHANNEL, []) if m.get("files")]
    assert len(shared) == 1
    assert shared[0]["files"][0]["name"] == report.name
    assert len(bot.slack.called("files.completeUploadExternal")) == 1
