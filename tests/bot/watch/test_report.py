"""The daily report: the seed's exact structure, zh and en, and the empty cases."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.kernel.config import MonitorConfig
from bot.kernel.models import Paper
from bot.store import StoredMatch
from bot.watch.report import ReportEntry, ReportInput, render_report
from tests.support.seed import field_labels, seed_text, skeleton

PAPER = Paper(
    arxiv_id="2511.05275",
    version=1,
    title="TwinVLA: Data-Efficient Bimanual Manipulation",
    authors=("Hokyun Im", "Euijin Jeong"),
    abstract="Vision-language-action models (VLAs) trained on large-scale robotic datasets.",
    categories=("cs.RO", "cs.LG"),
    announce_type="cross",
    published=datetime(2025, 11, 10, 5, tzinfo=UTC),
    published_raw="Mon, 10 Nov 2025 00:00:00 -0500",
)
MATCH = StoredMatch(PAPER, ("vla",), (), "2025-11-10", "cross")


def report(**overrides: object) -> ReportInput:
    values: dict[str, object] = {
        "report_date": date(2025, 11, 11),
        "monitor": MonitorConfig(),
        "language": "zh",
        "announced": date(2025, 11, 10),
        "feed_status": "feed: ok",
        "feed_error": None,
        "entries": (ReportEntry(MATCH),),
        "abs_url": "https://arxiv.org/abs/{id}",
    }
    values.update(overrides)
    return ReportInput(**values)  # type: ignore[arg-type]


def test_zh_paper_section_matches_the_seed() -> None:
    text = render_report(report())
    assert text.startswith(
        "# arXiv论文监控报告 - 2025年11月11日\n\n> 本报告由arXiv论文监控Agent自动生成\n"
    )
    assert "- **关键词**: Vision Language Action , vla, Vision-Language-Action, " in text
    assert "- **发现论文数**: 1篇" in text
    assert "- **arXiv ID**: [oai:arXiv.org:2511.05275v1](https://arxiv.org/abs/2511.05275)" in text
    assert "- **发布日期**: Mon, 10 Nov 2025 00:00:00 -0500" in text
    assert "- **论文链接**: [arXiv链接](https://arxiv.org/abs/2511.05275)" in text
    assert (
        "### 原文摘要\narXiv:2511.05275v1 Announce Type: cross  Abstract: Vision-language-action"
        in text
    )
    assert "### AI分析" not in text


def test_field_labels_are_the_seeds_plus_matched_keywords() -> None:
    seed_labels = field_labels(seed_text())
    ours = field_labels(render_report(report()))
    per_paper_seed = seed_labels[:4] + seed_labels[4:9]
    assert [label for label in ours if label not in ("匹配关键词", "arXiv公告")] == per_paper_seed


def test_analysis_section_is_inserted_under_the_seed_heading() -> None:
    entry = ReportEntry(MATCH, "### 论文概要\n概要。", full_text=True)
    text = render_report(report(entries=(entry,)))
    assert skeleton(text)[-2:] == ["### AI分析（基于论文正文）", "### 论文概要"]
    abstract_only = render_report(report(entries=(ReportEntry(MATCH, "### 论文概要\nx", False),)))
    assert "### AI分析（仅基于摘要）" in abstract_only


@pytest.mark.parametrize(
    ("language", "heading", "label"),
    [("zh", "### AI分析", "> 分析失败: "), ("en", "### AI Analysis", "> Analysis failed: ")],
)
def test_failed_analysis_is_reported_under_a_heading_that_claims_no_full_text(
    language: str, heading: str, label: str
) -> None:
    failed = ReportEntry(MATCH, failure="The PDF is encrypted.")
    text = render_report(report(entries=(failed,), language=language))
    assert f"{heading}\n{label}The PDF is encrypted.\n" in text
    for claim in ("基于论文正文", "仅基于摘要", "full text", "abstract only"):
        assert claim not in text


def test_english_report_has_the_same_structure() -> None:
    text = render_report(report(language="en"))
    assert skeleton(text) == [
        "# arXiv Paper Monitoring Report - November 11, 2025",
        "## Overview",
        "## 1. TwinVLA: Data-Efficient Bimanual Manipulation",
        "### Basic Information",
        "### Abstract",
    ]
    assert "- **Papers found**: 1" in text


def test_no_matches_and_no_announcement_say_so() -> None:
    empty = render_report(report(entries=()))
    assert "- **发现论文数**: 0篇" in empty
    assert "本期arXiv公告中没有与监控关键词匹配的论文。" in empty
    weekend = render_report(report(entries=(), announced=None, report_date=date(2025, 11, 9)))
    assert "2025年11月9日没有新的arXiv公告" in weekend
    assert "arXiv公告**" not in weekend


def test_a_failed_poll_is_stated_at_the_top() -> None:
    text = render_report(report(feed_error="The arXiv feed timed out; gave up after 5 tries."))
    assert "> 本次未能获取arXiv数据（The arXiv feed timed out; gave up after 5 tries.）" in text


@pytest.mark.parametrize("language", ["zh", "en"])
def test_unfetched_data_is_never_called_a_weekend(language: str) -> None:
    error = "Could not connect to fetch the arXiv feed (ConnectError); gave up after 5 tries."
    text = render_report(report(entries=(), announced=None, feed_error=error, language=language))
    assert error in text
    assert "周末" not in text
    assert "weekend" not in text
    expected = "未能获取2025年11月11日的arXiv数据" if language == "zh" else "could not be fetched"
    assert expected in text
