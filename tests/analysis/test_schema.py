"""The analysis schema: strict-mode JSON schema, validation, round trips."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from analysis.schema import Analysis, LlmAnswer, Usage, strict_json_schema


def answer_data() -> dict[str, Any]:
    return {
        "overview": "A paper.",
        "motivation": "A gap (Section 1).",
        "contributions": [{"title": "Idea", "detail": "Details.", "refs": ["§2"]}],
        "method": "A method.",
        "experiments": {"metrics": ["F1"], "datasets": [], "baselines": ["BM25"], "setup": []},
        "limitations": {"acknowledged": ["Small data."], "potential": []},
        "future_work": [{"suggestion": "More data.", "feasibility": "high"}],
    }


def objects(node: Any) -> list[dict[str, Any]]:
    """Every object schema inside ``node``."""
    found: list[dict[str, Any]] = []
    if isinstance(node, dict):
        if node.get("type") == "object":
            found.append(node)
        for value in node.values():
            found += objects(value)
    elif isinstance(node, list):
        for item in node:
            found += objects(item)
    return found


def test_strict_schema_requires_every_property_and_forbids_others() -> None:
    schema = strict_json_schema(LlmAnswer)
    found = objects(schema)
    assert len(found) >= 6  # answer, contribution, experiments, limitations, future work
    for node in found:
        assert node["additionalProperties"] is False
        assert node["required"] == list(node["properties"])


def test_strict_schema_has_no_titles_defaults_or_refs_with_siblings() -> None:
    schema = strict_json_schema(LlmAnswer)

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            assert "default" not in node
            assert "$ref" not in node or len(node) == 1
            for key, value in node.items():
                if key == "properties":  # property names are data, "title" included
                    for child in value.values():
                        walk(child)
                else:
                    assert key != "title"
                    walk(value)
        elif isinstance(node, list):
            for item in node:
                walk(item)

    walk(schema)
    contribution = schema["$defs"]["Contribution"]
    assert list(contribution["properties"]) == ["title", "detail", "refs"]


def test_answer_rejects_missing_and_extra_fields() -> None:
    data = answer_data()
    LlmAnswer.model_validate(data)
    with pytest.raises(ValidationError):
        LlmAnswer.model_validate({**data, "verdict": "accept"})
    incomplete = dict(data)
    del incomplete["method"]
    with pytest.raises(ValidationError):
        LlmAnswer.model_validate(incomplete)


def test_analysis_round_trips_through_json() -> None:
    analysis = Analysis(
        **answer_data(),
        arxiv_id="2004.04906",
        version=3,
        title="Dense Passage Retrieval",
        language="en",
        engine="llm:gpt-4o-mini",
        source="abstract_only",
        source_reason="the PDF is password-protected",
        warnings=["Removed references not found in the paper: Table 9"],
        usage=Usage(input_tokens=10, output_tokens=5, seconds=1.5),
    )
    assert Analysis.model_validate_json(analysis.model_dump_json()) == analysis


def test_analysis_rejects_unknown_language_and_source() -> None:
    base = {**answer_data(), "arxiv_id": "1", "version": 1, "title": "t", "engine": "extractive"}
    with pytest.raises(ValidationError):
        Analysis.model_validate({**base, "language": "fr", "source": "full_text"})
    with pytest.raises(ValidationError):
        Analysis.model_validate({**base, "language": "en", "source": "html"})


def test_usage_adds_up() -> None:
    total = Usage(input_tokens=3, output_tokens=1, seconds=0.5) + Usage(input_tokens=2, seconds=1)
    assert total == Usage(input_tokens=5, output_tokens=1, seconds=1.5)
