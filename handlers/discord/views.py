"""The persistent Analyze button under every card.

The button's ``custom_id`` carries the arXiv ID (``arxiv-radar:analyze:<id>``), so
a click can be served after a restart without any stored view: the client
registers :class:`AnalyzeButton` with ``add_dynamic_items`` at start-up, which is
discord.py's persistent-view mechanism for custom IDs that carry data (``add_view``
would need every card's ID up front). A click is deferred at once, then handed to
the client as the ``analyze_button`` event (``on_analyze_button``).
"""

from __future__ import annotations

import re
from typing import Any

import discord

CUSTOM_ID_PREFIX = "arxiv-radar:analyze:"
ANALYZE_EVENT = "analyze_button"


class AnalyzeButton(
    discord.ui.DynamicItem[discord.ui.Button[Any]],
    template=re.escape(CUSTOM_ID_PREFIX) + r"(?P<arxiv_id>[A-Za-z0-9./-]{1,60})",
):
    """A button that asks for a full-text analysis of one paper."""

    def __init__(self, arxiv_id: str) -> None:
        super().__init__(
            discord.ui.Button(
                label="Analyze",
                emoji="🔍",
                style=discord.ButtonStyle.primary,
                custom_id=CUSTOM_ID_PREFIX + arxiv_id,
            )
        )
        self.arxiv_id = arxiv_id

    @classmethod
    async def from_custom_id(
        cls,
        interaction: discord.Interaction[Any],
        item: discord.ui.Item[Any],
        match: re.Match[str],
        /,
    ) -> AnalyzeButton:
        return cls(match["arxiv_id"])

    async def callback(self, interaction: discord.Interaction[Any]) -> None:
        await interaction.response.defer(ephemeral=True, thinking=True)
        interaction.client.dispatch(ANALYZE_EVENT, interaction, self.arxiv_id)


def card_view(arxiv_id: str) -> discord.ui.View:
    """The components of a card: one Analyze button, never timing out."""
    view = discord.ui.View(timeout=None)
    view.add_item(AnalyzeButton(arxiv_id))
    return view
