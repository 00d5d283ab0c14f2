"""The per-channel card cap: the best cards of a poll, then one summary of the rest.

On the real core (SQLite, ArxivFake) with a recording platform, and end to end on
the Slack and Discord loopback harnesses: exact requests, exactly once across a
crash and restart, hostile titles inert in the summary.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.kernel.config import MonitorConfig, parse_config
from bot.kernel.errors import ConfigError
from bot.kernel.models import CardSummary, Paper
from bot.store import posts
from bot.watch.announce import announce, post_owed
from bot.watch.poll import poll_monitor
from bot.watch.ranking.rank import rank_papers, selections
from tests.support.core_env import core
from tests.support.discord_harness import running_bot as discord_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import CHANNEL_ID, DiscordFake, message_payload
from tests.support.fakes.slack import SlackFake
from tests.support.feeds import SEED_IDS, seed_feed
from tests.support.hostile import HOSTILE_TITLE
from tests.support.slack_harness import CHANNEL, running_bot

TITLES = {
    "2511.05275": "TwinVLA: Data-Efficient Bimanual Manipulation with Twin Single-Arm "
    "Vision-Language-Action Models",
    "2511.05397": "EveryDayVLA: A Vision-Language-Action Model for Affordable Robotic Manipulation",
    "2509.14117": "GeoAware-VLA: Implicit Geometry Aware Vision-Language-Action Model",
    "2511.05491": "Visual Spatial Tuning",
}
ABS = "https://arxiv.org/abs/{id}"


def capped(channel: str, cap: int = 2) -> str:
    return f'[[monitors]]\nname = "vla"\nchannels = ["{channel}"]\nmax_cards_per_poll = {cap}\n'


def hostile_seed() -> bytes:
    """The seed feed with EveryDayVLA (second match, so summarised under cap 1) made hostile."""
    title = TITLES["2511.05397"]
    return seed_feed().decode().replace(title, escape(HOSTILE_TITLE)).encode()


# the core ---------------------------------------------------------------------------


async def test_a_poll_posts_the_cap_then_one_summary_once(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, capped("slack:C1")) as env:
        env.fake.feeds["*"] = seed_feed()
        outcome = await poll_monitor(env.arxiv, env.store, env.config.monitor("vla"))
        posted = await announce(env.service, outcome)
        again = await announce(env.service, outcome)
        states = env.store.test_db.execute(
            "SELECT arxiv_id, state FROM posts ORDER BY created, rowid"
        ).fetchall()
    cards, summary = env.platform.of("card"), env.platform.of("summary")
    assert (posted, again) == (2, 0)
    assert [c.arxiv_id for c in cards] == SEED_IDS[:2]
    assert [(s.channel, s.text, s.extra["arxiv_ids"]) for s in summary] == [
        ("C1", "2 more matches today, ranked in the report", SEED_IDS[2:])
    ]
    assert [s.kind for s in env.platform.sent] == ["card", "card", "summary"]
    assert sorted(states) == sorted(
        [(i, posts.POSTED) for i in SEED_IDS[:2]] + [(i, posts.SUMMARISED) for i in SEED_IDS[2:]]
    )


async def test_the_global_default_caps_channels_without_their_own(arxiv_fake, tmp_path) -> None:
    extra = (
        '[[monitors]]\nname = "vla"\nchannels = ["slack:C1"]\n'
        "[subscriptions]\nmax_cards_per_poll = 3\n"
    )
    async with core(arxiv_fake, tmp_path, extra) as env:
        env.fake.feeds["*"] = seed_feed()
        await announce(
            env.service, await poll_monitor(env.arxiv, env.store, env.config.monitors[0])
        )
    assert [c.arxiv_id for c in env.platform.of("card")] == SEED_IDS[:3]
    assert [s.extra["arxiv_ids"] for s in env.platform.of("summary")] == [SEED_IDS[3:]]
    assert env.platform.of("summary")[0].text == "1 more match today, ranked in the report"


async def test_a_failed_summary_is_posted_by_the_next_poll(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, capped("slack:C1")) as env:
        env.fake.feeds["*"] = seed_feed()
        env.platform.fail("post_summary")
        outcome = await poll_monitor(env.arxiv, env.store, env.config.monitor("vla"))
        await announce(env.service, outcome)
        owed = await env.store.summaries.pending("slack")
        await post_owed(env.service)
        left = await env.store.summaries.pending("slack")
    assert [(s.arxiv_ids, s.attempts) for s in owed] == [(tuple(SEED_IDS[2:]), 1)]
    assert left == []
    assert len(env.platform.of("card")) == 2
    assert [s.extra["arxiv_ids"] for s in env.platform.of("summary")] == [SEED_IDS[2:]]


async def test_two_polls_at_once_post_a_channels_summary_once(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, capped("slack:C1")) as env:
        env.fake.feeds["*"] = seed_feed()
        await poll_monitor(env.arxiv, env.store, env.config.monitors[0])
        await asyncio.gather(post_owed(env.service), post_owed(env.service))
    assert len(env.platform.of("card")) == 2
    assert [s.extra["arxiv_ids"] for s in env.platform.of("summary")] == [SEED_IDS[2:]]


async def test_a_summarised_paper_gets_its_card_when_analysed(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, capped("slack:C1")) as env:
        env.fake.feeds["*"] = seed_feed()
        await announce(
            env.service, await poll_monitor(env.arxiv, env.store, env.config.monitors[0])
        )
        paper = env.store.paper(SEED_IDS[3])
        assert paper is not None
        card = await env.service.cards.ensure(env.platform, "C1", paper, (), "vla")
        post = await env.store.posts.card_in_channel("slack", "C1", SEED_IDS[3])
    assert post is not None
    assert (post.state, post.message_id) == (posts.POSTED, card)
    assert [c.arxiv_id for c in env.platform.of("card")] == [*SEED_IDS[:2], SEED_IDS[3]]
    assert "find_card" not in env.platform.calls  # a summary line is no earlier card


async def test_cards_and_summary_follow_the_ranking_of_the_channels_profile(
    arxiv_fake, tmp_path
) -> None:
    """A monitor listing a paper on visual spatial reasoning: that topic's match leads."""
    extra = capped("slack:C1", cap=2) + 'interests = ["2511.09999"]\n'
    async with core(arxiv_fake, tmp_path, extra) as env:
        await env.store.run(env.store.save_papers, [spatial_interest()])
        env.fake.feeds["*"] = seed_feed()
        monitor = env.config.monitors[0]
        outcome = await poll_monitor(env.arxiv, env.store, monitor)
        expected = await rank_papers(
            env.store,
            env.config,
            monitor=monitor,
            channel=("slack", "C1"),
            papers=[m.paper for m in outcome.new_matches],
            matches=selections(outcome.new_matches),
        )
        await announce(env.service, outcome)
    order = [r.paper.arxiv_id for r in expected]
    cards = env.platform.of("card")
    assert order[0] == "2511.05491"  # Visual Spatial Tuning, last in the feed
    assert order != SEED_IDS
    assert [c.arxiv_id for c in cards] == order[:2]
    assert cards[0].extra["similar_to"] == spatial_interest().title
    assert [s.extra["arxiv_ids"] for s in env.platform.of("summary")] == [order[2:]]


