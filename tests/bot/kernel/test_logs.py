"""Structured logging: JSON or text, bound job IDs, and no secret ever written."""

from __future__ import annotations

import io
import json
import logging

import pytest

from bot.kernel.config import parse_config
from bot.kernel.logs import bind, configure_logging, use_json
from bot.kernel.redact import REDACTED

SECRETS = {
    "RADAR_TEST_LLM_KEY": "sk-test-0123456789abcdef",
    "RADAR_TEST_SLACK_BOT": "xoxb-1111-2222-secretbot",
    "RADAR_TEST_SLACK_APP": "xapp-1-A0-secretapp",
    "RADAR_TEST_SIGNING": "8f14e45fceea167a5a36dedd4bea2543",
    "RADAR_TEST_DISCORD": "MTA.discord.token-value",
}
CONFIG = """
[llm]
api_key_env = "RADAR_TEST_LLM_KEY"
[slack]
bot_token_env = "RADAR_TEST_SLACK_BOT"
app_token_env = "RADAR_TEST_SLACK_APP"
signing_secret_env = "RADAR_TEST_SIGNING"
[discord]
token_env = "RADAR_TEST_DISCORD"
[server]
log_format = "{log_format}"
"""


@pytest.fixture
def capture(monkeypatch):
    for name, value in SECRETS.items():
        monkeypatch.setenv(name, value)
    root = logging.getLogger()
    saved = (root.handlers[:], root.level)

    def install(log_format: str = "json") -> io.StringIO:
        stream = io.StringIO()
        configure_logging(parse_config(CONFIG.format(log_format=log_format)), stream=stream)
        return stream

    yield install
    root.handlers[:] = saved[0]
    root.setLevel(saved[1])


def test_every_secret_is_redacted_from_message_args_extra_and_traceback(capture) -> None:
    stream = capture("json")
    log = logging.getLogger("radar.test")
    values = list(SECRETS.values())
    log.info("token %s and %s", values[0], values[1], extra={"header": f"Bearer {values[2]}"})
    try:
        raise RuntimeError(f"auth failed for {values[3]} / {values[4]}")
    except RuntimeError:
        log.exception("request failed")
    text = stream.getvalue()
    assert not [value for value in values if value in text]
    first, second = (json.loads(line) for line in text.splitlines())
    assert first["message"] == f"token {REDACTED} and {REDACTED}"
    assert first["header"] == f"Bearer {REDACTED}"
    assert f"auth failed for {REDACTED} / {REDACTED}" in second["exception"]


def test_json_lines_carry_bound_job_and_request_ids(capture) -> None:
    stream = capture("json")
    log = logging.getLogger("radar.test")
    with bind(job_id=42), bind(request_id="evt-1"):
        log.warning("retrying", extra={"attempt": 2})
    log.info("outside")
    inside, outside = (json.loads(line) for line in stream.getvalue().splitlines())
    assert inside["job_id"] == "42"
    assert inside["request_id"] == "evt-1"
    assert inside["attempt"] == 2
    assert inside["level"] == "warning"
    assert "job_id" not in outside


def test_text_format_appends_extra_fields(capture) -> None:
    stream = capture("text")
    with bind(job_id=7):
        logging.getLogger("radar.test").info("card %s", "2511.05275", extra={"monitor": "vla"})
    line = stream.getvalue().strip()
    assert "INFO" in line
    assert line.endswith("card 2511.05275 [monitor=vla job_id=7]")


def test_auto_format_is_json_unless_the_stream_is_a_terminal() -> None:
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    assert use_json("auto", io.StringIO())
    assert not use_json("auto", Terminal())
    assert use_json("json", Terminal())
    assert not use_json("text", io.StringIO())
