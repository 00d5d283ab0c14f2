"""The ``analyze`` and ``extract`` commands end to end against the loopback servers."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis.schema import Analysis
from bot.kernel.config import Config
from bot.store import Store
from tests.support.analysis_env import KEY, KEY_ENV, LLM_ANSWER, PAPER_ID, make_config, run, serve
from tests.support.cue_paper import ABSTRACT, cue_paper
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake


@pytest.fixture
def llm() -> Iterator[LlmFake]:
    server = LlmFake(LLM_ANSWER)
    server.start()
    yield server
    server.stop()


@pytest.fixture
def config(arxiv_fake: ArxivFake, llm: LlmFake, tmp_path: Path) -> Config:
    serve(arxiv_fake, cue_paper(tmp_path).read_bytes())
    return make_config(arxiv_fake, llm, tmp_path)


@pytest.fixture(autouse=True)
def no_key(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)


def test_analyze_prints_markdown_with_progress_on_stderr(config: Config) -> None:
    result = run(config, "analyze", f"https://arxiv.org/abs/{PAPER_ID}", "--lang", "zh")
    assert result.exit_code == 0, result.output
    assert result.stderr.splitlines() == [
        "⏳ Downloading PDF…", "⏳ Extracting text…", "⏳ Analysing with extractive…",
    ]  # fmt: skip
    out = result.stdout
    link = config.arxiv.abs_url.format(id=f"{PAPER_ID}v3")
    assert out.startswith(f"## DenseLite: Small Dense Retrieval\n\n{link}\n\n")
    assert "> 引擎：extractive（摘录式，未使用大模型） · 来源：全文" in out
    assert f"### 论文概要\n{ABSTRACT}\n" in out


def test_analyze_json_is_the_analysis(config: Config) -> None:
    result = run(config, "analyze", PAPER_ID, "--format", "json", "--lang", "en")
    assert result.exit_code == 0, result.output
    analysis = Analysis.model_validate_json(result.stdout)
    assert (analysis.arxiv_id, analysis.version, analysis.language) == (PAPER_ID, 3, "en")


def test_analyze_with_the_llm_uses_the_cache_until_refresh(
    config: Config, llm: LlmFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    first = run(config, "analyze", PAPER_ID, "--engine", "llm", "--format", "json")
    assert first.exit_code == 0, first.output
    assert "⏳ Analysing with llm:fake-model…" in first.stderr
    again = run(config, "analyze", PAPER_ID, "--engine", "llm", "--format", "json")
    assert again.stdout == first.stdout
    assert again.stderr == ""
    assert len(llm.bodies()) == 1
    refreshed = run(config, "analyze", PAPER_ID, "--engine", "llm", "--refresh")
    assert refreshed.exit_code == 0
    assert len(llm.bodies()) == 2
    store = Store.open(config.storage.path)
    [(analyses,)] = store.test_db.execute("SELECT analyses FROM usage WHERE user = '*'").fetchall()
    store.close()
    assert analyses == 2  # `stats` counts the two analyses made (the cache hit is free)


def test_a_versioned_cache_hit_asks_nobody_and_prints_the_same_analysis(
    config: Config, arxiv_fake: ArxivFake, llm: LlmFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    for engine in ("llm", "extractive"):
        first = run(config, "analyze", PAPER_ID, "--engine", engine, "--format", "json")
        assert first.exit_code == 0, first.output
        asked = len(arxiv_fake.requests)
        hit = run(config, "analyze", f"{PAPER_ID}v3", "--engine", engine, "--format", "json")
        assert (hit.exit_code, hit.stdout, hit.stderr) == (0, first.stdout, ""), engine
        assert len(arxiv_fake.requests) == asked, engine  # the served version is 3
        markdown = run(config, "analyze", f"{PAPER_ID}v3", "--engine", engine)
        assert markdown.stdout.startswith("## DenseLite: Small Dense Retrieval\n\n")
    assert len(llm.bodies()) == 1
    other_version = run(config, "analyze", f"{PAPER_ID}v2", "--engine", "extractive")
    assert other_version.exit_code == 0  # a miss: analysed through the pipeline
    assert len(arxiv_fake.requests) > asked


def test_a_cache_look_up_without_a_database_or_its_table_is_a_miss(
    config: Config, tmp_path: Path
) -> None:
    from analysis.cache_lookup import cached_analysis
    from bot.kernel.ids import parse_arxiv_id

    versioned = parse_arxiv_id(f"{PAPER_ID}v3")
    assert cached_analysis(config, versioned) is None  # no database file yet
    Path(config.storage.path).write_bytes(b"")  # an empty file: no analyses table
    assert cached_analysis(config, versioned) is None
    Path(config.storage.path).unlink()
    result = run(config, "analyze", f"{PAPER_ID}v3", "--engine", "nonsense")
    assert result.exit_code == 2  # click rejects it before any look-up


def test_errors_are_one_clean_line_and_exit_code_1(
    config: Config, llm: LlmFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    bad_id = run(config, "analyze", "not-an-id")
    assert bad_id.exit_code == 1
    assert bad_id.stderr.startswith("Error: 'not-an-id' is not an arXiv ID")
    assert "Traceback" not in bad_id.output

    for paper in (PAPER_ID, f"{PAPER_ID}v3"):  # the cache look-up refuses it too
        no_key = run(config, "analyze", paper, "--engine", "llm")
        assert no_key.exit_code == 1
        assert f"set ${KEY_ENV}" in no_key.stderr

    monkeypatch.setenv(KEY_ENV, KEY)
    llm.fail(401, f"Incorrect API key provided: {KEY}")
    rejected = run(config, "analyze", PAPER_ID)
    assert rejected.exit_code == 1
    assert rejected.stderr.endswith(
        f"Error: The LLM server rejected the API key (check ${KEY_ENV}).\n"
    )
    assert KEY not in rejected.output


def test_extract_a_local_pdf_as_text(config: Config, tmp_path: Path) -> None:
    path = cue_paper(tmp_path)
    result = run(config, "extract", str(path))
    assert result.exit_code == 0, result.output
    assert result.stdout.startswith("# DenseLite: Small Dense Retrieval\n")
    assert "3 Method" in result.stdout


def test_extract_an_arxiv_paper_as_json(config: Config, arxiv_fake: ArxivFake) -> None:
    result = run(config, "extract", PAPER_ID, "--format", "json")
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    assert data["title"] == "DenseLite: Small Dense Retrieval"
    assert [s["number"] for s in data["sections"]][:3] == ["1", "2", "3"]
    assert data["references_count"] == 5
    assert f"/pdf/{PAPER_ID}v3" in arxiv_fake.paths()


def test_extract_reports_an_unusable_file_cleanly(config: Config, tmp_path: Path) -> None:
    fake_pdf = tmp_path / "page.pdf"
    fake_pdf.write_text("<html>not a pdf</html>")
    result = run(config, "extract", str(fake_pdf))
    assert result.exit_code == 1
    assert result.stderr == "Error: page.pdf is not a PDF (the server sent something else).\n"


def test_analyze_explain_prints_what_the_llm_is_sent_on_stderr(config: Config) -> None:
    result = run(config, "analyze", PAPER_ID, "--lang", "en", "--explain")
    assert result.exit_code == 0, result.output
    assert "Share by role: " in result.stderr
    table = result.stderr[result.stderr.index("Sent ") :]
    assert "1 Introduction" in table
    assert "5 Limitations" in table
    assert "whole" in table
    assert "Share by role" not in result.stdout
