"""``python -m bot`` runs the arxiv-radar CLI."""

from bot.cli import main

if __name__ == "__main__":
    main()
