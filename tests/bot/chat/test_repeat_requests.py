"""A repeat request for an analysis the thread already has: a notice, no job, no quota.

Real Slack (signed requests to the Bolt app) and Discord (gateway events) adapters,
the real core and SQLite; ``analyze … refresh`` is the explicit way to analyse again.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bot.chat.service import RadarService
from bot.store import jobs
from tests.support import discord_harness
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.discord import USER, DiscordFake
from tests.support.fakes.server import until
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import Bot, block_actions, reaction_added, running_bot

PAPER_ID = "2511.05275"
ALREADY = f"The analysis of {PAPER_ID}v1 is already in"


def counts(service: RadarService) -> tuple[int, int, int]:
    """(jobs, job requests, analyses counted against users today)."""
    db = service.store.db
    return (
        db.execute("SELECT count(*) FROM jobs").fetchone()[0],
        db.execute("SELECT count(*) FROM job_requests").fetchone()[0],
        db.execute("SELECT coalesce(sum(analyses), 0) FROM usage WHERE user != '*'").fetchone()[0],
    )


async def replied(service: RadarService, count: int) -> None:
    """Wait until ``count`` requests have had their final reply."""

    def done() -> bool:
        rows = service.store.db.execute(
            "SELECT count(*) FROM job_requests WHERE state = ?", [jobs.REPLIED]
        ).fetchone()
        return bool(rows[0] >= count)

    await until(done, timeout_s=30)


# Slack ---------------------------------------------------------------------------------


@pytest.fixture
async def slack_bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        yield running


def whispers(bot: Bot) -> list[str]:
    return [str(params["text"]) for params in bot.slack.called("chat.postEphemeral")]


def analyses_posted(bot: Bot) -> list[dict[str, Any]]:
    posted = bot.slack.called("chat.postMessage")
    return [p for p in posted if str(p.get("text", "")).startswith("Analysis: Twin")]


async def test_slack_repeats_get_a_notice_and_refresh_analyses_again(slack_bot: Bot) -> None:
    bot = slack_bot
    card_ts = await bot.post_card(sample_paper())
    await bot.event(reaction_added(card_ts, BOT_USER, event_id="EvFirst"))
    await replied(bot.service, 1)
    first = len(analyses_posted(bot))
    assert counts(bot.service) == (1, 1, 1)

    await bot.event(reaction_added(card_ts, BOT_USER, user="W222", event_id="EvAgain"))
    await bot.interaction(block_actions(card_ts, PAPER_ID))
    await bot.command(f"analyze {PAPER_ID}")
    await until(lambda: len(whispers(bot)) >= 4)

    notices = sorted(whispers(bot)[1:])  # the three answers may arrive in any order
    assert [n.startswith(ALREADY) for n in notices] == [True, True, True], notices
    assert "under its card in this channel" in notices[0]  # the command
    assert all("this thread" in notice for notice in notices[1:])  # reaction, button
    assert f"`/arxiv analyze {PAPER_ID} refresh`" in notices[0]
    assert counts(bot.service) == (1, 1, 1)  # no job, no request, no quota
    assert len(bot.analyzer.requested) == 1
    assert len(analyses_posted(bot)) == first
    assert not bot.slack.called("chat.postMessage")[-1]["text"].startswith("⏳")

    await bot.command(f"analyze {PAPER_ID} refresh")
    await until(lambda: len(whispers(bot)) >= 5)
    assert whispers(bot)[4].startswith(f"Queued the analysis of {PAPER_ID}")
    await replied(bot.service, 2)
    assert len(bot.analyzer.requested) == 2
    assert len(analyses_posted(bot)) == 2 * first
    assert all(p["thread_ts"] == card_ts for p in analyses_posted(bot))


async def test_slack_repeat_while_the_job_runs_joins_no_second_reply(slack_bot: Bot) -> None:
    bot = slack_bot
    bot.analyzer.gate.clear()
    card_ts = await bot.post_card(sample_paper())
    await bot.event(reaction_added(card_ts, BOT_USER, event_id="EvFirst"))
    await until(lambda: bool(bot.analyzer.requested))

    await bot.interaction(block_actions(card_ts, PAPER_ID))
    await until(lambda: len(whispers(bot)) >= 2)
    assert whispers(bot)[1] == (
        f"{PAPER_ID} is already being analysed for this thread; the result will be posted there."
    )
    await bot.command(f"analyze {PAPER_ID} refresh")  # the running job is the fresh analysis
    await until(lambda: len(whispers(bot)) >= 3)
    assert whispers(bot)[2].startswith(f"{PAPER_ID} is already being analysed for the thread")
    bot.analyzer.gate.set()
    await replied(bot.service, 1)
    assert counts(bot.service) == (1, 1, 1)


async def test_a_different_language_is_not_a_repeat(slack_bot: Bot) -> None:
    bot = slack_bot
    await bot.command(f"analyze {PAPER_ID} en")
    await replied(bot.service, 1)
    await bot.command(f"analyze {PAPER_ID} zh")
    await until(lambda: len(whispers(bot)) >= 2)
    assert whispers(bot)[1].startswith(f"Queued the analysis of {PAPER_ID}")
    await replied(bot.service, 2)
    assert counts(bot.service) == (2, 2, 2)


# Discord -------------------------------------------------------------------------------


@pytest.fixture
async def discord_bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    discord_fake: DiscordFake,
    arxiv_fake: ArxivFake,
) -> AsyncIterator[discord_harness.Bot]:
    async with discord_harness.running_bot(
        tmp_path, monkeypatch, discord_fake, arxiv_fake
    ) as running:
        yield running


async def test_discord_repeats_get_a_notice_and_refresh_analyses_again(
    discord_bot: discord_harness.Bot,
) -> None:
    bot, service = discord_bot, discord_bot.core.service
    [paper] = bot.serve(PAPER_ID)
    card = await bot.post_card(paper)
    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(card))
    await replied(service, 1)
    in_thread = len(bot.discord.channel_messages(card))

    other = {**USER, "id": "167348773423415297", "username": "ada"}
    bot.discord.dispatch("MESSAGE_REACTION_ADD", bot.discord.reaction(card, user=other))
    await until(lambda: len(bot.discord.channel_messages(card)) > in_thread)
    notice = bot.discord.channel_messages(card)[-1]["content"]
    assert notice.startswith(ALREADY)
    assert "this thread" in notice

    button = bot.interact(bot.discord.button_interaction(card))
    [clicked] = await bot.followups(button)
    assert clicked["content"].startswith(ALREADY)
    assert clicked["flags"] & (1 << 6)  # only the clicker sees it

    command = bot.interact(bot.discord.interaction("analyze", paper=PAPER_ID))
    [answer] = await bot.followups(command)
    assert answer["content"].startswith(ALREADY)
    assert counts(service) == (1, 1, 1)

    again = bot.interact(bot.discord.interaction("analyze", paper=PAPER_ID, refresh=True))
    [queued] = await bot.followups(again)
    assert queued["content"].startswith(f"Queued the analysis of {PAPER_ID}")
    await replied(service, 2)
    assert counts(service) == (2, 2, 2)


async def test_another_version_is_not_a_repeat(slack_bot: Bot) -> None:
    bot = slack_bot
    await bot.command(f"analyze {PAPER_ID}")
    await replied(bot.service, 1)
    await bot.command(f"analyze {PAPER_ID}v1")  # the version the thread has
    await bot.command(f"analyze {PAPER_ID}v2")  # a newer one: analysed anew
    await until(lambda: len(whispers(bot)) >= 3)
    answers = sorted(whispers(bot)[1:])
    assert answers[0].startswith(f"Queued the analysis of {PAPER_ID}v2")
    assert answers[1].startswith(f"The analysis of {PAPER_ID}v1 is already in the thread")
