"""#14 item 1: hostile feed and LLM text stays inert in the CommonMark report."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from click.testing import CliRunner
from markdown_it import MarkdownIt

from bot.runtime.cli import main
from tests.support.analysis_env import KEY_ENV, atom
from tests.support.cue_paper import cue_paper
from tests.support.digest_env import VERSIONS, expected_skeleton
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.feeds import SEED_IDS, seed_feed
from tests.support.hostile import hostile_answer, hostile_feed
from tests.support.seed import seed_text, skeleton


@pytest.fixture
def hostile_llm() -> LlmFake:
    server = LlmFake(hostile_answer())
    server.start()
    yield server  # type: ignore[misc]
    server.stop()


def write_report(arxiv: ArxivFake, llm: LlmFake, tmp_path: Path) -> str:
    arxiv.feeds["*"] = hostile_feed()
    pdf = cue_paper(tmp_path).read_bytes()
    for arxiv_id, version in VERSIONS.items():
        arxiv.api[f"{arxiv_id}v{version}"] = atom(arxiv_id, version)
        arxiv.pdfs[f"{arxiv_id}v{version}"] = pdf
    config = tmp_path / "config.toml"
    config.write_text(
        arxiv.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\n'
        + f'[llm]\nbase_url = "{llm.url}/v1"\nmodel = "fake-model"\napi_key_env = "{KEY_ENV}"\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config), "digest", "--date", "2025-11-11"])
    assert result.exit_code == 0, result.output
    return Path(result.stdout.strip()).read_text(encoding="utf-8")


def test_hostile_titles_abstracts_and_analyses_render_inert(
    arxiv_fake: ArxivFake, hostile_llm: LlmFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, "sk-report-test")
    text = write_report(arxiv_fake, hostile_llm, tmp_path)
    levels = [heading.split(" ")[0] for heading in skeleton(text)]
    assert levels == [heading.split(" ")[0] for heading in expected_skeleton()]
    html = MarkdownIt("commonmark").render(text)
    hrefs = re.findall(r'href="([^"]*)"', html)
    assert hrefs
    assert all(h.startswith("https://arxiv.org/abs/") for h in hrefs), hrefs
    for live in ("<img", "<script", '<a href="javascript', '<a href="data'):
        assert live not in html
    assert html.count("<pre>") == 0  # no unclosed fence swallows the rest of the report
    assert html.count("<h2>") == 1 + len(SEED_IDS)  # overview + one per paper
    for mention in ("@everyone", "@here", "@channel", "<!channel>", "<@U123>"):
        assert mention not in text
    for invisible in ("\u202e", "\u2066", "\u200b" + "gnp"):
        assert invisible not in text
    assert "Abstract: # Owned - list link (javascript:alert(1))" in text  # flattened, shown
    assert "&lt;script>alert(1)&lt;/script>" in text  # the words remain readable


def test_an_ordinary_report_keeps_the_seed_wording(arxiv_fake: ArxivFake, tmp_path: Path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    config = tmp_path / "config.toml"
    config.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\n[report]\ndir = "{tmp_path}/reports"\n'
    )
    result = CliRunner().invoke(
        main, ["--config", str(config), "digest", "--no-analyze", "--date", "2025-11-11"]
    )
    assert result.exit_code == 0, result.output
    ours = Path(result.stdout.strip()).read_text(encoding="utf-8")
    seed = seed_text()
    for line in ours.splitlines():
        if line.startswith(("## ", "- **作者**", "- **arXiv ID**", "- **分类**")):
            assert line in seed, line
