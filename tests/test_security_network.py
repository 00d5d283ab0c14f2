"""#14 item 9: the running bot talks to its configured endpoints and to nothing else.

The real bot runs as subprocesses (``run`` with Slack over HTTP, a ``poll``) with an
audit hook (``tests/netaudit/sitecustomize.py``) that records every host name looked
up and every address connected to, in the bot and in its PDF worker processes. With
every endpoint on the loopback fakes, only loopback may appear: a dependency phoning
home (the onnxruntime telemetry of full PyMuPDF resolving
``mobile.events.data.microsoft.com``) would show up here. The home directory is a
fresh folder, so a dependency writing caches under ``~`` would show up too.
"""

from __future__ import annotations

import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.reliability.harness import (
    ROOT,
    BotProcess,
    SlowSlack,
    final_replies,
    slash_command,
    wait_until,
    write_config,
)
from tests.support.core_env import serve_papers
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.feeds import seed_feed
from tests.support.llm_answers import ANSWER

AUDIT_HOOK = Path(__file__).parent / "netaudit"
LOOPBACK = {"127.0.0.1", "localhost", "::1"}
KEY_ENV = "RADAR_TEST_LLM_KEY"


@pytest.fixture
def slack() -> Iterator[SlowSlack]:
    server = SlowSlack()
    server.start()
    yield server
    server.stop()


@pytest.fixture
def llm() -> Iterator[LlmFake]:
    server = LlmFake(ANSWER)
    server.start()
    yield server
    server.stop()


def audited_env(tmp_path: Path, audit: Path) -> dict[str, str]:
    home = tmp_path / "home"
    home.mkdir(exist_ok=True)
    path = os.pathsep.join(p for p in (str(AUDIT_HOOK), os.environ.get("PYTHONPATH")) if p)
    return {
        "PYTHONPATH": path,
        "ARXIV_RADAR_NET_AUDIT": str(audit),
        "HOME": str(home),
        "XDG_CACHE_HOME": str(home / ".cache"),
        KEY_ENV: "sk-network-audit-test-key",
    }


def test_poll_analysis_and_chat_reach_only_the_configured_endpoints(
    arxiv_fake: ArxivFake, slack: SlowSlack, llm: LlmFake, tmp_path: Path
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
    extra = (
        '[analysis]\nengine = "llm"\nmax_attempts = 1\n'
        f'[llm]\nbase_url = "{llm.url}/v1"\napi_key_env = "{KEY_ENV}"\n'
        'model = "fake-model"\nmax_retries = 0\n'
    )
    config = write_config(tmp_path, arxiv_fake, slack, extra)
    audit = tmp_path / "net.log"
    env = audited_env(tmp_path, audit)

    poll = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(config), "poll"],
        cwd=ROOT,
        env={**os.environ, **env},
        capture_output=True,
        timeout=120,
    )
    assert poll.returncode == 0, poll.stderr.decode()
    bot = BotProcess(config, env=env)
    try:
        bot.start()
        assert slash_command(bot, "help", "U0NET") == 200
        assert slash_command(bot, "analyze 2511.05275", "U0NET") == 200
        wait_until(lambda: len(final_replies(slack)) == 1, 60, "the analysis")
    finally:
        bot.ensure_stopped()

    hosts = {line.split(" ", 1)[1] for line in audit.read_text().splitlines()}
    assert "socket.connect 127.0.0.1" in audit.read_text()  # the hook saw the traffic
    assert llm.bodies()  # the analysis went through the LLM fake
    assert hosts <= LOOPBACK, hosts - LOOPBACK
    written = list((tmp_path / "home").rglob("*"))
    assert written == [], written
