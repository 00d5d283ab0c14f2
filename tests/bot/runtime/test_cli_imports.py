"""Each command imports only what it uses, and PDF workers never load the CLI again.

The commands run in fresh interpreters through the ``arxiv-radar`` entry point
(:mod:`bot.__main__`), exactly as a user starts them, and report ``sys.modules``.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import click
import pytest

from bot.runtime.cli import LAZY_COMMANDS, PLATFORM_COMMANDS, main
from tests.support.analysis_env import KEY_ENV, LLM_ANSWER, PAPER_ID, serve
from tests.support.cue_paper import cue_paper
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.llm import LlmFake
from tests.support.pdf_factory import numbered_paper

# What a command that does not chat, analyse or read PDFs must never load.
HEAVY = (
    "openai",
    "discord",
    "aiohttp",
    "slack_bolt",
    "slack_sdk",
    "pymupdf",
    "handlers",
    "analysis.pipeline",
    "analysis.engines.llm",
)
# What ``analyze`` of a cached paper version never loads: it reads one row.
CACHE_HIT_NEVER = (
    *HEAVY,
    "analysis.engines.extractive",
    "analysis.fulltext",
    "analysis.verify",
    "analysis.budget",
    "analysis.document",
    "bot.arxiv",
    "bot.store",
    "httpx",
    "sqlite_utils",
    "lxml",
)
RUN_ENTRY_POINT = """
import json, sys
from bot.__main__ import main
out, sys.argv = sys.argv[1], ["arxiv-radar", *sys.argv[2:]]
try:
    main()
finally:
    with open(out, "w") as handle:
        json.dump(sorted(sys.modules), handle)
"""


def imported(tmp_path: Path, *args: str, env: dict[str, str] | None = None) -> set[str]:
    """The modules loaded by ``arxiv-radar ARGS`` in a fresh interpreter."""
    out = tmp_path / "modules.json"
    result = subprocess.run(
        [sys.executable, "-c", RUN_ENTRY_POINT, str(out), *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return set(json.loads(out.read_text()))


def heavy(modules: set[str], packages: tuple[str, ...] = HEAVY) -> list[str]:
    return sorted(m for m in modules if any(m == p or m.startswith(p + ".") for p in packages))


@pytest.fixture
def llm() -> Iterator[LlmFake]:
    server = LlmFake(LLM_ANSWER).start()
    yield server
    server.stop()


@pytest.fixture
def config_file(arxiv_fake: ArxivFake, llm: LlmFake, tmp_path: Path) -> Path:
    serve(arxiv_fake, cue_paper(tmp_path).read_bytes())
    path = tmp_path / "config.toml"
    path.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[llm]\nbase_url = "{llm.url}/v1"\napi_key_env = "{KEY_ENV}"\nmax_retries = 0\n'
    )
    return path


def test_help_imports_no_command_module(tmp_path: Path) -> None:
    modules = imported(tmp_path, "--help")
    assert "bot.runtime.cli" in modules
    assert heavy(modules, (*HEAVY, "analysis", "bot.runtime.cli_runtime")) == []


def test_check_imports_no_heavy_package(tmp_path: Path) -> None:
    assert heavy(imported(tmp_path, "check"), (*HEAVY, "httpx", "feedparser")) == []


def test_extracting_a_local_pdf_loads_neither_the_pipeline_nor_pymupdf(tmp_path: Path) -> None:
    modules = imported(tmp_path, "extract", str(numbered_paper(tmp_path)))
    assert "analysis.fulltext.pdf.extract" in modules
    assert heavy(modules, (*HEAVY, "pydantic", "httpx", "sqlite_utils")) == []  # pymupdf: worker


def test_the_help_table_matches_each_command() -> None:
    ctx = click.Context(main)
    helps = {name: short_help for name, (_, short_help) in LAZY_COMMANDS.items()}
    for name, short_help in (helps | PLATFORM_COMMANDS).items():
        command = main.get_command(ctx, name)
        assert command is not None
        assert command.get_short_help_str(limit=200) == short_help, name


def test_extractive_analysis_and_cache_hits_do_not_load_openai(
    config_file: Path, tmp_path: Path
) -> None:
    analyze = ("--config", str(config_file), "analyze")
    with_key = {KEY_ENV: "sk-test"}
    fresh = imported(tmp_path, *analyze, PAPER_ID, "--engine", "extractive")
    assert "analysis.pipeline" in fresh
    assert heavy(fresh, ("openai", "analysis.engines.llm")) == []
    assert "openai" in imported(tmp_path, *analyze, PAPER_ID, "--engine", "llm", env=with_key)
    for engine in ("extractive", "llm"):  # the served version is 3
        hit = imported(tmp_path, *analyze, f"{PAPER_ID}v3", "--engine", engine, env=with_key)
        assert "analysis.cache_lookup" in hit
        assert heavy(hit, CACHE_HIT_NEVER) == [], engine


def test_pdf_workers_do_not_import_the_cli_again(tmp_path: Path) -> None:
    """``python -X importtime`` of ``arxiv-radar extract``: one import of the CLI in all."""
    script = Path(sys.executable).with_name("arxiv-radar")
    if not script.is_file():
        pytest.skip(f"the arxiv-radar console script is not installed beside {sys.executable}")
    result = subprocess.run(
        [str(script), "extract", str(numbered_paper(tmp_path))],
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPROFILEIMPORTTIME": "1"},
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    imports = [line.rsplit("|", 1)[-1].strip() for line in result.stderr.splitlines()]
    assert imports.count("pymupdf") == 1  # in the worker, forked from the command
    assert imports.count("bot.runtime.cli") == 1  # the command itself, in no worker
    assert imports.count("click") == 1


def test_the_deferred_llm_engine_keys_the_cache_as_the_real_one() -> None:
    from analysis.engines.llm import LlmEngine
    from analysis.engines.llm_deferred import DeferredLlmEngine
    from bot.kernel.config import LlmConfig

    config = LlmConfig(model="some-model")
    deferred, real = DeferredLlmEngine(config, "sk-test"), LlmEngine(config, "sk-test")
    assert (deferred.label, deferred.version) == (real.label, real.version)
