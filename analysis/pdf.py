"""PDF to :class:`~analysis.document.Document`, isolated in a worker process.

:func:`extract_document` is the entry point for the bot: it rejects files that
are not PDFs, then parses in a child process with a deadline and a memory cap
(MuPDF is not thread-safe and some PDFs hang or crash it). :func:`parse_pdf`
does the same work in the calling process, for tools and benchmarks.
Every failure is a :class:`~bot.errors.PdfError` with a sentence for the user
and a ``reason`` code.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pymupdf

from analysis.document import Document
from analysis.pdf_layout import page_rows, strip_margins
from analysis.pdf_structure import build_document
from analysis.pdf_worker import WorkerError, preload, run_in_worker
from bot.errors import PdfError

HEADER_WINDOW = 1024

preload(__name__)


def extract_document(
    path: Path, *, timeout_s: float = 60, memory_mb: int = 1024, max_pages: int = 120
) -> Document:
    """Parse the PDF at ``path`` in a worker process; :class:`PdfError` if it cannot be used.

    Scans and PDFs with broken fonts still return a document, with
    ``quality.usable`` False and the reason in ``quality.reason``.
    """
    check_header(path)
    try:
        answer = run_in_worker(
            _parse_to_dict, str(path), max_pages, timeout_s=timeout_s, memory_mb=memory_mb
        )
    except WorkerError as exc:
        raise _worker_failure(exc, timeout_s, memory_mb) from exc
    if "error" in answer:
        raise PdfError(answer["error"]["message"], reason=answer["error"]["reason"])
    return Document.from_dict(answer["document"])


def parse_pdf(path: Path, *, max_pages: int = 120) -> Document:
    """Parse the PDF at ``path`` in this process (no deadline, no memory cap)."""
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    with _open(path, max_pages) as pdf:
        pages = [page_rows(page, number) for number, page in enumerate(pdf, start=1)]
        metadata_title = (pdf.metadata or {}).get("title") or ""
        page_count = pdf.page_count
    strip_margins(pages)
    return build_document(pages, page_count=page_count, metadata_title=metadata_title)


def check_header(path: Path) -> None:
    """Raise ``PdfError(reason="not_pdf")`` unless ``%PDF`` starts within the first KiB."""
    try:
        with path.open("rb") as handle:
            head = handle.read(HEADER_WINDOW)
    except OSError as exc:
        raise PdfError("The PDF file could not be read.", reason="unreadable") from exc
    if b"%PDF" not in head:
        raise PdfError(
            f"{path.name} is not a PDF (the server sent something else).", reason="not_pdf"
        )


def _open(path: Path, max_pages: int) -> pymupdf.Document:
    try:
        pdf = pymupdf.open(path, filetype="pdf")
    except (pymupdf.FileDataError, RuntimeError, ValueError) as exc:
        raise _unreadable() from exc
    if pdf.needs_pass:
        pdf.close()
        raise PdfError(
            "The PDF is password-protected, so its text cannot be read.", reason="encrypted"
        )
    if pdf.page_count == 0:
        pdf.close()
        raise _unreadable()
    if pdf.page_count > max_pages:
        pages = pdf.page_count
        pdf.close()
        raise PdfError(
            f"The PDF has {pages} pages; papers longer than {max_pages} pages are not analysed.",
            reason="too_many_pages",
        )
    return pdf


def _unreadable() -> PdfError:
    return PdfError(
        "The PDF is damaged or incomplete (perhaps a cut-off download) and cannot be read.",
        reason="unreadable",
    )


def _parse_to_dict(path: str, max_pages: int) -> dict[str, Any]:
    """Worker entry: the document, or the :class:`PdfError` as plain data."""
    try:
        return {"document": parse_pdf(Path(path), max_pages=max_pages).to_dict()}
    except PdfError as exc:
        return {"error": {"message": exc.user_message, "reason": exc.reason}}


def _worker_failure(exc: WorkerError, timeout_s: float, memory_mb: int) -> PdfError:
    messages = {
        "timeout": f"Reading the PDF took longer than {timeout_s:g} seconds and was stopped.",
        "memory": f"Reading the PDF needed more than {memory_mb} MB of memory and was stopped.",
        "crashed": "The PDF reader crashed on this file.",
    }
    if exc.reason in messages:
        return PdfError(messages[exc.reason], reason=exc.reason)
    return _unreadable()
