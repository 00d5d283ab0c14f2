"""The pipeline end to end: loopback arXiv and LLM, real extraction, SQLite cache."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from bot.kernel.errors import AnalysisError, BudgetExceededError, FetchError, PdfError
from bot.kernel.ids import ArxivId
from tests.support.analysis_env import (
    KEY,
    KEY_ENV,
    PAPER_ID,
    TITLE,
    pdf_requests,
    serve,
)
from tests.support.corpus import corpus_file
from tests.support.cue_paper import ABSTRACT
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.pdf_factory import encrypted_pdf, long_paper, truncated_pdf

# full text ----------------------------------------------------------------------------


async def test_extractive_analysis_of_the_latest_version(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any, tmp_path: Path
) -> None:
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        analysis = await env.analyze()
    assert env.stages == ["downloading", "extracting", "analysing"]
    assert (analysis.arxiv_id, analysis.version, analysis.title) == (PAPER_ID, 3, TITLE)
    assert (analysis.engine, analysis.source, analysis.source_reason) == (
        "extractive",
        "full_text",
        None,
    )
    assert analysis.language == "en"
    assert analysis.overview == ABSTRACT
    assert analysis.warnings == []
    assert pdf_requests(arxiv_fake) == [f"/pdf/{PAPER_ID}v3"]
    assert (tmp_path / "cache" / "pdfs" / f"{PAPER_ID}v3.pdf").read_bytes() == paper_pdf


async def test_an_explicit_version_is_kept(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        analysis = await env.analyze(f"{PAPER_ID}v2", language="zh")
    assert analysis.version == 2
    assert analysis.language == "zh"
    assert pdf_requests(arxiv_fake) == [f"/pdf/{PAPER_ID}v2"]


async def test_the_llm_engine_is_used_when_a_key_is_set_and_its_answer_verified(
    arxiv_fake: ArxivFake, llm: LlmFake, paper_pdf: bytes, make_env: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(KEY_ENV, KEY)
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        assert env.analyzer.engine_label() == "llm:fake-model"
        analysis = await env.analyze(record_usage=True)
        used = env.store.db.execute(
            "SELECT input_tokens, output_tokens FROM usage WHERE user = '*'"
        ).fetchone()
    assert analysis.engine == "llm:fake-model"
    assert analysis.motivation == "Sparse matching fails on paraphrases (Section 1)."
    assert analysis.overview.endswith("gains 9.3 points.")
    assert analysis.experiments.setup == [  # "eight A100 GPUs" supports 8; 57 hours is invented
        "8 A100 GPUs, 40 epochs, [unverified: 57 hours]"
    ]
    assert analysis.warnings == [
        "Removed references not found in the paper (with their clause): Table 9",
        "Numbers not found in the paper (marked unverified): 57 hours",
    ]
    assert used == (analysis.usage.input_tokens, analysis.usage.output_tokens)
    assert "DenseLite encodes questions" in llm.paper_text(llm.bodies()[0])


async def test_a_cache_hit_costs_no_download_and_no_llm_request(
    arxiv_fake: ArxivFake, llm: LlmFake, paper_pdf: bytes, make_env: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(KEY_ENV, KEY)
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        first = await env.analyze()
        env.stages.clear()
        second = await env.analyze()
        assert second == first
        assert env.stages == []
        assert len(llm.bodies()) == 1
        assert len(pdf_requests(arxiv_fake)) == 1
        before = len(arxiv_fake.paths())
        assert await env.analyze(f"{PAPER_ID}v3") == first
        assert len(arxiv_fake.paths()) == before  # a known version needs no arXiv request
        assert await env.analyzer.cached(ArxivId(PAPER_ID)) == first
        assert await env.analyzer.cached(ArxivId(PAPER_ID, 3)) == first
        assert await env.analyzer.cached(ArxivId(PAPER_ID, 2)) is None
        assert await env.analyzer.cached(ArxivId(PAPER_ID), language="zh") is None
        refreshed = await env.analyze(refresh=True)
        assert len(llm.bodies()) == 2
        assert refreshed.engine == first.engine
        assert len(pdf_requests(arxiv_fake)) == 1  # the PDF itself stays cached


async def test_each_engine_and_language_is_cached_separately(
    arxiv_fake: ArxivFake, llm: LlmFake, paper_pdf: bytes, make_env: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(KEY_ENV, KEY)
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        await env.analyze()
        await env.analyze(engine="extractive")
        await env.analyze(language="zh")
        assert env.cached_rows() == 3
        assert len(llm.bodies()) == 2


async def test_the_llm_engine_without_a_key_names_the_variable(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        with pytest.raises(AnalysisError, match=rf"set \${KEY_ENV}"):
            await env.analyze(engine="llm")
    assert arxiv_fake.paths() == []


async def test_a_failed_llm_run_caches_nothing(
    arxiv_fake: ArxivFake, llm: LlmFake, paper_pdf: bytes, make_env: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(KEY_ENV, KEY)
    serve(arxiv_fake, paper_pdf)
    llm.fail(401, f"Incorrect API key provided: {KEY}")
    async with make_env() as env:
        with pytest.raises(AnalysisError) as caught:
            await env.analyze()
        assert KEY not in caught.value.user_message
        assert env.cached_rows() == 0
        assert await env.analyzer.cached(ArxivId(PAPER_ID)) is None
        assert (await env.analyze()).engine == "llm:fake-model"  # the next run tries again


async def test_the_daily_token_budget_stops_llm_analyses_only(
    arxiv_fake: ArxivFake, llm: LlmFake, paper_pdf: bytes, make_env: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:  # fmt: skip
    monkeypatch.setenv(KEY_ENV, KEY)
    serve(arxiv_fake, paper_pdf)
    async with make_env("daily_token_budget = 100\n") as env:
        await env.analyze(record_usage=True)
        with pytest.raises(BudgetExceededError):
            await env.analyze(refresh=True)
        assert (await env.analyze(engine="extractive")).engine == "extractive"
    assert len(llm.bodies()) == 1


# abstract-only fallbacks and errors ---------------------------------------------------


@pytest.mark.parametrize(
    ("name", "reason"),
    [
        ("pdfs/ENCRYPTED_password_protected.pdf", "the PDF is password-protected"),
        ("pdfs/TRUNCATED_2004.04906v3_first55pct_DERIVED.pdf", "the PDF is damaged or incomplete"),
        ("pdfs/SCANNED_image_only_Chinese_book_8p.pdf", "the PDF is a scan without a text layer"),
        (
            "pdfs/GARBLED_font_encoding_1page.pdf",
            "the PDF's font encoding is broken, so its text is garbled",
        ),
    ],
)
async def test_unusable_corpus_pdfs_fall_back_to_the_abstract(
    arxiv_fake: ArxivFake, make_env: Any, name: str, reason: str
) -> None:
    serve(arxiv_fake, corpus_file(name).read_bytes())
    async with make_env() as env:
        analysis = await env.analyze()
    assert analysis.source == "abstract_only"
    assert analysis.source_reason == reason
    assert analysis.overview == ABSTRACT
    assert analysis.contributions[0].refs == ["Abstract"]
    assert analysis.warnings == []


async def test_the_fallback_reason_is_in_the_analysis_language(
    arxiv_fake: ArxivFake, make_env: Any, tmp_path: Path
) -> None:
    serve(arxiv_fake, encrypted_pdf(tmp_path).read_bytes())
    async with make_env() as env:
        analysis = await env.analyze(language="zh")
    assert (analysis.source, analysis.source_reason) == ("abstract_only", "PDF 已加密")
    assert (tmp_path / "cache" / "pdfs" / f"{PAPER_ID}v3.pdf").is_file()  # kept: it is a PDF


async def test_a_damaged_download_is_dropped_from_the_pdf_cache(
    arxiv_fake: ArxivFake, make_env: Any, tmp_path: Path
) -> None:
    serve(arxiv_fake, truncated_pdf(tmp_path).read_bytes())
    async with make_env() as env:
        analysis = await env.analyze()
    assert analysis.source_reason == "the PDF is damaged or incomplete"
    assert not (tmp_path / "cache" / "pdfs" / f"{PAPER_ID}v3.pdf").exists()


async def test_a_missing_pdf_falls_back_to_the_abstract(
    arxiv_fake: ArxivFake, make_env: Any
) -> None:
    serve(arxiv_fake, None)
    async with make_env() as env:
        analysis = await env.analyze()
    assert analysis.source_reason == "arXiv has no PDF for this paper"


async def test_an_extraction_timeout_falls_back_but_is_not_cached(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    async with make_env("[analysis]\nextract_timeout_s = 0.001\n") as env:
        analysis = await env.analyze()
        assert analysis.source_reason == "text extraction timed out"
        assert env.cached_rows() == 0


async def test_too_many_pages_is_an_error(
    arxiv_fake: ArxivFake, make_env: Any, tmp_path: Path
) -> None:
    serve(arxiv_fake, long_paper(tmp_path, pages=4).read_bytes())
    async with make_env("[analysis]\nmax_pages = 2\n") as env:
        with pytest.raises(PdfError) as caught:
            await env.analyze()
        assert caught.value.reason == "too_many_pages"
        assert env.cached_rows() == 0


async def test_a_pdf_over_the_size_cap_is_an_error(arxiv_fake: ArxivFake, make_env: Any) -> None:
    serve(arxiv_fake, b"%PDF-1.7\n" + b"0" * (1024 * 1024 + 1))
    async with make_env("[analysis]\nmax_pdf_mb = 1\n") as env:
        with pytest.raises(FetchError, match="PDF"):
            await env.analyze()


async def test_an_unknown_language_or_engine_is_refused(make_env: Any) -> None:
    async with make_env() as env:
        with pytest.raises(AnalysisError, match="Unknown language 'fr'"):
            await env.analyze(language="fr")
        with pytest.raises(AnalysisError, match="Unknown engine 'gpt'"):
            await env.analyze(engine="gpt")


async def test_the_document_method_extracts_the_full_text(
    arxiv_fake: ArxivFake, paper_pdf: bytes, make_env: Any
) -> None:
    serve(arxiv_fake, paper_pdf)
    async with make_env() as env:
        document = await env.analyzer.document(ArxivId(PAPER_ID))
    assert document.title == TITLE
    assert "3" in document.section_numbers()
    assert json.dumps(document.to_json())
