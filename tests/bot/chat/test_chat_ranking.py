"""The team's ranking in chat: reactions on cards move the next ranking of their own
channel only, analyze requests count as interest, and cards say why they are there.

End to end on the Slack and Discord loopback harnesses (real Bolt app / discord.py,
real core and SQLite), asserting on the recorded requests.
"""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.kernel.config import MonitorConfig
from bot.kernel.models import Paper
from bot.watch.announce import announce
from bot.watch.poll import poll_monitor
from tests.support.discord_harness import running_bot as discord_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import CHANNEL_ID, DiscordFake, message_payload
from tests.support.fakes.server import until
from tests.support.fakes.slack import BOT_USER, SlackFake
from tests.support.feeds import SEED_IDS, seed_feed
from tests.support.hostile import HOSTILE_TITLE
from tests.support.slack_harness import CHANNEL, block_actions, reaction_added, running_bot

SPATIAL = "2511.05491"  # "Visual Spatial Tuning": last of the seed's four matches
OTHER_CHANNEL = "C222"


def profile_paper(title: str = "Spatial tuning of vision-language models") -> Paper:
    """A paper the team likes, on the topic of the seed's Visual Spatial Tuning."""
    return Paper(
        arxiv_id="2511.09999",
        version=1,
        title=title,
        authors=("Ada Lovelace",),
        abstract=(
            "Spatial perception and spatial reasoning of vision-language models: visuospatial "
            "skills from single views, multiple images and videos, spatial benchmarks."
        ),
        categories=("cs.CV",),
        announce_type="new",
        published=datetime(2025, 11, 7, tzinfo=UTC),
    )


def signals(store) -> list[tuple]:
    return store.test_db.execute(
        "SELECT platform, channel, arxiv_id, kind, weight FROM signals ORDER BY id"
    ).fetchall()


def cards_in(slack: SlackFake, channel: str) -> list[dict]:
    return [
        m
        for m in slack.called("chat.postMessage")
        if m["channel"] == channel and m["metadata"]["event_type"] == "arxiv_radar_card"
    ]


# Slack ------------------------------------------------------------------------------

TWO_CHANNELS = MonitorConfig(
    name="vla", channels=(f"slack:{CHANNEL}", f"slack:{OTHER_CHANNEL}"), max_cards_per_poll=1
)


