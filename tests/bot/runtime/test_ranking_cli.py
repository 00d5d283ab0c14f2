"""`arxiv-radar rank`, `interests` and `digest --top`: the ranking through the command line.

The seed announcement from the loopback arXiv, the interest papers' metadata from
its API, a real SQLite file; the commands run as a user runs them (click's runner).
"""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path

import pytest
from click.testing import CliRunner

from bot.runtime.cli import main
from bot.store import Store
from bot.watch.interests import add_interest
from tests.support.analysis_env import atom
from tests.support.cue_paper import cue_paper
from tests.support.fakes.arxiv import ArxivFake
from tests.support.feeds import SEED_IDS, seed_feed

VERSIONS = {"2511.05275": 1, "2511.05397": 1, "2509.14117": 3, "2511.05491": 1}
SPATIAL = "2405.00001"  # the team's paper, served by the fake API
SPATIAL_TITLE = "Spatial Tuning of Vision Language Models for Spatial Perception"
SPATIAL_ABSTRACT = (
    "Visual spatial perception and spatial reasoning remain weak in vision-language models. "
    "We tune VLMs on spatial tasks (depth, distance, layout) and improve spatial understanding "
    "benchmarks while keeping general visual perception."
)
VISUAL_SPATIAL_TUNING = "2511.05491"


def write_config(arxiv_fake: ArxivFake, tmp_path: Path, monitor_extra: str = "") -> Path:
    config = tmp_path / "config.toml"
    config.write_text(
        arxiv_fake.config_toml()
        + f'[storage]\npath = "{tmp_path}/radar.db"\ncache_dir = "{tmp_path}/cache"\n'
        + f'[report]\ndir = "{tmp_path}/reports"\nlanguage = "en"\n'
        + '[[monitors]]\nname = "default"\n'
        + 'keywords = ["Vision Language Action ", "vla", "Vision-Language-Action", '
        + '"spatial"]\n'
        + monitor_extra
    )
    return config


