"""What users may choose for an analysis, importable without loading the pipeline.

The command line builds its options from these at start-up, so ``extract`` and
``--help`` need neither pydantic nor the analysis pipeline.
"""

from __future__ import annotations

from enum import StrEnum


class EngineKind(StrEnum):
    """The analysis engines (``analysis.engine``; ``auto``: the LLM when its key is set)."""

    AUTO = "auto"
    LLM = "llm"
    EXTRACTIVE = "extractive"


ENGINES: tuple[str, ...] = tuple(kind.value for kind in EngineKind)
LANGUAGES: tuple[str, ...] = ("zh", "en")
SOURCES: tuple[str, ...] = ("auto", "html", "pdf")  # full text: HTML if clean, else the PDF
