"""The structured answer the LLM writes: ``{answer, citations[{section, kind, quote}]}``."""

from __future__ import annotations

from functools import cache
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from analysis.schema import strict_json_schema

Kind = Literal["section", "table", "figure", "equation", "appendix"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class CitationAnswer(_Strict):
    section: str = Field(description="The passage's bracketed reference, e.g. §3.2 Training.")
    kind: Kind
    quote: str = Field(description="At most 30 words copied verbatim from that passage.")


class LlmAskAnswer(_Strict):
    answer: str = Field(description="The short answer, with references in the text.")
    citations: list[CitationAnswer]


@cache
def answer_schema() -> dict[str, Any]:
    return strict_json_schema(LlmAskAnswer)
