"""Untrusted text made inert for the CommonMark report.

The daily report is uploaded to channels and often rendered to HTML, so feed text
(titles, authors, abstracts) and analysis text must not become HTML, links, mass
mentions or structure. :func:`inline` is for text that sits inside a line we wrote
(after ``## N.`` or ``- **Authors**:``); :func:`block` is for Markdown we assembled
around untrusted fields (the analysis), whose headings and lists stay while raw
HTML, links, unclosed fences and setext underlines are neutralised (a closed
fenced code block is inert already and stays). Ordinary text keeps its
characters: only a ``<`` that could open a tag, a ``[`` in text that could form a
link, and line-leading block markers are escaped, so the seed report's shape and
wording are unchanged (``p < 0.05`` and citations like ``[29]`` stay as they are).
A bare URL stays readable text (CommonMark links only ``<url>`` and ``[text](url)``,
both removed here), so a masked link shows where it goes.
"""

from __future__ import annotations

import re

from bot.kernel.redact import redact
from bot.kernel.sanitize import strip_invisible

ZWSP = "\u200b"
_MASS_MENTION = re.compile(r"@(everyone|here|channel)\b|<!(channel|here|everyone)", re.IGNORECASE)
_SPACES = re.compile(r"\s+")
_TAG_START = re.compile(r"<(?=[A-Za-z/!?@#])")  # tags, comments, <@U1> and <#C1>
_LINK_TAIL = re.compile(r"\][(:]")  # ](url) and [ref]: definitions
_LINK = re.compile(r"!?\[([^\]\n]*)\]\(\s*<?([^)\s>]*)>?(?:\s+[^)]*)?\)")
_FENCE = re.compile(r"^( {0,3})(`{3,}|~{3,})")
_SETEXT = re.compile(r"^( {0,3})([=-])(?=[ \t=-]*$)")
_LINE_START = re.compile(r"^( {0,3})([#>+*=`~|-]|\d{1,9}[.)])(?=\s|$|[#>+*=`~|-])")


def inline(text: str) -> str:
    """One line of untrusted text, safe inside a line of the report."""
    flat = _SPACES.sub(" ", strip_invisible(redact(text))).strip()
    return _defuse(_unlink(flat))


def paragraph(text: str) -> str:
    """Untrusted text that starts a line of its own: also no heading, list or quote."""
    return _escape_line_start(inline(text))


def block(markdown: str) -> str:
    """Markdown we assembled from untrusted fields, with its headings and lists kept."""
    lines = _unlink(strip_invisible(redact(markdown))).splitlines()
    fences = [index for index, line in enumerate(lines) if _FENCE.match(line)]
    closed = set(fences[: len(fences) // 2 * 2])  # an odd last fence would swallow the rest
    out, in_code = [], False
    for index, line in enumerate(lines):
        if index in closed:
            in_code = not in_code
            out.append(line)
        elif in_code:
            out.append(_defuse_mentions(line))
        else:
            out.append(_block_line(line))
    return "\n".join(out)


def _block_line(line: str) -> str:
    line = _defuse(line)
    line = _FENCE.sub(lambda m: m.group(1) + "\\" + m.group(2), line)
    return _SETEXT.sub(r"\1\\\2", line)


def _unlink(text: str) -> str:
    """``[text](url)`` as ``text (url)``; any ``[`` left escaped when a link could still form."""
    text = _LINK.sub(lambda m: f"{m.group(1)} ({m.group(2)})" if m.group(2) else m.group(1), text)
    return text.replace("[", "\\[") if _LINK_TAIL.search(text) else text


def _defuse(text: str) -> str:
    return _TAG_START.sub("&lt;", _defuse_mentions(text))


def _defuse_mentions(text: str) -> str:
    return _MASS_MENTION.sub(lambda m: m.group(0)[:1] + ZWSP + m.group(0)[1:], text)


def _escape_line_start(text: str) -> str:
    match = _LINE_START.match(text)
    if match is None:
        return text
    marker = match.group(2)
    escaped = marker[:-1] + "\\" + marker[-1] if marker[0].isdigit() else "\\" + marker
    return match.group(1) + escaped + text[match.end() :]