@pytest.fixture
def served(arxiv_fake: ArxivFake, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> ArxivFake:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    arxiv_fake.feeds["*"] = seed_feed()
    arxiv_fake.api[SPATIAL] = atom(SPATIAL, 1, SPATIAL_TITLE, SPATIAL_ABSTRACT)
    pdf = cue_paper(tmp_path).read_bytes()
    for arxiv_id, version in VERSIONS.items():
        arxiv_fake.api[f"{arxiv_id}v{version}"] = atom(arxiv_id, version)
        arxiv_fake.pdfs[f"{arxiv_id}v{version}"] = pdf
    return arxiv_fake


def invoke(config: Path, *args: str) -> str:
    result = CliRunner().invoke(main, ["--config", str(config), *args])
    assert result.exit_code == 0, result.output
    return result.stdout


def ranked_ids(config: Path) -> list[str]:
    out = invoke(config, "rank", "--date", "2025-11-11", "--format", "json")
    return [item["arxiv_id"] for item in json.loads(out)]


def test_rank_without_a_profile_orders_by_keyword_strength(served, tmp_path) -> None:
    config = write_config(served, tmp_path)
    invoke(config, "poll")
    out = invoke(config, "rank", "--date", "2025-11-11", "--format", "json")
    items = json.loads(out)
    assert [set(item) for item in items] == [{"arxiv_id", "title", "score", "reasons"}] * 4
    assert sorted(item["arxiv_id"] for item in items) == sorted(SEED_IDS)
    scores = [item["score"] for item in items]
    assert scores == sorted(scores, reverse=True)
    # TwinVLA has three keyword forms in its title: the strongest match.
    assert items[0]["arxiv_id"] == "2511.05275"
    assert items[0]["reasons"][0].startswith("keywords: Vision Language Action  (title)")
    assert not [r for r in served.requests if r.path.startswith("/api/")]


def test_a_listed_paper_brings_its_topic_to_the_top_of_rank_and_report(served, tmp_path) -> None:
    config = write_config(served, tmp_path, f'interests = ["{SPATIAL}"]\n')
    invoke(config, "poll")
    assert ranked_ids(config)[0] == VISUAL_SPATIAL_TUNING
    api = [r for r in served.requests if r.path.startswith("/api/")]
    assert [r.query.get("id_list") for r in api] == [SPATIAL]  # one batched look-up
    text = invoke(config, "rank", "--date", "2025-11-11")
    assert "4 matches of the 2025-11-10 announcement" in text
    assert re.search(rf"  1\. +[\d.]+  {VISUAL_SPATIAL_TUNING}  Visual Spatial Tuning", text)
    assert f"similar to: {SPATIAL_TITLE}" in text
    ranked_ids(config)
    assert len([r for r in served.requests if r.path.startswith("/api/")]) == 1  # cached

    path = Path(invoke(config, "digest", "--date", "2025-11-11", "--no-analyze").strip())
    report = path.read_text(encoding="utf-8")
    titles = re.findall(r"^## \d+\. (.+)$", report, flags=re.MULTILINE)
    assert titles[0] == "Visual Spatial Tuning"
    relevance = re.findall(r"^- \*\*Relevance\*\*: (.+)$", report, flags=re.MULTILINE)
    assert len(relevance) == 4
    assert f"similar to: {SPATIAL_TITLE}" in relevance[0]
    scores = [float(line.split()[0]) for line in relevance]
    assert scores == sorted(scores, reverse=True)


def test_digest_top_analyses_only_the_best_ranked_papers(served, tmp_path) -> None:
    config = write_config(served, tmp_path, f'interests = ["{SPATIAL}"]\n')
    path = Path(invoke(config, "digest", "--date", "2025-11-11", "--top", "1").strip())
    report = path.read_text(encoding="utf-8")
    pdfs = [r.path for r in served.requests if r.path.startswith("/pdf/")]
    assert pdfs == [f"/pdf/{VISUAL_SPATIAL_TUNING}v1"]
    sections = re.split(r"^## \d+\. ", report, flags=re.MULTILINE)[1:]
    assert sections[0].startswith("Visual Spatial Tuning")
    assert "### AI Analysis" in sections[0]
    for section in sections[1:]:
        assert "### AI Analysis" not in section
        assert "### Abstract" in section


def test_interests_lists_the_profile_and_reports_unknown_ids_and_bad_entries(
    served, tmp_path
) -> None:
    library = tmp_path / "library.bib"
    library.write_text(
        "@article{ours2024,\n"
        "  title = {Depth-Aware {VLMs} for Robot Grasping},\n"
        "  author = {M{\\\"u}ller, J{\\'e}r{\\^o}me},\n"
        "  abstract = {Grasping with depth-aware vision-language models.},\n"
        "  year = {2024},\n"
        "}\n"
        "@misc{broken,\n  title = {Unclosed,\n  year = 2023\n"
        "@misc{missing2024, eprint = {2405.99999}, archivePrefix = {arXiv}}\n",
        encoding="utf-8",
    )
    served.api[f"{SPATIAL},2405.99999"] = served.api[SPATIAL]
    config = write_config(
        served, tmp_path, f'interests = ["{SPATIAL}"]\ninterests_file = "{library}"\n'
    )
    result = CliRunner().invoke(main, ["--config", str(config), "interests"])
    assert result.exit_code == 0, result.output
    out = result.stdout
    assert "default: 2 interest papers, 0 marked down" in out
    assert f"+1.00  {SPATIAL}  {SPATIAL_TITLE}  [config]" in out
    assert "+1.00  bib:ours2024  Depth-Aware VLMs for Robot Grasping  [library.bib]" in out
    assert "unknown to arXiv: 2405.99999" in out
    assert "entry @misc{broken skipped" in result.stderr
    again = CliRunner().invoke(main, ["--config", str(config), "interests"])
    assert "unknown to arXiv: 2405.99999" in again.stdout
    api = [r for r in served.requests if r.path.startswith("/api/")]
    assert [r.query.get("id_list") for r in api] == [f"{SPATIAL},2405.99999"]  # asked once


def test_rank_and_interests_for_one_channel_use_its_own_profile(served, tmp_path) -> None:
    config = write_config(served, tmp_path)
    invoke(config, "poll")

    async def add_from_chat() -> None:
        store = Store.open(tmp_path / "radar.db")
        try:
            await add_interest(store, channel=("slack", "C0TEAM"), arxiv_id=SPATIAL)
        finally:
            store.close()

    asyncio.run(add_from_chat())
    everyone = ranked_ids(config)
    assert everyone[0] == "2511.05275"  # no channel: no profile, keyword strength
    args = ["rank", "--date", "2025-11-11", "--format", "json", "--channel", "slack:C0TEAM"]
    team = [item["arxiv_id"] for item in json.loads(invoke(config, *args))]
    assert team[0] == VISUAL_SPATIAL_TUNING
    listed = invoke(config, "interests", "--channel", "slack:C0TEAM")
    assert f"+1.00  {SPATIAL}  {SPATIAL_TITLE}  [chat]" in listed
    bad = CliRunner().invoke(main, ["--config", str(config), "rank", "--channel", "irc:#x"])
    assert bad.exit_code == 2
    assert "slack:<channel id>" in bad.output
