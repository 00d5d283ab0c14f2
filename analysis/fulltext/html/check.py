"""Is an arXiv HTML answer a usable LaTeXML conversion? If not, why not.

arXiv answers without usable HTML in several ways: a 404 (handled by the
client), a page saying there is no HTML for the paper, or a conversion that
failed: many ``ltx_ERROR`` nodes, or no title and no sections. Each gives an
:class:`HtmlUnavailable` with a reason code, and the caller reads the PDF.
"""

from __future__ import annotations

from lxml.html import HtmlElement

from bot.kernel.errors import RadarError

MAX_ERRORS = 5
"""Conversion errors tolerated before the page counts as failed (plus one per 5,000 chars)."""
ERROR_CHARS = 5000

# Why the HTML was not used, by reason code (shown next to the source).
HTML_REASONS: dict[str, str] = {
    "html_not_found": "arXiv has no HTML for this paper (404)",
    "html_not_available": "arXiv says no HTML is available for this paper",
    "html_not_latexml": "the HTML page is not a LaTeXML conversion",
    "html_no_sections": "the HTML conversion has no title or no sections",
    "html_conversion_errors": "the HTML conversion has many LaTeX errors",
    "html_too_little_text": "the HTML conversion has too little text",
    "html_fetch_failed": "the HTML could not be downloaded",
    "html_too_large": "the HTML page is larger than the download limit",
    "html_timeout": "reading the HTML took longer than the extraction deadline",
}


class HtmlUnavailable(RadarError):
    """arXiv's HTML for a paper cannot be used; ``reason`` is a key of :data:`HTML_REASONS`."""

    def __init__(self, reason: str) -> None:
        super().__init__(f"The arXiv HTML cannot be used: {HTML_REASONS[reason]}.")
        self.reason = reason


def check_page(root: HtmlElement) -> HtmlElement:
    """The ``article.ltx_document`` of a usable conversion, or :class:`HtmlUnavailable`."""
    articles = root.xpath("//article[contains(concat(' ', @class, ' '), ' ltx_document ')]")
    if not articles:
        articles = root.xpath("//*[contains(concat(' ', @class, ' '), ' ltx_document ')]")
    if not articles:
        text = " ".join(root.text_content().split()).lower()
        missing = "no html" in text or "html is not available" in text
        raise HtmlUnavailable("html_not_available" if missing else "html_not_latexml")
    article: HtmlElement = articles[0]
    sections = article.xpath(
        ".//section[contains(@class, 'ltx_section') or contains(@class, 'ltx_appendix')"
        " or contains(@class, 'ltx_chapter')]"
    )
    if not sections:
        raise HtmlUnavailable("html_no_sections")
    errors = len(article.xpath(".//*[contains(@class, 'ltx_ERROR')]"))
    chars = len(article.text_content())
    if errors > MAX_ERRORS + chars // ERROR_CHARS:
        raise HtmlUnavailable("html_conversion_errors")
    return article
