"""The values of the ask API: turns, citations, answers and results."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from analysis.schema import Usage

KINDS = ("section", "table", "figure", "equation", "appendix")


@dataclass(frozen=True)
class Turn:
    """One earlier question and its answer in the same thread."""

    question: str
    answer: str


@dataclass(frozen=True)
class Citation:
    """Where an answer comes from: ``§3.2 Training`` / ``Table 2``, its kind and a quote."""

    section: str
    kind: str
    quote: str

    def to_json(self) -> dict[str, str]:
        return {"section": self.section, "kind": self.kind, "quote": self.quote}


@dataclass(frozen=True)
class Answer:
    """One answer to one question about one paper version."""

    arxiv_id: str
    version: int
    question: str
    answer: str
    citations: tuple[Citation, ...]
    engine: str
    language: str
    warnings: tuple[str, ...] = ()
    usage: Usage = field(default_factory=Usage)

    def to_json(self) -> dict[str, Any]:
        """The CLI's ``--format json`` object (issue #15's shape)."""
        return {
            "arxiv_id": self.arxiv_id,
            "version": self.version,
            "question": self.question,
            "answer": self.answer,
            "citations": [citation.to_json() for citation in self.citations],
            "engine": self.engine,
            "warnings": list(self.warnings),
            "usage": self.usage.model_dump(),
        }

    def to_dict(self) -> dict[str, Any]:
        """Every field as plain data; :meth:`from_dict` rebuilds the answer."""
        return {**self.to_json(), "language": self.language}

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Answer:
        return cls(
            arxiv_id=data["arxiv_id"],
            version=data["version"],
            question=data["question"],
            answer=data["answer"],
            citations=tuple(Citation(**c) for c in data["citations"]),
            engine=data["engine"],
            language=data["language"],
            warnings=tuple(data["warnings"]),
            usage=Usage.model_validate(data["usage"]),
        )


@dataclass(frozen=True)
class AskResult:
    """An answer; ``fresh`` is False when it came from the cache (``usage`` is then None)."""

    answer: Answer
    fresh: bool
    usage: Usage | None


@dataclass(frozen=True)
class Passage:
    """A piece of the paper that can be retrieved and cited.

    ``section_number``/``section_title`` name the section it sits in (or the
    appendix); ``label`` is the table or figure label, or the equation number.
    """

    position: int
    kind: str
    section_number: str | None
    section_title: str
    label: str | None
    text: str

    @property
    def heading(self) -> str:
        """What the passage is under, for the search index's heading column."""
        return " ".join(part for part in (self.section_number, self.section_title) if part)
