"""A core :class:`~bot.service.Reply` as the follow-ups of a deferred interaction.

The text (plain, escaped here) comes first, split at 2,000 characters, without
link previews; search results follow as card embeds, at most 10 and 6,000
characters per message; a report is attached as a file.
"""

from __future__ import annotations

import discord

from bot.config import ArxivConfig
from bot.service import Reply
from handlers.discord.embeds import batches, card_embed
from handlers.discord.escape import NO_MENTIONS, escape
from handlers.discord.text import split_message


async def send_followups(
    interaction: discord.Interaction, reply: Reply, arxiv: ArxivConfig, *, ephemeral: bool
) -> None:
    """Complete a deferred interaction with ``reply``."""
    followup = interaction.followup
    for chunk in split_message(escape(reply.text)):
        await followup.send(
            content=chunk, allowed_mentions=NO_MENTIONS, suppress_embeds=True, ephemeral=ephemeral
        )
    cards = [
        card_embed(paper, (), arxiv, f"Analyze it with /arxiv analyze {paper.arxiv_id}")
        for paper in reply.papers
    ]
    for batch in batches(cards):
        await followup.send(embeds=batch, allowed_mentions=NO_MENTIONS, ephemeral=ephemeral)
    if reply.report is not None:
        await followup.send(
            file=discord.File(reply.report, filename=reply.report.name),
            allowed_mentions=NO_MENTIONS,
            ephemeral=ephemeral,
        )
