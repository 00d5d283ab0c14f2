"""The real bot as a subprocess against loopback fakes, for kill, fault and load tests.

:class:`BotProcess` runs ``python -m bot --config <file> run --port <port>`` with
its JSON log in a file, waits for ``/readyz``, kills it (SIGKILL) or stops it
(SIGTERM). :class:`SlowSlack` is the Slack fake with one extra script: answer a
Web API call only after a delay *after* the call took effect (the message exists;
its response is late), which is the window between posting and recording.
:func:`final_replies` reads the final analysis or failure messages from the fake.
:func:`database_locked` holds ``BEGIN EXCLUSIVE`` on the database from another
process, as a backup tool or a second program would.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections import defaultdict, deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from aiohttp import web
from slack_sdk.signature import SignatureVerifier

from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.slack import SlackFake
from tests.support.slack_harness import command_body

ROOT = Path(__file__).resolve().parents[2]
SIGNING_SECRET = "reliability-signing-secret"
BOT_TOKEN = "xoxb-reliability"
CHANNEL = "C0RELIABLE"


_HANDED_OUT: set[int] = set()


def free_port() -> int:
    """A free loopback port never handed out before in this test run.

    A port written into a config stays the bot's across restarts; while the bot is
    down it is free again, so without the memory a restart's health port could take
    it and the Slack listener would fail to bind.
    """
    while True:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port = int(sock.getsockname()[1])
        if port not in _HANDED_OUT:
            _HANDED_OUT.add(port)
            return port


class SlowSlack(SlackFake):
    """The Slack fake; :meth:`delay_after` holds the response of calls that took effect."""

    def __init__(self) -> None:
        super().__init__()
        self._delays: dict[str, deque[float]] = defaultdict(deque)

    def delay_after(self, method: str, delay_s: float, times: int = 1) -> None:
        self._delays[method].extend([delay_s] * times)

    async def _api(self, request: web.Request) -> web.Response:
        response = await super()._api(request)
        delays = self._delays.get(request.match_info["method"])
        if delays:
            await asyncio.sleep(delays.popleft())
        return response


def final_replies(slack: SlackFake) -> list[tuple[str, str, str]]:
    """(channel, thread_ts, kind) of each final reply: an analysis' first page or a failure."""
    finals = []
    for params in slack.called("chat.postMessage"):
        thread, text = params.get("thread_ts"), str(params.get("text", ""))
        if not thread:
            continue
        if text.startswith(("Analysis: ", "论文分析: ")) and not _continuation(text):
            finals.append((params["channel"], thread, "analysis"))
        elif text.startswith("❌"):
            finals.append((params["channel"], thread, "failure"))
    return finals


def _continuation(text: str) -> bool:
    """A later page of a split analysis ("… (2/3)")."""
    head, _, tail = text.rpartition(" (")
    return bool(head) and tail.endswith(")") and "/" in tail and not tail.startswith("1/")


def cards(slack: SlackFake) -> list[tuple[str, str]]:
    """(channel, nonce) of every card posted."""
    found = []
    for params in slack.called("chat.postMessage"):
        metadata = params.get("metadata") or {}
        if metadata.get("event_type") and not params.get("thread_ts"):
            found.append((params["channel"], metadata["event_payload"]["nonce"]))
    return found


def write_config(
    tmp_path: Path,
    arxiv: ArxivFake,
    slack: SlackFake | None = None,
    extra: str = "",
    *,
    name: str = "config.toml",
) -> Path:
    """A config for the subprocess bot: fakes' URLs, files under ``tmp_path``."""
    text = arxiv.config_toml() + (
        f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        f'[report]\ndir = "{tmp_path}/reports"\nlanguage = "en"\n'
        '[server]\nhost = "127.0.0.1"\nshutdown_grace_s = 5\nlog_format = "json"\n'
    )
    if slack is not None:
        text += (
            f'[slack]\nenabled = true\nmode = "http"\napi_url = "{slack.api_url}"\n'
            f'http_host = "127.0.0.1"\nhttp_port = {free_port()}\npost_interval_s = 0\n'
        )
    path = tmp_path / name
    path.write_text(text + extra, encoding="utf-8")
    return path


