"""SlackPlatform against the loopback Slack Web API: cards, pacing, 429, reconciliation."""

from __future__ import annotations

import time
from pathlib import Path

from bot.kernel.config import Config, SlackConfig
from bot.kernel.models import ChatRef
from handlers.slack.adapter import web_client
from handlers.slack.blocks import ANALYZE_ACTION, CARD_EVENT
from handlers.slack.platform import SlackPlatform
from tests.support.fakes.server import Fault
from tests.support.fakes.slack import SlackFake, sample_analysis, sample_paper


def make_platform(fake: SlackFake, interval_s: float = 0.0) -> SlackPlatform:
    slack = SlackConfig(enabled=True, api_url=fake.api_url, post_interval_s=interval_s)
    config = Config(slack=slack)
    return SlackPlatform(web_client(config.slack, "xoxb-test"), config)


async def test_card_has_blocks_fallback_and_metadata(slack: SlackFake) -> None:
    platform = make_platform(slack)
    ts = await platform.post_card("C111", sample_paper(), ("vla",), "nonce-1")

    [sent] = slack.called("chat.postMessage")
    assert ts == slack.history["C111"][0]["ts"]
    assert sent["channel"] == "C111"
    assert sent["unfurl_links"] is False
    assert sent["unfurl_media"] is False
    assert "link_names" not in sent
    assert sent["text"].startswith("TwinVLA: Data-Efficient")
    payload = sent["metadata"]["event_payload"]
    assert sent["metadata"]["event_type"] == CARD_EVENT
    assert (payload["arxiv_id"], payload["nonce"]) == ("2511.05275", "nonce-1")
    assert len(payload["post_id"]) == 32  # what a post is found by after an ambiguous error
    [button] = [e for b in sent["blocks"] if b["type"] == "actions" for e in b["elements"]]
    assert (button["action_id"], button["value"]) == (ANALYZE_ACTION, "2511.05275")


async def test_rate_limited_card_arrives_once_after_retry_after(slack: SlackFake) -> None:
    slack.script("/api/chat.postMessage", Fault(429, b'{"ok":false}', {"Retry-After": "1"}))
    platform = make_platform(slack)
    started = time.monotonic()

    ts = await platform.post_card("C111", sample_paper(), (), "nonce-1")

    attempts = slack.matching(lambda r: r.path == "/api/chat.postMessage")
    assert len(attempts) == 2
    assert attempts[1].at - attempts[0].at >= 1.0
    assert time.monotonic() - started >= 1.0
    assert [m["ts"] for m in slack.history["C111"]] == [ts]


async def test_connection_error_on_post_is_reconciled_before_posting_again(
    slack: SlackFake,
) -> None:
    slack.script("/api/chat.postMessage", Fault(200, b'{"ok": true, "ts": "1.2"}', truncate_to=5))
    platform = make_platform(slack)

    ts = await platform.post_card("C111", sample_paper(), (), "nonce-1")

    assert slack.called("conversations.history")  # looked for it first: not there
    assert len(slack.matching(lambda r: r.path == "/api/chat.postMessage")) == 2
    assert [m["ts"] for m in slack.history["C111"]] == [ts]


async def test_posts_to_one_channel_are_paced(slack: SlackFake) -> None:
    platform = make_platform(slack, interval_s=0.3)
    for index in range(3):
        await platform.post_card("C111", sample_paper(arxiv_id=f"2511.0000{index}"), (), "n")
    await platform.post_card("C222", sample_paper(), (), "n")

    times = [c.at for c in slack.calls if c.method == "chat.postMessage"]
    assert times[1] - times[0] >= 0.3
    assert times[2] - times[1] >= 0.3
    assert times[3] - times[2] < 0.3


async def test_find_card_matches_own_card_by_nonce_across_pages(slack: SlackFake) -> None:
    platform = make_platform(slack)
    ts = await platform.post_card("C111", sample_paper(), (), "nonce-1")
    foreign = {"event_type": CARD_EVENT, "event_payload": {"nonce": "nonce-1"}}
    for index in range(250):
        slack.post("C111", text=f"chatter {index}", user="U999", bot_id="BOTHER", metadata=foreign)

    assert await platform.find_card("C111", "2511.05275", "nonce-1") == ts
    assert await platform.find_card("C111", "2511.05275", "nonce-2") is None
    history = slack.called("conversations.history")
    assert all(call["include_all_metadata"] in ("1", "true") for call in history)
    assert len(history) == 4  # two pages per lookup


async def test_progress_is_threaded_and_updated(slack: SlackFake) -> None:
    platform = make_platform(slack)
    ref = ChatRef("slack", "C111", "1700000000.000001", "U1")

    progress = await platform.start_progress(ref, "⏳ Downloading PDF…")
    await platform.update_progress(ref, progress, "⏳ Reading 12 pages…")

    [posted] = slack.called("chat.postMessage")
    assert posted["thread_ts"] == ref.thread
    assert posted["text"] == "⏳ Downloading PDF…"
    [update] = slack.called("chat.update")
    assert (update["channel"], update["ts"]) == ("C111", progress)
    assert update["blocks"][0]["text"]["text"] == "⏳ Reading 12 pages…"


async def test_failure_is_threaded_with_retry_hint(slack: SlackFake) -> None:
    platform = make_platform(slack)
    ref = ChatRef("slack", "C111", "1700000000.000001", "U1")

    message = "Could not analyse 2511.05275: the PDF is encrypted. Try again with `/arxiv analyze`."
    await platform.deliver_failure(ref, message, "2511.05275", "1700000000.000002")

    [posted] = slack.called("chat.postMessage")
    body = posted["blocks"][0]["text"]["text"]
    assert posted["thread_ts"] == ref.thread
    assert body == f"❌ {message}\nYou can also react with :mag: on the paper's card."
    [update] = slack.called("chat.update")
    assert update["ts"] == "1700000000.000002"


async def test_report_upload_uses_files_upload_v2(slack: SlackFake, tmp_path: Path) -> None:
    report = tmp_path / "2025-11-11.md"
    report.write_text("# arXiv论文监控报告\n", encoding="utf-8")
    platform = make_platform(slack)

    await platform.upload_report("C111", report, "Daily report 2025-11-11")

    [url_call] = slack.called("files.getUploadURLExternal")
    assert url_call["filename"] == "2025-11-11.md"
    assert list(slack.uploads.values()) == [report.read_bytes()]
    [complete] = slack.called("files.completeUploadExternal")
    assert complete["channel_id"] == "C111"
    assert complete["files"][0]["title"] == "Daily report 2025-11-11"


async def test_bot_identity_comes_from_auth_test(slack: SlackFake) -> None:
    platform = make_platform(slack)
    await platform.find_card("C111", "2511.05275", "n")
    await platform.find_card("C111", "2511.05275", "n")
    assert len(slack.called("auth.test")) == 1


async def test_long_analysis_goes_to_the_thread_in_several_messages(slack: SlackFake) -> None:
    platform = make_platform(slack)
    ref = ChatRef("slack", "C111", "1700000000.000001", "U1")

    await platform.deliver_analysis(ref, sample_analysis(paragraphs=60), "1700000000.000002")

    posted = slack.called("chat.postMessage")
    assert len(posted) > 1
    assert all(p["thread_ts"] == ref.thread and p["unfurl_links"] is False for p in posted)
    assert all(len(p["blocks"]) <= 50 for p in posted)
    [update] = slack.called("chat.update")
    assert update["ts"] == "1700000000.000002"
    assert update["text"].startswith("✅")
    assert "C111" not in slack.history  # thread replies stay out of the channel history
