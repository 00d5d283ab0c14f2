"""Block Kit messages: paper cards, analyses split to Slack's limits, short notices.

Every piece of paper or analysis text goes through :mod:`handlers.slack.escape`, and
every mrkdwn text object is ``verbatim`` (Slack auto-links no URL, channel or user
name in it; only the ``<url|label>`` links the bot writes stay clickable).
Limits (https://api.slack.com/reference/block-kit/blocks): 50 blocks per message,
3,000 characters per section text, 40,000 characters of text per message.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from analysis.render import analysis_sections, status_lines
from analysis.schema import Analysis
from bot.kernel.config import ArxivConfig
from bot.kernel.models import Paper
from bot.watch.cards import ANNOUNCE_BADGES, short_authors
from handlers.slack.escape import escape_inline, link, mrkdwn_from_markdown

Block = dict[str, Any]

ANALYZE_ACTION = "arxiv_radar_analyze"
CARD_EVENT = "arxiv_radar_card"
CARD_BLOCK_PREFIX = "arxiv_radar_card:"
MAX_BLOCKS = 50
MAX_SECTION_CHARS = 3000
MAX_MESSAGE_CHARS = 40000
MAX_FALLBACK_CHARS = 300
TITLE_CHARS = 300
ABSTRACT_CHARS = 600
BADGE_ICONS = {"new": "🆕", "cross": "🔀", "replace": "♻️", "replace-cross": "♻️"}
TITLE_LABEL = {"zh": "论文分析", "en": "Analysis"}


@dataclass(frozen=True)
class Message:
    """What goes into one ``chat.postMessage``: fallback text, blocks, optional metadata."""

    text: str
    blocks: list[Block]
    metadata: dict[str, Any] | None = None


def mrkdwn(text: str) -> Block:
    """A mrkdwn text object that Slack renders verbatim (no auto-linking)."""
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def section(text: str) -> Block:
    return {"type": "section", "text": mrkdwn(text)}


def context(*parts: str) -> Block:
    return {"type": "context", "elements": [mrkdwn(p) for p in parts if p]}


# paper cards -------------------------------------------------------------------


def card(paper: Paper, keywords: tuple[str, ...], nonce: str, arxiv: ArxivConfig) -> Message:
    """A paper card with an Analyze button; ``nonce`` goes in the metadata and a block_id."""
    urls = {name: template.format(id=paper.arxiv_id) for name, template in _links(arxiv)}
    blocks = [
        section("*" + link(urls["abs"], paper.title, TITLE_CHARS) + "*"),
        context(escape_inline(short_authors(paper.authors), 500)),
        context(_facts(paper)),
        section(escape_inline(paper.abstract, ABSTRACT_CHARS) or "_(no abstract)_"),
    ]
    if keywords:
        matched = ", ".join(f"*{escape_inline(k, 80)}*" for k in keywords if k.strip())
        blocks.append(context(f"Matched: {matched}"))
    blocks.append(context(" · ".join(link(url, name) for name, url in urls.items())))
    blocks.append(_analyze_button(paper.arxiv_id, nonce))
    metadata = {
        "event_type": CARD_EVENT,
        "event_payload": {"arxiv_id": paper.arxiv_id, "nonce": nonce},
    }
    fallback = escape_inline(f"{paper.title} (arXiv:{paper.versioned_id})", MAX_FALLBACK_CHARS)
    return Message(fallback, blocks, metadata)


def card_nonce(message: dict[str, Any]) -> str | None:
    """The nonce of a card found in ``conversations.history``, from metadata or block_id."""
    metadata = message.get("metadata") or {}
    if metadata.get("event_type") == CARD_EVENT:
        nonce = (metadata.get("event_payload") or {}).get("nonce")
        return str(nonce) if nonce else None
    for block in message.get("blocks") or ():
        block_id = str(block.get("block_id", ""))
        if block_id.startswith(CARD_BLOCK_PREFIX):
            return block_id.removeprefix(CARD_BLOCK_PREFIX)
    return None


def _links(arxiv: ArxivConfig) -> tuple[tuple[str, str], ...]:
    return (("abs", arxiv.abs_url), ("PDF", arxiv.pdf_url), ("HTML", arxiv.html_url))


def _facts(paper: Paper) -> str:
    categories = ", ".join(paper.categories)
    badge = ANNOUNCE_BADGES.get(paper.announce_type, "")
    day = paper.published.date().isoformat() if paper.published else paper.published_raw
    parts = [
        f"`arXiv:{escape_inline(paper.versioned_id, 40)}`",
        escape_inline(categories, 200),
        f"{BADGE_ICONS[paper.announce_type]} {badge}" if badge else "",
        escape_inline(day, 60),
    ]
    return " · ".join(part for part in parts if part)


def _analyze_button(arxiv_id: str, nonce: str) -> Block:
    button = {
        "type": "button",
        "action_id": ANALYZE_ACTION,
        "text": {"type": "plain_text", "text": "🔍 Analyze"},
        "style": "primary",
        "value": arxiv_id,
    }
    return {"type": "actions", "block_id": CARD_BLOCK_PREFIX + nonce, "elements": [button]}


# analyses ----------------------------------------------------------------------


def analysis_messages(analysis: Analysis) -> list[Message]:
    """The analysis in the seed's structure, as as many messages as Slack's limits need."""
    blocks = _analysis_head(analysis)
    for heading, body in analysis_sections(analysis):
        blocks += [section(chunk) for chunk in _section_chunks(heading, body)]
    pages = list(pack(blocks))
    label = TITLE_LABEL.get(analysis.language, TITLE_LABEL["en"])
    title = f"{label}: {analysis.title} (arXiv:{analysis.arxiv_id}v{analysis.version})"
    return [
        Message(_page_fallback(title, index, len(pages)), page)
        for index, page in enumerate(pages, start=1)
    ]


def _analysis_head(analysis: Analysis) -> list[Block]:
    """Title, then engine and source, then the verification warnings (if any)."""
    label = TITLE_LABEL.get(analysis.language, TITLE_LABEL["en"])
    status, *warnings = status_lines(analysis)
    arxiv_id = f"`arXiv:{escape_inline(analysis.arxiv_id, 40)}v{analysis.version}`"
    blocks = [
        section("*" + escape_inline(f"{label}: {analysis.title}", TITLE_CHARS) + "*"),
        context(arxiv_id, escape_inline(status, 1000)),
    ]
    if warnings:
        text = "\n".join(escape_inline(warning, 1000) for warning in warnings)
        blocks += [section(chunk) for chunk in split_text(text, MAX_SECTION_CHARS)]
    return blocks


def _section_chunks(heading: str, body: str) -> list[str]:
    text = "*" + escape_inline(heading, 200) + "*\n" + mrkdwn_from_markdown(body)
    return split_text(text, MAX_SECTION_CHARS)


def _page_fallback(title: str, index: int, total: int) -> str:
    suffix = f" ({index}/{total})" if total > 1 else ""
    return escape_inline(title, MAX_FALLBACK_CHARS - len(suffix)) + suffix


# splitting ---------------------------------------------------------------------


def split_text(text: str, limit: int) -> list[str]:
    """Split escaped mrkdwn into chunks of at most ``limit`` characters.

    Breaks at paragraph, then line, then sentence or word boundaries, never inside
    an escape sequence such as ``&amp;``.
    """
    chunks: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        at = _break_point(rest, limit)
        chunks.append(rest[:at].rstrip())
        rest = rest[at:].lstrip()
    if rest:
        chunks.append(rest)
    return chunks


def _break_point(text: str, limit: int) -> int:
    window = text[:limit]
    for separator in ("\n\n", "\n", "。", ". ", " "):
        at = window.rfind(separator)
        if at > limit // 2:
            return at + len(separator)
    amp = window.rfind("&", limit - 6)
    return amp if amp > 0 and ";" not in window[amp:] else limit


def pack(blocks: Iterable[Block]) -> Iterator[list[Block]]:
    """Group blocks into messages of at most 50 blocks and 40,000 characters of text."""
    page: list[Block] = []
    size = MAX_FALLBACK_CHARS
    for block in blocks:
        length = _text_length(block)
        if page and (len(page) == MAX_BLOCKS or size + length > MAX_MESSAGE_CHARS):
            yield page
            page, size = [], MAX_FALLBACK_CHARS
        page.append(block)
        size += length
    if page:
        yield page


def _text_length(block: Block) -> int:
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(element.get("text", "")) for element in block.get("elements", ()))


# notices -----------------------------------------------------------------------


def notices(text: str) -> list[Message]:
    """A reply from the core (Markdown allowed), escaped and split to Slack's limits."""
    chunks = split_text(mrkdwn_from_markdown(text), MAX_SECTION_CHARS) or ["…"]
    fallback = escape_inline(text, MAX_FALLBACK_CHARS)
    return [Message(fallback, page) for page in pack(section(chunk) for chunk in chunks)]
