"""A core :class:`~bot.chat.service.Reply` as the follow-ups of a deferred interaction.

The text (plain, escaped here) comes first, split at 2,000 characters, without
link previews; a report is attached as a file. Search results are not follow-ups:
the bridge posts them as cards in the channel, recorded like any card.
"""

from __future__ import annotations

import discord

from bot.chat.service import Reply
from handlers.discord.escape import NO_MENTIONS, escape
from handlers.discord.text import split_message


async def send_followups(
    interaction: discord.Interaction, reply: Reply, *, ephemeral: bool
) -> None:
    """Complete a deferred interaction with ``reply``."""
    followup = interaction.followup
    for chunk in split_message(escape(reply.text)):
        await followup.send(
            content=chunk, allowed_mentions=NO_MENTIONS, suppress_embeds=True, ephemeral=ephemeral
        )
    if reply.report is not None:
        await followup.send(
            file=discord.File(reply.report, filename=reply.report.name),
            allowed_mentions=NO_MENTIONS,
            ephemeral=ephemeral,
        )
