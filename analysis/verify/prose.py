"""Edits that never break a sentence: mark in place, or remove a whole clause.

A reference that is not in the paper is removed together with its clause when
the clause says nothing else ("see Table 9", "（第9节）", "见第9节与表7"): the
clause, its separator and any brackets left empty go. Otherwise the reference
is marked in place (``[unverified: Table 9]`` / ``〔未核实：表9〕``), so no
"as shown in." or "详见与。" is ever left behind.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

MARKED = re.compile(r"〔[^〔〕：]{1,20}：[^〕]*〕|\[(?:unverified|derived[^:\]]*): [^\]]*\]")
_SEPARATORS = frozenset(",;:，；：、。！？!?()（）[]【】\n")
_SENTENCE_END = re.compile(r"[.!?](?=\s|$)")
_FILLER = re.compile(
    r"^(?:see|also|cf|e\.?g|i\.?e|in|as|shown|described|detailed|given|reported|listed|"
    r"and|or|nor|not|but|the|of|with|per|from|refer|to|at|on|details?|more|further|"
    r"especially|particularly|respectively|resp|please|which|is|are|见|详见|参见|参考|如|所示|"
    r"中|与|和|及|或|以及|等|里|另见|可见|请见|具体|详情)$",
    re.IGNORECASE,
)
_WORDS = re.compile(r"[A-Za-z.]+|[\u4e00-\u9fff]")
_EMPTY_BRACKETS = re.compile(r"\s?[（(]\s*[，,、;；]?\s*[)）]")
_LEADING_SEPARATOR = re.compile(r"([（(])\s*[，,、;；]\s*")
_TRAILING_SEPARATOR = re.compile(r"\s*[，,、;；]\s*([)）])")
_DOUBLED_SEPARATOR = re.compile(r"([，、；,;])\s*[，、；,;]")
_SEPARATOR_BEFORE_END = re.compile(r"\s*[，、；,;:：]\s*([。.!?！？]|$)")
_SPACES = re.compile(r"[ \t]{2,}")


@dataclass(frozen=True)
class Span:
    start: int
    end: int


@dataclass(frozen=True)
class Edit:
    start: int
    end: int
    replacement: str


def mask(text: str, spans: Iterable[Span], fill: str = " ") -> str:
    """``text`` with the spans blanked out (same length, so offsets stay valid)."""
    chars = list(text)
    for span in spans:
        chars[span.start : span.end] = fill * (span.end - span.start)
    return "".join(chars)


def clause_of(masked: str, span: Span) -> Span:
    """The clause around ``span``: between separators, brackets or sentence ends."""
    start = span.start
    while start > 0 and masked[start - 1] not in _SEPARATORS and not _ends_sentence(masked, start):
        start -= 1
    end = span.end
    while end < len(masked) and masked[end] not in _SEPARATORS and not _ends_here(masked, end):
        end += 1
    return Span(start, end)


def _ends_sentence(masked: str, index: int) -> bool:
    """Whether a sentence ended just before ``index`` (". " then this)."""
    return index >= 2 and masked[index - 2] in ".!?" and masked[index - 1].isspace()


def _ends_here(masked: str, index: int) -> bool:
    return bool(_SENTENCE_END.match(masked, index))


def only_filler(text: str) -> bool:
    """Whether ``text`` holds nothing but connective words ("see", "as shown in", "见").

    Digits or anything else (a present reference, a claim) make it content.
    """
    if re.search(r"\d", text):
        return False
    leftover = _WORDS.sub(lambda m: "" if _FILLER.match(m.group(0).strip(".")) else "X", text)
    return not re.search(r"[^\s\W_]|X", leftover)


def removal(text: str, clause: Span) -> Edit:
    """The edit that removes ``clause`` and one separator next to it."""
    start, end = clause.start, clause.end
    before = text[:start].rstrip()
    if before and before[-1] in ",;:，；：、":
        return Edit(len(before) - 1, end, "")
    after = text[end:]
    stripped = after.lstrip()
    if stripped[:1] in tuple(",;:，；：、"):
        return Edit(start, end + len(after) - len(stripped) + 1, "")
    if stripped[:1] in tuple(".!?。！？") and (not before or before[-1] in ".!?。！？"):
        return Edit(start, end + len(after) - len(stripped) + 1, "")  # the whole sentence
    return Edit(start, end, "")


def apply(text: str, edits: Sequence[Edit]) -> str:
    """``text`` with non-overlapping ``edits`` applied, then tidied."""
    kept: list[Edit] = []
    for edit in sorted(edits, key=lambda e: (e.start, -e.end)):
        if not kept or edit.start >= kept[-1].end:
            kept.append(edit)
    for edit in reversed(kept):
        rest = text[edit.end :]
        if not edit.replacement and _starts_sentence(text[: edit.start]):
            stripped = rest.lstrip(" ,;:，；：、")
            rest = stripped[:1].upper() + stripped[1:]
        text = text[: edit.start] + edit.replacement + rest
    return tidy(text) if any(not e.replacement for e in kept) else text


def _starts_sentence(before: str) -> bool:
    stripped = before.rstrip()
    return not stripped or stripped[-1] in ".!?\n"


def tidy(text: str) -> str:
    """Remove brackets and separators left empty; restore a sentence's capital."""
    text = _EMPTY_BRACKETS.sub("", text)
    text = _LEADING_SEPARATOR.sub(r"\1", text)
    text = _TRAILING_SEPARATOR.sub(r"\1", text)
    text = _DOUBLED_SEPARATOR.sub(r"\1", text)
    text = _EMPTY_BRACKETS.sub("", text)
    text = _SEPARATOR_BEFORE_END.sub(r"\1", text)
    return _SPACES.sub(" ", text).replace(" .", ".").replace(" ,", ",").strip()
