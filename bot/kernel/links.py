"""URLs in untrusted text: found, listed and made inert.

Only links the bot builds itself (arXiv abs/PDF/HTML from the configured templates)
are clickable. A URL that arrives inside a title, an abstract, paper text or LLM
output is shown as code, which no chat client or Markdown renderer turns into a
link, and is listed among the analysis warnings (:func:`foreign_urls`).
"""

from __future__ import annotations

import re

# A scheme followed by ``:`` (with or without ``//``), or a bare ``www.`` host.
URL = re.compile(
    r"(?:\b(?:https?|ftp|file|javascript|data|vbscript|mailto|tel|slack|discord):"
    r"(?://)?|\bwww\.)[^\s<>`\"'()\[\]{}]+",
    re.IGNORECASE,
)
_TRAILING = ".,;:!?…。，；：！？"


def foreign_urls(text: str) -> list[str]:
    """The URLs in ``text``, in order, without repeats or trailing punctuation."""
    found = (match.group(0).rstrip(_TRAILING) for match in URL.finditer(text))
    return list(dict.fromkeys(url for url in found if url))


def inert_urls(text: str) -> str:
    """``text`` with every URL wrapped in a code span (``http://x`` becomes `` `http://x` ``)."""
    return URL.sub(_code_span, text)


def _code_span(match: re.Match[str]) -> str:
    url = match.group(0)
    core = url.rstrip(_TRAILING)
    return f"`{core}`{url[len(core) :]}" if core else url
