"""Nothing twice, through the real ``arxiv-radar run`` process: replayed slash commands
and a Slack that stores a message, then answers 500."""

from __future__ import annotations

import time
import urllib.request

import pytest

from tests.reliability.harness import (
    CHANNEL,
    SIGNING_SECRET,
    BotProcess,
    SlowSlack,
    cards,
    final_replies,
    integrity,
    query,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.feeds import WEEKEND_FEED
from tests.support.slack_harness import command_body, sign

pytestmark = pytest.mark.reliability
PAPER = "2511.05275"
USER = "U0ALICE"
EXTRACTIVE = "[analysis]\nengine = 'extractive'\n"


def post_signed(bot: BotProcess, body: str, stamp: int) -> int:
    """POST ``body`` signed for ``stamp`` (the same bytes each time: a replay)."""
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": str(stamp),
        "X-Slack-Signature": sign(SIGNING_SECRET, str(stamp), body),
    }
    request = urllib.request.Request(
        bot.slack_events_url(), data=body.encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


def whispers(slack: SlowSlack) -> list[str]:
    return [str(params.get("text", "")) for params in slack.called("chat.postEphemeral")]


def test_a_command_replayed_before_and_after_a_restart_is_answered_once(
    arxiv_fake, slack, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    serve_papers(arxiv_fake, tmp_path, [PAPER])
    bot = BotProcess(write_config(tmp_path, arxiv_fake, slack, EXTRACTIVE))
    body = command_body(f"analyze {PAPER}", USER, CHANNEL, trigger_id="9001.1.replayed")
    stamp = int(time.time())
    db = tmp_path / "radar.db"
    try:
        bot.start()
        assert [post_signed(bot, body, stamp) for _ in range(5)] == [200] * 5
        wait_until(lambda: len(final_replies(slack)) == 1, 60, "the analysis")
        bot.terminate()
        bot.start()
        assert post_signed(bot, body, stamp) == 200  # the same request, after a restart
        assert slash_command(bot, "help", USER) == 200  # then something that is answered
        wait_until(lambda: any("analyze" in text for text in whispers(slack)[1:]), 30, "help")
    finally:
        bot.ensure_stopped()
    assert query(db, "SELECT count(*) FROM jobs") == [(1,)]
    assert query(db, "SELECT count(*) FROM job_requests") == [(1,)]
    assert len(final_replies(slack)) == 1
    assert [text for text in whispers(slack) if text.startswith("Queued")] == [
        f"Queued the analysis of {PAPER}; the result will be posted in a thread under its card."
    ]
    assert integrity(db) == "ok"


def test_posts_that_slack_stored_before_answering_500_appear_once(
    arxiv_fake, slack, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    serve_papers(arxiv_fake, tmp_path, [PAPER])
    slack.fail_after_write("chat.postMessage", 3)  # the card, the progress, the analysis
    bot = BotProcess(write_config(tmp_path, arxiv_fake, slack, EXTRACTIVE))
    db = tmp_path / "radar.db"
    try:
        bot.start()
        assert slash_command(bot, f"analyze {PAPER}", USER) == 200
        replied = "SELECT count(*) FROM job_requests WHERE state = 'replied'"
        wait_until(lambda: query(db, replied) == [(1,)], 60, "the reply recorded")
    finally:
        bot.ensure_stopped()
    assert len(cards(slack)) == 1
    assert len(final_replies(slack)) == 1
    [(card_ts,)] = query(db, "SELECT message_id FROM posts")
    thread = [m["text"] for m in slack.thread(CHANNEL, card_ts)]
    assert len(thread) == len(set(thread))  # no message twice in the thread
    assert len(slack.called("chat.postMessage")) == 1 + len(thread)  # nothing re-sent
    assert integrity(db) == "ok"
