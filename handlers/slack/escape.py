"""The one place untrusted text becomes Slack mrkdwn.

Paper titles, abstracts, author names, analyses and error messages are data, never
markup: ``&``, ``<`` and ``>`` are escaped so ``<!channel>``, ``<@U123>`` or
``<https://evil|click>`` show as typed; ``@channel``, ``@here`` and ``@everyone`` get
a word joiner so no client or bridge reads them as a broadcast; URLs become code
spans, so only links the bot builds (:func:`link`) are clickable; invisible and bidi
characters are removed (:mod:`bot.kernel.sanitize`); lengths are capped without cutting an
escape sequence in half.
"""

from __future__ import annotations

import re

from bot.kernel.links import inert_urls
from bot.kernel.redact import hide_paths, redact
from bot.kernel.sanitize import strip_invisible

ELLIPSIS = "…"
_BROADCAST = re.compile(r"@(channel|here|everyone)\b", re.IGNORECASE)
_ENTITY_TAIL = re.compile(r"&[a-z]{0,3}$")
_SPACES = re.compile(r"\s+")
_HEADING = re.compile(r"^\s{0,3}#{1,6}\s+(.+?)\s*#*\s*$")
_BULLET = re.compile(r"^(\s*)[-*+]\s+")
_BOLD = re.compile(r"\*\*(?=\S)(.+?)(?<=\S)\*\*")
_LINK = re.compile(r"\[([^\]\n]+)\]\(([^)\s]+)\)")


def escape(text: str, limit: int | None = None) -> str:
    """``text`` as inert mrkdwn, at most ``limit`` characters (escapes counted)."""
    plain = inert_urls(strip_invisible(hide_paths(redact(text))))
    escaped = plain.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    defused = _BROADCAST.sub("@\u2060\\1", escaped)
    return defused if limit is None else cap(defused, limit)


def escape_inline(text: str, limit: int | None = None) -> str:
    """Like :func:`escape` for one-line fields: runs of whitespace become one space."""
    return escape(_SPACES.sub(" ", text).strip(), limit)


def cap(mrkdwn: str, limit: int) -> str:
    """Shorten escaped text to ``limit`` characters, at a word break when one is near."""
    if len(mrkdwn) <= limit:
        return mrkdwn
    cut = _ENTITY_TAIL.sub("", mrkdwn[: limit - len(ELLIPSIS)])
    space = cut.rfind(" ")
    if space > len(cut) * 0.8:
        cut = cut[:space]
    return cut.rstrip() + ELLIPSIS


def link(url: str, label: str, limit: int | None = None) -> str:
    """A mrkdwn link to a URL the bot built itself, with an untrusted ``label``."""
    safe_url = url.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
    safe_url = safe_url.replace("|", "%7C")
    return f"<{safe_url}|{escape_inline(label, limit)}>"


def mrkdwn_from_markdown(markdown: str) -> str:
    """Untrusted Markdown as escaped mrkdwn: headings and ``**bold**`` become ``*bold*``,
    list markers become bullets, ``[text](url)`` becomes ``text (`url`)`` so a link never
    hides where it goes and is not clickable."""
    lines = [_line(line) for line in markdown.splitlines()]
    return "\n".join(lines).strip("\n")


def _line(line: str) -> str:
    escaped = escape(line)
    heading = _HEADING.match(escaped)
    if heading:
        return "*" + _BOLD.sub(r"\1", heading.group(1)) + "*"
    escaped = _BULLET.sub(r"\1• ", escaped)
    escaped = _LINK.sub(r"\1 (\2)", escaped)
    return _BOLD.sub(r"*\1*", escaped)
