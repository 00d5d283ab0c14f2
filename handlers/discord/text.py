"""Text messages within Discord's 2,000-character limit, and the analysis as such messages.

The analysis follows the seed report's structure: a header (title, link, then
:func:`analysis.render.status_lines`: engine, source, one line per verification
warning) and one ``###`` section per part of :func:`analysis.render.analysis_sections`.
Sections are packed into as few messages as the limit allows and split at
paragraph, then line, then character boundaries.
"""

from __future__ import annotations

from collections.abc import Iterator

from analysis.render import analysis_sections, status_lines
from analysis.schema import Analysis
from bot.kernel.config import ArxivConfig
from handlers.discord.escape import defuse, escape, one_line

MESSAGE_LIMIT = 2000
TITLE_CHARS = 300


def clip(text: str, limit: int) -> str:
    """``text`` cut to ``limit`` characters with an ellipsis, never ending in a lone backslash."""
    if len(text) <= limit:
        return text
    cut = text[: limit - 1]
    if (len(cut) - len(cut.rstrip("\\"))) % 2:
        cut = cut[:-1]
    return cut + "…"


def split_message(text: str, limit: int = MESSAGE_LIMIT) -> list[str]:
    """``text`` as messages of at most ``limit`` characters (at least one message)."""
    messages: list[str] = []
    current = ""
    for piece in _pieces(text.strip(), limit):
        joined = f"{current}\n\n{piece}" if current else piece
        if len(joined) <= limit:
            current = joined
            continue
        messages.append(current)
        current = piece
    messages.append(current)
    return messages


def analysis_messages(analysis: Analysis, arxiv: ArxivConfig) -> list[str]:
    """The analysis as Markdown messages; untrusted text escaped or defused."""
    blocks = [_header(analysis, arxiv)]
    for heading, body in analysis_sections(analysis, analysis.language):
        blocks.append(f"### {escape(one_line(heading))}\n{defuse(body)}")
    return split_message("\n\n".join(blocks))


def _header(analysis: Analysis, arxiv: ArxivConfig) -> str:
    """Title, link, then engine, source and one line per verification warning."""
    url = arxiv.abs_url.format(id=analysis.arxiv_id)
    lines = [
        f"## {clip(escape(one_line(analysis.title)), TITLE_CHARS)}",
        f"arXiv:{analysis.arxiv_id}v{analysis.version} · <{url}>",
    ]
    lines += [f"> {escape(one_line(line))}" for line in status_lines(analysis)]
    return "\n".join(lines)


def _pieces(text: str, limit: int) -> Iterator[str]:
    """Paragraphs of ``text``; one longer than ``limit`` is cut at lines, then characters."""
    for paragraph in text.split("\n\n"):
        if len(paragraph) <= limit:
            yield paragraph
            continue
        line_block = ""
        for line in paragraph.split("\n"):
            for segment in _hard_cut(line, limit):
                joined = f"{line_block}\n{segment}" if line_block else segment
                if len(joined) <= limit:
                    line_block = joined
                else:
                    yield line_block
                    line_block = segment
        if line_block:
            yield line_block


def _hard_cut(line: str, limit: int) -> Iterator[str]:
    while len(line) > limit:
        cut = line.rfind(" ", limit // 2, limit)
        cut = cut if cut > 0 else limit
        yield line[:cut]
        line = line[cut:].lstrip(" ")
    yield line
