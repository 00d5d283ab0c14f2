"""The Discord bot end to end: app commands, the Analyze button and reactions.

Real discord.py and the real core against the loopback Discord and arXiv; the
gateway delivers the scripted INTERACTION_CREATE and MESSAGE_REACTION_ADD events.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.chat.service import Reply
from bot.store import posts
from tests.support.discord_harness import Bot, running_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import (
    API,
    APPLICATION_ID,
    BOT_USER,
    CHANNEL_ID,
    GUILD_ID,
    DiscordFake,
    message_payload,
)
from tests.support.fakes.server import until
from tests.support.slack_harness import atom_api

DEFERRED = 5  # DEFERRED_CHANNEL_MESSAGE_WITH_SOURCE
EPHEMERAL = 1 << 6
PAPER_ID = "2511.05275"


@pytest.fixture
async def bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as running:
        yield running


async def assert_analysis_in_thread(bot: Bot, card: str) -> None:
    """Progress, then the analysis (header first) in the one thread on ``card``.

    A "Queued…" notice (the answer to a reaction) may come before or after the
    progress message: both are posted as soon as the thread exists.
    """
    done = "✅ Analysis posted below."
    await until(
        lambda: any(m["content"] == done for m in bot.discord.channel_messages(card)),
        timeout_s=60,
    )
    contents = [m["content"] for m in bot.discord.channel_messages(card)]
    contents = [c for c in contents if not c.startswith("Queued the analysis")]
    assert contents[0] == done  # the progress message, edited per stage
    assert contents[1].startswith("## ")
    assert f"arXiv:{PAPER_ID}v1" in contents[1]
    [thread] = bot.discord.matching(lambda r: r.path.endswith(f"/messages/{card}/threads"))
    assert thread.path == f"{API}/channels/{CHANNEL_ID}/messages/{card}/threads"
    stages = [r.json["content"] for r in bot.discord.matching(lambda r: r.method == "PATCH")]
    assert stages[0].startswith("⏳")
    assert stages[-1] == done


async def test_reaction_on_a_card_analyzes_in_its_thread(bot: Bot) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)

    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(card))

    await assert_analysis_in_thread(bot, card)
    notices = [c for c in await bot.thread_contents(card, 3) if c.startswith("Queued")]
    assert notices == [
        f"Queued the analysis of {PAPER_ID}; the result will be posted in this thread."
    ]


async def test_commands_are_synced_once_to_the_configured_guild(bot: Bot) -> None:
    path = f"{API}/applications/{APPLICATION_ID}/guilds/{GUILD_ID}/commands"
    [sync] = bot.discord.matching(lambda r: r.method == "PUT")
    assert sync.path == path
    [group] = sync.json
    assert group["name"] == "arxiv"
    assert {option["name"] for option in group["options"]} == {
        "analyze",
        "ask",
        "subscribe",
        "unsubscribe",
        "categories",
        "interests",
        "list",
        "digest",
        "search",
        "help",
    }


@pytest.mark.parametrize(
    ("subcommand", "options", "expected", "ephemeral"),
    [
        ("help", {}, "/arxiv analyze <arXiv ID or URL>", True),
        (
            "subscribe",
            {"keyword": "traffic prediction"},
            "This channel now follows the keyword “traffic prediction”",
            False,
        ),
        (
            "unsubscribe",
            {"keyword": "diffusion"},
            "This channel does not follow the keyword “diffusion”",
            False,
        ),
        (
            "categories",
            {"action": "add", "category": "cs.RO"},
            "Without keywords, cs.RO would post every paper of the category here.",
            False,
        ),
        ("list", {}, "This channel follows", False),
        ("digest", {}, "No daily report has been written yet.", False),
        ("analyze", {"paper": "not-an-id"}, "'not-an-id' is not an arXiv ID", False),
    ],
)
async def test_each_command_is_deferred_then_answered_with_a_followup(
    bot: Bot, subcommand: str, options: dict[str, Any], expected: str, ephemeral: bool
) -> None:
    interaction = bot.interact(bot.discord.interaction(subcommand, **options))

    [followup] = await bot.followups(interaction)
    [callback] = bot.callbacks(interaction)
    assert callback["type"] == DEFERRED
    assert bool(callback.get("data", {}).get("flags", 0) & EPHEMERAL) is ephemeral
    assert expected in followup["content"]
    assert followup["allowed_mentions"] == {"parse": []}
    order = [r.path for r in bot.discord.requests if interaction["token"] in r.path]
    assert order[0].endswith("/callback")


def channel_cards(bot: Bot) -> list[dict[str, Any]]:
    return [m for m in bot.discord.channel_messages(CHANNEL_ID) if m["embeds"]]


async def test_search_answers_with_cards_that_work_like_any_card(bot: Bot) -> None:
    papers = bot.serve(PAPER_ID, "2511.05397")
    bot.core.fake.api["*"] = atom_api(papers)

    interaction = bot.interact(bot.discord.interaction("search", query="bimanual VLA"))

    [text] = await bot.followups(interaction)
    assert text["content"].startswith("Top 2 arXiv results for “bimanual VLA”")
    await until(lambda: len(channel_cards(bot)) == 2)
    cards = channel_cards(bot)
    footers = [card["embeds"][0]["footer"]["text"].split(" ")[0] for card in cards]
    assert footers == [f"arXiv:{PAPER_ID}v1", "arXiv:2511.05397v1"]
    sent = bot.discord.matching(
        lambda r: r.method == "POST" and r.path == f"{API}/channels/{CHANNEL_ID}/messages"
    )
    assert [r.json["allowed_mentions"] for r in sent] == [{"parse": []}] * 2
    db = bot.core.service.store.test_db
    found = posts.card_for_message(db, "discord", cards[0]["id"])
    assert found is not None
    assert (found.arxiv_id, found.monitor) == (PAPER_ID, posts.SEARCH)

    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(cards[0]["id"]))

    await assert_analysis_in_thread(bot, cards[0]["id"])


async def test_analyze_command_posts_a_card_and_threads_the_analysis(bot: Bot) -> None:
    bot.serve(PAPER_ID)

    interaction = bot.interact(bot.discord.interaction("analyze", paper=PAPER_ID, language="en"))

    [followup] = await bot.followups(interaction)
    assert followup["content"].startswith(f"Queued the analysis of {PAPER_ID}")

    await until(lambda: channel_cards(bot), timeout_s=30)
    [card] = channel_cards(bot)
    assert card["embeds"][0]["footer"]["text"].startswith(f"arXiv:{PAPER_ID}v1")
    await assert_analysis_in_thread(bot, card["id"])


async def test_button_on_a_card_queues_the_analysis_ephemerally(bot: Bot) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)

    interaction = bot.interact(bot.discord.button_interaction(card))

    [followup] = await bot.followups(interaction)
    [callback] = bot.callbacks(interaction)
    assert callback == {"type": DEFERRED, "data": {"flags": EPHEMERAL}}
    assert followup["flags"] & EPHEMERAL
    assert followup["content"].startswith(f"Queued the analysis of {PAPER_ID}")
    await assert_analysis_in_thread(bot, card)


async def test_reactions_on_other_messages_or_with_other_emoji_are_ignored(
    bot: Bot, monkeypatch: pytest.MonkeyPatch
) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)
    foreign = bot.discord.add_message(CHANNEL_ID, content="a human message")
    own_notice = bot.discord.add_message(CHANNEL_ID, author=BOT_USER, content="not a card")
    asked: list[str] = []
    real_reaction = bot.core.service.reaction

    async def reaction(platform: str, channel: str, message_id: str, user: str) -> Reply | None:
        asked.append(message_id)
        return await real_reaction(platform, channel, message_id, user)

    monkeypatch.setattr(bot.core.service, "reaction", reaction)

    for event in (
        bot.discord.reaction(foreign),  # not the bot's message
        bot.discord.reaction(card, emoji="👍"),  # not an analyze emoji
        bot.discord.reaction(card, user=BOT_USER),  # the bot's own 🔍
        bot.discord.reaction(own_notice),  # the bot's, but not a card: the core says so
        bot.discord.reaction(card),  # the one that counts
    ):
        bot.discord.dispatch("MESSAGE_REACTION_ADD", event)

    await assert_analysis_in_thread(bot, card)
    assert sorted(asked) == sorted([own_notice, card])
    threads = bot.discord.matching(lambda r: r.path.endswith("/threads"))
    assert [t.path for t in threads] == [f"{API}/channels/{CHANNEL_ID}/messages/{card}/threads"]
    channel = [m["id"] for m in bot.discord.channel_messages(CHANNEL_ID)]
    assert channel == [card, foreign, own_notice]


async def test_an_interaction_delivered_twice_is_answered_once(bot: Bot) -> None:
    interaction = bot.interact(bot.discord.interaction("help"))
    await bot.followups(interaction)

    bot.interact(interaction)  # Discord delivers it again
    barrier = bot.interact(bot.discord.interaction("digest"))
    await bot.followups(barrier)

    assert len(await bot.followups(interaction)) == 1


async def test_paper_text_cannot_ping_anyone(bot: Bot) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(
        replace(paper, title="Scaling @everyone <@&1> <@167348773423415296>")
    )

    [request] = bot.discord.posts(CHANNEL_ID)
    body = message_payload(request)
    assert body["allowed_mentions"]["parse"] == []
    assert "@everyone" not in body["embeds"][0]["title"]
    assert "<@" not in body["embeds"][0]["title"]
    assert card == bot.discord.channel_messages(CHANNEL_ID)[0]["id"]


async def test_a_command_in_a_cards_thread_applies_to_its_channel(bot: Bot) -> None:
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)
    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(card))
    await bot.thread_contents(card, 1)  # the thread on the card now exists

    in_thread = bot.interact(bot.discord.interaction("subscribe", channel=card, keyword="VLA"))
    [followup] = await bot.followups(in_thread)
    assert followup["content"].startswith("This channel now follows the keyword “VLA”")

    in_channel = bot.interact(bot.discord.interaction("list"))
    [listing] = await bot.followups(in_channel)
    assert "this channel's keywords: VLA" in listing["content"]
