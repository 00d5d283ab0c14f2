"""One analysis as Markdown, with the seed report's headings (zh) or their English twins.

:func:`analysis_sections` gives (heading, body) pairs that the Slack and Discord
renderers reuse; :func:`render_markdown` joins them under ``###`` headings after a
one-line note on engine, source and warnings. Paper text is untrusted: mass
mentions (``@everyone``, ``@here``, ``<!channel>``…) are broken with a zero-width
space here, since the Markdown may be pasted anywhere, and invisible or bidi
characters are removed; URLs in the analysis are listed in a warning line (each
renderer shows them inert); platform escaping is the chat renderers' job.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass

from analysis.schema import Analysis, FutureWork
from bot.kernel.links import foreign_urls
from bot.kernel.sanitize import strip_invisible

ZERO_WIDTH_SPACE = "\u200b"
_HEADING_LINE = re.compile(r"^[ \t]*#{1,6}[ \t]+(.+?)[ \t#]*$", re.MULTILINE)
MAX_LISTED_URLS = 5
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b|<!(channel|here|everyone)", re.IGNORECASE)


@dataclass(frozen=True)
class Labels:
    """The fixed words of one output language."""

    overview: str
    motivation: str
    contributions: str
    method: str
    experiments: str
    future: str
    metrics: str
    datasets: str
    baselines: str
    setup: str
    acknowledged: str
    potential: str
    improvements: str
    engine: str
    source: str
    full_text: str
    abstract_only: str
    extractive: str
    not_stated: str
    not_found: str
    feasibility: str
    colon: str
    separator: str
    parenthesis: str
    warning: str
    excerpts: str
    authors_future: str
    links: str

    def parenthesised(self, text: str) -> str:
        return self.parenthesis.format(text)


LABELS = {
    "zh": Labels(
        overview="论文概要",
        motivation="研究动机",
        contributions="核心贡献与创新点",
        method="方法概述",
        experiments="实验说明",
        future="改进建议和未来研究方向",
        metrics="评估指标",
        datasets="数据集",
        baselines="对比方法",
        setup="实验条件",
        acknowledged="已承认限制",
        potential="潜在局限",
        improvements="潜在改进",
        engine="引擎",
        source="来源",
        full_text="全文",
        abstract_only="仅摘要（原因：{reason}）",
        extractive="extractive（摘录式，未使用大模型）",
        not_stated="论文未明确说明",
        not_found="摘录式分析未找到相关原句",
        feasibility="可行性：{value}",
        colon="：",
        separator="、",
        parenthesis="（{}）",
        warning="注意",
        excerpts="📌 原文摘录：以下各节为论文原句（未翻译），按章节挑选，并注明出处",
        authors_future="作者提出的未来工作（原文摘录）",
        links="论文或模型给出的链接不可点击，请核实后再访问：{urls}",
    ),
    "en": Labels(
        overview="Overview",
        motivation="Motivation",
        contributions="Key Contributions",
        method="Method",
        experiments="Experiments",
        future="Limitations and Future Work",
        metrics="Metrics",
        datasets="Datasets",
        baselines="Baselines",
        setup="Setup",
        acknowledged="Acknowledged limitations",
        potential="Potential limitations",
        improvements="Suggested improvements",
        engine="Engine",
        source="Source",
        full_text="full text",
        abstract_only="abstract only (reason: {reason})",
        extractive="extractive (sentences quoted from the paper, no LLM)",
        not_stated="Not stated in the paper.",
        not_found="No matching sentence found by the extractive analysis.",
        feasibility="feasibility: {value}",
        colon=": ",
        separator=", ",
        parenthesis=" ({})",
        warning="Note",
        excerpts=(
            "📌 Excerpts: the sections below quote the paper's own sentences, chosen by section, "
            "each with where it comes from"
        ),
        authors_future="Future work stated by the authors (excerpts)",
        links="links from the paper or the model are not clickable; check before visiting: {urls}",
    ),
}


def labels(language: str) -> Labels:
    return LABELS[language]


def neutralise_mentions(text: str) -> str:
    """Break ``@everyone``/``@here``/``@channel`` and ``<!channel>``-style mass mentions."""
    visible = strip_invisible(text)
    return _MASS_MENTION.sub(lambda m: m.group(0)[:1] + ZERO_WIDTH_SPACE + m.group(0)[1:], visible)


def status_lines(analysis: Analysis, language: str | None = None) -> list[str]:
    """The engine and source line (with HTML or PDF), then one line per warning."""
    words = labels(language or analysis.language)
    engine = words.extractive if analysis.engine == "extractive" else analysis.engine
    source = (
        words.full_text
        if analysis.source == "full_text"
        else words.abstract_only.format(reason=analysis.source_reason or "?")
    )
    if analysis.source == "full_text" and analysis.text_source:
        source += words.parenthesised(analysis.text_source.upper())
    lines = [f"{words.engine}{words.colon}{engine} · {words.source}{words.colon}{source}"]
    if analysis.engine == "extractive":
        lines.append(words.excerpts)
    warnings = [*analysis.warnings, *_links_warning(analysis, words)]
    lines += [f"⚠️ {words.warning}{words.colon}{warning}" for warning in warnings]
    return [neutralise_mentions(line) for line in lines]


def _links_warning(analysis: Analysis, words: Labels) -> list[str]:
    """One warning naming the URLs found in the analysis text (they are shown inert)."""
    text = "\n".join([analysis.title, *(body for _, body in analysis_sections(analysis))])
    urls = foreign_urls(strip_invisible(text))
    if not urls:
        return []
    listed = [url[:80] for url in urls[:MAX_LISTED_URLS]]
    more = f" (+{len(urls) - MAX_LISTED_URLS})" if len(urls) > MAX_LISTED_URLS else ""
    return [words.links.format(urls=words.separator.join(listed) + more)]


def analysis_sections(analysis: Analysis, language: str | None = None) -> list[tuple[str, str]]:
    """(heading, body) pairs in the seed's order; mentions neutralised, no nested headings."""
    words = labels(language or analysis.language)
    missing = words.not_found if analysis.engine == "extractive" else words.not_stated
    experiments = analysis.experiments
    sections = [
        (words.overview, analysis.overview or missing),
        (words.motivation, analysis.motivation or missing),
        (words.contributions, _contributions(analysis, words) or missing),
        (words.method, analysis.method or missing),
        (
            words.experiments,
            "\n\n".join(
                _labelled(words, label, items, missing)
                for label, items in (
                    (words.metrics, experiments.metrics),
                    (words.datasets, experiments.datasets),
                    (words.baselines, experiments.baselines),
                    (words.setup, experiments.setup),
                )
            ),
        ),
        (words.future, _future(analysis, words, missing)),
    ]
    return [(heading, _clean(body)) for heading, body in sections]


