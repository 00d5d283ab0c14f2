"""Analyses built in memory for the verification and rendering tests."""

from __future__ import annotations

from typing import Any

from analysis.schema import Analysis, Language


def analysis(language: Language = "zh", **fields: Any) -> Analysis:
    base: dict[str, Any] = {
        "overview": "",
        "motivation": "",
        "contributions": [],
        "method": "",
        "experiments": {"metrics": [], "datasets": [], "baselines": [], "setup": []},
        "limitations": {"acknowledged": [], "potential": []},
        "future_work": [],
    }
    return Analysis(
        **(base | fields), arxiv_id="2511.05275", version=1, title="TwinVLA", language=language,
        engine="llm:fake", source="full_text",
    )  # fmt: skip
