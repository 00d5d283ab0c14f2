"""arXiv cannot be reached: ``poll`` and ``digest`` fail loudly, the report says why (issue 10)."""

from __future__ import annotations

import socket
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.runtime.cli import main
from tests.support.fakes.arxiv import ArxivFake
from tests.support.feeds import seed_feed

HINT = "Check the network connection, any proxy (HTTPS_PROXY) and [arxiv] rss_url in the config."


def closed_port() -> int:
    """A loopback port nobody listens on (bound, then released)."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@pytest.fixture
def down(arxiv_fake: ArxivFake, tmp_path: Path) -> Path:
    """A config whose feed URL refuses connections (the API and PDFs stay on the fake)."""
    feed = f"http://127.0.0.1:{closed_port()}/rss/{{categories}}"
    path = tmp_path / "config.toml"
    path.write_text(
        arxiv_fake.config_toml().replace(arxiv_fake.urls()["rss_url"], feed)
        + "max_retries = 1\n"
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\n'
    )
    return path


def invoke(config: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config), *args])


def test_poll_exits_non_zero_naming_the_url_and_what_to_check(down: Path) -> None:
    result = invoke(down, "poll")
    assert result.exit_code == 1
    assert "default: error, 0 items" in result.output
    assert "Could not connect to fetch the arXiv feed (ConnectError); gave up after 2 tries" in (
        result.output
    )
    assert "/rss/cs.AI+cs.LG+cs.RO+cs.CV)." in result.output
    assert HINT in result.output


def test_dry_run_poll_fails_the_same_way(down: Path) -> None:
    result = invoke(down, "poll", "--dry-run")
    assert result.exit_code == 1
    assert HINT in result.output


@pytest.mark.parametrize("language", ["zh", "en"])
def test_digest_exits_non_zero_and_the_report_says_the_data_could_not_be_fetched(
    down: Path, language: str, tmp_path: Path
) -> None:
    result = invoke(down, "digest", "--no-analyze", "--date", "2025-11-11", "--lang", language)
    assert result.exit_code == 1
    assert "Error: the report could not use fresh data: Could not connect" in result.output
    report = next((tmp_path / "reports").glob("default-2025-11-11*.md")).read_text("utf-8")
    assert "ConnectError" in report
    assert HINT in report
    for weekend in ("周末", "weekend", "holiday"):
        assert weekend not in report
    assert (
        "未能获取2025年11月11日的arXiv数据" if language == "zh" else "could not be fetched"
    ) in (report)


def test_poll_and_digest_succeed_when_arxiv_answers(arxiv_fake: ArxivFake, tmp_path: Path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    config = tmp_path / "config.toml"
    config.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\n'
    )
    assert invoke(config, "poll").exit_code == 0
    assert invoke(config, "digest", "--no-analyze", "--date", "2025-11-11").exit_code == 0
