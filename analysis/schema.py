"""The structure of one paper analysis (the seed report's sections) as pydantic models.

:class:`LlmAnswer` is the part an engine fills (the LLM through a strict JSON
schema, or the extractive analyser); :class:`Analysis` adds what the pipeline
knows: the paper, engine, source, verification warnings and token usage.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Literal, Protocol

from pydantic import BaseModel, ConfigDict, Field

from analysis.choices import EngineKind

if TYPE_CHECKING:  # only the engine protocol names it: a cache hit never loads it
    from analysis.document import Document

Language = Literal["zh", "en"]
Source = Literal["full_text", "abstract_only"]
TextSource = Literal["html", "pdf"]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class Contribution(_Strict):
    title: str = Field(description="A short name for the contribution.")
    detail: str = Field(description="What it is and why it matters, with concrete details.")
    refs: list[str] = Field(
        description="Where the paper states it, e.g. 第4.2节 / §4.2, 表2 / Table 2, 图3a / Fig. 3a."
    )


class Experiments(_Strict):
    metrics: list[str] = Field(description="Evaluation metrics.")
    datasets: list[str] = Field(description="Datasets and benchmarks, with sizes if stated.")
    baselines: list[str] = Field(description="Compared methods.")
    setup: list[str] = Field(description="Hardware, training budget, hyper-parameters.")


class Limitations(_Strict):
    acknowledged: list[str] = Field(description="Limitations the authors state themselves.")
    potential: list[str] = Field(description="Limitations the paper does not mention.")


class FutureWork(_Strict):
    suggestion: str = Field(description="A concrete improvement or research direction.")
    feasibility: str = Field(description="How feasible it is and why (high/medium/low).")


class Usage(_Strict):
    input_tokens: int = 0
    output_tokens: int = 0
    seconds: float = 0.0

    def __add__(self, other: Usage) -> Usage:
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            seconds=self.seconds + other.seconds,
        )


class LlmAnswer(_Strict):
    """What an engine writes: every field required, no others (strict-schema compatible)."""

    overview: str = Field(description="论文概要: problem, approach, main results, scope.")
    motivation: str = Field(description="研究动机: the problem and the gap in existing work.")
    contributions: list[Contribution] = Field(description="核心贡献与创新点.")
    method: str = Field(description="方法概述: architecture, training, inference, key equations.")
    experiments: Experiments = Field(description="实验说明.")
    limitations: Limitations = Field(description="Acknowledged and potential limitations.")
    future_work: list[FutureWork] = Field(description="改进建议和未来研究方向.")


LOCAL_FILE_PREFIX = "file:"  # Analysis.arxiv_id of a local file: "file:<name>"


class Analysis(LlmAnswer):
    """One finished analysis of one paper version."""

    arxiv_id: str
    version: int
    title: str
    language: Language
    engine: str = Field(description="llm:<model> or extractive")
    source: Source
    source_reason: str | None = None
    text_source: TextSource | None = Field(
        default=None, description="html or pdf for a full-text analysis"
    )
    text_source_note: str | None = Field(
        default=None, description="why arXiv's HTML was not used, when the PDF was read"
    )
    warnings: list[str] = Field(default_factory=list)
    usage: Usage = Field(default_factory=Usage)


def strict_json_schema(model: type[BaseModel]) -> dict[str, Any]:
    """``model``'s JSON schema in the form OpenAI's ``strict`` mode accepts.

    Every object lists all its properties as required and forbids others; titles
    and defaults are removed, and a ``$ref`` with sibling keys (a description) is
    replaced by the definition it points to, since strict mode rejects such siblings.
    """
    schema = model.model_json_schema()
    return _Strictifier(schema.get("$defs", {})).clean(schema)


class _Strictifier:
    def __init__(self, definitions: dict[str, Any]) -> None:
        self.definitions = definitions

    def clean(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self.clean(item) for item in node]
        if not isinstance(node, dict):
            return node
        if "$ref" in node and len(node) > 1:
            target = self.definitions[node["$ref"].rsplit("/", 1)[-1]]
            node = {**target, **{k: v for k, v in node.items() if k != "$ref"}}
        cleaned = {
            key: self._properties(value) if key == "properties" else self.clean(value)
            for key, value in node.items()
            if key not in ("title", "default")
        }
        if cleaned.get("type") == "object" and "properties" in cleaned:
            cleaned["required"] = list(cleaned["properties"])
            cleaned["additionalProperties"] = False
        return cleaned

    def _properties(self, properties: dict[str, Any]) -> dict[str, Any]:
        """Property names are data, not keywords: keep them all (even one named "title")."""
        return {name: self.clean(schema) for name, schema in properties.items()}


@dataclass(frozen=True)
class Subject:
    """What an engine is asked to analyse, besides the document itself."""

    arxiv_id: str
    title: str
    language: Language
    source_reason: str | None = None  # set when only the abstract is available

    @property
    def source(self) -> Source:
        return "full_text" if self.source_reason is None else "abstract_only"


@dataclass(frozen=True)
class EngineResult:
    answer: LlmAnswer
    usage: Usage
    warnings: tuple[str, ...] = ()


class Engine(Protocol):
    """An analyser: the LLM engine or the extractive one."""

    @property
    def label(self) -> str:
        """``llm:<model>`` or ``extractive``: part of the cache key and shown to users."""
        ...

    @property
    def version(self) -> str:
        """Changes whenever the engine's output for the same input may change."""
        ...

    @property
    def kind(self) -> EngineKind:
        """Which engine this is (never ``auto``)."""
        ...

    async def analyze(self, document: Document, subject: Subject) -> EngineResult: ...
