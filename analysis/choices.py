"""What users may choose for an analysis, and how a choice resolves against the config.

Importable without loading the pipeline: the command line builds its options
from these at start-up, so ``extract`` and ``--help`` need neither pydantic nor
the analysis pipeline, and a cache look-up resolves the engine and language
without building an engine.
"""

from __future__ import annotations

from enum import StrEnum
from typing import TYPE_CHECKING, Literal

from bot.kernel.config import secret
from bot.kernel.errors import AnalysisError

if TYPE_CHECKING:
    from bot.kernel.config import Config


class EngineKind(StrEnum):
    """The analysis engines (``analysis.engine``; ``auto``: the LLM when its key is set)."""

    AUTO = "auto"
    LLM = "llm"
    EXTRACTIVE = "extractive"


ENGINES: tuple[str, ...] = tuple(kind.value for kind in EngineKind)
LANGUAGES: tuple[str, ...] = ("zh", "en")
SOURCES: tuple[str, ...] = ("auto", "html", "pdf")  # full text: HTML if clean, else the PDF
EXTRACTIVE_LABEL = "extractive"
EXTRACTIVE_VERSION = "extractive-2"


def engine_name(config: Config, requested: str) -> EngineKind:
    """``"llm"`` or ``"extractive"``: what ``requested`` (one of :data:`ENGINES`) means here.

    ``auto`` follows ``analysis.engine``, and without an API key the extractive
    engine; asking for the LLM without a key is an :class:`AnalysisError`.
    """
    if requested not in ENGINES:
        raise AnalysisError(f"Unknown engine {requested!r}; use one of {', '.join(ENGINES)}.")
    name = config.analysis.engine if requested == EngineKind.AUTO else requested
    if name == EngineKind.EXTRACTIVE or (name == EngineKind.AUTO and api_key(config) is None):
        return EngineKind.EXTRACTIVE
    if api_key(config) is None:
        raise AnalysisError(
            f"The LLM engine needs an API key: set ${config.llm.api_key_env} "
            "(or use the extractive engine)."
        )
    return EngineKind.LLM


def api_key(config: Config) -> str | None:
    """The LLM API key from the environment variable the config names."""
    return secret(config.llm.api_key_env)


def llm_label(model: str) -> str:
    """The engine label of an LLM analysis, as stored and shown: ``llm:<model>``."""
    return f"llm:{model}"


def language(config: Config, requested: str | None) -> Literal["zh", "en"]:
    """The output language: ``requested``, else ``report.language``."""
    chosen = requested or config.report.language
    if chosen == "zh":
        return "zh"
    if chosen == "en":
        return "en"
    raise AnalysisError(f"Unknown language {chosen!r}; use one of {', '.join(LANGUAGES)}.")


def source_mode(config: Config, requested: str | None) -> str:
    """The full-text source: ``requested``, else ``analysis.source``."""
    mode = requested or config.analysis.source
    if mode not in SOURCES:
        raise AnalysisError(f"Unknown source {mode!r}; use one of {', '.join(SOURCES)}.")
    return mode


def cache_variant(engine_version: str, mode: str) -> str:
    """The cache's prompt-version field: the engine's version and the text source chosen."""
    return f"{engine_version}+{mode}"
