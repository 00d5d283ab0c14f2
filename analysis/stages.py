"""The stages an analysis reports to its ``progress`` callback, and how they read."""

STAGE_TEXT = {
    "downloading": "⏳ Downloading PDF…",
    "reading_html": "⏳ Reading arXiv HTML…",
    "extracting": "⏳ Extracting text…",
    "analyzing": "⏳ Analysing with {engine}…",
}
