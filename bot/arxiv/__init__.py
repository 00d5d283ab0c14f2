"""bot/arxiv."""
