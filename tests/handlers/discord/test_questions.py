"""Questions in a paper's Discord thread, end to end, and ``/arxiv ask``.

Real discord.py and the real core against the loopback Discord and arXiv: the
gateway delivers MESSAGE_CREATE as Discord does (without the Message Content
intent the text only when the message mentions the bot); the answer is posted in
the same thread. Messages elsewhere, by bots or by the bot itself are ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.kernel.models import ChatRef
from tests.support.discord_harness import Bot, running_bot
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import (
    BOT_USER,
    CHANNEL_ID,
    OP_IDENTIFY,
    OTHER_CHANNEL_ID,
    DiscordFake,
)
from tests.support.fakes.server import until

PAPER_ID = "2511.05275"
QUESTION = "Which baseline did they compare with?"
MENTION = f"<@{BOT_USER['id']}>"
OTHER_BOT = {**BOT_USER, "id": "1300000000000000099", "username": "other-bot"}


def answers(bot: Bot, thread: str) -> list[str]:
    return [
        m["content"] for m in bot.discord.channel_messages(thread) if m["content"].startswith("❓")
    ]


async def question_jobs(bot: Bot) -> int:
    store = bot.core.store
    return int(
        await store.run(
            lambda: store.test_db.execute(
                "SELECT count(*) FROM jobs WHERE kind = 'question'"
            ).fetchone()[0]
        )
    )


async def paper_thread(bot: Bot) -> str:
    """A card of the paper and the thread on it (opened as the bot opens it for an analysis)."""
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)
    await bot.adapter.platform.notify(ChatRef("discord", CHANNEL_ID, thread=card), "Thread.")
    await until(lambda: card in bot.discord.channels)
    return card


@pytest.fixture
async def bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, discord_fake, arxiv_fake) as running:
        yield running


async def test_a_mention_in_the_papers_thread_is_answered_there(bot: Bot) -> None:
    thread = await paper_thread(bot)
    bot.discord.user_message(thread, f"{MENTION} {QUESTION}", mentions_bot=True)

    await until(lambda: len(answers(bot, thread)) == 1, timeout_s=30)
    [answer] = answers(bot, thread)
    assert answer.startswith(f"❓ **{QUESTION}**")  # the mention is not part of the question
    assert "Lucene-BM25" in answer
    assert "§1 Introduction" in answer
    done = [m["content"] for m in bot.discord.channel_messages(thread)]
    assert "✅ Answered below." in done


async def test_without_a_mention_or_outside_paper_threads_nothing_happens(bot: Bot) -> None:
    thread = await paper_thread(bot)
    bot.discord.user_message(thread, QUESTION)  # no mention, no Message Content intent
    bot.discord.user_message(OTHER_CHANNEL_ID, f"{MENTION} {QUESTION}", mentions_bot=True)
    bot.discord.user_message(CHANNEL_ID, f"{MENTION} {QUESTION}", mentions_bot=True)
    bot.discord.user_message(thread, f"{MENTION} {QUESTION}", author=OTHER_BOT, mentions_bot=True)
    bot.discord.user_message(thread, f"{MENTION} {QUESTION}", author=BOT_USER, mentions_bot=True)
    bot.discord.user_message(thread, f"{MENTION} What does Table 1 show?", mentions_bot=True)

    await until(lambda: len(answers(bot, thread)) == 1, timeout_s=30)
    assert answers(bot, thread)[0].startswith("❓ **What does Table 1 show?**")
    assert await question_jobs(bot) == 1
    assert [m["content"] for m in bot.discord.channel_messages(OTHER_CHANNEL_ID)] == [
        f"{MENTION} {QUESTION}"
    ]


async def test_with_message_content_every_message_in_the_thread_is_a_question(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> None:
    async with running_bot(
        tmp_path, monkeypatch, discord_fake, arxiv_fake, "message_content = true\n"
    ) as bot:
        [identify] = bot.discord.received_ops(OP_IDENTIFY)
        thread = await paper_thread(bot)
        bot.discord.user_message(thread, QUESTION)
        await until(lambda: len(answers(bot, thread)) == 1, timeout_s=30)
    assert identify["d"]["intents"] & (1 << 15)
    assert answers(bot, thread)[0].startswith(f"❓ **{QUESTION}**")


async def test_ask_command_answers_in_the_cards_thread(bot: Bot) -> None:
    bot.serve(PAPER_ID)
    interaction = bot.interact(
        bot.discord.interaction("ask", paper=PAPER_ID, question="What does Table 1 show?")
    )
    [followup] = await bot.followups(interaction)
    assert followup["content"] == (
        f"Looking into {PAPER_ID} for your question; the answer will be posted in the thread "
        "under its card."
    )
    card = await until_card(bot)
    await until(lambda: len(answers(bot, card)) == 1, timeout_s=30)
    assert "Table 1" in answers(bot, card)[0]


async def until_card(bot: Bot) -> str:
    """The ID of the card the bot posted in the channel (an ``ask`` command's thread)."""

    def cards() -> list[str]:
        return [m["id"] for m in bot.discord.channel_messages(CHANNEL_ID) if m["embeds"]]

    await until(lambda: bool(cards()), timeout_s=30)
    return cards()[0]
