"""The analysis pipeline's test environment: loopback arXiv and LLM, config, the DenseLite paper."""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from html import escape
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import click
import pytest
from click.testing import CliRunner, Result

from analysis.cli import analyze_command, extract_command
from analysis.pipeline import Analyzer
from bot.arxiv.client import ArxivClient
from bot.kernel.config import Config, parse_config
from bot.kernel.ids import parse_arxiv_id
from bot.store import Store
from tests.support.cue_paper import ABSTRACT, cue_paper
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake

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


def pdf_requests(arxiv: ArxivFake) -> list[str]:
    return [path for path in arxiv.paths() if path.startswith("/pdf/")]


def run(config: Config, *args: str) -> Result:
    """Invoke the commands through a group that sets ``ctx.obj`` as the main CLI does."""

    @click.group()
    @click.pass_context
    def cli(ctx: click.Context) -> None:
        ctx.obj = SimpleNamespace(config=config)

    cli.add_command(analyze_command)
    cli.add_command(extract_command)
    return CliRunner().invoke(cli, list(args))


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

    async def analyze(self, arxiv_id: str = PAPER_ID, **options: Any) -> Any:
        return await self.analyzer.analyze(
            parse_arxiv_id(arxiv_id), progress=self.progress, **options
        )

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
