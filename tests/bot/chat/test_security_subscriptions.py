"""#14 item 4: no chat user can turn a channel into a firehose or widen the bot's reach."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path

import pytest

from bot.kernel.config import AccessConfig, SubscriptionsConfig
from bot.store import subscriptions
from bot.watch.poll import poll_all
from handlers.slack.app import CHANGE_REFUSAL
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.slack import SlackFake
from tests.support.feeds import seed_feed
from tests.support.slack_harness import CHANNEL, Bot, running_bot


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        yield running


def configure(bot: Bot, **sections: object) -> None:
    bot.service.config = replace(bot.service.config, **sections)  # type: ignore[arg-type]


async def answers(bot: Bot, *commands: str) -> list[str]:
    """Every ephemeral answer so far, once each of ``commands`` got its own."""
    already = len(bot.slack.called("chat.postEphemeral"))
    for count, text in enumerate(commands, start=already + 1):
        assert (await bot.command(text)).status == 200
        await bot.slack.until_calls("chat.postEphemeral", count)
    return [json.dumps(c, ensure_ascii=False) for c in bot.slack.called("chat.postEphemeral")]


async def test_a_category_without_keywords_needs_all_and_the_config_permission(
    bot: Bot,
) -> None:
    shown = await answers(bot, "categories add cs.AI", "categories add cs.AI --all")
    assert all("Without keywords, cs.AI would post every paper" in s for s in shown)
    assert (
        await bot.service.store.run(subscriptions.follows, bot.service.store.db, "slack", CHANNEL)
    ).categories == ()

    configure(bot, subscriptions=SubscriptionsConfig(allow_all=True))
    [*_, without_flag, with_flag] = await answers(
        bot, "categories add cs.AI", "categories add cs.AI --all"
    )
    assert "confirm with `categories add cs.AI --all`" in without_flag
    assert "now follows the category cs.AI" in with_flag


async def test_caps_on_keywords_and_categories(bot: Bot) -> None:
    configure(bot, subscriptions=SubscriptionsConfig(max_keywords=2, max_categories=1))
    shown = await answers(
        bot,
        "subscribe one",
        "subscribe two",
        "subscribe three",
        "categories add cs.RO",
        "categories add cs.LG",
    )
    assert "already follows 2 keywords" in shown[2]
    assert "already follows 1 category," in shown[4]
    follows = await bot.service.store.run(
        subscriptions.follows, bot.service.store.db, "slack", CHANNEL
    )
    assert (follows.keywords, follows.categories) == (("one", "two"), ("cs.RO",))


async def test_subscription_changes_follow_allowed_users_unless_opened(bot: Bot) -> None:
    configure(bot, access=AccessConfig(analyze="everyone", subscriptions="admins"))
    bot.adapter.listeners.config = replace(bot.adapter.listeners.config, allowed_users=("U0ADMIN",))
    [refused] = await answers(bot, "subscribe firehose")
    assert "only approved members may change" in refused
    assert CHANGE_REFUSAL.split(".")[0] in refused
    assert (
        await bot.service.store.run(subscriptions.follows, bot.service.store.db, "slack", CHANNEL)
    ).keywords == ()

    configure(bot, access=AccessConfig(subscriptions="everyone"))
    [_, allowed] = await answers(bot, "subscribe open")
    assert "now follows the keyword “open”" in allowed


async def test_a_keywordless_channel_costs_no_feed_request_and_posts_nothing(
    bot: Bot,
) -> None:
    bot.arxiv.feeds["*"] = seed_feed()
    store = bot.service.store  # writes go through the store's one database thread
    await store.run(subscriptions.add, store.db, "slack", "C2", "category", "cs.AI", "now")
    before = len([r for r in bot.arxiv.requests if r.path.startswith("/rss/")])
    outcomes = await poll_all(bot.service.arxiv, bot.service.store, bot.service.config)
    assert all(not o.monitor.startswith("channel:") for o in outcomes)
    feeds = [r for r in bot.arxiv.requests if r.path.startswith("/rss/")]
    assert len(feeds) - before == 1  # the configured monitor's feed only
