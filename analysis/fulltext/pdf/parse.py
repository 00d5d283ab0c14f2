"""Parse a PDF with PyMuPDF in the calling process (the worker side of :mod:`.extract`)."""

from __future__ import annotations

import re
from pathlib import Path

import pymupdf

from analysis.document import Document
from analysis.fulltext.pdf.check import check_file
from analysis.fulltext.pdf.cleaning import clean_rows
from analysis.fulltext.pdf.floats import take_floats
from analysis.fulltext.pdf.layout import body_font_size, page_rows
from analysis.fulltext.pdf.margins import strip_margins
from analysis.fulltext.pdf.structure import build_document
from bot.kernel.errors import PdfError

_ALLOCATION_FAILED = re.compile(r"\b(?:m|c|re)alloc\b.*\bfailed\b")


def parse_pdf(path: Path, *, max_pages: int = 120) -> Document:
    """Parse the PDF at ``path`` here, with no deadline or memory cap.

    Raises :class:`PdfError` as :func:`analysis.fulltext.pdf.extract.extract_document` does, and
    :class:`MemoryError` when MuPDF cannot allocate.
    """
    check_file(path)
    pymupdf.TOOLS.mupdf_display_errors(False)
    pymupdf.TOOLS.mupdf_display_warnings(False)
    # Line boxes without quad corrections, which the layout heuristics are tuned for (the
    # full `pymupdf` package switches this on globally when it loads pymupdf4llm).
    pymupdf.TOOLS.unset_quad_corrections(True)
    try:
        with _open(path, max_pages) as pdf:
            pages = [page_rows(page, number) for number, page in enumerate(pdf, start=1)]
            metadata_title = (pdf.metadata or {}).get("title") or ""
            page_count = pdf.page_count
    except RuntimeError as exc:
        if _ALLOCATION_FAILED.search(str(exc)):
            raise MemoryError(str(exc)) from exc
        raise PdfError("The PDF is damaged and cannot be read.", reason="unreadable") from exc
    removed = strip_margins(pages)
    body_size = body_font_size(row for page in pages for row in page.rows)
    removed.update(clean_rows(pages, body_size))
    floats = take_floats(pages, body_size)
    return build_document(
        pages, page_count=page_count, metadata_title=metadata_title, floats=floats, removed=removed
    )


def _open(path: Path, max_pages: int) -> pymupdf.Document:
    try:
        pdf = pymupdf.open(path, filetype="pdf")
    except (pymupdf.FileDataError, ValueError) as exc:
        raise PdfError("The PDF is damaged and cannot be read.", reason="unreadable") from exc
    if pdf.needs_pass:
        pdf.close()
        raise PdfError(
            "The PDF is password-protected, so its text cannot be read.", reason="encrypted"
        )
    if pdf.page_count == 0:
        pdf.close()
        raise PdfError("The PDF has no pages that can be read.", reason="unreadable")
    if pdf.page_count > max_pages:
        pages = pdf.page_count
        pdf.close()
        raise PdfError(
            f"The PDF has {pages} pages; papers longer than {max_pages} pages are not analysed.",
            reason="too_many_pages",
        )
    return pdf