async def test_a_thumbs_up_moves_only_its_channels_next_ranking_on_slack(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    liked = profile_paper()
    async with running_bot(
        tmp_path, monkeypatch, slack, arxiv_fake, monitors=(TWO_CHANNELS,)
    ) as bot:
        store = bot.service.store
        await store.run(store.save_papers, [liked])
        card = await bot.post_card(liked)
        await bot.event(reaction_added(card, BOT_USER, reaction="+1::skin-tone-3", event_id="E1"))
        await until(lambda: len(signals(store)) == 1)
        outcome = await poll_monitor(bot.service.arxiv, store, TWO_CHANNELS)
        await announce(bot.service, outcome)
        recorded = signals(store)
    assert recorded == [("slack", CHANNEL, liked.arxiv_id, "thumbsup", 1.0)]
    (mine,) = cards_in(slack, CHANNEL)[1:]  # after the liked paper's own card
    (other,) = cards_in(slack, OTHER_CHANNEL)
    assert mine["metadata"]["event_payload"]["arxiv_id"] == SPATIAL
    assert other["metadata"]["event_payload"]["arxiv_id"] != SPATIAL
    reasons = [b for b in mine["blocks"] if b["type"] == "context"][-2]["elements"]
    assert reasons[-1]["text"] == f"Similar to: _{liked.title}_"
    assert all("Similar to" not in str(b) for b in other["blocks"])


async def test_a_thumbs_down_taken_back_on_slack_cancels_exactly(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    paper = profile_paper()
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        store = bot.service.store
        card = await bot.post_card(paper)
        await bot.event(reaction_added(card, BOT_USER, reaction="-1", event_id="E1"))
        await bot.event(reaction_added(card, BOT_USER, reaction="-1", event_id="E1"))  # retry
        await until(lambda: len(signals(store)) == 1)
        removed = reaction_added(card, BOT_USER, "-1", event_id="E2", kind="reaction_removed")
        await bot.event(removed)
        await until(lambda: len(signals(store)) == 2)
        times = store.test_db.execute("SELECT DISTINCT at FROM signals").fetchall()
        await bot.event(reaction_added(card, BOT_USER, reaction="smile", event_id="E3"))
        other = await bot.post_card(paper, channel=OTHER_CHANNEL)
        await bot.event(reaction_added(other, "U0SOMEONE", reaction="+1", event_id="E4"))
        await bot.event(reaction_added(card, BOT_USER, reaction="star", event_id="E5"))
        await until(lambda: len(signals(store)) == 3)
        recorded = signals(store)
    assert recorded == [
        ("slack", CHANNEL, paper.arxiv_id, "thumbsdown", -1.0),
        ("slack", CHANNEL, paper.arxiv_id, "thumbsdown", 1.0),
        ("slack", CHANNEL, paper.arxiv_id, "star", 1.5),
    ]
    assert len(times) == 1  # the take-back is dated like the reaction: they decay alike


async def test_analyze_button_and_command_count_as_interest_on_slack(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    paper = profile_paper()
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        store = bot.service.store
        card = await bot.post_card(paper)
        await bot.interaction(block_actions(card, paper.arxiv_id))
        await until(lambda: len(signals(store)) == 1)
        await bot.command("analyze 2511.05397")
        await until(lambda: len(signals(store)) == 2)
        recorded = signals(store)
    assert recorded == [
        ("slack", CHANNEL, paper.arxiv_id, "analysis", 1.0),
        ("slack", CHANNEL, "2511.05397", "analysis", 1.0),
    ]


async def test_a_hostile_similar_to_title_is_inert_on_a_slack_card(
    tmp_path, monkeypatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as bot:
        await bot.service.cards.ensure(
            bot.adapter.platform,
            CHANNEL,
            profile_paper(),
            ("vla",),
            "vla",
            similar_to=HOSTILE_TITLE,
        )
    (card,) = slack.called("chat.postMessage")
    reasons = [b for b in card["blocks"] if b["type"] == "context"][-2]["elements"]
    assert [r["text"] for r in reasons] == [
        "Matched: *vla*",
        "Similar to: _VLA &lt;!channel&gt; @\u2060everyone [click](`http://evil.example/a`) "
        "&lt;script&gt;alert(1)&lt;/script&gt;&lt;img src=x onerror=alert(2)&gt; gnp.exe_",
    ]
    assert all(r["verbatim"] is True for r in reasons)


# Discord ------------------------------------------------------------------------------


async def test_discord_reactions_on_a_card_are_signals_of_that_channel(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as bot:
        store = bot.core.store
        card = await bot.post_card(profile_paper())
        discord_fake.dispatch("MESSAGE_REACTION_ADD", discord_fake.reaction(card, "👎🏽"))
        await until(lambda: len(signals(store)) == 1)
        removal = discord_fake.reaction(card, "👎🏽")
        for key in ("member", "message_author_id"):
            removal.pop(key)
        discord_fake.dispatch("MESSAGE_REACTION_REMOVE", removal)
        await until(lambda: len(signals(store)) == 2)
        discord_fake.dispatch("MESSAGE_REACTION_ADD", discord_fake.reaction(card, "⭐"))
        await until(lambda: len(signals(store)) == 3)
        recorded = signals(store)
    assert recorded == [
        ("discord", CHANNEL_ID, "2511.09999", "thumbsdown", -1.0),
        ("discord", CHANNEL_ID, "2511.09999", "thumbsdown", 1.0),
        ("discord", CHANNEL_ID, "2511.09999", "star", 1.5),
    ]


async def test_a_discord_card_says_what_it_is_similar_to(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, discord_fake: DiscordFake, arxiv_fake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    extra = (
        f'[[monitors]]\nname = "vla"\nchannels = ["discord:{CHANNEL_ID}"]\nmax_cards_per_poll = 1\n'
    )
    liked = profile_paper(
        "Spatial tuning of vision-language models @everyone <@&42> "
        "[click](http://evil.example/a) <script>x</script>\u202e"
    )
    async with discord_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake, extra=extra) as bot:
        service = bot.core.service
        await service.store.run(service.store.save_papers, [liked])
        card = await bot.post_card(liked)
        discord_fake.dispatch("MESSAGE_REACTION_ADD", discord_fake.reaction(card, "👍"))
        await until(lambda: len(signals(service.store)) == 1)
        outcome = await poll_monitor(service.arxiv, service.store, service.config.monitors[0])
        await announce(service, outcome)
    sent = [message_payload(r) for r in discord_fake.posts(CHANNEL_ID)]
    embed = sent[1]["embeds"][0]  # the one card of the poll, then the summary
    assert embed["footer"]["text"].startswith(f"arXiv:{SPATIAL}v1")
    similar = [f for f in embed["fields"] if f["name"] == "Similar to"]
    assert similar == [
        {
            "name": "Similar to",
            "value": "Spatial tuning of vision-language models @\u200beveryone <\u200b@&42> "
            "\\[click\\](`http://evil.example/a`) <script>x<\u200b/script>",
            "inline": False,
        }
    ]
    assert sent[2]["embeds"][0]["title"] == "3 more matches today, ranked in the report"
    assert len(sent[2]["embeds"][0]["description"].splitlines()) == len(SEED_IDS) - 1
