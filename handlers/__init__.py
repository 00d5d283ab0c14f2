"""Chat-platform adapters (Slack, Discord) and the shared command grammar."""
