"""The bot's own time per answer to a thread question, with an instant fake LLM.

Run: ``.venv/bin/python benchmarks/bench_ask_bot.py [--questions N]``.

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
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config import AnalysisConfig, LlmConfig
from tests.fakes.arxiv import ArxivFake
from tests.fakes.llm import LlmFake
from tests.fakes.slack import BOT_USER, SlackFake, sample_paper
from tests.slack_harness import Bot, running_bot, thread_event

TARGET_MS = 300.0
ANSWER = {
    "answer": "They compare with Lucene-BM25 as a baseline (§1 Introduction).",
    "citations": [
        {"section": "§1 Introduction", "kind": "section", "quote": "Lucene-BM25 as a baseline"}
    ],
}
TOPICS = (
    "baseline",
    "datasets",
    "accuracy",
    "model",
    "data",
    "results",
    "method",
    "pipeline",
    "proofs",
    "lemma",
    "retrieval",
    "representation",
)


def question(n: int) -> str:
    return f"What do they say about the {TOPICS[n % len(TOPICS)]} (point {n})?"


async def ask(bot: Bot, thread: str, n: int) -> float:
    """Seconds from the signed event to the answer in the thread."""
    before = len(bot.slack.called("chat.postMessage"))
    mention = f"<@{BOT_USER}> {question(n)}"
    started = time.perf_counter()
    response = await bot.event(thread_event("app_mention", mention, thread, f"2.{n}", f"Ev{n}"))
    assert response.status == 200
    while True:
        posts = bot.slack.called("chat.postMessage")[before:]
        if any(str(p.params.get("text", "")).startswith("Answer") for p in posts):
            return time.perf_counter() - started
        await asyncio.sleep(0.001)


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
                analysis=AnalysisConfig(engine="llm"),
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


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--questions", type=int, default=30)
    asyncio.run(run(parser.parse_args().questions))


if __name__ == "__main__":
    main()
