"""What an answering engine gets (:class:`Question`) and gives back (:class:`Draft`)."""

from __future__ import annotations

from dataclasses import dataclass, field

from analysis.ask.types import Citation, Turn
from analysis.schema import Usage


@dataclass(frozen=True)
class Question:
    arxiv_id: str
    title: str
    text: str
    language: str
    history: tuple[Turn, ...] = ()
    overview: str | None = None


@dataclass(frozen=True)
class Draft:
    answer: str
    citations: tuple[Citation, ...]
    usage: Usage = field(default_factory=Usage)
    warnings: tuple[str, ...] = ()
