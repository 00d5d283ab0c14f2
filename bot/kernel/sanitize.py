"""Invisible and bidirectional characters removed from untrusted text.

Paper titles, abstracts, full text, LLM output and chat arguments may carry
characters that render as nothing or reorder what is shown (``U+202E`` RIGHT-TO-LEFT
OVERRIDE, zero-width spaces, the BOM…). Every renderer and the command parser pass
untrusted text through :func:`strip_invisible` before escaping it, so what a reader
sees is what the text says. Renderers add their own zero-width characters *after*
this step, to defuse mentions.
"""

from __future__ import annotations

import re

# Bidi embeddings, overrides and isolates, directional marks, zero-width characters,
# the word joiner and invisible operators, the BOM, the Mongolian vowel separator,
# soft hyphen, combining grapheme joiner, Hangul fillers and interlinear annotations.
_INVISIBLE = re.compile(
    "[\u00ad\u034f\u061c\u115f\u1160\u17b4\u17b5\u180e\u200b-\u200f\u202a-\u202e"
    "\u2060-\u206f\u3164\ufe00-\ufe0e\ufeff\uffa0\ufff9-\ufffb]"
)


def strip_invisible(text: str) -> str:
    """``text`` without invisible or bidi-control characters."""
    return _INVISIBLE.sub("", text)


def has_invisible(text: str) -> bool:
    """Whether ``text`` holds a character :func:`strip_invisible` removes."""
    return _INVISIBLE.search(text) is not None
