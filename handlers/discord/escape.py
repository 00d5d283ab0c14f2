"""The one place that makes untrusted text safe for Discord.

Paper titles, abstracts, author names and analysis text come from outside. Before
they reach a message they go through :func:`escape` (plain text shown verbatim) or
:func:`defuse` (Markdown we generated, whose formatting should survive). Both
neutralise mentions with a zero-width space, on top of ``AllowedMentions.none()``
on every message, so nothing can ping and nothing even renders as a mention. URLs
become code spans, so only links the bot builds itself are clickable, and invisible
or bidi characters are removed (:mod:`bot.kernel.sanitize`).
"""

from __future__ import annotations

import re

import discord

from bot.kernel.links import URL, inert_urls
from bot.kernel.redact import hide_paths, redact
from bot.kernel.sanitize import strip_invisible

NO_MENTIONS = discord.AllowedMentions.none()
ZWSP = "\u200b"
_MASS_MENTION = re.compile(r"@(?=(everyone|here)\b)", re.IGNORECASE)
# <@id>, <@!id>, <@&id>, <#id>, <t:…>, <:emoji:id>, <a:emoji:id>, </command:id>, <id:…>
_ANGLE_MENTION = re.compile(r"<(?=[@#:/]|a:|t:|id:)")
# [text](url) whose "[" is not escaped already (preceded by an even number of backslashes)
_MASKED_LINK = re.compile(r"(?<!\\)((?:\\\\)*)\[(?=[^\]\n]*\]\()")
_INLINE = re.compile(r"([\\*_~`|\[\]])")
_BLOCK = re.compile(r"^(\s*)([#>-])", re.MULTILINE)  # headings, quotes, lists, -# subtext
_ORDERED = re.compile(r"^(\s*\d+)\.(?=\s)", re.MULTILINE)  # "1. item"
_ESCAPED = re.compile(r"\\([\\*_~`|\[\]#>.-])|" + ZWSP)


def defuse(markdown: str) -> str:
    """Keep Markdown formatting; make mentions, timestamps, emoji tags and links inert."""
    text = _MASS_MENTION.sub("@" + ZWSP, inert_urls(strip_invisible(hide_paths(redact(markdown)))))
    text = _MASKED_LINK.sub(r"\1\\[", text)
    return _ANGLE_MENTION.sub("<" + ZWSP, text)


def escape(text: str) -> str:
    """``text`` shown literally: Markdown escaped, URLs as code, mentions inert."""
    plain = strip_invisible(hide_paths(redact(text)))
    urls = [match.group(0) for match in URL.finditer(plain)]
    parts = URL.split(plain)
    escaped = _escape_markdown(parts[0]) + "".join(
        url + _escape_markdown(rest) for url, rest in zip(urls, parts[1:], strict=True)
    )
    return defuse(escaped)


def unescape(text: str) -> str:
    """The inverse of :func:`escape`, for places Discord shows as plain text (thread names)."""
    return _ESCAPED.sub(lambda match: match.group(1) or "", text)


def one_line(text: str) -> str:
    """Collapse newlines and runs of whitespace (titles, author names)."""
    return " ".join(text.split())


def _escape_markdown(text: str) -> str:
    text = _INLINE.sub(r"\\\1", text)
    text = _BLOCK.sub(r"\1\\\2", text)
    return _ORDERED.sub(r"\1\\.", text)