class BotProcess:
    """One run of the bot; start it again on the same files to test a restart."""

    def __init__(self, config: Path, env: dict[str, str] | None = None) -> None:
        self.config = config
        self.env = {
            **os.environ,
            "SLACK_BOT_TOKEN": BOT_TOKEN,
            "SLACK_SIGNING_SECRET": SIGNING_SECRET,
            **(env or {}),
        }
        self.port = 0
        self.log = config.parent / "bot.log"
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def start(self, *, ready: bool = True, timeout_s: float = 30.0) -> BotProcess:
        self.port = free_port()
        self.starts += 1
        with self.log.open("ab") as log:
            log.write(f'{{"event": "process-start", "run": {self.starts}}}\n'.encode())
            command = ["-m", "bot", "--config", str(self.config), "run", "--port", str(self.port)]
            self.process = subprocess.Popen(
                [sys.executable, *command],
                cwd=ROOT,
                env=self.env,
                stdout=subprocess.DEVNULL,
                stderr=log,
            )
        if ready:
            self.wait_ready(timeout_s)
        return self

    def readyz(self) -> tuple[int, dict[str, Any]]:
        url = f"http://127.0.0.1:{self.port}/readyz"
        try:
            with urllib.request.urlopen(url, timeout=2) as response:
                return response.status, json.load(response)
        except urllib.error.HTTPError as exc:
            return exc.code, json.load(exc)

    def wait_ready(self, timeout_s: float = 30.0) -> dict[str, Any]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            self._check_alive()
            try:
                status, body = self.readyz()
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.05)
                continue
            if status == 200:
                return body
            time.sleep(0.05)
        raise AssertionError(f"bot not ready within {timeout_s} s:\n{self.log_tail()}")

    def kill(self) -> None:
        """SIGKILL: no cleanup at all, as in a power cut or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait(10)

    def terminate(self, timeout_s: float = 20.0) -> int:
        assert self.process is not None
        self.process.send_signal(signal.SIGTERM)
        return self.process.wait(timeout_s)

    def ensure_stopped(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()

    def _check_alive(self) -> None:
        if self.process is not None and self.process.poll() is not None:
            raise AssertionError(f"bot exited with {self.process.returncode}:\n{self.log_tail()}")

    def log_lines(self) -> list[dict[str, Any]]:
        lines = []
        for raw in self.log.read_text(encoding="utf-8", errors="replace").splitlines():
            try:
                lines.append(json.loads(raw))
            except json.JSONDecodeError:
                lines.append({"message": raw, "unparsed": True})
        return lines

    def log_tail(self, count: int = 40) -> str:
        return "\n".join(self.log.read_text(errors="replace").splitlines()[-count:])

    def wait_log(self, predicate: Callable[[dict[str, Any]], bool], timeout_s: float = 30.0):
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [line for line in self.log_lines() if predicate(line)]
            if found:
                return found
            self._check_alive()
            time.sleep(0.05)
        raise AssertionError(f"log line not seen within {timeout_s} s:\n{self.log_tail()}")

    def slack_events_url(self) -> str:
        text = self.config.read_text()
        port = int(text.split("http_port = ", 1)[1].split("\n", 1)[0])
        return f"http://127.0.0.1:{port}/slack/events"


def slash_command(bot: BotProcess, text: str, user: str, channel: str = CHANNEL) -> int:
    """POST a signed ``/arxiv`` slash command to the bot; returns the HTTP status."""
    body = command_body(text, user, channel)
    stamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": stamp,
        "X-Slack-Signature": SignatureVerifier(SIGNING_SECRET).generate_signature(
            timestamp=stamp, body=body
        ),
    }
    request = urllib.request.Request(
        bot.slack_events_url(), data=body.encode(), headers=headers, method="POST"
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return int(response.status)


_HOLD_LOCK = (
    "import sqlite3, sys\n"
    "conn = sqlite3.connect(sys.argv[1], isolation_level=None)\n"
    "conn.execute('BEGIN EXCLUSIVE')\n"
    "print('locked', flush=True)\n"
    "sys.stdin.read()\n"
    "conn.execute('COMMIT')\n"
)


@contextmanager
def database_locked(db_path: Path) -> Iterator[None]:
    """Another process holds the database's write lock until the block ends."""
    holder = subprocess.Popen(
        [sys.executable, "-c", _HOLD_LOCK, str(db_path)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
    )
    assert holder.stdin is not None
    assert holder.stdout is not None
    try:
        assert holder.stdout.readline() == b"locked\n"
        yield
    finally:
        holder.stdin.close()
        holder.wait(10)


def metric(bot: BotProcess, name: str, **labels: str) -> float | None:
    """One sample of the bot's ``/metrics``; None when absent."""
    from prometheus_client.parser import text_string_to_metric_families

    with urllib.request.urlopen(f"http://127.0.0.1:{bot.port}/metrics", timeout=2) as response:
        text = response.read().decode()
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and sample.labels == labels:
                return float(sample.value)
    return None


def integrity(db_path: Path) -> str:
    conn = sqlite3.connect(db_path)
    try:
        return str(conn.execute("PRAGMA integrity_check").fetchone()[0])
    finally:
        conn.close()


def query(db_path: Path, sql: str, *params: Any) -> list[tuple[Any, ...]]:
    conn = sqlite3.connect(db_path, timeout=15)
    try:
        return conn.execute(sql, params).fetchall()
    finally:
        conn.close()


def wait_until(condition: Callable[[], bool], timeout_s: float, what: str) -> None:
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"{what}: not within {timeout_s} s")
        time.sleep(0.02)
