"""`digest` with analysis: every matched paper analysed, the seed's full heading skeleton."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.runtime.cli import main
from tests.support.analysis_env import atom
from tests.support.cue_paper import cue_paper
from tests.support.digest_env import VERSIONS, expected_skeleton, seed_analysis_headings
from tests.support.fakes.arxiv import ArxivFake
from tests.support.feeds import SEED_IDS, seed_feed
from tests.support.seed import ANALYSIS_HEADING, skeleton


@pytest.fixture
def served(arxiv_fake: ArxivFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    arxiv_fake.feeds["*"] = seed_feed()
    pdf = cue_paper(tmp_path).read_bytes()
    for arxiv_id, version in VERSIONS.items():
        arxiv_fake.api[f"{arxiv_id}v{version}"] = atom(arxiv_id, version)
        arxiv_fake.pdfs[f"{arxiv_id}v{version}"] = pdf
    config = tmp_path / "config.toml"
    config.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\n'
    )
    return config


def test_digest_analyses_every_paper_in_the_seed_structure(served: Path, arxiv_fake) -> None:
    assert seed_analysis_headings() == [
        "### 论文概要",
        "### 研究动机",
        "### 核心贡献与创新点",
        "### 方法概述",
        "### 实验说明",
        "### 改进建议和未来研究方向",
    ]
    result = CliRunner().invoke(main, ["--config", str(served), "digest", "--date", "2025-11-11"])
    assert result.exit_code == 0, result.output
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert skeleton(text) == expected_skeleton()
    for label in ("**评估指标**", "**数据集**", "**对比方法**", "**实验条件**"):
        assert text.count(label) == len(SEED_IDS)
    pdf_paths = sorted(r.path for r in arxiv_fake.requests if r.path.startswith("/pdf/"))
    assert pdf_paths == sorted(f"/pdf/{i}v{v}" for i, v in VERSIONS.items())
    assert not [r for r in arxiv_fake.requests if r.path.startswith("/api/")]  # feed metadata


def test_a_second_digest_reuses_the_cached_analyses(served: Path, arxiv_fake) -> None:
    args = ["--config", str(served), "digest", "--date", "2025-11-11"]
    first = CliRunner().invoke(main, args)
    downloads = len([r for r in arxiv_fake.requests if r.path.startswith("/pdf/")])
    second = CliRunner().invoke(main, args)
    assert second.exit_code == 0, second.output
    path = Path(first.stdout.strip())
    assert path.read_text(encoding="utf-8") == Path(second.stdout.strip()).read_text("utf-8")
    assert len([r for r in arxiv_fake.requests if r.path.startswith("/pdf/")]) == downloads


def test_an_unreadable_pdf_is_labelled_abstract_only(served: Path, arxiv_fake) -> None:
    arxiv_fake.pdfs["2511.05275v1"] = b"<html>Not found</html>"
    result = CliRunner().invoke(main, ["--config", str(served), "digest", "--date", "2025-11-11"])
    assert result.exit_code == 0, result.output
    text = Path(result.stdout.strip()).read_text(encoding="utf-8")
    assert "### AI分析（仅基于摘要）" in text
    assert text.count(ANALYSIS_HEADING) == 3
