"""bot/chat."""
