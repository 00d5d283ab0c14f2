"""Source order per paper: arXiv HTML first, the PDF when the HTML is missing or broken.

Runs the real pipeline and CLI against the loopback arXiv, which serves
``/html/<id>v<N>`` pages built by tests/support/html_factory.py, a corpus page, a 404
or a "no HTML" page.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from analysis.fulltext.html.check import HTML_REASONS, HtmlUnavailable
from analysis.fulltext.html.parse import parse_html
from analysis.fulltext.pdf.extract import extract_document
from analysis.render import status_lines
from bot.kernel.config import Config, parse_config
from bot.kernel.errors import ConfigError
from tests.support.analysis_env import PAPER_ID, make_config, pdf_requests, run, serve
from tests.support.corpus import corpus_file
from tests.support.cue_paper import cue_paper
from tests.support.fakes.arxiv import NO_HTML_PAGE, ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.html_factory import FOOTNOTE, latexml_page


def html_requests(arxiv: ArxivFake) -> list[str]:
    return [path for path in arxiv.paths() if path.startswith("/html/")]


async def test_a_clean_html_conversion_is_read_instead_of_the_pdf(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    arxiv_fake.html[f"{PAPER_ID}v3"] = latexml_page()
    async with make_env() as env:
        analysis = await env.analyze()
        again = await env.analyze(refresh=True)  # the page is cached on disk like PDFs
    assert env.stages == ["reading_html", "analysing", "reading_html", "analysing"]
    assert (analysis.source, analysis.text_source, analysis.text_source_note) == (
        "full_text",
        "html",
        None,
    )
    assert again.text_source == "html"
    assert html_requests(arxiv_fake) == [f"/html/{PAPER_ID}v3"]
    assert pdf_requests(arxiv_fake) == []
    assert status_lines(analysis)[0] == (
        "Engine: extractive (sentences quoted from the paper, no LLM) · Source: full text (HTML)"
    )


def failed_conversion() -> bytes:
    return corpus_file("html/2608.30667v1_failed-conversion_untitled-document.html").read_bytes()


@pytest.mark.parametrize(
    ("answer", "reason"),
    [
        (None, "html_not_found"),
        ((404, NO_HTML_PAGE), "html_not_found"),
        ((200, NO_HTML_PAGE), "html_not_available"),
        ((200, latexml_page(errors=20)), "html_conversion_errors"),
        ((200, latexml_page(sections=False)), "html_no_sections"),
        ("corpus", "html_no_sections"),
        ((503, b"Service Unavailable"), "html_fetch_failed"),
    ],
)
async def test_unusable_html_falls_back_to_the_pdf_with_the_reason(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any, answer: Any, reason: str
) -> None:
    serve(arxiv_fake, paper_pdf)
    if answer is not None:
        arxiv_fake.html[PAPER_ID] = (200, failed_conversion()) if answer == "corpus" else answer
    async with make_env() as env:
        analysis = await env.analyze()
    assert env.stages[-3:] == ["downloading", "extracting", "analysing"]
    assert analysis.source == "full_text"
    assert analysis.text_source == "pdf"
    assert analysis.text_source_note == HTML_REASONS[reason]
    assert html_requests(arxiv_fake)[0] == f"/html/{PAPER_ID}v3"
    assert pdf_requests(arxiv_fake) == [f"/pdf/{PAPER_ID}v3"]


async def test_source_pdf_skips_the_html_and_the_cache_keeps_sources_apart(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    arxiv_fake.html[PAPER_ID] = latexml_page()
    async with make_env('[analysis]\nsource = "pdf"\n') as env:
        from_pdf = await env.analyze()
        from_html = await env.analyze(source="html")
        cached_pdf = await env.analyze()
        assert env.cached_rows() == 2
    assert (from_pdf.text_source, from_html.text_source, cached_pdf.text_source) == (
        "pdf",
        "html",
        "pdf",
    )
    assert len(html_requests(arxiv_fake)) == 1
    assert len(pdf_requests(arxiv_fake)) == 1


async def test_source_html_without_html_is_an_error_not_a_silent_pdf(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        with pytest.raises(HtmlUnavailable) as raised:
            await env.analyze(source="html")
    assert raised.value.user_message == (
        "The arXiv HTML cannot be used: arXiv has no HTML for this paper (404)."
    )
    assert pdf_requests(arxiv_fake) == []


def test_config_validates_the_source() -> None:
    with pytest.raises(ConfigError, match=r"analysis\.source"):
        parse_config('[analysis]\nsource = "latex"\n')
    assert parse_config("").analysis.source == "auto"


def test_html_and_pdf_of_one_paper_agree_on_the_outline(tmp_path: Path) -> None:
    from_pdf = extract_document(cue_paper(tmp_path))
    from_html = parse_html(latexml_page())
    assert [(s.number, s.title, s.level) for s in from_html.sections] == [
        (s.number, s.title, s.level) for s in from_pdf.sections
    ]
    assert from_html.title == from_pdf.title
    assert from_html.abstract == from_pdf.abstract
    assert len(from_html.references) == len(from_pdf.references)


# the commands -------------------------------------------------------------------------


@pytest.fixture
def config(arxiv_fake: ArxivFake, llm: LlmFake, tmp_path: Path) -> Config:
    serve(arxiv_fake, cue_paper(tmp_path).read_bytes())
    return make_config(arxiv_fake, llm, tmp_path)


def test_extract_a_local_html_page_as_text(config: Config, tmp_path: Path) -> None:
    page = tmp_path / "paper.html"
    page.write_bytes(latexml_page())
    result = run(config, "extract", str(page))
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert lines[:2] == ["# DenseLite: Small Dense Retrieval", "~1 pages · text from HTML"]
    body_end = lines.index("## Captions")
    assert lines.index("## 4 Experiments  (p. 1)") < body_end < lines.index("## Table 1")
    assert lines[lines.index("## Footnotes") + 1] == f"- {FOOTNOTE}"
    assert lines[-2] == "Kept out of the prose: captions 1, equations 1, footnotes 1, tables 1"
    assert result.stdout.endswith("5 references\n")


def test_extract_an_arxiv_paper_from_its_html_as_json(
    config: Config, arxiv_fake: ArxivFake
) -> None:
    arxiv_fake.html[PAPER_ID] = latexml_page()
    result = run(config, "extract", PAPER_ID, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["text_source"] == "html"
    assert data["footnotes"] == [FOOTNOTE]
    assert data["tables"][0]["text"].startswith("| Retriever | NQ | TriviaQA |")
    assert data["sections"][0]["text"].startswith("Open-domain question answering")
    assert pdf_requests(arxiv_fake) == []
    forced = run(config, "extract", PAPER_ID, "--source", "pdf", "--format", "json")
    assert json.loads(forced.stdout)["text_source"] == "pdf"


def test_extract_falls_back_to_the_pdf_and_says_why(config: Config, arxiv_fake: ArxivFake) -> None:
    arxiv_fake.html[PAPER_ID] = (200, latexml_page(errors=20))
    result = run(config, "extract", PAPER_ID)
    assert result.exit_code == 0, result.output
    assert result.stdout.splitlines()[1] == (
        "2 pages · text from PDF (HTML not used: html_conversion_errors)"
    )


@pytest.mark.parametrize("command", ["extract", "analyze"])
def test_a_missing_file_says_no_such_file(config: Config, command: str) -> None:
    result = run(config, command, "drafts/paper-under-review.pdf")
    assert result.exit_code == 1
    assert result.stderr == "Error: No such file: drafts/paper-under-review.pdf\n"


def test_analyze_a_local_html_file_with_the_cache_keyed_by_its_hash(
    config: Config, tmp_path: Path, arxiv_fake: ArxivFake
) -> None:
    page = tmp_path / "under-review.html"
    page.write_bytes(latexml_page())
    first = run(config, "analyze", str(page), "--format", "json")
    assert first.exit_code == 0, first.output
    analysis = json.loads(first.stdout)
    assert analysis["arxiv_id"] == "file:under-review.html"
    assert (analysis["text_source"], analysis["engine"]) == ("html", "extractive")
    copy = tmp_path / "renamed.html"
    copy.write_bytes(page.read_bytes())
    second = run(config, "analyze", str(copy), "--format", "json")
    assert json.loads(second.stdout)["arxiv_id"] == "file:under-review.html"  # cache hit
    assert arxiv_fake.requests == []
    markdown = run(config, "analyze", str(page))
    assert markdown.stdout.startswith(
        "## DenseLite: Small Dense Retrieval\n\n`under-review.html`\n"
    )
    assert "arxiv.org/abs" not in markdown.stdout
