"""Questions in a paper's Slack thread, end to end: signed events in, one answer out.

The real Bolt app (HTTP mode, signatures checked), the real core, workers and
Asker (extractive engine on a generated PDF, or the LLM engine on the loopback
fake) answer ``app_mention`` events with ``thread_ts`` and, in ``all`` mode,
``message`` events; what is not a question is ignored.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.config import AnalysisConfig, LlmConfig
from bot.store import usage as usage_table
from bot.store.usage import usage_day
from handlers.slack.app import QUESTION_REFUSAL
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import USER, Bot, eventually, running_bot, thread_event

QUESTION = "Which baseline did they compare with?"
LLM_ANSWER = {
    "answer": "They compare with Lucene-BM25 as a baseline (§1 Introduction).",
    "citations": [
        {"section": "§1 Introduction", "kind": "section", "quote": "builds on Lucene-BM25"}
    ],
}


def answers(bot: Bot, thread: str) -> list[dict[str, Any]]:
    """The answers posted in ``thread`` (their fallback text starts with "Answer:")."""
    return [
        params
        for params in bot.slack.called("chat.postMessage")
        if params.get("thread_ts") == thread and str(params["text"]).startswith("Answer")
    ]


def answer_text(params: dict[str, Any]) -> str:
    return "\n".join(
        element.get("text", "") if "text" not in element else element["text"]
        for block in params["blocks"]
        for element in ([block["text"]] if "text" in block else block.get("elements", []))
    )


def whispers(bot: Bot) -> list[str]:
    return [str(params["text"]) for params in bot.slack.called("chat.postEphemeral")]


async def settle(bot: Bot) -> None:
    """Let listeners and workers finish what the last events started."""
    await eventually(lambda: not bot.adapter.listeners.tasks)
    depth = await bot.service.store.run(
        lambda: bot.service.store.test_db.execute(
            "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')"
        ).fetchone()[0]
    )
    assert depth == 0


@pytest.fixture
async def bot(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake) as running:
        yield running


@pytest.fixture
async def all_replies(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> AsyncIterator[Bot]:
    async with running_bot(
        tmp_path, monkeypatch, slack, arxiv_fake, thread_questions="all"
    ) as running:
        yield running


async def test_a_mention_in_a_card_thread_is_answered_there_once(bot: Bot) -> None:
    card = await bot.post_card(sample_paper())
    mention = thread_event("app_mention", f"<@{BOT_USER}> {QUESTION}", card, "1700.000001", "EvQ1")

    assert (await bot.event(mention)).status == 200
    await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
    assert (await bot.event(mention)).status == 200  # Slack retries an event it thinks lost
    await settle(bot)

    [answer] = answers(bot, card)
    text = answer_text(answer)
    assert text.startswith(f"❓ *{QUESTION}*")
    assert "Lucene-BM25" in text  # the passage that names the baseline…
    assert "§1 Introduction" in text  # …and where it is
    [progress] = [
        call
        for call in bot.slack.calls
        if call.method == "chat.postMessage" and call.params["text"].startswith("⏳")
    ]
    assert progress.params["thread_ts"] == card
    final = bot.slack.called("chat.update")[-1]
    assert final["ts"] == progress.result["ts"]
    assert final["text"] == "✅ Answered below."


async def test_a_follow_up_has_the_earlier_turn_and_a_mention_command_stays_a_command(
    bot: Bot,
) -> None:
    card = await bot.post_card(sample_paper())
    first = thread_event("app_mention", f"<@{BOT_USER}> {QUESTION}", card, "1700.000001", "EvQ1")
    await bot.event(first)
    await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
    follow_up = f"<@{BOT_USER}> and what accuracy did it reach on the three datasets?"
    await bot.event(thread_event("app_mention", follow_up, card, "1700.000002", "EvQ2"))
    await eventually(lambda: len(answers(bot, card)) == 2, timeout_s=30)
    await bot.event(thread_event("app_mention", f"<@{BOT_USER}> help", card, "1700.3", "EvQ3"))
    await eventually(
        lambda: any(
            "`/arxiv ask" in str(c.get("blocks")) for c in bot.slack.called("chat.postMessage")
        )
    )
    await settle(bot)

    turns = await bot.service.store.run(
        lambda: bot.service.store.test_db.execute(
            "SELECT question FROM thread_turns WHERE thread = ? ORDER BY id", [card]
        ).fetchall()
    )
    assert [row[0] for row in turns] == [
        QUESTION,
        "and what accuracy did it reach on the three datasets?",
    ]
    assert "Table 1" in answer_text(answers(bot, card)[1])


async def test_mentions_outside_paper_threads_are_commands_as_before(bot: Bot) -> None:
    await bot.event(thread_event("app_mention", f"<@{BOT_USER}> {QUESTION}", "1.5", "1.6", "E1"))
    await eventually(lambda: bool(bot.slack.called("chat.postMessage")))
    await settle(bot)
    [reply] = bot.slack.called("chat.postMessage")
    assert reply["text"].startswith("Unknown command 'which'")
    jobs = await bot.service.store.run(
        lambda: bot.service.store.test_db.execute("SELECT count(*) FROM jobs").fetchone()[0]
    )
    assert jobs == 0


async def test_every_human_reply_is_a_question_in_all_mode(all_replies: Bot) -> None:
    bot = all_replies
    card = await bot.post_card(sample_paper())
    ignored = [
        thread_event("message", "a bot talks", card, "1700.1", "E1", user="U0BOT", bot_id="B9"),
        thread_event("message", "the bot itself", card, "1700.2", "E2", user=BOT_USER),
        thread_event(
            "message",
            None,
            card,
            "1700.3",
            "E3",
            user=None,
            subtype="message_changed",
            message={"text": QUESTION, "user": USER, "ts": "1700.4", "thread_ts": card},
        ),
        thread_event(
            "message",
            None,
            card,
            "1700.5",
            "E4",
            user=None,
            subtype="message_deleted",
            deleted_ts="1700.4",
        ),
        thread_event("message", QUESTION, None, "1700.6", "E5"),  # not in a thread
        thread_event("message", QUESTION, "1600.000001", "1700.7", "E6"),  # not a paper thread
        thread_event("message", QUESTION, card, card, "E7"),  # the thread's parent itself
    ]
    for event in ignored:
        assert (await bot.event(event)).status == 200
    with_mention = f"<@{BOT_USER}> {QUESTION}"
    await bot.event(thread_event("app_mention", with_mention, card, "1700.8", "E8"))
    await bot.event(thread_event("message", with_mention, card, "1700.8", "E9"))
    await bot.event(thread_event("message", "What does Table 1 show?", card, "1700.9", "E10"))
    await eventually(lambda: len(answers(bot, card)) == 2, timeout_s=30)
    await settle(bot)

    questions = [answer_text(a).splitlines()[0] for a in answers(bot, card)]
    assert sorted(questions) == sorted([f"❓ *{QUESTION}*", "❓ *What does Table 1 show?*"])
    assert whispers(bot) == []


async def test_plain_replies_are_not_questions_in_mention_mode(bot: Bot) -> None:
    card = await bot.post_card(sample_paper())
    await bot.event(thread_event("message", QUESTION, card, "1700.1", "E1"))
    await bot.event(thread_event("app_mention", f"<@{BOT_USER}> {QUESTION}", card, "1700.2", "E2"))
    await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
    await settle(bot)
    assert len(answers(bot, card)) == 1


async def test_questions_follow_access_and_the_daily_limit(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    limited = AnalysisConfig(engine="extractive", max_questions_per_user_per_day=1)
    async with running_bot(
        tmp_path,
        monkeypatch,
        slack,
        arxiv_fake,
        allowed_users=(USER,),
        analysis=limited,
        thread_questions="all",
    ) as bot:
        card = await bot.post_card(sample_paper())
        mention = f"<@{BOT_USER}> {QUESTION}"
        await bot.event(thread_event("app_mention", mention, card, "1.1", "E1", user="W999"))
        await bot.event(thread_event("message", QUESTION, card, "1.2", "E2", user="W999"))
        await bot.event(thread_event("app_mention", mention, card, "1.3", "E3"))
        await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
        await bot.event(thread_event("app_mention", mention, card, "1.4", "E4"))
        await eventually(lambda: len(whispers(bot)) == 2)
        await settle(bot)
        refusals = bot.slack.called("chat.postEphemeral")

    assert [(r["user"], r["thread_ts"]) for r in refusals] == [
        ("W999", card),
        (USER, card),
    ]
    assert whispers(bot)[0] == QUESTION_REFUSAL
    assert whispers(bot)[1].startswith("You have asked your 1 questions for today")


async def test_a_thread_of_an_older_version_is_answered_from_it(bot: Bot) -> None:
    v1 = sample_paper()
    card = await bot.post_card(v1)
    await bot.service.store.run(bot.service.store.save_papers, [replace(v1, version=2)])
    bot.arxiv.api[f"{v1.arxiv_id}v1"] = bot.arxiv.api[v1.arxiv_id]
    await bot.event(thread_event("app_mention", f"<@{BOT_USER}> {QUESTION}", card, "1.1", "E1"))
    await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
    await settle(bot)

    text = answer_text(answers(bot, card)[0])
    assert f"arXiv {v1.arxiv_id}v1" in text
    assert "A newer version of this paper exists (v2); this answer is about v1." in text


async def test_llm_answers_carry_the_threads_earlier_turn_and_bill_the_asker(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    """The LLM engine through the fake: the follow-up's prompt holds the first turn."""
    monkeypatch.setenv("RADAR_TEST_KEY", "sk-test")
    llm = LlmFake(LLM_ANSWER).start()
    try:
        async with running_bot(
            tmp_path,
            monkeypatch,
            slack,
            arxiv_fake,
            analysis=AnalysisConfig(engine="llm"),
            llm=LlmConfig(base_url=f"{llm.url}/v1", api_key_env="RADAR_TEST_KEY"),
        ) as bot:
            card = await bot.post_card(sample_paper())
            first = f"<@{BOT_USER}> {QUESTION}"
            await bot.event(thread_event("app_mention", first, card, "1.1", "E1"))
            await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
            follow_up = f"<@{BOT_USER}> and what accuracy on the three datasets?"
            await bot.event(thread_event("app_mention", follow_up, card, "1.2", "E2"))
            await eventually(lambda: len(answers(bot, card)) == 2, timeout_s=30)
            await settle(bot)
            store = bot.service.store
            day = usage_day(bot.config, store.clock())
            billed = await store.run(usage_table.row, store.test_db, day, USER)
    finally:
        llm.stop()

    prompts = [
        "\n".join(str(m["content"]) for m in body["messages"]) for body in llm.structured_bodies()
    ]
    assert len(prompts) == 2
    assert QUESTION not in prompts[0].split("<question>")[0]  # no earlier turn yet
    assert QUESTION in prompts[1]  # the first question and its answer come with the follow-up
    assert LLM_ANSWER["answer"] in prompts[1]
    assert "Lucene-BM25" in prompts[1]  # the passage it rests on
    assert "Lucene-BM25" in answer_text(answers(bot, card)[0])
    assert billed.input_tokens > 0
    assert billed.analyses == 0


async def test_slash_ask_whispers_then_answers_under_the_card(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, slack: SlackFake, arxiv_fake: ArxivFake
) -> None:
    async with running_bot(tmp_path, monkeypatch, slack, arxiv_fake, allowed_users=(USER,)) as bot:
        paper = sample_paper()
        assert (await bot.command(f"ask {paper.arxiv_id} what's in Table 1?")).status == 200
        await eventually(lambda: len(whispers(bot)) == 1)
        card = await bot.post_card(paper)  # the card the worker posted (found, not posted again)
        await eventually(lambda: len(answers(bot, card)) == 1, timeout_s=30)
        await bot.command(f"ask {paper.arxiv_id} which baseline?", user="W999")
        await eventually(lambda: len(whispers(bot)) == 2)
        await settle(bot)
        cards = [p for p in bot.slack.called("chat.postMessage") if "thread_ts" not in p]

    assert whispers(bot) == [
        f"Looking into {paper.arxiv_id} for your question; the answer will be posted in the "
        "thread under its card.",
        QUESTION_REFUSAL,
    ]
    assert len(cards) == 1
    assert answer_text(answers(bot, card)[0]).startswith("❓ *what's in Table 1?*")
