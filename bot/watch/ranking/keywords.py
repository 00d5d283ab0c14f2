"""Keyword strength: how strongly a paper matched its monitor's keywords and authors.

A keyword found in the title counts more than one found only in the abstract, each
distinct keyword adds, and each followed author adds as much as a title hit.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kernel.config import MonitorConfig
from bot.kernel.matching import MonitorFilter, Selection, compile_keyword
from bot.kernel.models import Paper

TITLE_HIT = 1.0
ABSTRACT_HIT = 0.5
AUTHOR_HIT = 1.0
HALF_STRENGTH = 1.5  # the raw strength that maps to 0.5


@dataclass(frozen=True)
class KeywordEvidence:
    in_title: tuple[str, ...]
    in_abstract: tuple[str, ...]  # found in the abstract only
    authors: tuple[str, ...]

    @property
    def raw(self) -> float:
        return (
            TITLE_HIT * len(self.in_title)
            + ABSTRACT_HIT * len(self.in_abstract)
            + AUTHOR_HIT * len(self.authors)
        )

    @property
    def strength(self) -> float:
        """``raw`` squashed into [0, 1): 1 title hit 0.4, 2 title hits 0.57, 1 abstract 0.25."""
        return self.raw / (self.raw + HALF_STRENGTH)

    def reasons(self) -> tuple[str, ...]:
        lines = []
        found = [f"{k} (title)" for k in self.in_title] + list(self.in_abstract)
        if found:
            lines.append("keywords: " + ", ".join(found))
        if self.authors:
            lines.append("authors: " + ", ".join(self.authors))
        return tuple(lines)


class KeywordJudge:
    """Compiles a monitor's keywords once; judges where each matched keyword was found."""

    def __init__(self, monitor: MonitorConfig) -> None:
        self.monitor = monitor
        self._patterns: dict[str, re.Pattern[str]] = {}
        self._filter: MonitorFilter | None = None

    def evidence(self, paper: Paper, selection: Selection | None) -> KeywordEvidence:
        chosen = selection if selection is not None else self._selection(paper)
        in_title = tuple(k for k in chosen.keywords if self._pattern(k).search(paper.title))
        in_abstract = tuple(k for k in chosen.keywords if k not in in_title)
        return KeywordEvidence(in_title, in_abstract, chosen.authors)

    def _selection(self, paper: Paper) -> Selection:
        if self._filter is None:
            self._filter = MonitorFilter(
                keywords=self.monitor.keywords, authors=self.monitor.authors
            )
        return self._filter.match(paper) or Selection()

    def _pattern(self, keyword: str) -> re.Pattern[str]:
        if keyword not in self._patterns:
            self._patterns[keyword] = compile_keyword(keyword)
        return self._patterns[keyword]
