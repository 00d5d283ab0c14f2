"""Is extracted text real text? Heuristics for scans, broken fonts and empty files.

A scan has no text layer; a PDF whose fonts lack a correct Unicode map yields
shifted garbage (``sgd`` for ``the``). Both look like text to a naive check, so
:func:`assess` measures the share of tokens that look like words: known common
words (English plus the function words of French, German and Spanish, so
non-English papers pass) or long tokens whose vowel ratio and letter case are
plausible for a natural language. Tokens in other scripts (CJK, Cyrillic...)
cannot be judged this way and count as words.
"""

from __future__ import annotations

import re
from collections import Counter

from analysis.document import Quality
from analysis.fulltext.reasons import PdfReason

MIN_PAGE_CHARS = 100
MIN_TEXT_PAGE_SHARE = 0.5
MIN_DICTIONARY_RATIO = 0.6
MIN_CHARS = 1500

# Common words of English (plus scientific prose) and function words of French,
# German and Spanish; one space-separated string keeps the module short.
_COMMON_WORDS_TEXT = """
a about above after again against all also although among an and any are as at be
because been before being below between both but by can could data did do does done down
during each either et al few first for from further had has have having he her here hers
him his how however i if in into is it its itself just least less like made make many
may me method methods model models more most much must my new no nor not now of off on
once one only or other our ours out over own paper per results same several she should
show shown since so some such than that the their them then there these they this those
three through thus to too two under until up upon us use used using very was we well
were what when where whether which while who whom why will with within without would you
your based given high large low number order set small table figure section work time
second different similar example case following approach task training test performance
learning problem value values function state le la les un une des du de est en dans pour
par sur au aux ce ces cette qui que ne pas plus ou nous vous il elle ils elles son sa
ses leur leurs été être avec sont comme mais aussi entre donc lors tout tous très sans
sous chaque deux der die das und ist nicht mit von zu den dem ein eine auf für sich auch
als wird el los las y es por con para una del se su lo como más pero sus
"""
COMMON_WORDS = frozenset(_COMMON_WORDS_TEXT.split())

_TOKEN = re.compile(r"[^\W\d_]+")
_VOWELS = frozenset("aeiouyàâäáãåæèéêëìíîïòóôöõøœùúûüÿ")
_LATIN = re.compile("[A-Za-z\u00c0-\u024f]")
_BAD_CHARS = re.compile("[\ufffd\ue000-\uf8ff]")


def assess(
    text: str, *, pages: int, text_pages: int, removed: dict[str, int] | None = None
) -> Quality:
    """Measure ``text`` (all text of a document with ``pages`` pages) and judge it.

    ``removed`` counts, per class, what the reader took out of the prose.
    """
    counts = _word_counts(_TOKEN.findall(text))
    words = sum(counts.values())
    # Glyphs a reader already dropped as unmapped still count against the text.
    unmapped = (removed or {}).get("unmapped_glyphs", 0)
    ratio = dictionary_ratio(counts, bad_chars=len(_BAD_CHARS.findall(text)) + unmapped)
    reason = _reason(len(text), pages, text_pages, ratio)
    return Quality(
        chars=len(text),
        words=words,
        dictionary_ratio=round(ratio, 3),
        text_pages=text_pages,
        usable=reason is None,
        reason=reason,
        removed=dict(removed or {}),
    )


def _word_counts(tokens: list[str]) -> Counter[str]:
    """How often each multi-letter token occurs (counted once, judged once per distinct token)."""
    counts = Counter(tokens)
    for token in [token for token in counts if len(token) < 2]:
        del counts[token]
    return counts


def dictionary_ratio(counts: Counter[str], *, bad_chars: int = 0) -> float:
    """Share of the multi-letter tokens ``counts`` that look like words; unmapped glyphs
    count as misses."""
    total = sum(counts.values()) + bad_chars
    if total == 0:
        return 0.0
    return sum(count for token, count in counts.items() if looks_like_word(token)) / total


def looks_like_word(token: str) -> bool:
    """A common word, a 4+ letter token with a natural vowel ratio and case, or non-Latin."""
    lower = token.lower()
    if lower in COMMON_WORDS or not _LATIN.search(token):
        return True
    if len(token) < 4 or not (token.islower() or token.isupper() or token.istitle()):
        return False
    vowels = sum(1 for char in lower if char in _VOWELS)
    return 0.2 <= vowels / len(lower) <= 0.7


def _reason(chars: int, pages: int, text_pages: int, ratio: float) -> PdfReason | None:
    if text_pages == 0 or text_pages < pages * MIN_TEXT_PAGE_SHARE:
        return PdfReason.NO_TEXT_LAYER
    if ratio < MIN_DICTIONARY_RATIO:
        return PdfReason.GARBLED_TEXT
    if chars < MIN_CHARS:
        return PdfReason.TOO_LITTLE_TEXT
    return None
