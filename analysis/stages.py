"""The stages an analysis or a question reports to its ``progress`` callback, and their text."""

STAGE_TEXT = {
    "downloading": "⏳ Downloading PDF…",
    "reading_html": "⏳ Reading arXiv HTML…",
    "extracting": "⏳ Extracting text…",
    "analysing": "⏳ Analysing with {engine}…",
    "indexing": "⏳ Indexing the paper's passages…",
    "answering": "⏳ Answering with {engine}…",
}
