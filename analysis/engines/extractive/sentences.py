"""Sentences of a paper as the extractive engine quotes them.

A unit is a sentence, or a whole numbered list ("… as follows: 1) … 2) …")
kept together. Units that cannot stand alone are never quoted: fragments,
captions and footnotes/affiliations left in the text, sentences opening with a
dangling "this"/"these"/"it", and sentences that are mostly citations. A
:class:`Pool` hands each unit out once, so no sentence repeats across fields.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from functools import lru_cache

from analysis.engines.extractive.cues import CAPTION, CITATION, DANGLING, FOOTNOTE
from analysis.roles import Role

MAX_UNIT_CHARS = 600
MAX_LIST_CHARS = 1200
_ABBREVIATIONS = re.compile(
    r"(?:\b(?:e\.g|i\.e|et al|etc|Figs?|Eqs?|Secs?|Tab|vs|cf|resp|approx|No|Refs?|Dr|Mr|Ms)\.|"
    r"\b[A-Z]\.)$"
)
_SPLIT = re.compile(
    r"(?:(?<=[.!?])|(?<=[.!?][\"”’)]))\s+(?=[\"“(\[∗*†‡]?[A-Z0-9])"  # end, space, capital
    r"|(?<=[a-z][.!?])\d{1,2}\s+(?=[A-Z])"  # a footnote mark after the full stop
    r"|(?<=[。！？])"
)
_FOOTNOTE_AT_END = re.compile(r"(?<=[a-z][.!?])\d{1,2}$")
_CJK = re.compile("[\u4e00-\u9fff]")
_ENUMERATED = re.compile(r"^\(?(?:\d{1,2}|[ivx]{1,4}|[a-h])[).]\s")
_STRAY_NUMBERS = re.compile(r"^(?:\d{1,3}\s+){2,}(?=[A-Z])")
_WORD = re.compile(r"[^\W\d_]{2,}")
# a URL, a footnote mark glued to a word ("5However"), a run of bare numbers (axis
# labels) or of one-character tokens (a formula flattened into the text)
_NOISE = re.compile(
    r"https?://|www\.|(?<![\w.])\d{1,2}[A-Z][a-z]{2,}|(?:\b\d+\s+){5}|(?:(?<!\S)\S\s+){6}|· ·"
)


@dataclass(frozen=True)
class Passage:
    """A section (or the abstract, or a caption) as the extractor sees it."""

    role: Role
    label: str
    ref: str
    text: str
    level: int
    appendix: bool = False


@dataclass(frozen=True)
class Sentence:
    """A quotable unit of the paper, where it is, and its place in reading order."""

    text: str
    ref: str
    label: str
    role: Role
    position: int


def split_sentences(text: str) -> list[str]:
    """Sentences of ``text``, lines joined, abbreviations and initials kept intact."""
    flat = " ".join(text.split())
    merged: list[str] = []
    for piece in _SPLIT.split(flat):
        if merged and _ABBREVIATIONS.search(merged[-1]):
            merged[-1] = f"{merged[-1]} {piece}"
        elif piece.strip():
            merged.append(piece.strip())
    return [_FOOTNOTE_AT_END.sub("", sentence) for sentence in merged]


def units(text: str) -> list[str]:
    """Sentences, with a numbered list and the sentence introducing it kept as one unit."""
    found: list[str] = []
    for sentence in map(_without_stray_numbers, split_sentences(text)):
        if found and _ENUMERATED.match(sentence) and _opens_list(found[-1]):
            found[-1] = f"{found[-1]} {sentence}"
        else:
            found.append(sentence)
    return found


def _without_stray_numbers(sentence: str) -> str:
    """Drop a run of bare numbers before the first word ("3 2 4 5 However, …": figure labels)."""
    return _STRAY_NUMBERS.sub("", sentence)


def _opens_list(previous: str) -> bool:
    return previous.rstrip().endswith(":") or bool(re.search(r"(?:^|\s)\(?1[).]\s", previous))


def readable(unit: str) -> bool:
    """A self-contained sentence of prose: not a fragment, caption, footnote or citation list."""
    if _CJK.search(unit):
        return len(unit) >= 12 and not CAPTION.match(unit)
    words = unit.split()
    letters = sum(ch.isalpha() for ch in unit)
    visible = sum(not ch.isspace() for ch in unit)
    wordlike = sum(1 for word in words if _WORD.search(word))
    limit = MAX_LIST_CHARS if _ENUMERATED.search(unit[1:]) else MAX_UNIT_CHARS
    return (
        len(words) >= 6
        and len(unit) <= limit
        and letters >= 0.7 * visible
        and wordlike >= 0.6 * len(words)
        and unit[0].isalnum()
        and not unit[0].islower()
        and not _NOISE.search(unit)
        and not CAPTION.match(unit)
        and not FOOTNOTE.search(unit)
        and not DANGLING.match(unit)
        and _citation_share(unit) < 0.3
        and unit.count("et al.") < 3
        and unit.rstrip('"”’)').endswith((".", "!", "?", ":"))
        and not unit.rstrip().endswith(":")
    )


def _citation_share(unit: str) -> float:
    cited = sum(len(match.group(0)) for match in CITATION.finditer(unit))
    return cited / max(len(unit), 1)


@lru_cache(maxsize=1024)
def readable_units(text: str) -> tuple[str, ...]:
    """The readable units of one passage's text (cached: fields read passages repeatedly)."""
    return tuple(unit for unit in units(text) if readable(unit))


def sentences(passages: Iterable[Passage]) -> list[Sentence]:
    """The readable units of ``passages`` in reading order, each once."""
    found: list[Sentence] = []
    seen: set[str] = set()
    for passage in passages:
        for unit in readable_units(passage.text):
            key = _key(unit)
            if key in seen:
                continue
            seen.add(key)
            found.append(Sentence(unit, passage.ref, passage.label, passage.role, len(found)))
    return found


def _key(text: str) -> str:
    return " ".join(text.lower().split())[:120]


@dataclass
class Pool:
    """Hands out sentences so that none is quoted in two fields."""

    used: set[str] = field(default_factory=set)

    def pick(
        self,
        candidates: Sequence[Sentence],
        score: Callable[[Sentence], float],
        limit: int,
        *,
        in_order: bool = True,
    ) -> list[Sentence]:
        """The ``limit`` best-scoring unused sentences (score > 0), marked as used."""
        ranked = sorted(
            (s for s in candidates if _key(s.text) not in self.used and score(s) > 0),
            key=lambda s: (-score(s), s.position),
        )
        chosen: list[Sentence] = []
        for sentence in ranked:
            if len(chosen) == limit:
                break
            if any(_key(sentence.text) == _key(c.text) for c in chosen):
                continue
            chosen.append(sentence)
        self.used |= {_key(s.text) for s in chosen}
        return sorted(chosen, key=lambda s: s.position) if in_order else chosen

    def take(self, text: str) -> None:
        """Mark text quoted elsewhere (the abstract in the overview) as used."""
        for unit in units(text):
            self.used.add(_key(unit))
