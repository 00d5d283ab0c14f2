"""Ranking matched papers by keyword strength and the team's interest profile (#16)."""

from bot.watch.ranking.rank import Ranked, rank_papers, selections

__all__ = ["Ranked", "rank_papers", "selections"]
