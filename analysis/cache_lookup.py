"""Cache keys, and reading one cached analysis without the pipeline.

``arxiv-radar analyze`` of a paper already analysed needs no arXiv client, no
engine, no migrations and no sqlite-utils: :func:`cached_analysis` resolves
the engine's cache identity from the config, reads the row through a
read-only :mod:`sqlite3` connection and parses it into the one
:class:`~analysis.schema.Analysis` model. Anything unusual (no database yet,
an older schema, a lock, a damaged row) is a miss, and the caller takes the
full path, which reports real errors.
"""

from __future__ import annotations

import hashlib
import json
import logging
import sqlite3
from contextlib import closing
from pathlib import Path
from typing import TYPE_CHECKING

from pydantic import ValidationError

from analysis import choices
from analysis.schema import Analysis

if TYPE_CHECKING:
    from bot.kernel.config import Config
    from bot.kernel.ids import ArxivId

log = logging.getLogger(__name__)


def cache_key(arxiv_id: str, version: int, engine: str, language: str, prompt_version: str) -> str:
    """sha256 of the fields that determine an analysis."""
    fields = json.dumps([arxiv_id, version, engine, language, prompt_version])
    return hashlib.sha256(fields.encode()).hexdigest()


def engine_identity(config: Config, name: str) -> tuple[str, str]:
    """(label, version) of the engine ``name`` (``"llm"`` or ``"extractive"``) for the cache."""
    if name == "extractive":
        return choices.EXTRACTIVE_LABEL, choices.EXTRACTIVE_VERSION
    from analysis.prompts import PROMPT_VERSION  # reads the templates: LLM analyses only

    return choices.llm_label(config.llm.model), PROMPT_VERSION


def parse_analysis(key: str, body: str) -> Analysis | None:
    """The cached JSON ``body`` as an :class:`Analysis`; None (logged) if it no longer fits."""
    try:
        return Analysis.model_validate_json(body)
    except ValidationError:
        log.warning("ignoring unreadable cached analysis %s", key)
        return None


def cached_analysis(
    config: Config,
    arxiv_id: ArxivId,
    *,
    engine: str = "auto",
    language: str | None = None,
    source: str | None = None,
) -> Analysis | None:
    """The cached analysis of ``arxiv_id`` (with its version) as :meth:`Analyzer.analyze`
    would return it on a hit, or None for a miss.

    Raises :class:`~bot.kernel.errors.AnalysisError` for an unknown engine, language or
    source, or the LLM without a key, as the analyzer does.
    """
    if arxiv_id.version is None:
        return None
    label, version = engine_identity(config, choices.engine_name(config, engine))
    variant = choices.cache_variant(version, choices.source_mode(config, source))
    lang = choices.language(config, language)
    key = cache_key(arxiv_id.id, arxiv_id.version, label, lang, variant)
    body = _read_body(config.storage.path, key, config.storage.busy_timeout_s)
    return parse_analysis(key, body) if body is not None else None


def _read_body(path: str, key: str, busy_timeout_s: float) -> str | None:
    """The stored JSON of ``key``, read-only; None if the database cannot answer."""
    if not Path(path).is_file():
        return None
    try:
        uri = f"{Path(path).resolve().as_uri()}?mode=ro"
        with closing(sqlite3.connect(uri, uri=True, timeout=busy_timeout_s)) as conn:
            row = conn.execute("SELECT body FROM analyses WHERE cache_key = ?", [key]).fetchone()
    except sqlite3.Error:
        return None
    return row[0] if row else None
