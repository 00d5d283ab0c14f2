"""The bot's own time per answer to a thread question, with an instant fake LLM.

Run: ``.venv/bin/python benchmarks/bench_ask_bot.py [--questions N] [--process]``.

The real Bolt app (HTTP mode, signed requests), the real core, workers and Asker
(LLM engine against the loopback OpenAI-compatible fake, which answers at once)
and the loopback Slack and arXiv fakes. A card is posted; the first question in
its thread fetches, extracts and indexes the paper (printed separately); then
``--questions`` different questions (so none comes from the answer cache) are
asked one after the other as ``app_mention`` events with ``thread_ts``, each
after the previous answer arrived. For each: the time from the signed event
POST to the answer's ``chat.postMessage`` at the Slack fake. The fake LLM answers
at once, so this is the bot's own overhead per answer (the openai client's round
trip included; target < 300 ms): median and 95th percentile. ``slack.post_interval_s``
is 0 here (Slack's pacing of 1 s per channel is a platform limit, not the bot's work).

``--process`` measures the same through the real entry point: the installed
``arxiv-radar run`` console script in its own process (Slack HTTP mode), the
first question asked with a signed ``/arxiv ask`` (the bot posts the card and
answers under it), the next ones as signed ``app_mention`` events in that thread.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import statistics
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.kernel.config import AnalysisConfig, LlmConfig
from tests.reliability.harness import (
    CHANNEL,
    SIGNING_SECRET,
    SlowSlack,
    slash_command,
    write_config,
)
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.support.slack_harness import Bot, running_bot, sign, thread_event

TARGET_MS = 300.0
TIMEOUT_S = 60.0
ANSWER = {
    "answer": "They compare with Lucene-BM25 as a baseline (§1 Introduction).",
    "citations": [
        {"section": "§1 Introduction", "kind": "section", "quote": "Lucene-BM25 as a baseline"}
    ],
}
TOPICS = (  # words of the generated paper: every question finds passages, so the LLM is asked
    "baseline",
    "datasets",
    "accuracy",
    "retrieval",
    "training",
    "evaluation",
    "experiments",
    "seeds",
    "models",
    "results",
    "representation",
    "pipeline",
)


def question(n: int) -> str:
    """A different question each time (none answered from the cache), about two topics."""
    first, second = TOPICS[n % len(TOPICS)], TOPICS[(n // len(TOPICS) + 1 + n) % len(TOPICS)]
    return f"What do they say about the {first} and the {second}?"


async def ask(bot: Bot, thread: str, n: int) -> float:
    """Seconds from the signed event to the answer in the thread."""
    before = len(bot.slack.called("chat.postMessage"))
    mention = f"<@{BOT_USER}> {question(n)}"
    started = time.perf_counter()
    response = await bot.event(thread_event("app_mention", mention, thread, f"2.{n}", f"Ev{n}"))
    assert response.status == 200
    deadline = started + TIMEOUT_S
    while time.perf_counter() < deadline:
        posts = bot.slack.called("chat.postMessage")[before:]
        if any(str(p.get("text", "")).startswith("Answer") for p in posts):
            return time.perf_counter() - started
        await asyncio.sleep(0.001)
    texts = [p.get("text") for p in bot.slack.called("chat.postMessage")[before:]]
    raise RuntimeError(f"no answer to question {n} within {TIMEOUT_S:.0f} s; posted: {texts}")


async def run(questions: int) -> None:
    with tempfile.TemporaryDirectory() as folder, pytest.MonkeyPatch.context() as patch:
        patch.setenv("OPENAI_API_KEY", "sk-bench")
        slack, arxiv, llm = SlackFake(), ArxivFake().start(), LlmFake(ANSWER).start()
        slack.start()
        try:
            async with running_bot(
                Path(folder),
                patch,
                slack,
                arxiv,
                analysis=AnalysisConfig(engine="llm", max_questions_per_user_per_day=0),
                llm=LlmConfig(base_url=f"{llm.url}/v1", model="fake-model"),
            ) as bot:
                card = await bot.post_card(sample_paper())
                first = await ask(bot, card, 0)
                totals = [await ask(bot, card, n) for n in range(1, questions + 1)]
        finally:
            slack.stop()
            arxiv.stop()
            llm.stop()
    calls = len(llm.matching(lambda r: r.path.endswith("/chat/completions")))
    print(f"first question (fetch, extract, index, answer): {first * 1000:.0f} ms")
    report("the bot's overhead per answer (event in → answer posted)", totals)
    print(f"LLM requests: {calls} for {questions + 1} questions")
    verdict = "meets" if percentile(totals, 95) * 1000 < TARGET_MS else "misses"
    print(f"p95 overhead {verdict} the target of < {TARGET_MS:.0f} ms")


def report(label: str, seconds: list[float]) -> None:
    median, p95 = statistics.median(seconds) * 1000, percentile(seconds, 95) * 1000
    print(f"{label}: median {median:.0f} ms, p95 {p95:.0f} ms ({len(seconds)} questions)")


def percentile(values: list[float], pct: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1)))]


def run_process(questions: int) -> None:
    """The same questions through ``arxiv-radar run`` in its own process."""
    from benchmarks.bench_bot import ConsoleScriptBot

    with tempfile.TemporaryDirectory() as folder:
        slack, arxiv, llm = SlowSlack(), ArxivFake().start(), LlmFake(ANSWER).start()
        slack.start()
        serve(arxiv, Path(folder))
        extra = (
            f'[analysis]\nengine = "llm"\nmax_questions_per_user_per_day = 0\n'
            f'[llm]\nbase_url = "{llm.url}/v1"\nmodel = "fake-model"\n'
        )
        config = write_config(Path(folder), arxiv, slack, extra)
        bot = ConsoleScriptBot(config, env={"OPENAI_API_KEY": "sk-bench"}).start()
        try:
            started = time.perf_counter()
            assert slash_command(bot, f"ask {PAPER.arxiv_id} {question(0)}", "U1") == 200
            card = wait_answer(slack, 0, None)
            first = time.perf_counter() - started
            totals = [signed_mention(bot, slack, card, n) for n in range(1, questions + 1)]
            calls = len(llm.matching(lambda r: r.path.endswith("/chat/completions")))
        finally:
            bot.terminate()
            slack.stop()
            arxiv.stop()
            llm.stop()
    print(
        f"arxiv-radar run: first question (/arxiv ask: card, fetch, extract, index, answer): "
        f"{first * 1000:.0f} ms"
    )
    report("arxiv-radar run: the bot's overhead per answer", totals)
    print(f"LLM requests: {calls} for {questions + 1} questions")


PAPER = sample_paper()


def serve(arxiv: ArxivFake, folder: Path) -> None:
    from tests.support.pdf_factory import numbered_paper
    from tests.support.slack_harness import serve as serve_paper

    serve_paper(arxiv, PAPER, numbered_paper(folder).read_bytes())


def signed_mention(bot: object, slack: SlackFake, thread: str, n: int) -> float:
    """Seconds from a signed ``app_mention`` in ``thread`` to its answer."""
    text = f"<@{BOT_USER}> {question(n)}"
    event = thread_event("app_mention", text, thread, f"3.{n}", f"E{n}", channel=CHANNEL)
    body = json.dumps(event)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }
    url = bot.slack_events_url()  # type: ignore[attr-defined]
    before = answers_posted(slack)
    started = time.perf_counter()
    request = urllib.request.Request(url, data=body.encode(), headers=headers, method="POST")
    with urllib.request.urlopen(request, timeout=10) as response:
        assert response.status == 200
    wait_answer(slack, before, thread)
    return time.perf_counter() - started


def answers_posted(slack: SlackFake) -> int:
    return len(answer_posts(slack))


def answer_posts(slack: SlackFake) -> list[dict[str, object]]:
    return [
        p for p in slack.called("chat.postMessage") if str(p.get("text", "")).startswith("Answer")
    ]


def wait_answer(slack: SlackFake, before: int, thread: str | None) -> str:
    """The thread of the next answer once it is posted (polled every millisecond)."""
    deadline = time.perf_counter() + TIMEOUT_S
    while time.perf_counter() < deadline:
        posted = answer_posts(slack)
        if len(posted) > before:
            return str(posted[before]["thread_ts"])
        time.sleep(0.001)
    raise RuntimeError(f"no answer within {TIMEOUT_S:.0f} s (thread {thread}, in {CHANNEL})")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=30)
    parser.add_argument("--process", action="store_true", help="through arxiv-radar run")
    options = parser.parse_args()
    if options.process:
        run_process(options.questions)
    else:
        asyncio.run(run(options.questions))


if __name__ == "__main__":
    main()
