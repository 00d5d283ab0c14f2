"""Paper cards as Discord embeds, built within Discord's embed limits.

A card carries what the Slack card carries: linked title, authors, ID, categories
(primary first), announce type, matched keywords, date, a shortened abstract and
abs/PDF/HTML links. Its footer starts with ``arXiv:<id>`` so a card can be
recognised in the channel history (:func:`card_arxiv_id`).
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import discord

from bot.kernel.config import ArxivConfig
from bot.kernel.models import Paper
from bot.watch.cards import ANNOUNCE_BADGES, short_authors, shorten
from handlers.discord.escape import escape, one_line, unescape
from handlers.discord.text import clip

TITLE_LIMIT = 256
DESCRIPTION_LIMIT = 4096
FIELD_LIMIT = 1024
FOOTER_LIMIT = 2048
EMBED_TOTAL_LIMIT = 6000
THREAD_NAME_LIMIT = 100

ABSTRACT_CHARS = 600
MAX_AUTHORS = 5
CARD_COLOUR = discord.Colour(0xB31B1B)  # arXiv red
_FOOTER_ID = re.compile(r"^arXiv:(?P<id>\S+?)(?:v\d+)?(?:\s|$)")


def card_embed(
    paper: Paper, keywords: Sequence[str], arxiv: ArxivConfig, hint: str
) -> discord.Embed:
    """The card for ``paper``; ``hint`` tells readers how to ask for an analysis."""
    embed = discord.Embed(
        title=clip(escape(one_line(paper.title)), TITLE_LIMIT),
        url=arxiv.abs_url.format(id=paper.arxiv_id),
        description=_description(paper, arxiv),
        colour=CARD_COLOUR,
        timestamp=paper.published,
    )
    for name, value, inline in _fields(paper, keywords):
        embed.add_field(name=name, value=clip(value, FIELD_LIMIT), inline=inline)
    embed.set_footer(text=clip(f"arXiv:{paper.versioned_id} · {hint}", FOOTER_LIMIT))
    return embed


def card_arxiv_id(embeds: Sequence[discord.Embed]) -> str | None:
    """The arXiv ID (without version) of a card message's embeds, or None for other messages."""
    for embed in embeds:
        match = _FOOTER_ID.match(embed.footer.text or "")
        if match:
            return match.group("id")
    return None


def thread_name(embeds: Sequence[discord.Embed]) -> str:
    """A thread name for a card: the paper title as plain text, at most 100 characters."""
    title = embeds[0].title if embeds else None
    name = unescape(title) if title else "arXiv paper"
    return clip(name, THREAD_NAME_LIMIT)


def _description(paper: Paper, arxiv: ArxivConfig) -> str:
    links = " · ".join(
        f"[{label}]({template.format(id=paper.arxiv_id)})"
        for label, template in (
            ("Abstract", arxiv.abs_url),
            ("PDF", arxiv.pdf_url),
            ("HTML", arxiv.html_url),
        )
    )
    abstract = escape(shorten(one_line(paper.abstract), ABSTRACT_CHARS)) or "(no abstract)"
    return clip(abstract, DESCRIPTION_LIMIT - len(links) - 2) + "\n\n" + links


def _fields(paper: Paper, keywords: Sequence[str]) -> list[tuple[str, str, bool]]:
    fields = [
        (
            "Authors",
            escape(one_line(short_authors(paper.authors, MAX_AUTHORS))) or "unknown",
            False,
        ),
        ("arXiv ID", escape(paper.versioned_id), True),
        ("Categories", _categories(paper.categories), True),
    ]
    if paper.announce_type:
        badge = ANNOUNCE_BADGES.get(paper.announce_type, paper.announce_type)
        fields.append(("Announce type", escape(badge), True))
    if paper.published is not None or paper.published_raw:
        date = paper.published.date().isoformat() if paper.published else paper.published_raw
        fields.append(("Date", escape(date), True))
    matched = [escape(one_line(k)) for k in keywords if k.strip()]
    if matched:
        fields.append(("Matched keywords", ", ".join(matched), False))
    return fields


def _categories(categories: Sequence[str]) -> str:
    if not categories:
        return "none"
    primary, *others = (escape(c) for c in categories)
    return ", ".join([f"**{primary}**", *others])
