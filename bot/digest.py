"""The daily report job: poll now, pick the day's announcement, analyse, write Markdown.

The report for day D covers the monitor's matches from the latest arXiv
announcement published on D or the day before (by the feed's pubDate): what a
reader sees that morning. Without one (weekend, holiday, feed not yet rebuilt) the
report says so. Writing is atomic and the content depends only on stored data, so
running it twice gives the same report.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import date, timedelta
from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.arxiv import ArxivClient
from bot.config import Config
from bot.errors import RadarError
from bot.files import write_atomically
from bot.ids import ArxivId
from bot.poll import poll_monitor
from bot.report import ReportEntry, ReportInput, render_report
from bot.store import Store, StoredMatch, polls

if TYPE_CHECKING:
    from analysis.pipeline import Analyzer

log = logging.getLogger(__name__)


class Progress(Protocol):
    """Told when each paper's analysis starts and ends (``total``: papers in the report)."""

    def started(self, match: StoredMatch, total: int) -> None: ...

    def finished(self, match: StoredMatch, total: int) -> None: ...


def report_path(
    config: Config,
    monitor: str,
    report_date: date,
    language: str | None = None,
    *,
    analysed: bool = True,
) -> Path:
    """``<dir>/<monitor>-<date>.<language>.md``; ``.no-analysis`` before ``.md`` without
    analyses, so reports in other languages or modes never overwrite each other."""
    mode = "" if analysed else ".no-analysis"
    name = f"{monitor}-{report_date.isoformat()}.{language or config.report.language}{mode}.md"
    return Path(config.report.dir) / name


def covering_announcement(store: Store, monitor: str, report_date: date) -> str | None:
    """The announcement a report for ``report_date`` covers, if any (D or D-1)."""
    announced = store.latest_announcement(monitor, report_date)
    if announced is None or date.fromisoformat(announced) < report_date - timedelta(days=1):
        return None
    return announced


async def write_digest(
    config: Config,
    store: Store,
    arxiv: ArxivClient,
    analyzer: Analyzer | None,
    *,
    monitor: str,
    report_date: date,
    language: str,
    out: Path | None = None,
    progress: Progress | None = None,
    poll: bool = True,
    feed_error: str | None = None,
) -> Path:
    """Poll ``monitor`` now, then write its report for ``report_date``; return the path.

    With ``analyzer`` None the report has no analysis sections (``--no-analyze``).
    ``poll=False`` is for callers that have just polled (and announced) themselves;
    ``feed_error`` is then their poll's error, which the report states.
    """
    monitor_config = config.monitor(monitor)
    outcome = await poll_monitor(arxiv, store, monitor_config) if poll else None
    feed_error = outcome.error if outcome else feed_error
    announced = await store.run(covering_announcement, store, monitor, report_date)
    matches = await store.run(store.matches_announced, monitor, announced) if announced else []
    entries = await _entries(matches, analyzer, language, config.analysis.concurrency, progress)
    report = ReportInput(
        report_date=report_date,
        monitor=monitor_config,
        language=language,
        announced=date.fromisoformat(announced) if announced else None,
        feed_status=await store.run(_feed_status, store, monitor, announced),
        feed_error=feed_error,
        entries=tuple(entries),
        abs_url=config.arxiv.abs_url,
    )
    path = out or report_path(config, monitor, report_date, language, analysed=analyzer is not None)
    write_atomically(path, render_report(report))  # a full disk leaves no partial file
    await store.run(store.record_report, monitor, report_date, announced, str(path), len(entries))
    log.info("report %s written: %d papers", path, len(entries))
    return path


async def _entries(
    matches: list[StoredMatch],
    analyzer: Analyzer | None,
    language: str,
    concurrency: int,
    progress: Progress | None,
) -> list[ReportEntry]:
    if analyzer is None:
        return [ReportEntry(match) for match in matches]
    limit = asyncio.Semaphore(concurrency)

    async def analyse(match: StoredMatch) -> ReportEntry:
        async with limit:
            if progress is not None:
                progress.started(match, len(matches))
            entry = await _analysed_entry(analyzer, match, language)
            if progress is not None:
                progress.finished(match, len(matches))
        return entry

    return list(await asyncio.gather(*(analyse(match) for match in matches)))


async def _analysed_entry(analyzer: Analyzer, match: StoredMatch, language: str) -> ReportEntry:
    from analysis.render import render_markdown

    paper = match.paper
    try:
        result = await analyzer.analyze(
            ArxivId(paper.arxiv_id, paper.version), language=language, paper=paper
        )
    except RadarError as exc:
        log.warning("analysis of %s failed: %s", paper.arxiv_id, exc.user_message)
        return ReportEntry(match, failure=exc.user_message)
    analysis = result.analysis
    return ReportEntry(
        match, render_markdown(analysis, language), full_text=analysis.source == "full_text"
    )


def _feed_status(store: Store, monitor: str, announced: str | None) -> str | None:
    if announced is None:
        return None
    verdict = polls.latest_verdict(store.db, monitor, announced)
    return f"feed: {verdict}" if verdict else None
