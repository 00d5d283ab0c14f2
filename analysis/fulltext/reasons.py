"""Why a paper's PDF could not be used: the reason codes and their zh/en texts.

A :class:`~bot.kernel.errors.PdfError` and a failed quality check carry a :class:`PdfReason`;
when the reason is in :data:`FALLBACK_TEXT` the paper is analysed from its abstract
and the analysis says why, in the analysis language. This is the one table of
those texts.
"""

from __future__ import annotations

from enum import StrEnum
from typing import Literal


class PdfReason(StrEnum):
    ENCRYPTED = "encrypted"
    UNREADABLE = "unreadable"  # damaged, incomplete, or no readable page
    NOT_PDF = "not_pdf"  # the server sent something else
    TIMEOUT = "timeout"  # extraction passed its deadline
    MEMORY = "memory"  # extraction passed its memory cap
    CRASHED = "crashed"  # the parser process died
    RAISED = "raised"  # the parser raised an unexpected error
    NO_TEXT_LAYER = "no_text_layer"  # a scan
    GARBLED_TEXT = "garbled_text"  # broken font encodings
    TOO_LITTLE_TEXT = "too_little_text"
    TOO_MANY_PAGES = "too_many_pages"  # over analysis.max_pages: an error, no fallback
    NO_PDF = "no_pdf"  # arXiv has no PDF for the paper


# Why only the abstract was analysed, by reason, in each analysis language.
FALLBACK_TEXT: dict[PdfReason, dict[Literal["zh", "en"], str]] = {
    PdfReason.ENCRYPTED: {"zh": "PDF 已加密", "en": "the PDF is password-protected"},
    PdfReason.UNREADABLE: {"zh": "PDF 已损坏或不完整", "en": "the PDF is damaged or incomplete"},
    PdfReason.NOT_PDF: {"zh": "arXiv 返回的文件不是 PDF", "en": "arXiv did not send a PDF"},
    PdfReason.TIMEOUT: {"zh": "PDF 文本提取超时", "en": "text extraction timed out"},
    PdfReason.MEMORY: {"zh": "PDF 文本提取超出内存上限", "en": "text extraction ran out of memory"},
    PdfReason.CRASHED: {"zh": "PDF 解析器崩溃", "en": "the PDF parser crashed"},
    PdfReason.NO_TEXT_LAYER: {
        "zh": "PDF 为扫描图像，没有文本层",
        "en": "the PDF is a scan without a text layer",
    },
    PdfReason.GARBLED_TEXT: {
        "zh": "PDF 字体编码损坏，提取的文字无法阅读",
        "en": "the PDF's font encoding is broken, so its text is garbled",
    },
    PdfReason.TOO_LITTLE_TEXT: {
        "zh": "PDF 中可提取的文字太少",
        "en": "the PDF has too little extractable text",
    },
    PdfReason.NO_PDF: {"zh": "arXiv 没有该论文的 PDF", "en": "arXiv has no PDF for this paper"},
}
# Fallbacks that may not happen next time: their results are not cached.
TRANSIENT = frozenset({PdfReason.TIMEOUT})
# A file that is not a readable PDF may be a bad download: fetch it again next time.
REDOWNLOAD = frozenset({PdfReason.NOT_PDF, PdfReason.UNREADABLE})
