"""The answer's language and the words an answer is built from, in Chinese and English."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass

from analysis.ask.passages import ABSTRACT, FOOTNOTES
from analysis.ask.types import Passage
from bot.errors import AnalysisError

_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
_SPACES = re.compile(r"\s+")
_TRAILING = re.compile(r"[\s?？!！。.]+$")


def answer_language(question: str, requested: str | None) -> str:
    """``requested`` if given, else ``zh`` for a question with Chinese characters, else ``en``."""
    if requested is not None:
        if requested not in ("zh", "en"):
            raise AnalysisError(f"Unknown language {requested!r}; use zh or en.")
        return requested
    return "zh" if _CJK.search(question) else "en"


def normalise_question(question: str) -> str:
    """The question as the cache compares it: NFKC, case-folded, spaces and end marks tidied."""
    text = unicodedata.normalize("NFKC", question).casefold()
    return _TRAILING.sub("", _SPACES.sub(" ", text).strip())


@dataclass(frozen=True)
class Words:
    """Fixed texts of an answer in one language."""

    not_stated: str
    excerpts_notice: str
    section: str  # "§{}" / "第{}节"
    appendix: str
    table: str
    figure: str
    equation: str
    abstract: str
    footnotes: str
    newer_version: str
    abstract_only: str
    embeddings_failed: str
    separator: str


WORDS = {
    "zh": Words(
        not_stated="论文未明确说明。",
        excerpts_notice=(
            "📌 原文摘录：以下为论文原句（未翻译、非生成的回答），"
            "按与问题的相关度挑选，并注明出处。"
        ),
        section="第{}节",
        appendix="附录{}",
        table="表{}",
        figure="图{}",
        equation="公式({})",
        abstract="摘要",
        footnotes="脚注",
        newer_version="该论文已有更新的版本（v{latest}）；本回答基于 v{version}。",
        abstract_only="只读到了摘要（{reason}），回答仅依据摘要。",
        embeddings_failed="向量检索不可用（{reason}），仅使用 BM25 检索。",
        separator="，",
    ),
    "en": Words(
        not_stated="The paper does not say.",
        excerpts_notice=(
            "📌 Excerpts: the paper's own sentences (not a generated answer), chosen by "
            "relevance to the question, each with where it comes from."
        ),
        section="§{}",
        appendix="Appendix {}",
        table="Table {}",
        figure="Figure {}",
        equation="Eq. ({})",
        abstract="Abstract",
        footnotes="Footnotes",
        newer_version=(
            "A newer version of this paper exists (v{latest}); this answer is about v{version}."
        ),
        abstract_only="Only the abstract could be read ({reason}); the answer rests on it alone.",
        embeddings_failed="Vector search unavailable ({reason}); BM25 alone was used.",
        separator=", ",
    ),
}


def words(language: str) -> Words:
    return WORDS[language]


def passage_reference(passage: Passage, language: str) -> str:
    """Where ``passage`` is in the paper: ``§3.2 Training``, ``Table 2``, ``Appendix B …``."""
    w = words(language)
    if passage.kind == "table":
        return w.table.format(passage.label or "")
    if passage.kind == "figure":
        return w.figure.format(passage.label or "")
    title = {ABSTRACT: w.abstract, FOOTNOTES: w.footnotes}.get(passage.section_title)
    place = title or _section_place(passage, w)
    if passage.kind == "equation":
        return f"{place}{w.separator}{w.equation.format(passage.label)}"
    return place


def _section_place(passage: Passage, w: Words) -> str:
    number, title = passage.section_number, passage.section_title
    if number is None:
        return title
    template = w.appendix if passage.kind == "appendix" else w.section
    if passage.kind == "equation" and number[:1].isalpha():
        template = w.appendix
    return f"{template.format(number)} {title}".strip()
