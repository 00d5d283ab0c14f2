"""``python -m bot`` runs the arxiv-radar CLI."""

from bot.cli import main

main()
