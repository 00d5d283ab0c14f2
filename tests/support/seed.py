"""The reference report (../shared/seeds) and its heading skeleton."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

SEED = Path(__file__).resolve().parents[3] / "shared" / "seeds" / "000_edabc985d28caa3f.txt"
ANALYSIS_HEADING = "### AI分析（基于论文正文）"


def seed_text() -> str:
    if not SEED.is_file():
        pytest.skip(f"reference report not found at {SEED}")
    return SEED.read_text(encoding="utf-8")


def skeleton(markdown: str, *, with_analysis: bool = True) -> list[str]:
    """The report's headings in order (indentation ignored); optionally without analyses."""
    headings = [line.strip() for line in markdown.splitlines() if line.strip().startswith("#")]
    if with_analysis:
        return headings
    kept, inside = [], False
    for heading in headings:
        if heading == ANALYSIS_HEADING:
            inside = True
            continue
        if re.match(r"## \d+\. ", heading):
            inside = False
        if not inside:
            kept.append(heading)
    return kept


def field_labels(markdown: str) -> list[str]:
    """The bold labels of the overview and basic-information bullets."""
    return re.findall(r"^- \*\*([^*]+)\*\*:", markdown, flags=re.MULTILINE)
