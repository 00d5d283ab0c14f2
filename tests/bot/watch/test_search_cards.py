"""Cards posted as ``/arxiv search`` results work like any card (issue 9.5)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.store import posts
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import until
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import (
    Bot,
    assert_threaded_analysis,
    atom_api,
    block_actions,
    reaction_added,
    running_bot,
)


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        running.analyzer.gate.clear()
        yield running


async def search_result_card(bot: Bot) -> str:
    """Search from the channel that already shows the paper's card; the result's card ts."""
    paper = sample_paper()
    card_ts = await bot.post_card(paper)
    bot.arxiv.api["*"] = atom_api([paper])
    assert (await bot.command("search twin arms")).status == 200
    cards = await bot.slack.until_calls("chat.postMessage", 2)
    result_ts = str(cards[1].result["ts"])
    assert result_ts != card_ts  # a search shows its card even where one was posted before
    db = bot.service.store.db
    await until(lambda: posts.card_for_message(db, "slack", result_ts) is not None)
    return result_ts


async def test_a_reaction_on_a_search_result_card_analyses_in_its_thread(bot: Bot) -> None:
    result_ts = await search_result_card(bot)
    post = bot.service.store.db.execute(
        "SELECT arxiv_id FROM search_cards WHERE message_id = ?", [result_ts]
    ).fetchone()

    response = await bot.event(reaction_added(result_ts, BOT_USER))

    assert response.status == 200
    assert post == ("2511.05275",)
    await assert_threaded_analysis(bot, result_ts)


async def test_the_analyze_button_on_a_search_result_card_works(bot: Bot) -> None:
    result_ts = await search_result_card(bot)

    response = await bot.interaction(block_actions(result_ts, "2511.05275"))

    assert response.status == 200
    found = posts.card_for_message(bot.service.store.db, "slack", result_ts)
    assert found is not None
    assert (found.arxiv_id, found.monitor) == ("2511.05275", posts.SEARCH)
    await assert_threaded_analysis(bot, result_ts)
