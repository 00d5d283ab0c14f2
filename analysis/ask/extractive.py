"""The extractive engine of questions (no LLM key): the best passages, quoted.

For each of the best :data:`MAX_EXCERPTS` passages the sentences that share the
most terms with the question are quoted (a table: its caption, header row and
matching rows), each with where it is in the paper. The answer starts with the
excerpts notice (``📌 原文摘录…`` in Chinese), so nobody takes it for a
generated answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from analysis.ask.draft import Draft, Question
from analysis.ask.hits import Hit
from analysis.ask.language import passage_reference, words
from analysis.ask.passages import word_count
from analysis.ask.query import Query
from analysis.ask.types import Citation, Passage

MAX_EXCERPTS = 3
QUOTE_WORDS = 70
TABLE_ROWS = 5
ENGINE_VERSION = "extractive-ask-1"
_SENTENCE = re.compile(r"(?<=[.!?。！？])\s+(?=[A-Z(\[\"“\u4e00-\u9fff])|(?<=[。！？])")


class ExtractiveAsker:
    """Quotes the paper; needs no key and spends no tokens."""

    label = "extractive"
    version = ENGINE_VERSION

    def answer(self, question: Question, hits: Sequence[Hit], query: Query) -> Draft:
        terms = _terms(query)
        citations = tuple(
            Citation(passage_reference(hit.passage, question.language), hit.passage.kind, quote)
            for hit in hits[:MAX_EXCERPTS]
            if (quote := excerpt(hit.passage, terms))
        )
        w = words(question.language)
        lines = [w.excerpts_notice, *(_line(c, question.language) for c in citations)]
        return Draft("\n".join(lines), citations)


def excerpt(passage: Passage, terms: Sequence[str]) -> str:
    """The part of ``passage`` that best matches ``terms``, at most about QUOTE_WORDS words."""
    if passage.kind == "table":
        return _table_excerpt(passage, terms)
    sentences = [s.strip() for s in _SENTENCE.split(" ".join(passage.text.split())) if s.strip()]
    if not sentences:
        return ""
    best = max(range(len(sentences)), key=lambda i: (_score(sentences[i], terms), -i))
    chosen = [sentences[best]]
    for neighbour in sentences[best + 1 :]:
        if word_count(" ".join([*chosen, neighbour])) > QUOTE_WORDS:
            break
        chosen.append(neighbour)
    return _shorten(" ".join(chosen))


def _table_excerpt(passage: Passage, terms: Sequence[str]) -> str:
    caption, _, grid = passage.text.partition("\n")
    rows = [row for row in grid.split("\n") if row.strip()]
    if not rows:
        return _shorten(caption)
    matching = [row for row in rows[1:] if _score(row, terms)][:TABLE_ROWS]
    picked = [rows[0], *(matching or rows[1 : 1 + TABLE_ROWS])]
    return "\n".join([_shorten(caption), *picked]).strip()


def _terms(query: Query) -> list[str]:
    return [term.lower() for group in query.groups for term in group.terms]


def _score(text: str, terms: Sequence[str]) -> int:
    lowered = text.lower()
    return sum(1 for term in terms if term in lowered)


def _shorten(text: str) -> str:
    tokens = text.split()
    if len(tokens) <= QUOTE_WORDS * 2:
        return text
    return " ".join(tokens[: QUOTE_WORDS * 2]) + " …"


def _line(citation: Citation, language: str) -> str:
    quote = " / ".join(" ".join(line.split()) for line in citation.quote.split("\n"))
    if language == "zh":
        return f"- “{quote}”（{citation.section}）"
    return f"- “{quote}” ({citation.section})"
