"""bot/kernel."""
