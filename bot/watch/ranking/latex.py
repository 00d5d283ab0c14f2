"""LaTeX in BibTeX fields to plain Unicode: accents, special letters, escapes, braces."""

from __future__ import annotations

import re
import unicodedata

_ACCENTS = {
    '"': "\u0308",
    "'": "\u0301",
    "`": "\u0300",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    ".": "\u0307",
    "u": "\u0306",
    "v": "\u030c",
    "H": "\u030b",
    "c": "\u0327",
    "k": "\u0328",
    "r": "\u030a",
    "d": "\u0323",
    "b": "\u0331",
}
_LETTERS = {
    "ss": "ß",
    "o": "ø",
    "O": "Ø",
    "ae": "æ",
    "AE": "Æ",
    "oe": "œ",
    "OE": "Œ",
    "aa": "å",
    "AA": "Å",
    "l": "ł",
    "L": "Ł",
    "i": "ı",
    "j": "ȷ",
    "dh": "ð",
    "th": "þ",
}
# \"{u}, \"u, {\"u}, \c{c}, \v s: a one-symbol accent command and its letter.
_SYMBOL_ACCENT = re.compile(r"\\([\"'`^~=.])\s*(?:\{\s*(\\?[A-Za-z])\s*\}|(\\?[A-Za-z]))")
_LETTER_ACCENT = re.compile(r"\\([uvHckrdb])(?:\s*\{\s*(\\?[A-Za-z])\s*\}|\s+(\\?[A-Za-z]))")
_NAMED_LETTER = re.compile(r"\\(ss|ae|AE|oe|OE|aa|AA|dh|th|o|O|l|L|i|j)(?![A-Za-z])\s*(?:\{\})?")
_ESCAPE = re.compile(r"\\([&%$_#{} ~])")
# Escaped symbols hide as private-use characters while braces and math signs are removed.
_HIDDEN = {symbol: chr(0xE000 + index) for index, symbol in enumerate("&%$_#{} ~")}
_REVEAL = str.maketrans({hidden: symbol for symbol, hidden in _HIDDEN.items()})
_FORMAT_COMMAND = re.compile(r"\\[A-Za-z]+\*?\s*(?=\{)")
_OTHER_COMMAND = re.compile(r"\\([A-Za-z]+)\*?\s?")
_SPACES = re.compile(r"\s+")


def latex_to_text(value: str) -> str:
    """``value`` with LaTeX accents and escapes as Unicode, braces and commands removed."""
    text = _SYMBOL_ACCENT.sub(_accented, value)
    text = _LETTER_ACCENT.sub(_accented, text)
    text = _NAMED_LETTER.sub(lambda m: _LETTERS[m.group(1)], text)
    text = _ESCAPE.sub(lambda m: _HIDDEN[m.group(1)], text)
    text = _FORMAT_COMMAND.sub("", text)  # \emph{x} -> {x}
    text = _OTHER_COMMAND.sub(lambda m: m.group(1), text)  # \alpha -> alpha
    text = text.replace("{", "").replace("}", "").replace("~", " ").replace("$", "")
    text = text.replace("---", "—").replace("--", "–").translate(_REVEAL)
    return unicodedata.normalize("NFC", _SPACES.sub(" ", text).strip())


def _accented(match: re.Match[str]) -> str:
    letter = match.group(2) or match.group(3)
    if letter.startswith("\\"):  # \'{\i}: the dotless i under an accent is plain i
        letter = letter[1:] if letter[1:] in "ij" else _LETTERS.get(letter[1:], letter[1:])
    return unicodedata.normalize("NFC", letter + _ACCENTS[match.group(1)])
