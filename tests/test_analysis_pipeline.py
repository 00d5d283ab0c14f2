"""The pipeline end to end: loopback arXiv and LLM, real extraction, SQLite cache."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from html import escape
from pathlib import Path
from typing import Any

import pytest

from analysis.pipeline import AnalysisResult, Analyzer
from analysis.schema import Usage
from bot.arxiv import ArxivClient
from bot.config import Config, parse_config
from bot.errors import AnalysisError, BudgetExceededError, FetchError, PdfError
from bot.ids import ArxivId, parse_arxiv_id
from bot.store import Store
from tests.corpus import corpus_file
from tests.fakes.arxiv import ArxivFake
from tests.fakes.llm import LlmFake
from tests.pdf_factory import encrypted_pdf, long_paper, truncated_pdf
from tests.test_analysis_extractive import ABSTRACT, cue_paper

PAPER_ID = "2401.01234"
KEY_ENV = "ARXIV_RADAR_TEST_LLM_KEY"
KEY = "sk-test-pipeline-secret"
TITLE = "DenseLite: Small Dense Retrieval"
LLM_ANSWER: dict[str, Any] = {
    "overview": "DenseLite trains a small dual encoder (Section 3) and gains 9.3 points.",
    "motivation": "Sparse matching fails on paraphrases (Section 1, Table 9).",
    "contributions": [{"title": "Compact encoder", "detail": "Few examples.", "refs": ["§3"]}],
    "method": "Dot-product ranking (Section 3).",
    "experiments": {
        "metrics": ["top-20 accuracy"],
        "datasets": ["Natural Questions, TriviaQA, SQuAD"],
        "baselines": ["BM25", "ORQA"],
        "setup": ["8 A100 GPUs, 40 epochs, 57 hours"],
    },
    "limitations": {"acknowledged": ["Multi-passage questions (§5)."], "potential": []},
    "future_work": [{"suggestion": "Multilingual retrieval.", "feasibility": "high"}],
}


def atom(arxiv_id: str, version: int, title: str = TITLE, abstract: str = ABSTRACT) -> bytes:
    """An arXiv API answer with one entry."""
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n<feed xmlns="http://www.w3.org/2005/Atom" '
        'xmlns:arxiv="http://arxiv.org/schemas/atom" '
        'xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        "<opensearch:totalResults>1</opensearch:totalResults><entry>"
        f"<id>http://arxiv.org/abs/{arxiv_id}v{version}</id><title>{escape(title)}</title>"
        f"<summary>{escape(abstract)}</summary><published>2024-05-01T00:00:00Z</published>"
        "<updated>2024-05-03T00:00:00Z</updated><author><name>Ada Lovelace</name></author>"
        '<category term="cs.CL"/><arxiv:primary_category term="cs.CL"/></entry></feed>'
    ).encode()


def make_config(arxiv: ArxivFake, llm: LlmFake, tmp_path: Path, extra: str = "") -> Config:
    """A config on the loopback servers and ``tmp_path``; ``extra`` is more TOML."""
    text = (
        arxiv.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + '[report]\nlanguage = "en"\n'
        + f'[llm]\nbase_url = "{llm.url}/v1"\nmodel = "fake-model"\napi_key_env = "{KEY_ENV}"\n'
        + "timeout_s = 5\nmax_retries = 0\n"
        + extra
    )
    return parse_config(text)


def serve(arxiv: ArxivFake, pdf: bytes | None, version: int = 3) -> None:
    arxiv.api[PAPER_ID] = atom(PAPER_ID, version)
    arxiv.api[f"{PAPER_ID}v2"] = atom(PAPER_ID, 2)
    if pdf is not None:
        arxiv.pdfs[PAPER_ID] = pdf


@pytest.fixture
def llm() -> Iterator[LlmFake]:
    server = LlmFake(LLM_ANSWER)
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def paper_pdf(tmp_path_factory: pytest.TempPathFactory) -> bytes:
    return cue_paper(tmp_path_factory.mktemp("pdf")).read_bytes()


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


class Env:
    """The analyzer on a fresh store, recording the progress stages it reports."""

    def __init__(self, config: Config, store: Store, analyzer: Analyzer) -> None:
        self.config, self.store, self.analyzer = config, store, analyzer
        self.stages: list[str] = []

    async def progress(self, stage: str) -> None:
        self.stages.append(stage)

    async def result(self, arxiv_id: str = PAPER_ID, **options: Any) -> AnalysisResult:
        return await self.analyzer.analyze(
            parse_arxiv_id(arxiv_id), progress=self.progress, **options
        )

    async def analyze(self, arxiv_id: str = PAPER_ID, **options: Any) -> Any:
        return (await self.result(arxiv_id, **options)).analysis

    def usage_rows(self) -> list[tuple[str, int, int, int]]:
        return self.store.db.execute(
            "SELECT user, analyses, input_tokens, output_tokens FROM usage ORDER BY user"
        ).fetchall()

    def cached_rows(self) -> int:
        return self.store.db.execute("SELECT count(*) FROM analyses").fetchone()[0]


@pytest.fixture
def make_env(arxiv_fake: ArxivFake, llm: LlmFake, tmp_path: Path) -> Any:
    """Builds an :class:`Env` (config ``extra`` TOML optional) and closes it after use."""

    @asynccontextmanager
    async def build(extra: str = "") -> AsyncIterator[Env]:
        config = make_config(arxiv_fake, llm, tmp_path, extra)
        store = Store.open(config.storage.path)
        client = ArxivClient(config.arxiv)
        try:
            yield Env(config, store, Analyzer(config, store, client))
        finally:
            await client.aclose()
            store.close()

    return build


def pdf_requests(arxiv: ArxivFake) -> list[str]:
    return [path for path in arxiv.paths() if path.startswith("/pdf/")]


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
        analysis = await env.analyze()
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
        made = await env.result()
        first = made.analysis
        env.stages.clear()
        again = await env.result()
        assert (made.fresh, again.fresh) == (True, False)
        assert made.usage == first.usage
        assert again.usage == Usage()
        assert again.analysis == first
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
        assert env.usage_rows() == [("*", 1, first.usage.input_tokens, first.usage.output_tokens)]
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
        await env.analyze()
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
