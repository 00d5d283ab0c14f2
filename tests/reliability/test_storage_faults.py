"""The real bot against storage faults: a database lock held past the busy timeout, a full disk."""

from __future__ import annotations

import time
import urllib.error

import pytest

from bot.db import open_database
from tests.core_env import serve_papers
from tests.feeds import WEEKEND_FEED
from tests.reliability.harness import (
    BotProcess,
    database_locked,
    final_replies,
    metric,
    query,
    slash_command,
    wait_until,
    write_config,
)

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
        wait_until(lambda: not _down_tasks(bot), 20, "the tasks running again")
        after_status, after = bot.readyz()
        alive = bot.process is not None and bot.process.poll() is None
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
    assert after_status == 503  # the failed poll stays visible until the next one succeeds
    assert after["scheduler"]["poll:default"]["verdict"] == "error"
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


def _down_tasks(bot: BotProcess) -> list[str]:
    tasks = bot.readyz()[1]["tasks"]
    return [name for name, task in tasks.items() if task["state"] in ("down", "restarting")]
