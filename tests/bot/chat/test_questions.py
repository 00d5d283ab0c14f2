"""Queuing questions: which paper a thread is about, limits, and the question job."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.commands import parse_command
from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import threads, usage
from bot.store.threads import PaperThread
from tests.support.core_env import Core, core, paper
from tests.support.fakes.arxiv import ArxivFake

ASKER = ChatRef("slack", "C1", None, "U1")


def question_jobs(env: Core) -> list[dict[str, Any]]:
    return list(
        env.store.test_db.query(
            "SELECT j.arxiv_id, j.version, j.kind, j.state, r.channel, r.thread, r.user, "
            "q.question, q.newer FROM jobs j JOIN job_requests r ON r.job_id = j.id "
            "JOIN questions q ON q.job_id = j.id ORDER BY j.id"
        )
    )


async def test_a_card_thread_is_about_the_card_version(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        v2 = replace(paper("2511.05275"), version=2)
        card = await env.service.cards.ensure(env.platform, "C1", v2, (), "default")
        found = await env.service.questions.thread("slack", card, "C1")
        other_channel = await env.service.questions.thread("slack", card, "C2")
        any_channel = await env.service.questions.thread("slack", card, None)
        unknown = await env.service.questions.thread("slack", "1.2", "C1")
        result = await env.service.cards.post_search_result(env.platform, "C1", paper("2501.00001"))
        searched = await env.service.questions.thread("slack", result, "C1")
    assert found == PaperThread("slack", "C1", card, "2511.05275", 2)
    assert other_channel is None  # Slack ts are unique per channel only
    assert any_channel == found  # Discord thread IDs are unique everywhere
    assert unknown is None
    assert searched == PaperThread("slack", "C1", result, "2501.00001", 1)


async def test_an_analysis_thread_is_about_the_analysed_paper(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    """A mention's own thread (``@bot analyze …`` in the channel) has no card in it."""
    async with core(arxiv_fake, tmp_path) as env:
        ref = ChatRef("slack", "C1", "1700000000.000100", "U1")
        await env.service.enqueue_analysis(ArxivId("2511.05275", 3), ref, "en")
        found = await env.service.questions.thread("slack", "1700000000.000100", "C1")
        await env.store.run(
            threads.record, env.store.test_db, "slack", "C1", ref.thread, "2511.05275", None, "now"
        )
        kept = await env.service.questions.thread("slack", "1700000000.000100", "C1")
    assert found == PaperThread("slack", "C1", "1700000000.000100", "2511.05275", 3)
    assert kept == found  # recording without a version keeps the known one


async def test_a_thread_question_is_queued_on_the_threads_version(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        card = await env.service.cards.ensure(env.platform, "C1", paper("2511.05275"), (), "x")
        await env.store.run(env.store.save_papers, [replace(paper("2511.05275"), version=3)])
        thread = await env.service.questions.thread("slack", card, "C1")
        assert thread is not None
        refused = await env.service.questions.ask_in_thread(thread, "Which GPUs?", ASKER)
        queued = question_jobs(env)
    assert refused is None
    assert queued == [
        {
            "arxiv_id": "2511.05275",
            "version": 1,
            "kind": "question",
            "state": "queued",
            "channel": "C1",
            "thread": card,
            "user": "U1",
            "question": "Which GPUs?",
            "newer": 3,
        }
    ]


async def test_a_queued_question_is_the_channels_interest_in_the_paper(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(
        arxiv_fake, tmp_path, "[analysis]\nmax_questions_per_user_per_day = 1\n"
    ) as env:
        card = await env.service.cards.ensure(env.platform, "C1", paper("2511.05275"), (), "vla")
        thread = await env.service.questions.thread("slack", card, "C1")
        assert thread is not None
        await env.service.questions.ask_in_thread(thread, "Which GPUs?", ASKER)
        refused = await env.service.questions.ask_in_thread(thread, "And the CPUs?", ASKER)
        signals = env.store.test_db.execute(
            "SELECT platform, channel, monitor, arxiv_id, kind, weight FROM signals"
        ).fetchall()
    assert refused is not None  # over the limit: not queued, no second signal
    assert signals == [("slack", "C1", "vla", "2511.05275", "question", 1.0)]


async def test_ask_command_queues_a_question_for_the_card_thread(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        command = parse_command("ask 2511.05275 what's the batch size?")
        reply = await env.service.handle(command, ASKER)
        queued = question_jobs(env)
    assert reply.text == (
        "Looking into 2511.05275 for your question; the answer will be posted in the thread "
        "under its card."
    )
    assert [(q["version"], q["thread"], q["question"], q["newer"]) for q in queued] == [
        (None, None, "what's the batch size?", None)
    ]


async def test_questions_per_user_and_day_are_limited(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(
        arxiv_fake, tmp_path, "[analysis]\nmax_questions_per_user_per_day = 2\n"
    ) as env:
        thread = PaperThread("slack", "C1", "1.1", "2511.05275", 1)
        answers = [
            await env.service.questions.ask_in_thread(thread, f"question {n}?", ASKER)
            for n in range(3)
        ]
        other = await env.service.questions.ask_in_thread(
            thread, "mine?", replace(ASKER, user="U2")
        )
        day = usage.usage_day(env.config, env.clock())
        mine = usage.row(env.store.test_db, day, "U1")
        counted, analyses = mine.questions, mine.analyses
    assert answers[:2] == [None, None]
    assert answers[2] == (
        "You have asked your 2 questions for today; the count resets at midnight (Asia/Shanghai)."
    )
    assert other is None
    assert counted == 2
    assert analyses == 0  # questions have their own count


async def test_spent_token_budget_stops_llm_questions(
    arxiv_fake: ArxivFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("RADAR_TEST_KEY", "sk-test")
    extra = (
        '[analysis]\nengine = "llm"\n[llm]\napi_key_env = "RADAR_TEST_KEY"\n'
        "daily_token_budget = 1000\n"
    )
    async with core(arxiv_fake, tmp_path, extra) as env:
        day = usage.usage_day(env.config, env.clock())
        await env.store.run(usage.add_tokens, env.store.test_db, day, "U9", 700, 300)
        thread = PaperThread("slack", "C1", "1.1", "2511.05275", 1)
        refused = await env.service.questions.ask_in_thread(thread, "Which GPUs?", ASKER)
        queued = question_jobs(env)
    assert refused is not None
    assert refused.startswith("Today's LLM token budget (1,000 tokens)")
    assert queued == []


async def test_turns_keep_a_bounded_window_oldest_first(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        thread = PaperThread("slack", "C1", "1.1", "2511.05275", 1)
        for n in range(5):
            await env.store.run(
                threads.add_turn, env.store.test_db, thread, f"q{n}", f"a{n}", "now"
            )
        other = replace(thread, thread="1.2")
        await env.store.run(threads.add_turn, env.store.test_db, other, "elsewhere", "x", "now")
        window = await env.store.run(threads.turns, env.store.test_db, "slack", "C1", "1.1", 3)
        none = await env.store.run(threads.turns, env.store.test_db, "slack", "C1", "1.1", 0)
    assert window == [("q2", "a2"), ("q3", "a3"), ("q4", "a4")]
    assert none == []