def spatial_interest() -> Paper:
    return Paper(
        arxiv_id="2511.09999",
        version=1,
        title="Spatial reasoning benchmarks for vision-language models",
        authors=("Ada Lovelace",),
        abstract="Spatial perception and spatial reasoning of vision-language models (VLMs) "
        "across single views, multiple images and videos.",
        categories=("cs.CV",),
        published=datetime(2025, 11, 3, tzinfo=UTC),
    )


# Slack --------------------------------------------------------------------------------


SLACK_MONITOR = MonitorConfig(name="vla", channels=(f"slack:{CHANNEL}",), max_cards_per_poll=2)


async def slack_poll(bot) -> int:
    outcome = await poll_monitor(bot.service.arxiv, bot.service.store, SLACK_MONITOR)
    return await announce(bot.service, outcome)


def summary_blocks(heading: str, ids: list[str], titles: dict[str, str]) -> list[dict]:
    lines = "\n".join(f"• <{ABS.format(id=i)}|{titles[i]}>" for i in ids)
    return [
        {"type": "section", "text": {"type": "mrkdwn", "text": f"*{heading}*", "verbatim": True}},
        {"type": "section", "text": {"type": "mrkdwn", "text": lines, "verbatim": True}},
    ]


async def test_slack_gets_two_cards_then_one_summary(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    async with running_bot(
        tmp_path, monkeypatch, slack, arxiv_fake, monitors=(SLACK_MONITOR,)
    ) as bot:
        posted = await slack_poll(bot)
        again = await slack_poll(bot)
    sent = slack.called("chat.postMessage")
    assert (posted, again) == (2, 0)
    assert [m["metadata"]["event_type"] for m in sent] == [
        "arxiv_radar_card",
        "arxiv_radar_card",
        "arxiv_radar_summary",
    ]
    assert [m["metadata"]["event_payload"]["arxiv_id"] for m in sent[:2]] == SEED_IDS[:2]
    summary = sent[2]
    heading = "2 more matches today, ranked in the report"
    assert summary["channel"] == CHANNEL
    assert summary["text"] == heading
    assert summary["blocks"] == summary_blocks(heading, SEED_IDS[2:], TITLES)
    assert summary["unfurl_links"] in (False, "false", "0", 0)


async def test_slack_summary_is_posted_once_across_a_crash_and_restart(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    monitors = (SLACK_MONITOR,)
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, monitors=monitors) as bot:
        store, platform = bot.service.store, bot.adapter.platform
        await poll_monitor(bot.service.arxiv, store, SLACK_MONITOR)  # matches stored
        ids = SEED_IDS[2:]
        await store.summaries.plan("slack", CHANNEL, "vla", ids)
        (planned,) = await store.summaries.pending("slack")
        await store.summaries.start_attempt(planned)
        papers = tuple(p for i in ids if (p := store.paper(i)) is not None)
        heading = "2 more matches today, ranked in the report"
        first = await platform.post_summary(
            CHANNEL, CardSummary(heading, papers), planned.nonce, reconcile=False
        )  # posted; the process dies before recording the message ID
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, monitors=monitors) as bot:
        posted = await post_owed(bot.service, ["vla"])
        store = bot.service.store
        left = await store.summaries.pending("slack")
        row = store.test_db.execute("SELECT message_id, attempts FROM summaries").fetchone()
    sent = slack.called("chat.postMessage")
    kinds = [m["metadata"]["event_type"] for m in sent]
    assert kinds == ["arxiv_radar_summary", "arxiv_radar_card", "arxiv_radar_card"]
    assert posted == 2
    assert left == []
    assert row == (first, 2)


