"""arxiv-radar: watch arXiv for a research team and analyse papers on request."""

__version__ = "0.1.0"
