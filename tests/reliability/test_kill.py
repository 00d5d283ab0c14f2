"""SIGKILL the real bot at chosen points, restart it on the same files, check nothing was lost.

After every restart: each request got exactly one final reply, no card was posted
twice, every reply is recorded and ``PRAGMA integrity_check`` is ok.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from bot.store import Store
from tests.reliability.harness import (
    CHANNEL,
    BotProcess,
    SlowSlack,
    cards,
    final_replies,
    integrity,
    query,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import Fault
from tests.support.feeds import SEED_IDS, WEEKEND_FEED, redated, seed_feed

pytestmark = pytest.mark.reliability
PDF_TYPE = {"Content-Type": "application/pdf"}
PAPER = "2511.05275"
USER = "U0ALICE"
MONITOR = f'[[monitors]]\nname = "vla"\nchannels = ["slack:{CHANNEL}"]\n'
LLM_KEY = {"RADAR_TEST_LLM_KEY": "sk-reliability-test"}


def bot_for(tmp_path: Path, arxiv: ArxivFake, slack: SlowSlack, extra: str = "") -> BotProcess:
    return BotProcess(write_config(tmp_path, arxiv, slack, extra), env=LLM_KEY)


def slow_pdf(arxiv: ArxivFake, arxiv_id: str, delay_s: float) -> None:
    arxiv.script("/pdf/", Fault(200, arxiv.pdfs[arxiv_id], PDF_TYPE, delay_s=delay_s))


def replied(db: Path) -> int:
    return query(db, "SELECT count(*) FROM job_requests WHERE state = 'replied'")[0][0]


def assert_consistent(db: Path, slack: SlowSlack, requests: int) -> None:
    """Exactly one final reply per request, no card twice, everything recorded, file intact."""
    wait_until(lambda: replied(db) == requests, 60, "every request replied")
    finals = final_replies(slack)
    posted = cards(slack)
    assert len(finals) == requests, finals
    assert len(set(posted)) == len(posted), posted
    assert query(db, "SELECT count(*) FROM posts WHERE state != 'posted'") == [(0,)]
    assert integrity(db) == "ok"


def analyse_then_kill(
    bot: BotProcess, db: Path, slack: SlowSlack, kill_when, timeout_s: float = 30
) -> None:
    bot.start()
    assert slash_command(bot, f"analyze {PAPER}", USER) == 200
    wait_until(lambda: query(db, "SELECT count(*) FROM jobs") == [(1,)], 10, "the job insert")
    wait_until(kill_when, timeout_s, "the kill point")
    bot.kill()
    bot.start()
    assert_consistent(db, slack, requests=1)


@pytest.fixture
def empty_feed(arxiv_fake: ArxivFake) -> ArxivFake:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    return arxiv_fake


def test_kill_right_after_a_job_is_queued(empty_feed, slack, tmp_path) -> None:
    serve_papers(empty_feed, tmp_path, [PAPER])
    slow_pdf(empty_feed, PAPER, 3)
    bot = bot_for(tmp_path, empty_feed, slack)
    try:
        analyse_then_kill(bot, tmp_path / "radar.db", slack, lambda: True)
    finally:
        bot.ensure_stopped()
    assert final_replies(slack)[0][2] == "analysis"


def test_kill_mid_download(empty_feed, slack, tmp_path) -> None:
    serve_papers(empty_feed, tmp_path, [PAPER])
    slow_pdf(empty_feed, PAPER, 10)
    bot = bot_for(tmp_path, empty_feed, slack)
    downloading = lambda: bool(empty_feed.matching(lambda r: r.path.startswith("/pdf/")))  # noqa: E731
    try:
        analyse_then_kill(bot, tmp_path / "radar.db", slack, downloading)
    finally:
        bot.ensure_stopped()
    assert query(tmp_path / "radar.db", "SELECT state, attempts FROM jobs") == [("done", 2)]


def test_kill_mid_llm_call(empty_feed, slack, llm, tmp_path) -> None:
    serve_papers(empty_feed, tmp_path, [PAPER])
    llm.slow(30)
    extra = (
        '[analysis]\nengine = "llm"\n'
        f'[llm]\nbase_url = "{llm.url}/v1"\napi_key_env = "RADAR_TEST_LLM_KEY"\n'
        'model = "fake-model"\ntimeout_s = 60\nmax_retries = 0\n'
    )
    bot = bot_for(tmp_path, empty_feed, slack, extra)
    calling = lambda: bool(llm.bodies())  # noqa: E731
    try:
        analyse_then_kill(bot, tmp_path / "radar.db", slack, calling)
    finally:
        bot.ensure_stopped()
    assert len(llm.structured_bodies()) == 2  # the killed call, then the one that answered
    engine = query(tmp_path / "radar.db", "SELECT engine FROM analyses")
    assert engine == [("llm:fake-model",)]


def test_kill_between_posting_a_card_and_recording_it(arxiv_fake, slack, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    slack.delay_after("chat.postMessage", 30)  # the first card exists; its answer never comes
    db = tmp_path / "radar.db"
    bot = bot_for(tmp_path, arxiv_fake, slack, MONITOR)
    try:
        bot.start()
        wait_until(lambda: len(slack.called("chat.postMessage")) == 1, 30, "the first card")
        bot.kill()
        intents = query(db, "SELECT arxiv_id, state, message_id FROM posts")
        bot.start()
        wait_until(lambda: query(db, POSTED) == [(4,)], 30, "all cards recorded")
    finally:
        bot.ensure_stopped()
    assert intents == [(SEED_IDS[0], "intent", None)]
    posted = cards(slack)
    assert len(posted) == len(set(posted)) == 4
    assert integrity(db) == "ok"


POSTED = "SELECT count(*) FROM posts WHERE state = 'posted'"


def test_kill_while_posting_the_card_of_an_analyze_command(empty_feed, slack, tmp_path) -> None:
    serve_papers(empty_feed, tmp_path, [PAPER])
    slack.delay_after("chat.postMessage", 30)
    db = tmp_path / "radar.db"
    bot = bot_for(tmp_path, empty_feed, slack)
    card_sent = lambda: len(slack.called("chat.postMessage")) == 1  # noqa: E731
    try:
        analyse_then_kill(bot, db, slack, card_sent)
    finally:
        bot.ensure_stopped()
    (_card,) = cards(slack)
    ((channel, thread, kind),) = final_replies(slack)
    card_ts = query(db, "SELECT message_id FROM posts")[0][0]
    assert (channel, kind) == (CHANNEL, "analysis")
    assert thread == card_ts  # threaded under the card found after the restart


def test_kill_mid_report(arxiv_fake, slack, tmp_path) -> None:
    yesterday = datetime.now(ZoneInfo("Asia/Shanghai")).date() - timedelta(days=1)
    arxiv_fake.feeds["*"] = redated(seed_feed(), yesterday.strftime("%a, %d %b %Y"))
    serve_papers(arxiv_fake, tmp_path, SEED_IDS)
    slow_pdf(arxiv_fake, SEED_IDS[0], 30)
    db = tmp_path / "radar.db"
    _an_old_report(db)
    bot = bot_for(tmp_path, arxiv_fake, slack, MONITOR + "upload_report = true\n")
    analysing = lambda: bool(arxiv_fake.matching(lambda r: r.path.startswith("/pdf/")))  # noqa: E731
    try:
        bot.start()
        wait_until(analysing, 30, "the report's analyses")
        bot.kill()
        bot.start()
        wait_until(lambda: bool(slack.called("files.completeUploadExternal")), 60, "upload")
        bot.terminate()
    finally:
        bot.ensure_stopped()
    reports = query(db, "SELECT monitor, papers FROM reports WHERE path != 'old.md'")
    uploads = slack.called("files.completeUploadExternal")
    posted = cards(slack)
    assert reports == [("vla", 4)]
    assert len(uploads) == 1
    assert len(posted) == len(set(posted)) == 4
    assert not list((tmp_path / "reports").glob("*.part"))
    assert integrity(db) == "ok"


def _an_old_report(db: Path) -> None:
    """A report written long ago: the next start finds today's report overdue."""
    store = Store.open(db, clock=lambda: datetime(2000, 1, 3, tzinfo=UTC))
    store.record_report("vla", date(2000, 1, 3), None, "old.md", 0)
    store.close()
