"""Faulty peers around the real bot: arXiv errors and hangs, a hanging LLM."""

from __future__ import annotations

import time

import pytest

from tests.reliability.harness import (
    CHANNEL,
    BotProcess,
    cards,
    final_replies,
    integrity,
    query,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.fakes.server import Fault
from tests.support.feeds import WEEKEND_FEED, seed_feed

pytestmark = pytest.mark.reliability
MONITOR = f'[[monitors]]\nname = "vla"\nchannels = ["slack:{CHANNEL}"]\n'
FAST_ARXIV = "timeout_s = 0.5\nmax_retries = 2\n"  # appended to the [arxiv] table
LLM_KEY = {"RADAR_TEST_LLM_KEY": "sk-reliability-test"}


def config_with(tmp_path, arxiv_fake, slack, extra: str):
    path = write_config(tmp_path, arxiv_fake, slack, extra)
    text = path.read_text().replace("[arxiv]\n", "[arxiv]\n" + FAST_ARXIV, 1)
    path.write_text(text)
    return path


def poll_verdicts(tmp_path) -> list[str]:
    return [row[0] for row in query(tmp_path / "radar.db", "SELECT verdict FROM polls ORDER BY id")]


def test_arxiv_503s_and_a_timeout_within_one_poll_lose_no_paper(
    arxiv_fake, slack, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    arxiv_fake.script("/rss/", Fault(503), Fault(200, seed_feed(), delay_s=5))
    bot = BotProcess(config_with(tmp_path, arxiv_fake, slack, MONITOR))
    try:
        bot.start()
        wait_until(lambda: len(cards(slack)) == 4, 30, "all four cards")
    finally:
        bot.ensure_stopped()
    feed_requests = arxiv_fake.matching(lambda r: r.path.startswith("/rss/"))
    assert len(feed_requests) == 3  # 503, timed out, answered
    assert poll_verdicts(tmp_path) == ["ok"]


def test_arxiv_down_for_a_whole_poll_then_back_loses_no_paper(arxiv_fake, slack, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    arxiv_fake.script("/rss/", *[Fault(503)] * 3)
    bot = BotProcess(config_with(tmp_path, arxiv_fake, slack, MONITOR))
    try:
        bot.start()
        wait_until(lambda: poll_verdicts(tmp_path) == ["error"], 30, "the failed poll")
        wait_until(lambda: "vla" in bot.readyz()[1]["monitors"], 10, "/readyz refreshed")
        _, ready = bot.readyz()
        assert bot.terminate() == 0
        bot.start()  # the next start polls at once: no successful poll yet
        wait_until(lambda: len(cards(slack)) == 4, 30, "all four cards")
    finally:
        bot.ensure_stopped()
    assert ready["monitors"]["vla"]["verdict"] == "error"
    assert "503" in ready["monitors"]["vla"]["error"]
    assert poll_verdicts(tmp_path) == ["error", "ok"]
    assert integrity(tmp_path / "radar.db") == "ok"


def test_a_hung_feed_and_a_hung_pdf_are_abandoned_at_their_timeout(
    arxiv_fake, slack, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
    arxiv_fake.script("/rss/", *[Fault(200, b"", delay_s=30)] * 3)
    arxiv_fake.script("/pdf/", *[Fault(200, b"", delay_s=30)] * 3)
    extra = "[analysis]\nmax_attempts = 1\n"
    bot = BotProcess(config_with(tmp_path, arxiv_fake, slack, MONITOR + extra))
    try:
        bot.start()
        started = time.monotonic()
        wait_until(lambda: poll_verdicts(tmp_path) == ["error"], 20, "the abandoned poll")
        poll_seconds = time.monotonic() - started
        started = time.monotonic()
        assert slash_command(bot, "analyze 2511.05275", "U0BOB") == 200
        wait_until(lambda: len(final_replies(slack)) == 1, 30, "the failure reply")
        job_seconds = time.monotonic() - started
        alive = bot.readyz()[0]
    finally:
        bot.ensure_stopped()
    ((_, _, kind),) = final_replies(slack)
    text = next(p["text"] for p in slack.called("chat.postMessage") if p["text"].startswith("❌"))
    assert kind == "failure"
    assert "The PDF of 2511.05275v1 timed out; gave up after 3 tries." in text
    assert "/arxiv analyze 2511.05275" in text
    assert poll_seconds < 10  # 3 tries of 0.5 s plus backoff, not 3 × 30 s
    assert job_seconds < 15
    assert alive == 200
    print(f"hung feed abandoned after {poll_seconds:.1f} s, hung PDF after {job_seconds:.1f} s")


def test_a_hanging_llm_ends_the_job_within_its_deadline(arxiv_fake, slack, llm, tmp_path) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
    for _ in range(5):
        llm.slow(60)
    extra = (
        '[analysis]\nengine = "llm"\nmax_attempts = 1\n'
        f'[llm]\nbase_url = "{llm.url}/v1"\napi_key_env = "RADAR_TEST_LLM_KEY"\n'
        'model = "fake-model"\ntimeout_s = 1\nmax_retries = 0\ndeadline_s = 3\n'
    )
    bot = BotProcess(config_with(tmp_path, arxiv_fake, slack, extra), env=LLM_KEY)
    try:
        bot.start()
        started = time.monotonic()
        assert slash_command(bot, "analyze 2511.05275", "U0CAROL") == 200
        wait_until(lambda: len(final_replies(slack)) == 1, 30, "the failure reply")
        seconds = time.monotonic() - started
    finally:
        bot.ensure_stopped()
    text = next(p["text"] for p in slack.called("chat.postMessage") if p["text"].startswith("❌"))
    assert "Could not analyse 2511.05275" in text
    assert "llm." in text  # names the timeout or deadline setting that ended it
    assert seconds < 3 + 5  # the deadline plus download, extraction and Slack round trips
    print(f"hanging LLM: failure reply {seconds:.1f} s after the request")
