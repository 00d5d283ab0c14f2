"""The CLI end to end against the loopback arXiv: check, poll, digest."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.runtime.cli import main
from bot.store import Store
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import Fault
from tests.support.feeds import WEEKEND_FEED, seed_feed
from tests.support.seed import seed_text, skeleton


@pytest.fixture
def config_file(arxiv_fake: ArxivFake, tmp_path: Path) -> Path:
    path = tmp_path / "config.toml"
    path.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\n'
    )
    return path


def invoke(config_file: Path, *args: str):
    return CliRunner().invoke(main, ["--config", str(config_file), *args])


def test_digest_reproduces_the_seed_skeleton(config_file, arxiv_fake, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    result = invoke(config_file, "digest", "--no-analyze", "--date", "2025-11-11")
    assert result.exit_code == 0, result.output
    path = Path(result.stdout.strip())
    assert path == tmp_path / "reports" / "default-2025-11-11.zh.no-analysis.md"
    text = path.read_text(encoding="utf-8")
    assert skeleton(text) == skeleton(seed_text(), with_analysis=False)
    again = invoke(config_file, "digest", "--no-analyze", "--date", "2025-11-11")
    assert again.exit_code == 0
    assert path.read_text(encoding="utf-8") == text
    store = Store.open(tmp_path / "radar.db")
    assert store.latest_report("default")["papers"] == 4


def test_reports_in_other_languages_or_modes_do_not_overwrite_each_other(
    config_file, arxiv_fake, tmp_path
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    runs = [
        ("--lang", "zh", "--no-analyze"),
        ("--lang", "en", "--no-analyze"),
        ("--lang", "zh"),
        ("--lang", "en"),
    ]
    paths = []
    for options in runs:
        result = invoke(config_file, "digest", "--date", "2025-11-11", *options)
        paths.append(Path(result.stdout.strip()))
    assert [p.name for p in paths] == [
        "default-2025-11-11.zh.no-analysis.md",
        "default-2025-11-11.en.no-analysis.md",
        "default-2025-11-11.zh.md",
        "default-2025-11-11.en.md",
    ]
    texts = [p.read_text(encoding="utf-8") for p in paths]
    assert texts[0].startswith("# arXiv论文监控报告 - 2025年11月11日")
    assert texts[1].startswith("# arXiv Paper Monitoring Report")
    # the fake serves no PDF: the analyses say they read the abstract only
    assert "### AI分析（仅基于摘要）" in texts[2]
    assert "### AI Analysis (based on the abstract only)" in texts[3]
    assert "### AI" not in texts[0] + texts[1]


def test_digest_for_a_day_without_announcement(config_file, arxiv_fake, tmp_path) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    out = tmp_path / "sunday.md"
    result = invoke(
        config_file, "digest", "--no-analyze", "--date", "2025-11-09", "--out", str(out)
    )
    assert result.exit_code == 0, result.output
    assert "2025年11月9日没有新的arXiv公告" in out.read_text(encoding="utf-8")


def test_digest_in_english(config_file, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    result = invoke(config_file, "digest", "--no-analyze", "--date", "2025-11-10", "--lang", "en")
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert text.startswith("# arXiv Paper Monitoring Report - November 10, 2025")
    assert "- **Papers found**: 4" in text


def test_digest_keeps_working_when_the_feed_fails(config_file, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    assert invoke(config_file, "poll").exit_code == 0
    arxiv_fake.script("/rss/", *[Fault(503)] * 5)
    result = invoke(config_file, "digest", "--no-analyze", "--date", "2025-11-11")
    assert result.exit_code == 1, result.output  # written from stored data, but cron must know
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "发现论文数**: 4篇" in text
    assert "本次未能获取arXiv数据（The arXiv feed answered HTTP 503" in text


def test_poll_dry_run_prints_cards_and_stores_nothing(config_file, arxiv_fake, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    result = invoke(config_file, "poll", "--dry-run")
    assert result.exit_code == 0, result.output
    assert "default: 9 items, 4 cards would be posted" in result.output
    assert "[cross-list] TwinVLA: Data-Efficient Bimanual Manipulation" in result.output
    assert "matched: Vision Language Action, vla, Vision-Language-Action" in result.output
    store = Store.open(tmp_path / "radar.db")
    assert store.db.execute("SELECT count(*) FROM papers").fetchone()[0] == 0


def test_poll_stores_and_reports_new_matches_once(config_file, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    first = invoke(config_file, "poll")
    second = invoke(config_file, "poll", "--monitor", "default")
    assert "default: ok, 9 items, 9 unseen, 4 new matches" in first.output
    assert "default: ok, 9 items, 0 unseen, 0 new matches" in second.output


def test_poll_unknown_monitor(config_file) -> None:
    result = invoke(config_file, "poll", "--monitor", "nope")
    assert result.exit_code == 1
    assert "No monitor named 'nope'" in result.output


def test_check_names_missing_secrets_but_never_values(config_file, monkeypatch) -> None:
    monkeypatch.setenv("OPENAI_API_KEY", "sk-test-very-secret")
    monkeypatch.delenv("SLACK_BOT_TOKEN", raising=False)
    config_file.write_text(config_file.read_text() + '[slack]\nenabled = true\nmode = "http"\n')
    result = invoke(config_file, "check")
    assert result.exit_code == 2
    assert "Secret $OPENAI_API_KEY (llm): set" in result.output
    assert "Secret $SLACK_BOT_TOKEN (slack): missing" in result.output
    assert "Analysis engine: llm:gpt-4o-mini" in result.output
    assert "sk-test-very-secret" not in result.output


def test_check_shows_feed_health(config_file, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    invoke(config_file, "poll")
    result = invoke(config_file, "check")
    assert result.exit_code == 0, result.output
    assert "Analysis engine: extractive" in result.output or "llm:" in result.output
    assert ": ok (9 items, 9 new, announced 2025-11-10)" in result.output


def test_bad_config_is_a_clean_error(tmp_path) -> None:
    bad = tmp_path / "bad.toml"
    bad.write_text("[arxiv]\ntimeout_s = 'x'\n")
    result = CliRunner().invoke(main, ["--config", str(bad), "check"])
    assert result.exit_code == 1
    assert f"Error: {bad}:2: arxiv.timeout_s: expected float, got str." in result.output
    assert "Traceback" not in result.output


def test_digest_progress_is_plain_lines_when_stderr_is_not_a_terminal(
    config_file, arxiv_fake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    result = invoke(config_file, "digest", "--date", "2025-11-11", "--lang", "en")
    assert result.exit_code == 0, result.output
    lines = result.stderr.splitlines()
    assert len(lines) == 8  # a line as each of the 4 papers starts, one as it ends
    assert lines[0].startswith("analysing 2511.05275 (1 of 4): TwinVLA: Data-Efficient")
    assert lines[-1].endswith("(4 of 4 done)")
    assert "\r" not in result.stderr
    assert "\x1b" not in result.stderr


def test_check_never_says_announced_none(config_file, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    invoke(config_file, "poll")
    arxiv_fake.script("/rss/", *[Fault(503)] * 5)
    invoke(config_file, "poll")
    result = invoke(config_file, "check")
    assert "None" not in result.output
    error, weekend = [line for line in result.output.splitlines() if line.startswith("Last poll")]
    assert error.endswith(": error (the feed could not be fetched)")
    assert ": no-announcement (0 items, 0 new, " in weekend


def test_stats_counts_analyses_made_by_the_digest(config_file, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    assert invoke(config_file, "digest", "--date", "2025-11-11", "--lang", "en").exit_code == 0
    stats = invoke(config_file, "stats")
    total = stats.output.splitlines()[1].split()
    assert total[1:4] == ["(all", "users)", "4"]  # the report's 4 papers, analysed
