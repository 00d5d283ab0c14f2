"""The daily Markdown report, in the exact shape of the reference report.

Headings, zh: ``# arXiv论文监控报告 - <date>``, ``## 报告概览``, per paper
``## N. <title>`` with ``### 基本信息``, ``### 原文摘要`` and, when analysed,
``### AI分析（基于论文正文）`` followed by the analysis sections. ``en`` has the same
structure with English headings.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.kernel import commonmark
from bot.kernel.config import MonitorConfig
from bot.kernel.models import Paper
from bot.store import StoredMatch

SEPARATOR = "---"


@dataclass(frozen=True)
class Labels:
    title: str
    generated: str
    overview: str
    monitor_date: str
    categories: str
    keywords: str
    found: str
    announcement: str
    basic: str
    authors: str
    arxiv_id: str
    published: str
    paper_categories: str
    matched: str
    links: str
    link_text: str
    abstract: str
    analysis_full: str
    analysis_abstract: str
    analysis_failed: str
    analysis_attempted: str  # the heading of a failed analysis: it read nothing
    no_matches: str
    no_announcement: str
    feed_error: str
    no_data: str  # no announcement found because the poll for this report failed

    def count(self, n: int) -> str:
        return f"{n}篇" if self is ZH else str(n)

    def day(self, day: date) -> str:
        if self is ZH:
            return f"{day.year}年{day.month}月{day.day}日"
        return f"{day:%B} {day.day}, {day.year}"


ZH = Labels(
    title="arXiv论文监控报告",
    generated="本报告由arXiv论文监控Agent自动生成",
    overview="报告概览",
    monitor_date="监控日期",
    categories="监控分类",
    keywords="关键词",
    found="发现论文数",
    announcement="arXiv公告",
    basic="基本信息",
    authors="作者",
    arxiv_id="arXiv ID",
    published="发布日期",
    paper_categories="分类",
    matched="匹配关键词",
    links="论文链接",
    link_text="arXiv链接",
    abstract="原文摘要",
    analysis_full="AI分析（基于论文正文）",
    analysis_abstract="AI分析（仅基于摘要）",
    analysis_failed="分析失败",
    analysis_attempted="AI分析",
    no_matches="本期arXiv公告中没有与监控关键词匹配的论文。",
    no_announcement="{day}没有新的arXiv公告（周末、节假日或数据源尚未更新），本日无新论文。",
    feed_error="本次未能获取arXiv数据（{error}），报告基于此前已保存的数据。",
    no_data="未能获取{day}的arXiv数据，无法确定当天是否有新公告；请在网络恢复后重新生成本报告。",
)
EN = Labels(
    title="arXiv Paper Monitoring Report",
    generated="Generated automatically by arxiv-radar",
    overview="Overview",
    monitor_date="Monitoring date",
    categories="Categories",
    keywords="Keywords",
    found="Papers found",
    announcement="arXiv announcement",
    basic="Basic Information",
    authors="Authors",
    arxiv_id="arXiv ID",
    published="Published",
    paper_categories="Categories",
    matched="Matched keywords",
    links="Links",
    link_text="arXiv page",
    abstract="Abstract",
    analysis_full="AI Analysis (based on the full text)",
    analysis_abstract="AI Analysis (based on the abstract only)",
    analysis_failed="Analysis failed",
    analysis_attempted="AI Analysis",
    no_matches="No paper in this arXiv announcement matched the monitor's keywords.",
    no_announcement="There was no new arXiv announcement for {day} "
    "(weekend, holiday, or the feed is not updated yet).",
    feed_error="arXiv could not be reached this time ({error}); the report uses the data "
    "stored before.",
    no_data="The arXiv data for {day} could not be fetched, so it is not known whether there "
    "was an announcement; write this report again once arXiv can be reached.",
)


@dataclass(frozen=True)
class ReportEntry:
    """One paper of the report and, when analysed, its rendered analysis."""

    match: StoredMatch
    analysis_markdown: str | None = None
    full_text: bool = True
    failure: str | None = None


@dataclass(frozen=True)
class ReportInput:
    report_date: date
    monitor: MonitorConfig
    language: str
    announced: date | None  # None: no announcement covers this day
    feed_status: str | None
    feed_error: str | None  # the poll made for this report failed
    entries: tuple[ReportEntry, ...]
    abs_url: str  # template with {id}


def labels(language: str) -> Labels:
    return ZH if language == "zh" else EN


def render_report(report: ReportInput) -> str:
    """The whole report as Markdown (ends with a newline)."""
    text = labels(report.language)
    parts = [_header(report, text)]
    if report.feed_error:
        error = commonmark.inline(report.feed_error)
        parts.append(f"> {text.feed_error.format(error=error)}\n")
    if report.announced is None:
        missing = text.no_data if report.feed_error else text.no_announcement
        parts.append(missing.format(day=text.day(report.report_date)) + "\n")
    elif not report.entries:
        parts.append(text.no_matches + "\n")
    for number, entry in enumerate(report.entries, start=1):
        parts.append(_paper(number, entry, text, report.abs_url))
    return "\n".join(parts)


def _header(report: ReportInput, text: Labels) -> str:
    day = text.day(report.report_date)
    lines = [
        f"# {text.title} - {day}",
        "",
        f"> {text.generated}",
        "",
        f"## {text.overview}",
        "",
        f"- **{text.monitor_date}**: {day}",
        f"- **{text.categories}**: {', '.join(report.monitor.categories)}",
        f"- **{text.keywords}**: {', '.join(report.monitor.keywords)}",
        f"- **{text.found}**: {text.count(len(report.entries))}",
    ]
    if report.announced is not None:
        status = f" ({report.feed_status})" if report.feed_status else ""
        lines.append(f"- **{text.announcement}**: {text.day(report.announced)}{status}")
    return "\n".join([*lines, "", SEPARATOR, ""])


def _paper(number: int, entry: ReportEntry, text: Labels, abs_url: str) -> str:
    """One paper; every feed or chat field goes through :mod:`bot.kernel.commonmark`."""
    paper = entry.match.paper
    link = abs_url.format(id=paper.arxiv_id)
    lines = [
        f"## {number}. {commonmark.inline(paper.title)}",
        "",
        f"### {text.basic}",
        f"- **{text.authors}**: {commonmark.inline(', '.join(paper.authors))}",
        f"- **{text.arxiv_id}**: [oai:arXiv.org:{paper.versioned_id}]({link})",
        f"- **{text.published}**: {commonmark.inline(paper.published_raw or _iso_day(paper))}",
        f"- **{text.paper_categories}**: {commonmark.inline(', '.join(paper.categories))}",
    ]
    keywords = (*entry.match.keywords, *entry.match.authors)
    matched = tuple(commonmark.inline(k) for k in keywords if commonmark.inline(k))
    if matched:
        lines.append(f"- **{text.matched}**: {', '.join(matched)}")
    lines += [f"- **{text.links}**: [{text.link_text}]({link})", "", f"### {text.abstract}"]
    lines += [_abstract_line(paper, entry.match), "", *_analysis(entry, text), SEPARATOR, ""]
    return "\n".join(lines)


def _abstract_line(paper: Paper, match: StoredMatch) -> str:
    announce_type = match.announce_type or paper.announce_type
    if not announce_type:
        return commonmark.paragraph(paper.abstract)
    abstract = commonmark.inline(paper.abstract)
    kind = commonmark.inline(announce_type)
    return f"arXiv:{paper.versioned_id} Announce Type: {kind}  Abstract: {abstract}"


def _analysis(entry: ReportEntry, text: Labels) -> list[str]:
    if entry.failure is not None:
        failure = commonmark.inline(entry.failure)
        return [f"### {text.analysis_attempted}", f"> {text.analysis_failed}: {failure}", ""]
    if entry.analysis_markdown is None:
        return []
    heading = text.analysis_full if entry.full_text else text.analysis_abstract
    return [f"### {heading}", commonmark.block(entry.analysis_markdown.strip()), ""]


def _iso_day(paper: Paper) -> str:
    return paper.published.isoformat() if paper.published else ""
