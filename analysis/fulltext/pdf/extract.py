"""PDF to :class:`~analysis.document.Document`, isolated in a worker process.

:func:`extract_document` is the entry point for the bot. It rejects files that
are not complete PDFs, then parses in a child process with a deadline and a
memory cap, since MuPDF is not thread-safe and some PDFs hang or crash it. This
module does not import PyMuPDF: only the worker (and
:func:`analysis.fulltext.pdf.parse.parse_pdf`, for tools and benchmarks) does. Every
failure is a :class:`~bot.kernel.errors.PdfError` with a sentence for the user and a
``reason`` code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from analysis.document import Document
from analysis.fulltext.pdf.check import check_file
from analysis.fulltext.reasons import PdfReason
from analysis.fulltext.worker import WorkerError, run_in_worker, start_worker
from bot.kernel.errors import PdfError

PARSER = "analysis.fulltext.pdf.parse"  # imported once in the worker processes' fork server


def extract_document(
    path: Path, *, timeout_s: float = 60, memory_mb: int = 1024, max_pages: int = 120
) -> Document:
    """Parse the PDF at ``path`` in a worker process; :class:`PdfError` if it cannot be used.

    ``memory_mb`` is how much memory the worker may add to what it starts with.
    Scans and PDFs with broken fonts still return a document, with
    ``quality.usable`` False and the reason in ``quality.reason``.
    """
    check_file(path)
    try:
        answer = run_in_worker(
            _parse_in_worker,
            str(path),
            max_pages,
            timeout_s=timeout_s,
            memory_mb=memory_mb,
            preload=(PARSER,),
        )
    except WorkerError as exc:
        raise _worker_failure(exc, timeout_s, memory_mb) from exc
    if "error" in answer:
        raise PdfError(answer["error"]["message"], reason=answer["error"]["reason"])
    return Document.from_dict(answer["document"])


def start_extractor() -> None:
    """Start a worker with PyMuPDF loaded now, while the caller gets on with its own work."""
    start_worker(PARSER)


def _parse_in_worker(path: str, max_pages: int) -> dict[str, Any]:
    """Worker entry: the document as a dict, or the :class:`PdfError` as plain data."""
    from analysis.fulltext.pdf.parse import parse_pdf  # imported in the worker only

    try:
        return {"document": parse_pdf(Path(path), max_pages=max_pages).to_dict()}
    except PdfError as exc:
        return {"error": {"message": exc.user_message, "reason": exc.reason}}


def _worker_failure(exc: WorkerError, timeout_s: float, memory_mb: int) -> PdfError:
    messages = {
        PdfReason.TIMEOUT: (
            f"Reading the PDF took longer than {timeout_s:g} seconds and was stopped."
        ),
        PdfReason.MEMORY: (
            f"Reading the PDF needed more than {memory_mb} MB of memory and was stopped."
        ),
        PdfReason.CRASHED: "The PDF reader crashed on this file.",
    }
    if exc.reason in messages:
        return PdfError(messages[PdfReason(exc.reason)], reason=exc.reason)
    return PdfError("The PDF is damaged and cannot be read.", reason=PdfReason.UNREADABLE)
