"""Slack ack latency: 200 signed slash commands, 20 at a time, while analyses run.

Runs the real bot (``python -m bot run``, Slack in HTTP mode, extractive engine on
generated PDFs) against the loopback arXiv and Slack fakes. Half the commands are
``analyze`` (they start analyses that keep running through the burst; repeats for
a paper already being analysed for the channel get a notice), half are ``help``,
``list``, ``subscribe`` and ``categories``. Every command is acked at once, before
any database write, and answered ephemerally in the background. Prints p50 and p99 of the time from
sending a command to its HTTP response. Target: p99 under 100 ms.
"""

from __future__ import annotations

import asyncio
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.harness import (
    SIGNING_SECRET,
    BotProcess,
    SlowSlack,
    final_replies,
    query,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.fakes.arxiv import ArxivFake
from tests.support.feeds import WEEKEND_FEED
from tests.support.slack_harness import command_body, sign

COMMANDS = 200
AT_ONCE = 20
PAPERS = 20
USERS = 20
OTHERS = ("help", "list", 'subscribe "spatio-temporal prediction"', "categories add cs.RO")


def workload() -> list[tuple[str, str]]:
    """(user, command text) of each request: every other one an ``analyze``."""
    work = []
    for index in range(COMMANDS):
        user = f"U{index % USERS:03d}"
        if index % 2 == 0:
            work.append((user, f"analyze 2511.{10000 + index // 2 % PAPERS}"))
        else:
            work.append((user, OTHERS[index // 2 % len(OTHERS)]))
    return work


async def timed(session: aiohttp.ClientSession, url: str, user: str, text: str) -> float:
    body = command_body(text, user)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": sign(SIGNING_SECRET, stamp, body),
    }
    started = time.perf_counter()
    async with session.post(url, data=body, headers=headers) as response:
        await response.read()
        if response.status != 200:
            raise RuntimeError(f"{text!r} answered {response.status}")
    return (time.perf_counter() - started) * 1000


async def burst(url: str, work: list[tuple[str, str]]) -> list[float]:
    latencies: list[float] = []
    async with aiohttp.ClientSession() as session:
        for start in range(0, len(work), AT_ONCE):
            batch = work[start : start + AT_ONCE]
            latencies += await asyncio.gather(*(timed(session, url, u, t) for u, t in batch))
    return latencies


def percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(len(ordered) * fraction))]


def main() -> None:
    arxiv, slack = ArxivFake(), SlowSlack()
    arxiv.start()
    slack.start()
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        arxiv.feeds["*"] = WEEKEND_FEED.read_bytes()
        serve_papers(arxiv, folder, [f"2511.{10000 + i}" for i in range(PAPERS)])
        extra = "[analysis]\nengine = 'extractive'\nconcurrency = 2\n"
        bot = BotProcess(write_config(folder, arxiv, slack, extra))
        try:
            bot.start()
            work = workload()
            latencies = asyncio.run(burst(bot.slack_events_url(), work))
            db = folder / "radar.db"
            unfinished = query(db, "SELECT count(*) FROM jobs WHERE state IN ('queued', 'running')")
            papers = len({text for _, text in work if text.startswith("analyze")})
            wait_until(lambda: len(final_replies(slack)) >= papers, 300, "every analysis reply")
            whispered = slack.called  # ephemeral answers, one per command
            wait_until(lambda: len(whispered("chat.postEphemeral")) >= COMMANDS, 60, "every answer")
            bot.terminate()
        finally:
            bot.ensure_stopped()
            arxiv.stop()
            slack.stop()
    analyze_ms = [ms for ms, (_, text) in zip(latencies, work, strict=True) if "analyze" in text]
    print(f"{len(latencies)} slash commands, {AT_ONCE} at a time, HTTP mode, signed, loopback")
    print(f"jobs still queued or running when the burst ended: {unfinished[0][0]} of {PAPERS}")
    print(
        f"ack p50 {statistics.median(latencies):.1f} ms, p99 {percentile(latencies, 0.99):.1f} ms"
    )
    print(
        f"analyze only: p50 {statistics.median(analyze_ms):.1f} ms, "
        f"p99 {percentile(analyze_ms, 0.99):.1f} ms"
    )
    print(
        f"max {max(latencies):.1f} ms; each paper's thread got its analysis once, "
        "every command its ephemeral answer"
    )


if __name__ == "__main__":
    main()
