"""Decide which papers a monitor selects: keyword, author, category and announce-type rules.

Pure functions; a :class:`MonitorFilter` compiles its patterns once, so matching a
whole daily feed stays cheap.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache

from bot.kernel.errors import ConfigError
from bot.kernel.models import ANNOUNCE_TYPES, Paper

REGEX_PREFIX = "re:"

# Hyphens, underscores and whitespace runs between keyword words are interchangeable.
_SEPARATOR = "[\\s_\\-\u2010-\u2013]+"
_SPLIT = re.compile(_SEPARATOR)
# Word boundaries, checked case-sensitively around a case-insensitive keyword body:
# a start after a non-alphanumeric character or at an ASCII lower-to-upper change ("OpenVLA"),
# an end before a non-alphanumeric character or at a lower-to-upper change ("VisionTransformer").
_START = r"(?:(?<![^\W_])|(?<=[a-z0-9])(?=[A-Z]))"
_END = r"(?:(?![^\W_])|(?<=[a-z])(?=[A-Z]))"
_PLURAL = "(?:e?s)?"
_REGEX_CASE_FOLDS = str.maketrans({"İ": "i", "ı": "i", "ſ": "s"})

# Letters NFKD does not decompose into a base letter plus accents.
_FOLD_LETTERS = str.maketrans(
    {"ø": "o", "ł": "l", "đ": "d", "ð": "d", "þ": "th", "ß": "ss", "æ": "ae", "œ": "oe", "ı": "i"}
)
_APOSTROPHES = re.compile("['’`´]")
_NON_ALNUM = re.compile(r"[\W_]+")
# Surname particles, ignored among given names: "Adrian Del Maestro", "Joost van der Putten".
_SURNAME_PARTICLES = frozenset(
    {
        "da",
        "das",
        "de",
        "del",
        "della",
        "der",
        "di",
        "do",
        "dos",
        "du",
        "la",
        "le",
        "ten",
        "ter",
        "van",
        "von",
    }
)


def compile_keyword(keyword: str) -> re.Pattern[str]:
    """The pattern that finds ``keyword`` in a title or abstract.

    Plain keywords match case-insensitively at word boundaries (a lower-to-upper case
    change counts as one), treat hyphens, underscores and whitespace alike and allow a
    plural "s"/"es". ``re:<pattern>`` is a case-insensitive regular expression.
    """
    if keyword.startswith(REGEX_PREFIX):
        return _compile_regex(keyword)
    return re.compile(f"{_START}(?i:{_keyword_body(keyword)}{_PLURAL}){_END}")


def normalize_name(name: str) -> str:
    """``name`` folded for comparison: no case, accents, apostrophes or other punctuation."""
    decomposed = unicodedata.normalize("NFKD", name.casefold().translate(_FOLD_LETTERS))
    letters = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _NON_ALNUM.sub(" ", _APOSTROPHES.sub("", letters)).strip()


def author_matches(wanted: str, authors: Iterable[str]) -> bool:
    """Whether any of ``authors`` is the person ``wanted`` names.

    Surnames (last words, or the part before a comma in "Del Maestro, A.") must be
    equal. Given names, where both sides have them, must agree one by one, an initial
    agreeing with any name it starts: "Y. Lee" is "Youngwoon Lee". Lower-case particles
    after the first given name are ignored ("Peter de With" is "Peter H. N. de With").
    A bare surname matches everyone with that surname.
    """
    person = _parse_name(wanted, surname_first=True)
    return bool(person.surname) and any(
        _same_person(person, _parse_name(author)) for author in authors
    )


@dataclass(frozen=True)
class Selection:
    """Why a monitor selected a paper: its matched keywords and authors, in config order."""

    keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()


@dataclass(frozen=True)
class MonitorFilter:
    """The selection rules of one monitor; empty categories or announce types allow all.

    A paper is selected when a category and its announce type are allowed, a keyword
    or author matches (or neither list is configured) and no exclude keyword matches.
    Keywords are matched against the title and the abstract.
    """

    categories: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()
    exclude_keywords: tuple[str, ...] = ()
    authors: tuple[str, ...] = ()
    announce_types: tuple[str, ...] = ()
    _categories: frozenset[str] = field(init=False, repr=False, compare=False)
    _keywords: tuple[_Keyword, ...] = field(init=False, repr=False, compare=False)
    _excludes: tuple[_Keyword, ...] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        for name in ("categories", "keywords", "exclude_keywords", "authors", "announce_types"):
            object.__setattr__(self, name, tuple(getattr(self, name)))
        unknown = sorted(set(self.announce_types) - set(ANNOUNCE_TYPES))
        if unknown:
            raise ConfigError(
                f"Unknown announce type(s) {', '.join(unknown)}; "
                f"use any of {', '.join(ANNOUNCE_TYPES)}."
            )
        for author in self.authors:
            if not _parse_name(author, surname_first=True).surname:
                raise ConfigError(f"The author name {author!r} is empty.")
        object.__setattr__(
            self, "_categories", frozenset(c.strip().lower() for c in self.categories)
        )
        object.__setattr__(self, "_keywords", tuple(_Keyword.build(k) for k in self.keywords))
        object.__setattr__(
            self, "_excludes", tuple(_Keyword.build(k) for k in self.exclude_keywords)
        )

    def match(self, paper: Paper) -> Selection | None:
        """The :class:`Selection` if this monitor selects ``paper``, else None."""
        if self._categories and self._categories.isdisjoint(c.lower() for c in paper.categories):
            return None
        if self.announce_types and paper.announce_type not in self.announce_types:
            return None
        texts = (paper.title, paper.abstract)
        folded = _fold_case(f"{paper.title}\n{paper.abstract}")
        if any(keyword.found_in(texts, folded) for keyword in self._excludes):
            return None
        keywords = tuple(k.label for k in self._keywords if k.found_in(texts, folded))
        authors = tuple(a for a in self.authors if author_matches(a, paper.authors))
        if (self._keywords or self.authors) and not (keywords or authors):
            return None
        return Selection(keywords=keywords, authors=authors)


@dataclass(frozen=True)
class _Keyword:
    """A configured keyword: its exact pattern plus, for plain keywords, two fast pre-checks.

    The exact pattern starts with look-behinds, which the regex engine must try at
    every position. Instead, a paper is first checked for the keyword's longest ASCII
    word as a substring of its case-folded text, then ``scan`` finds candidate
    positions where the exact pattern is tried.
    """

    label: str
    pattern: re.Pattern[str]
    scan: re.Pattern[str] | None = None
    literal: str | None = None

    @classmethod
    def build(cls, keyword: str) -> _Keyword:
        if keyword.startswith(REGEX_PREFIX):
            return cls(keyword, _compile_regex(keyword))
        scan = re.compile(_keyword_body(keyword), re.IGNORECASE)
        ascii_words = [word.lower() for word in _SPLIT.split(keyword) if word.isascii()]
        literal = max(ascii_words, key=len, default="") or None
        return cls(keyword, compile_keyword(keyword), scan, literal)

    def found_in(self, texts: Iterable[str], folded: str) -> bool:
        """Whether the keyword is in one of ``texts``; ``folded`` is their :func:`_fold_case`."""
        if self.literal is not None and self.literal not in folded:
            return False
        return any(self._search(text) for text in texts)

    def _search(self, text: str) -> bool:
        if self.scan is None:
            return self.pattern.search(text) is not None
        position = 0
        while candidate := self.scan.search(text, position):
            if self.pattern.match(text, candidate.start()):
                return True
            position = candidate.start() + 1
        return False


def _fold_case(text: str) -> str:
    """Lower-cased ``text`` in which every case-insensitive match of an ASCII word is a substring.

    ``re.IGNORECASE`` also matches "İ" and "ı" to "i" and "ſ" to "s"; ``str.lower`` does not.
    """
    return text.lower() if text.isascii() else text.translate(_REGEX_CASE_FOLDS).lower()


def _keyword_body(keyword: str) -> str:
    words = [word for word in _SPLIT.split(keyword) if word]
    if not words:
        raise ConfigError(f"The keyword {keyword!r} is empty.")
    return _SEPARATOR.join(re.escape(word) for word in words)


def _compile_regex(keyword: str) -> re.Pattern[str]:
    source = keyword.removeprefix(REGEX_PREFIX)
    if not source:
        raise ConfigError(f"The keyword {keyword!r} has an empty regular expression.")
    try:
        return re.compile(source, re.IGNORECASE)
    except re.error as error:
        raise ConfigError(
            f"The keyword {keyword!r} is not a valid regular expression: {error}."
        ) from error


@dataclass(frozen=True)
class _Name:
    given: tuple[str, ...]
    surname: str


@lru_cache(maxsize=16384)
def _parse_name(name: str, *, surname_first: bool = False) -> _Name:
    """Normalized given names and surname; "Surname, Given" when ``surname_first``."""
    surname, comma, given = name.partition(",") if surname_first else ("", "", "")
    if comma:
        given_tokens = normalize_name(given).split()
        surname_tokens = normalize_name(surname).split()
    else:
        tokens = normalize_name(name).split()
        given_tokens, surname_tokens = tokens[:-1], tokens[-1:]
    kept = (t for i, t in enumerate(given_tokens) if i == 0 or t not in _SURNAME_PARTICLES)
    return _Name(given=tuple(kept), surname=surname_tokens[-1] if surname_tokens else "")


def _same_person(wanted: _Name, author: _Name) -> bool:
    if wanted.surname != author.surname:
        return False
    return all(_compatible(w, a) for w, a in zip(wanted.given, author.given, strict=False))


def _compatible(wanted: str, actual: str) -> bool:
    if len(wanted) == 1 or len(actual) == 1:
        return wanted[0] == actual[0]
    return wanted == actual
