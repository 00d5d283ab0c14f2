"""The arXiv HTML (LaTeXML) reader on small pages built by tests/support/html_factory.py."""

from __future__ import annotations

import pytest

from analysis.fulltext.html.check import MAX_ERRORS, HtmlUnavailable
from analysis.fulltext.html.parse import parse_html
from tests.support.cue_paper import ABSTRACT, METHOD
from tests.support.fakes.arxiv import NO_HTML_PAGE
from tests.support.html_factory import EQUATION, FOOTNOTE, TITLE, latexml_page


def outline(document) -> list[tuple[str | None, str, int]]:
    return [(s.number, s.title, s.level) for s in (*document.sections, *document.appendix)]


def test_page_becomes_a_document_with_the_paper_s_own_structure() -> None:
    document = parse_html(latexml_page())
    assert document.text_source == "html"
    assert document.title == TITLE  # the "thanks" note on the title is not part of it
    assert document.abstract == ABSTRACT
    assert outline(document) == [
        ("1", "Introduction", 1),
        ("2", "Related Work", 1),
        ("3", "Method", 1),
        ("4", "Experiments", 1),
        ("4.1", "Datasets and Metrics", 2),
        ("4.2", "Results", 2),
        ("5", "Limitations", 1),
        ("6", "Conclusion", 1),
    ]
    assert len(document.references) == 5
    assert document.references[0] == "[1] A. Author. 2020. Paper number 1."
    assert document.quality.usable


def test_footnotes_tables_and_captions_are_kept_apart_from_the_prose() -> None:
    document = parse_html(latexml_page())
    assert document.footnotes == (FOOTNOTE,)
    assert FOOTNOTE not in document.body_text()
    [table] = document.tables
    assert (table.label, table.caption) == (
        "1",
        "Top-20 retrieval accuracy on the test sets of three datasets.",
    )
    assert table.text.splitlines() == [
        "| Retriever | NQ | TriviaQA |",
        "|---|---|---|",
        "| BM25 | 59.1 | 66.9 |",
        "| DenseLite | 78.4 | 79.4 |",
    ]
    results = document.find_section("4.2")
    assert results is not None
    assert "59.1" not in results.text
    assert "Top-20 retrieval" not in results.text
    assert [(c.kind, c.label) for c in document.captions] == [("table", "1")]
    assert document.quality.removed["footnotes"] == 1
    assert document.quality.removed["tables"] == 1


def test_equations_are_latex_from_alttext_with_their_number() -> None:
    method = parse_html(latexml_page()).find_section("3")
    assert method is not None
    assert method.text.startswith(METHOD)
    assert method.text.splitlines()[-1] == f"${EQUATION}$ (1)"
    assert "<mrow>" not in method.text
    assert parse_html(latexml_page()).equation_numbers() == ("1",)


def test_a_few_conversion_errors_are_tolerated_and_counted() -> None:
    document = parse_html(latexml_page(errors=2))
    assert document.quality.removed["conversion_errors"] == 2
    assert "\\undefinedmacro" not in document.all_text()


@pytest.mark.parametrize(
    ("page", "reason"),
    [
        (latexml_page(errors=MAX_ERRORS + 4), "html_conversion_errors"),
        (latexml_page(sections=False, title="Untitled Document"), "html_no_sections"),
        (NO_HTML_PAGE, "html_not_available"),
        (b"<html><body><p>Just a page.</p></body></html>", "html_not_latexml"),
        (b"", "html_not_latexml"),
        (b"%PDF-1.7 \x00\x01", "html_not_latexml"),
        (
            b'<article class="ltx_document"><section class="ltx_section"><h2>1 Intro</h2>'
            b"<p>Too short.</p></section></article>",
            "html_too_little_text",
        ),
    ],
)
def test_pages_that_are_no_clean_conversion_say_why(page: bytes, reason: str) -> None:
    with pytest.raises(HtmlUnavailable) as raised:
        parse_html(page)
    assert raised.value.reason == reason
    assert raised.value.user_message.endswith(".")


def test_json_shows_section_text_and_the_blocks_apart() -> None:
    data = parse_html(latexml_page()).to_json()
    assert data["text_source"] == "html"
    assert data["sections"][0]["text"].startswith("Open-domain question answering")
    assert data["footnotes"] == [FOOTNOTE]
    assert data["tables"][0]["label"] == "1"
    assert data["references_count"] == 5
    assert data["quality"]["removed"]["captions"] == 1


def test_theorem_headings_open_their_paragraph() -> None:
    theorem = (
        '<div class="ltx_theorem ltx_theorem_theorem"><h6 class="ltx_title ltx_runin">'
        '<span class="ltx_tag ltx_tag_theorem">Theorem 1</span>.</h6>'
        '<div class="ltx_para"><p class="ltx_p">Every bounded monotone sequence converges.'
        "</p></div></div>"
    )
    page = latexml_page().replace(
        b'<div class="ltx_para" id="S3.p1">',
        theorem.encode() + b'<div class="ltx_para" id="S3.p1">',
    )
    method = parse_html(page).find_section("3")
    assert method is not None
    assert method.text.splitlines()[:2] == [
        "Theorem 1.",
        "Every bounded monotone sequence converges.",
    ]
    assert parse_html(page).find_section("3.1") is None  # not a section of its own
