"""analysis/engines."""
