"""The real bot against storage faults: a database lock held past the busy timeout, a full disk."""

from __future__ import annotations

import subprocess
import time
import urllib.error
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.store.db import open_database
from tests.reliability.harness import (
    BotProcess,
    database_locked,
    final_replies,
    integrity,
    metric,
    query,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.fakes.server import Fault
from tests.support.feeds import WEEKEND_FEED

pytestmark = pytest.mark.reliability
BUSY_TIMEOUT = "busy_timeout_s = 0.3\n"  # appended to the [storage] table


def storage_config(tmp_path, arxiv_fake, slack, extra: str = ""):
    path = write_config(tmp_path, arxiv_fake, slack, extra)
    path.write_text(path.read_text().replace("[storage]\n", "[storage]\n" + BUSY_TIMEOUT, 1))
    return path


def test_workers_survive_a_lock_longer_than_the_busy_timeout(arxiv_fake, slack, tmp_path) -> None:
    """Issue 9.1: the workers used to die on "database is locked" and leave jobs queued."""
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
    db = tmp_path / "radar.db"
    bot = BotProcess(storage_config(tmp_path, arxiv_fake, slack))
    try:
        bot.start()
        wait_until(lambda: bool(query(db, "SELECT 1 FROM polls")), 20, "the catch-up poll")
        with database_locked(db):
            wait_until(lambda: bot.readyz()[0] == 503, 10, "a worker reported down")
            _, during = bot.readyz()
        bot.wait_ready(20)  # the workers run again and settle
        assert slash_command(bot, "analyze 2511.05275", "U0DAVE") == 200
        wait_until(lambda: len(final_replies(slack)) == 1, 30, "the analysis")
        restarts = metric(bot, "arxiv_radar_task_restarts_total", task="worker-0")
        worker_up = metric(bot, "arxiv_radar_task_up", task="worker-0")
    finally:
        bot.ensure_stopped()
    assert [kind for _, _, kind in final_replies(slack)] == ["analysis"]
    assert during["tasks"]["worker-0"]["state"] in ("down", "restarting")
    assert "locked by another program" in during["tasks"]["worker-0"]["last_error"]
    assert any(problem.startswith("task worker-0 is ") for problem in during["problems"])
    assert restarts is not None
    assert restarts >= 1
    assert worker_up == 1
    failures = [line for line in bot.log_lines() if line.get("event") == "task-failed"]
    assert failures
    assert all("Traceback" not in str(line) for line in failures)
    assert query(db, "SELECT state FROM jobs") == [("done",)]


def test_a_start_under_a_long_lock_answers_health_and_shows_the_catch_up_poll_error(
    arxiv_fake, slack, tmp_path
) -> None:
    """Issue 9.2: the catch-up poll raised unhandled and health waited behind the writer."""
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    db = tmp_path / "radar.db"
    open_database(db).close()
    bot = BotProcess(storage_config(tmp_path, arxiv_fake, slack))
    try:
        with database_locked(db):
            bot.start(ready=False)
            wait_until(lambda: _answers(bot), 20, "the health endpoint")
            wait_until(lambda: _verdict(bot, "poll:default"), 20, "the catch-up poll's verdict")
            started = time.monotonic()
            status, during = bot.readyz()
            seconds = time.monotonic() - started
        alive = bot.process is not None and bot.process.poll() is None
        after = bot.wait_ready(30)  # the poll ran again once the lock was gone
    finally:
        bot.ensure_stopped()
    poll = during["scheduler"]["poll:default"]
    assert arxiv_fake.matching(lambda r: r.path.startswith("/rss/"))  # the poll did run
    assert status == 503
    assert seconds < 1.0
    assert poll["verdict"] == "error"
    assert "locked by another program" in poll["error"]
    assert "not recorded in the database" in poll["error"]
    assert alive
    assert after["scheduler"]["poll:default"]["verdict"] == "ok"
    assert query(db, "SELECT verdict FROM polls") == [("no-announcement",)]
    assert not [line for line in bot.log_lines() if "Traceback" in str(line)]
    assert any("could not be stored" in str(line.get("message")) for line in bot.log_lines())


def _answers(bot: BotProcess) -> bool:
    try:
        bot.readyz()
    except (urllib.error.URLError, ConnectionError, TimeoutError):
        return False
    return True


def _verdict(bot: BotProcess, job: str) -> str:
    return str(bot.readyz()[1]["scheduler"].get(job, {}).get("verdict", ""))


@pytest.fixture
def small_disk(tmp_path) -> Iterator[Path]:
    """A 4 MB tmpfs for the database, the cache and the reports."""
    mount = tmp_path / "disk"
    mount.mkdir()
    result = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", str(mount)],
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        pytest.skip(
            f"cannot mount a tmpfs here ({result.stderr.strip()}); "
            "tests/bot/store/test_files.py injects ENOSPC at the file layer instead"
        )
    try:
        yield mount
    finally:
        subprocess.run(["umount", "-l", str(mount)], check=False)


def fill(disk: Path) -> Path:
    """Write a file until the disk is full; delete it to give the space back."""
    filler = disk / "filler"
    dd = subprocess.run(
        ["dd", "if=/dev/zero", f"of={filler}", "bs=64k"], capture_output=True, check=False
    )
    assert b"No space left on device" in dd.stderr
    return filler


def test_a_full_disk_strands_no_job_and_a_restart_on_it_does_not_crash(
    arxiv_fake, slack, tmp_path, small_disk
) -> None:
    """Issue 9.4: .part files, jobs left running, a crash-loop in jobs.recover at start."""
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
    pdf = arxiv_fake.pdfs["2511.05275"]
    arxiv_fake.script("/pdf/", Fault(200, pdf, {"Content-Type": "application/pdf"}, delay_s=1.5))
    config = storage_config(tmp_path, arxiv_fake, slack)
    config.write_text(
        config.read_text()
        .replace(f"{tmp_path}/radar.db", f"{small_disk}/radar.db")
        .replace(f"{tmp_path}/cache", f"{small_disk}/cache")
        .replace(f"{tmp_path}/reports", f"{small_disk}/reports")
    )
    db = small_disk / "radar.db"
    bot = BotProcess(config)
    try:
        bot.start()
        assert slash_command(bot, "analyze 2511.05275", "U0ERIN") == 200
        wait_until(lambda: _told(slack, "Downloading"), 10, "the download under way")
        filler = fill(small_disk)
        wait_until(lambda: _told(slack, "disk holding the bot's data is full"), 20, "the notice")
        bot.kill()
        bot.start(ready=False)  # on the full disk
        wait_until(lambda: _answers(bot), 20, "the health endpoint")
        wait_until(lambda: _mentions_full_disk(bot), 20, "the full disk in /readyz")
        _, on_full_disk = bot.readyz()
        alive_on_full_disk = bot.process is not None and bot.process.poll() is None
        filler.unlink()
        wait_until(lambda: len(final_replies(slack)) == 1, 60, "the analysis")
        bot.wait_ready(60)  # tasks running, the failed catch-up poll retried
    finally:
        bot.ensure_stopped()
    assert alive_on_full_disk
    assert any("full" in problem for problem in on_full_disk["problems"])
    assert [kind for _, _, kind in final_replies(slack)] == ["analysis"]
    assert query(db, "SELECT state FROM jobs") == [("done",)]
    assert not list(small_disk.rglob("*.part"))
    lines = bot.log_lines()
    assert not [line for line in lines if "Traceback" in str(line)]
    assert [line["message"] for line in lines if line.get("event") == "disk-full"]
    assert integrity(db) == "ok"


def _told(slack, words: str) -> bool:
    texts = [
        str(p.get("text", "")) for m in ("chat.postMessage", "chat.update") for p in slack.called(m)
    ]
    return any(words in text for text in texts)


def _mentions_full_disk(bot: BotProcess) -> bool:
    return any("full" in problem for problem in bot.readyz()[1]["problems"])
