"""Full-text analysis: PDF extraction, LLM and extractive analysis, verification, rendering."""
