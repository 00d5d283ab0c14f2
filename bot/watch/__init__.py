"""bot/watch."""
