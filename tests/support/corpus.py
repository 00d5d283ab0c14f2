"""Locate the shared test corpus (real feeds, PDFs and chat payloads)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

_DEFAULT = Path(__file__).resolve().parents[3] / "shared" / "corpus"


def corpus_root() -> Path | None:
    """The corpus folder: ``$ARXIV_RADAR_CORPUS`` or ``../shared/corpus``, if present."""
    root = Path(os.environ.get("ARXIV_RADAR_CORPUS", _DEFAULT))
    return root if (root / "MANIFEST.md").is_file() else None


def corpus_file(relative: str) -> Path:
    """A corpus file, or skip the calling test with a clear reason."""
    root = corpus_root()
    if root is None:
        pytest.skip(
            "shared corpus not found: set ARXIV_RADAR_CORPUS or put ../shared beside the repo"
        )
    path = root / relative
    if not path.is_file():
        pytest.skip(f"corpus file {relative} is missing from {root}")
    return path
