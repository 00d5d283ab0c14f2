"""Which full text to read for a paper, and reading local files.

Per paper, ``auto`` reads arXiv's HTML when the paper has a clean LaTeXML
conversion and the PDF otherwise; the reason the HTML was not used (a 404, a
"no HTML" page, a failed conversion…) is recorded on the document read
instead. ``html`` and ``pdf`` force one source. Local files are read by their
name and content (``.pdf`` or a ``%PDF`` start is a PDF; anything else is
taken for an HTML page).
"""

from __future__ import annotations

import asyncio
import hashlib
from pathlib import Path

from analysis.document import Document
from analysis.fulltext.html.check import HtmlUnavailable
from analysis.fulltext.pdf.extract import extract_document
from bot.kernel.config import AnalysisConfig
from bot.kernel.errors import AnalysisError, RadarError

_HASH_CHUNK = 1 << 20


class MissingFileError(RadarError):
    """A local path given on the command line does not exist."""


async def read_html(settings: AnalysisConfig, path: Path) -> Document:
    """Parse a saved arXiv HTML page off the event loop, within the extraction deadline.

    :class:`HtmlUnavailable` when it is not a usable conversion.
    """
    from analysis.fulltext.html.parse import parse_html  # lxml only where HTML is read

    data = await asyncio.to_thread(path.read_bytes)
    if len(data) > settings.max_pdf_mb * 1024 * 1024:
        raise HtmlUnavailable("html_too_large")
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(parse_html, data), timeout=settings.extract_timeout_s
        )
    except TimeoutError:
        raise HtmlUnavailable("html_timeout") from None


async def read_pdf(settings: AnalysisConfig, path: Path) -> Document:
    """Extract ``path`` in a worker process with the configured limits, off the event loop."""
    return await asyncio.to_thread(
        extract_document,
        path,
        timeout_s=settings.extract_timeout_s,
        memory_mb=settings.extract_memory_mb,
        max_pages=settings.max_pages,
    )


async def read_local_file(settings: AnalysisConfig, path: Path, source: str = "auto") -> Document:
    """A local PDF or HTML file as a document; ``source`` may insist on one kind."""
    if not path.is_file():
        raise MissingFileError(f"No such file: {path}")
    is_pdf = is_pdf_path(path)
    if source == "html" and is_pdf:
        raise AnalysisError(f"{path.name} is a PDF, not an HTML page: use --source pdf or auto.")
    if source == "pdf" or is_pdf:
        return await read_pdf(settings, path)
    return await read_html(settings, path)


def is_pdf_path(path: Path) -> bool:
    """Whether a local file is read as a PDF: named ``.pdf`` or starting like one."""
    return path.suffix.lower() == ".pdf" or is_pdf_file(path)


def is_pdf_file(path: Path) -> bool:
    """Whether the file starts like a PDF (within its first KiB)."""
    with path.open("rb") as handle:
        return b"%PDF" in handle.read(1024)


def file_digest(path: Path) -> str:
    """sha256 of the file's bytes: the cache identity of a local paper."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_HASH_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()