def _clean(body: str) -> str:
    """Headings inside a field become bold lines, so the section skeleton stays the seed's."""
    return neutralise_mentions(_HEADING_LINE.sub(r"**\1**", body.strip()))


def render_markdown(analysis: Analysis, language: str | None = None) -> str:
    """The analysis as Markdown: a status quote, then ``### heading`` sections."""
    quote = "\n".join(f"> {line}" for line in status_lines(analysis, language))
    body = "\n\n".join(
        f"### {heading}\n{text}" for heading, text in analysis_sections(analysis, language)
    )
    return f"{quote}\n\n{body}\n"


def _contributions(analysis: Analysis, words: Labels) -> str:
    lines = []
    for number, item in enumerate(analysis.contributions, start=1):
        refs = words.parenthesised(words.separator.join(item.refs)) if item.refs else ""
        lines.append(f"{number}. **{item.title}**{refs}{words.colon}{item.detail}")
    return "\n".join(lines)


def _labelled(words: Labels, label: str, items: Sequence[str], missing: str) -> str:
    """``**label**：item`` for one item, or the label followed by a bullet list."""
    if len(items) == 1:
        return f"**{label}**{words.colon}{items[0]}"
    if not items:
        return f"**{label}**{words.colon}{missing}"
    return f"**{label}**{words.colon}\n" + "\n".join(f"- {item}" for item in items)


def _numbered(words: Labels, label: str, items: Sequence[str], missing: str) -> str:
    """``**label**：`` followed by a numbered list, or by ``missing`` when empty."""
    if not items:
        return f"**{label}**{words.colon}{missing}"
    lines = "\n".join(f"{number}. {item}" for number, item in enumerate(items, start=1))
    return f"**{label}**{words.colon}\n{lines}"


def _future(analysis: Analysis, words: Labels, missing: str) -> str:
    limitations = analysis.limitations
    parts = [_numbered(words, words.acknowledged, limitations.acknowledged, missing)]
    if limitations.potential:
        parts.append(_numbered(words, words.potential, limitations.potential, missing))
    improvements = [_suggestion(item, words) for item in analysis.future_work]
    label = words.authors_future if analysis.engine == "extractive" else words.improvements
    parts.append(_numbered(words, label, improvements, missing))
    return "\n\n".join(parts)


def _suggestion(item: FutureWork, words: Labels) -> str:
    if not item.feasibility:
        return item.suggestion
    feasibility = words.feasibility.format(value=item.feasibility)
    return f"{item.suggestion}{words.parenthesised(feasibility)}"