async def test_slack_summary_titles_are_inert(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.feeds["*"] = hostile_seed()
    monitor = MonitorConfig(name="vla", channels=(f"slack:{CHANNEL}",), max_cards_per_poll=1)
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, monitors=(monitor,)) as bot:
        await announce(
            bot.service, await poll_monitor(bot.service.arxiv, bot.service.store, monitor)
        )
    summary = slack.called("chat.postMessage")[-1]
    lines = summary["blocks"][1]["text"]["text"].splitlines()
    assert [line for line in lines if "2511.05397" in line] == [
        f"• <{ABS.format(id='2511.05397')}|VLA &lt;!channel&gt; @\u2060everyone "
        "[click](`http://evil.example/a`) &lt;script&gt;alert(1)&lt;/script&gt;"
        "&lt;img src=x onerror=alert(2)&gt; gnp.exe>"
    ]
    text = str(summary["blocks"])
    assert "<!channel>" not in text
    assert "<http://evil" not in text
    assert "\u202e" not in text


# Discord ------------------------------------------------------------------------------


async def test_discord_gets_two_cards_then_one_summary_embed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    extra = capped(f"discord:{CHANNEL_ID}")
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, extra=extra) as bot:
        service = bot.core.service
        outcome = await poll_monitor(service.arxiv, service.store, service.config.monitors[0])
        posted = await announce(service, outcome)
        again = await announce(service, outcome)
    sent = [message_payload(r) for r in discord_fake.posts(CHANNEL_ID)]
    assert (posted, again) == (2, 0)
    assert len(sent) == 3
    assert [s["embeds"][0]["footer"]["text"].split(" · ")[0] for s in sent[:2]] == [
        f"arXiv:{i}v1" for i in SEED_IDS[:2]
    ]
    (embed,) = sent[2]["embeds"]
    assert embed["title"] == "2 more matches today, ranked in the report"
    assert embed["description"] == "\n".join(
        f"• [{TITLES[i]}]({ABS.format(id=i)})" for i in SEED_IDS[2:]
    )
    assert embed["footer"]["text"].startswith("arxiv-radar summary ")
    assert embed["footer"]["text"].endswith(" part 1/1")
    assert sent[2]["allowed_mentions"] == {"parse": []}


