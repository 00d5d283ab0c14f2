"""The stages an analysis or a question reports to its ``progress`` callback, and their text."""

STAGE_TEXT = {
    "downloading": "⏳ Downloading PDF…",
    "reading_html": "⏳ Reading arXiv HTML…",
    "extracting": "⏳ Extracting text…",
    "analyzing": "⏳ Analysing with {engine}…",
    "indexing": "⏳ Indexing the paper's passages…",
    "answering": "⏳ Answering with {engine}…",
}


def stage_text(stage: str, engine: str) -> str:
    """The line shown for ``stage`` (an unknown stage by its name) with ``engine``'s label."""
    return STAGE_TEXT.get(stage, f"⏳ {stage}…").format(engine=engine)
