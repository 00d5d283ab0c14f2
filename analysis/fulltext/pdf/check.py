"""The cheap checks a PDF passes before a worker process parses it.

Kept apart from :mod:`analysis.fulltext.pdf.extract` (which starts the worker)
and :mod:`analysis.fulltext.pdf.parse` (which runs in it), so both use it without
importing each other.
"""

from __future__ import annotations

from pathlib import Path

from bot.kernel.errors import PdfError

SNIFF_BYTES = 1024


def check_file(path: Path) -> None:
    """Reject files that are not PDFs or lack the ``startxref`` trailer of a complete PDF."""
    try:
        with path.open("rb") as handle:
            head = handle.read(SNIFF_BYTES)
            handle.seek(max(0, path.stat().st_size - SNIFF_BYTES))
            tail = handle.read()
    except OSError as exc:
        raise PdfError("The PDF file could not be read.", reason="unreadable") from exc
    if b"%PDF" not in head:
        raise PdfError(
            f"{path.name} is not a PDF (the server sent something else).", reason="not_pdf"
        )
    if b"startxref" not in tail:
        raise PdfError(
            "The PDF is incomplete (the download was probably cut off) and cannot be read.",
            reason="unreadable",
        )
