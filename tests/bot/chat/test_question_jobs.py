"""Question jobs in the real workers: one reply each, retries, owed replies, failures.

The real core (SQLite file, arXiv client on the ArxivFake, Asker with the
extractive engine) answers questions queued the way the chat adapters queue
them; the chat platform is the recording stand-in for Slack or Discord.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from pathlib import Path

from bot.kernel.ids import ArxivId
from bot.kernel.models import ChatRef
from bot.store import jobs, questions
from bot.store.threads import PaperThread
from tests.support.core_env import core, serve_papers
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import Fault
from tests.support.slack_harness import atom_api

PAPER = "2511.05275"
QUESTION = "Which baseline did they compare with?"
ASKER = ChatRef("slack", "C1", "1700.000001", "U1")
THREAD = PaperThread("slack", "C1", "1700.000001", PAPER, 1)


async def until(condition: Callable[[], bool], timeout_s: float = 20.0) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        assert time.monotonic() < deadline, "condition not met"
        await asyncio.sleep(0.02)


async def test_a_thread_question_gets_one_cited_answer_and_becomes_a_turn(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, [PAPER])
        workers = env.workers()
        await workers.start()
        assert await env.service.questions.ask_in_thread(THREAD, QUESTION, ASKER) is None
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        assert (
            await env.service.questions.ask_in_thread(THREAD, "What is in Table 1?", ASKER) is None
        )
        await env.platform.wait_for(lambda p: len(p.finals()) == 2, 30)
        await workers.stop(5)
        states = env.store.test_db.execute("SELECT DISTINCT state FROM job_requests").fetchall()
        turns = env.store.test_db.execute(
            "SELECT question FROM thread_turns ORDER BY id"
        ).fetchall()
    first, second = env.platform.finals()
    assert (first.kind, first.channel, first.thread) == ("answer", "C1", ASKER.thread)
    answer = first.extra["answer"]
    assert (answer.arxiv_id, answer.version, answer.question) == (PAPER, 1, QUESTION)
    assert any(c.section.startswith("§1") for c in answer.citations)
    assert "Table 1" in " ".join(c.section for c in second.extra["answer"].citations)
    assert [p.text for p in env.platform.of("progress")] == [
        f"⏳ Looking into {PAPER}v1 for your question…"
    ] * 2
    assert states == [(jobs.REPLIED,)]
    assert turns == [(QUESTION,), ("What is in Table 1?",)]


async def test_ask_command_threads_under_the_card_and_the_thread_is_then_a_paper_thread(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, [PAPER])
        workers = env.workers()
        await workers.start()
        await env.service.questions.ask(
            ArxivId(PAPER), QUESTION, ChatRef("slack", "C1", None, "U1")
        )
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        [card] = env.platform.of("card")
        thread = await env.service.questions.thread("slack", card.message_id or "", "C1")
    assert env.platform.finals()[0].thread == card.message_id
    assert thread == PaperThread("slack", "C1", card.message_id or "", PAPER, 1)


async def test_an_unknown_paper_fails_once_with_how_to_ask_again(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    arxiv_fake.api["2511.99999"] = atom_api([])
    async with core(arxiv_fake, tmp_path) as env:
        workers = env.workers()
        await workers.start()
        await env.service.questions.ask(ArxivId("2511.99999"), "Why?", ASKER)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        job = jobs.get(env.store.test_db, 1)
    (failure,) = env.platform.finals()
    assert failure.extra["question"] is True
    assert failure.text == (
        "Could not answer the question about 2511.99999: arXiv has no paper 2511.99999. "
        "Ask again here, or with `/arxiv ask 2511.99999 Why?`."
    )
    assert job is not None
    assert (job.kind, job.state, job.attempts) == ("question", jobs.FAILED, 1)


async def test_a_retryable_failure_is_retried_and_answered_once(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, [PAPER])
        arxiv_fake.script("/pdf/", *[Fault(503) for _ in range(5)])  # one attempt's tries
        workers = env.workers()
        await workers.start()
        await env.service.questions.ask_in_thread(THREAD, QUESTION, ASKER)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        job = jobs.get(env.store.test_db, 1)
    updates = [u.text for u in env.platform.of("update")]
    assert any(
        text.startswith("⏳ Attempt 1 of 3 failed: The PDF of 2511.05275") for text in updates
    )
    assert [f.kind for f in env.platform.finals()] == ["answer"]
    assert job is not None
    assert (job.state, job.attempts) == (jobs.DONE, 2)


async def test_an_owed_answer_is_delivered_from_the_stored_answer(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    """Answered while the platform was away: delivered later without asking again."""
    async with core(arxiv_fake, tmp_path, register=False) as env:
        serve_papers(arxiv_fake, tmp_path, [PAPER])
        workers = env.workers()
        await workers.start()
        await env.service.questions.ask_in_thread(THREAD, QUESTION, ASKER)
        await until(lambda: jobs.state(env.store.test_db, 1) == jobs.DONE)
        stored = questions.get(env.store.test_db, 1)
        await workers.stop(5)
        workers = env.workers()  # a restart
        await workers.start()
        env.service.register(env.platform)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 10)
        await workers.stop(5)
    assert stored is not None
    assert stored.answer is not None
    [answer] = env.platform.finals()
    assert answer.kind == "answer"
    assert answer.extra["answer"].question == QUESTION


async def test_a_failed_delivery_is_retried_and_lands_once(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, [PAPER])
        env.platform.fail("deliver_answer", times=2)
        workers = env.workers()
        await workers.start()
        await env.service.questions.ask_in_thread(THREAD, QUESTION, ASKER)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        state, deliveries = env.store.test_db.execute(
            "SELECT state, deliveries FROM job_requests"
        ).fetchone()
        turns = env.store.test_db.execute("SELECT count(*) FROM thread_turns").fetchone()[0]
    assert env.platform.calls.count("deliver_answer") == 3
    assert (state, deliveries) == (jobs.REPLIED, 2)
    assert turns == 1


async def test_an_analysis_never_joins_a_question_job(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        language = env.config.report.language  # same paper version, engine and language
        await env.service.questions.ask(ArxivId(PAPER, 1), QUESTION, ASKER, language)
        reply = await env.service.enqueue_analysis(ArxivId(PAPER, 1), ASKER, language)
        kinds = env.store.test_db.execute("SELECT kind FROM jobs ORDER BY id").fetchall()
    assert reply.text.startswith("Queued the analysis")
    assert kinds == [("question",), ("analysis",)]
