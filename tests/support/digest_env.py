"""What the digest tests expect of the seed week's report."""

from __future__ import annotations

import re

from tests.support.seed import ANALYSIS_HEADING, seed_text, skeleton

VERSIONS = {"2511.05275": 1, "2511.05397": 1, "2509.14117": 3, "2511.05491": 1}


def expected_skeleton() -> list[str]:
    analysis = seed_analysis_headings()
    expected: list[str] = []
    for heading in skeleton(seed_text(), with_analysis=False):
        expected.append(heading)
        if heading == "### 原文摘要":
            expected += [ANALYSIS_HEADING, *analysis]
    return expected


def seed_analysis_headings() -> list[str]:
    """The analysis headings of the seed's first paper, the canonical form."""
    headings = skeleton(seed_text())
    start = headings.index(ANALYSIS_HEADING) + 1
    end = next(i for i in range(start, len(headings)) if re.match(r"## \d+\. ", headings[i]))
    return headings[start:end]