async def test_discord_summary_is_posted_once_across_a_restart(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    extra = capped(f"discord:{CHANNEL_ID}")
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, extra=extra) as bot:
        service = bot.core.service
        store = service.store
        await poll_monitor(service.arxiv, store, service.config.monitors[0])
        ids = SEED_IDS[2:]
        await store.summaries.plan("discord", CHANNEL_ID, "vla", ids)
        (planned,) = await store.summaries.pending("discord")
        await store.summaries.start_attempt(planned)
        papers = tuple(p for i in ids if (p := store.paper(i)) is not None)
        summary = CardSummary("2 more matches today, ranked in the report", papers)
        first = await bot.adapter.platform.post_summary(
            CHANNEL_ID, summary, planned.nonce, reconcile=False
        )
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, extra=extra) as bot:
        posted = await post_owed(bot.core.service, ["vla"])
        row = bot.core.store.test_db.execute("SELECT message_id, state FROM summaries").fetchone()
    sent = [message_payload(r) for r in discord_fake.posts(CHANNEL_ID)]
    footers = [s["embeds"][0]["footer"]["text"] for s in sent]
    assert posted == 2
    assert row == (first, posts.POSTED)
    assert len(footers) == 3
    assert footers[0].startswith("arxiv-radar summary ")
    assert all(f.startswith("arXiv:") for f in footers[1:])


async def test_discord_summary_titles_are_inert_and_split_to_the_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    arxiv_fake.feeds["*"] = hostile_seed()
    extra = capped(f"discord:{CHANNEL_ID}", cap=1)
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, extra=extra) as bot:
        service = bot.core.service
        await announce(
            service, await poll_monitor(service.arxiv, service.store, service.config.monitors[0])
        )
        long = CardSummary("40 more", tuple([service.store.paper(SEED_IDS[0])] * 40))
        await bot.adapter.platform.post_summary(CHANNEL_ID, long, "n" * 25, reconcile=False)
    sent = [message_payload(r) for r in discord_fake.posts(CHANNEL_ID)]
    lines = sent[1]["embeds"][0]["description"].splitlines()
    assert [line for line in lines if "2511.05397" in line] == [
        "• [VLA <!channel> @\u200beveryone \\[click\\](`http://evil.example/a`) "
        "<script>alert(1)<\u200b/script><img src=x onerror=alert(2)> gnp.exe]"
        f"({ABS.format(id='2511.05397')})"
    ]
    parts = [s["embeds"][0] for s in sent[2:]]
    assert len(parts) == 2
    assert all(len(p["description"]) <= 4096 for p in parts)
    assert [p["footer"]["text"] for p in parts] == [
        f"arxiv-radar summary {'n' * 25} part {n}/2" for n in (1, 2)
    ]
    assert sum(len(p["description"].splitlines()) for p in parts) == 40


@pytest.mark.parametrize("value", ["0", "-3", "true", '"ten"', "2.5"])
def test_a_monitor_cap_must_be_a_whole_number_of_at_least_one(value: str) -> None:
    text = f'[[monitors]]\nname = "vla"\nmax_cards_per_poll = {value}\n'
    with pytest.raises(ConfigError, match=r"monitors\[0\]\.max_cards_per_poll"):
        parse_config(text)


def test_the_global_cap_must_be_positive() -> None:
    with pytest.raises(ConfigError, match=r"subscriptions\.max_cards_per_poll"):
        parse_config("[subscriptions]\nmax_cards_per_poll = 0\n")


async def test_a_long_slack_summary_is_split_within_limits_and_reconciled(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    papers = tuple(
        Paper(
            arxiv_id=f"2511.{n:05d}",
            version=1,
            title=f"Paper {n} " + "on a very long topic " * 14,
            authors=(),
            abstract="",
            categories=("cs.CV",),
        )
        for n in range(150)
    )
    summary = CardSummary("150 more matches today, ranked in the report", papers)
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        platform = bot.adapter.platform
        first = await platform.post_summary(CHANNEL, summary, "n" * 25, reconcile=False)
        again = await platform.post_summary(CHANNEL, summary, "n" * 25, reconcile=True)
    sent = slack.called("chat.postMessage")
    assert len(sent) == 2
    assert first == again
    assert [m["metadata"]["event_payload"]["part"] for m in sent] == [0, 1]
    assert [m["text"] for m in sent] == [f"{summary.heading} ({n}/2)" for n in (1, 2)]
    for message in sent:
        texts = [block["text"]["text"] for block in message["blocks"]]
        assert len(message["blocks"]) <= 50
        assert all(len(text) <= 3000 for text in texts)
        assert sum(len(text) for text in texts) <= 40000
    lines = [
        line
        for message in sent
        for block in message["blocks"][1 if message is sent[0] else 0 :]
        for line in block["text"]["text"].splitlines()
    ]
    assert [line.split("|")[0] for line in lines] == [
        f"• <{ABS.format(id=p.arxiv_id)}" for p in papers
    ]
