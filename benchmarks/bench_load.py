"""Load: 500 analysis requests for 50 papers from 20 users, through Slack, in one burst.

Runs the real bot (``python -m bot run``, Slack in HTTP mode, extractive engine)
against the loopback arXiv and Slack fakes, sends signed ``/arxiv analyze``
slash commands from 16 threads, and waits until every request is answered: each
gets an ephemeral answer ("Queued…", or for a paper already being analysed for
the same channel's card thread a notice pointing there) and each paper's thread
exactly one analysis. Prints the acknowledgement latency, the time until the last
reply, the number of PDF downloads and analyses (one per paper expected) and the
most jobs seen running at once (bounded by ``analysis.concurrency``).
"""

from __future__ import annotations

import statistics
import sys
import tempfile
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tests.reliability.harness import (
    BotProcess,
    SlowSlack,
    final_replies,
    query,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.fakes.arxiv import ArxivFake
from tests.support.feeds import WEEKEND_FEED

CONCURRENCY = 2


@dataclass(frozen=True)
class LoadResult:
    requests: int
    acked: int
    ack_p50_ms: float
    ack_p95_ms: float
    ack_max_ms: float
    send_s: float
    last_reply_s: float
    finals_per_thread: dict[tuple[str, str], int]
    expected_per_card: dict[tuple[str, str], int]
    pdf_downloads: int
    analyses: int
    replied: int
    answered: int  # ephemeral answers: one per request
    repeat_notices: int  # answers that point to the thread instead of queueing again
    max_running: int


def plan(requests: int, papers: int, users: int, channels: int) -> list[tuple[str, str, str]]:
    """(user, channel, arXiv ID) of each request: every paper asked by several users."""
    return [
        (f"U{i % users:03d}", f"C{i % papers % channels:03d}", f"2511.{10000 + i % papers}")
        for i in range(requests)
    ]


class RunningWatch(threading.Thread):
    """Samples /readyz: the most jobs running at the same time."""

    def __init__(self, bot: BotProcess) -> None:
        super().__init__(daemon=True)
        self.bot = bot
        self.max_running = 0
        self.stop = threading.Event()

    def run(self) -> None:
        while not self.stop.is_set():
            _, body = self.bot.readyz()
            self.max_running = max(self.max_running, body["queue"]["running"])
            self.stop.wait(0.02)


def run_load(
    folder: Path, *, requests: int = 500, papers: int = 50, users: int = 20, channels: int = 5
) -> LoadResult:
    arxiv, slack = ArxivFake(), SlowSlack()
    arxiv.start()
    slack.start()
    arxiv.feeds["*"] = WEEKEND_FEED.read_bytes()
    work = plan(requests, papers, users, channels)
    serve_papers(arxiv, folder, sorted({arxiv_id for _, _, arxiv_id in work}))
    extra = f"[analysis]\nengine = 'extractive'\nconcurrency = {CONCURRENCY}\n"
    bot = BotProcess(write_config(folder, arxiv, slack, extra + "max_per_user_per_day = 1000\n"))
    try:
        bot.start()
        watch = RunningWatch(bot)
        watch.start()
        started = time.monotonic()
        with ThreadPoolExecutor(16) as pool:
            acks = list(pool.map(lambda r: _timed_command(bot, *r), work))
        send_s = time.monotonic() - started
        threads = len({(channel, paper) for _, channel, paper in work})
        wait_until(lambda: len(final_replies(slack)) >= threads, 300, "every final reply")
        wait_until(lambda: len(answers(slack)) >= requests, 60, "every ephemeral answer")
        last_reply_s = time.monotonic() - started
        db = folder / "radar.db"
        # The bot records a reply right after Slack accepted it: wait for the last rows.
        replied_sql = "SELECT count(*) FROM job_requests WHERE state = 'replied'"
        wait_until(lambda: query(db, replied_sql)[0][0] >= threads, 30, "every replied row")
        watch.stop.set()
        watch.join()
        cards = dict(query(db, "SELECT message_id, arxiv_id FROM posts"))
        replied = query(db, replied_sql)[0][0]
        analyses = query(db, "SELECT count(*) FROM analyses")[0][0]
        bot.terminate()
    finally:
        bot.ensure_stopped()
        arxiv.stop()
        slack.stop()
    latencies = sorted(ms for status, ms in acks if status == 200)
    finals = Counter(
        (channel, cards.get(thread, "?")) for channel, thread, _ in final_replies(slack)
    )
    return LoadResult(
        requests=requests,
        acked=len(latencies),
        ack_p50_ms=statistics.median(latencies),
        ack_p95_ms=latencies[int(len(latencies) * 0.95) - 1],
        ack_max_ms=latencies[-1],
        send_s=send_s,
        last_reply_s=last_reply_s,
        finals_per_thread=dict(finals),
        expected_per_card={(channel, paper): 1 for _, channel, paper in work},
        pdf_downloads=len(arxiv.matching(lambda r: r.path.startswith("/pdf/"))),
        analyses=analyses,
        replied=replied,
        answered=len(answers(slack)),
        repeat_notices=len([text for text in answers(slack) if not text.startswith("Queued")]),
        max_running=watch.max_running,
    )


def answers(slack: SlowSlack) -> list[str]:
    """The ephemeral answers to the slash commands."""
    return [str(params.get("text", "")) for params in slack.called("chat.postEphemeral")]


def _timed_command(bot: BotProcess, user: str, channel: str, arxiv_id: str) -> tuple[int, float]:
    started = time.perf_counter()
    status = slash_command(bot, f"analyze {arxiv_id}", user, channel)
    return status, (time.perf_counter() - started) * 1000


def main() -> int:
    with tempfile.TemporaryDirectory() as tmp:
        result = run_load(Path(tmp))
    print(f"{result.requests} requests, 50 papers, 20 users, 5 channels, extractive engine")
    print(
        f"acks: {result.acked} × HTTP 200; p50 {result.ack_p50_ms:.1f} ms, "
        f"p95 {result.ack_p95_ms:.1f} ms, max {result.ack_max_ms:.1f} ms"
    )
    print(
        f"all requests sent in {result.send_s:.1f} s; last final reply after "
        f"{result.last_reply_s:.1f} s"
    )
    print(
        f"final replies: {sum(result.finals_per_thread.values())} "
        f"(replied rows: {result.replied}); ephemeral answers: {result.answered}, "
        f"of which repeat notices: {result.repeat_notices}"
    )
    print(f"PDF downloads: {result.pdf_downloads}; analyses stored: {result.analyses}")
    print(f"most jobs running at once: {result.max_running} (analysis.concurrency = {CONCURRENCY})")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
