"""The first report of a deployment is caught up, and its upload survives a SIGKILL (issue 9.5)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.store import PollRecord, Store
from tests.reliability.harness import (
    CHANNEL,
    BotProcess,
    SlowSlack,
    integrity,
    query,
    wait_until,
    write_config,
)
from tests.support.feeds import WEEKEND_FEED

pytestmark = pytest.mark.reliability
MONITOR = f'[[monitors]]\nname = "vla"\nchannels = ["slack:{CHANNEL}"]\nupload_report = true\n'


def deployed_ten_days_ago(db: Path) -> None:
    """A deployment that has polled before, but whose first report was never written."""
    started = datetime.now(UTC) - timedelta(days=10)
    store = Store.open(db, clock=lambda: started)
    record = PollRecord("vla", started.isoformat(), "ok", 0, 0, 0, None, None, None, None)
    store.record_poll(record, (), ())
    store.close()


def test_the_first_report_is_owed_and_an_upload_cut_by_a_kill_is_redone_once(
    arxiv_fake, slack: SlowSlack, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    db = tmp_path / "radar.db"
    deployed_ten_days_ago(db)
    slack.delay_after("files.getUploadURLExternal", 30)  # the upload hangs after its first step
    bot = BotProcess(write_config(tmp_path, arxiv_fake, slack, MONITOR))
    try:
        bot.start()
        wait_until(lambda: bool(slack.called("files.getUploadURLExternal")), 30, "the upload")
        bot.kill()  # after the report was written, before its upload finished
        written = query(db, "SELECT monitor, path FROM reports")
        owed = query(db, "SELECT state FROM uploads")
        bot.start()
        wait_until(lambda: bool(slack.called("files.completeUploadExternal")), 30, "the upload")
        wait_until(lambda: query(db, "SELECT state FROM uploads") == [("uploaded",)], 10, "done")
        assert bot.terminate() == 0
        bot.start()  # a third start owes nothing
        bot.terminate()
    finally:
        bot.ensure_stopped()
    completed = slack.called("files.completeUploadExternal")
    assert [monitor for monitor, _ in written] == ["vla"]  # the first report was caught up
    assert owed == [("uploading",)]
    assert len(completed) == 1
    assert completed[0]["channel_id"] == CHANNEL
    assert len(query(db, "SELECT 1 FROM reports")) == 1
    assert integrity(db) == "ok"
