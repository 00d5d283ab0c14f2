"""Ranking a day's matches by keyword strength and the team's interest profile (#16).

Real feeds from the corpus; a real SQLite store; the chat side's API (signals,
interests) as rank-chat calls it.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from analysis.embeddings import cosine
from bot.arxiv.feeds import parse_feed
from bot.kernel.config import Config, parse_config
from bot.kernel.errors import InvalidArxivIdError
from bot.kernel.matching import Selection
from bot.kernel.models import ChatRef, Paper
from bot.store import Store
from bot.watch.interests import (
    THUMBS_DOWN,
    SignalError,
    add_interest,
    list_interests,
    record_signal,
    remove_interest,
)
from bot.watch.ranking import rank_papers
from bot.watch.ranking.profile import build_profile
from tests.support.corpus import corpus_file
from tests.support.fakes.embeddings import EmbeddingsFake, bag_of_words

NOW = datetime(2018, 8, 31, 12, tzinfo=UTC)
RDF = "feeds/export_arxiv_org_rss_cs_RDF_2018-08-30.rdf"
# Two differential-privacy papers of the 2018-08-30 cs announcement.
DP_PROFILE = ("1808.10101", "1808.10410")  # DP-ADMM; The Bounded Laplace Mechanism in DP
DP_CHANGE_POINT = "1808.10056"  # Differentially Private Change-Point Detection
# Two machine-translation papers of the same announcement.
MT_PROFILE = ("1808.10006", "1808.10432")  # Length bias in NMT; Human parity in NMT
MT_OTHERS = ("1808.10196", "1808.10267")  # Pronoun translation; Multi-source syntactic NMT
SLACK = ChatRef("slack", "C0TEAM")
SLACK_KEY = ("slack", "C0TEAM")


def cs_day() -> list[Paper]:
    return list(parse_feed(corpus_file(RDF).read_bytes()).papers)


def make_config(tmp_path: Path, extra: str = "") -> Config:
    return parse_config(
        f'[storage]\npath = "{tmp_path}/radar.db"\n'
        "[[monitors]]\n"
        'name = "cs"\n'
        'categories = ["cs.CL", "cs.LG", "cs.CR"]\n'
        "keywords = []\n"
        'channels = ["slack:C0TEAM", "discord:42"]\n' + extra
    )


@pytest.fixture
def store(tmp_path: Path) -> Iterator[Store]:
    opened = Store.open(tmp_path / "radar.db", clock=lambda: NOW)
    yield opened
    opened.close()


async def saved_day(store: Store) -> list[Paper]:
    papers = cs_day()
    await store.run(store.save_papers, papers)
    return papers


async def test_a_profile_on_one_topic_puts_that_topic_first(tmp_path, store) -> None:
    config = make_config(tmp_path, f"interests = {list(MT_PROFILE)!r}\n".replace("'", '"'))
    papers = [p for p in await saved_day(store) if p.arxiv_id not in MT_PROFILE]
    ranked = await rank_papers(
        store, config, monitor=config.monitors[0], channel=None, papers=papers, matches=None
    )
    top = [r.paper.arxiv_id for r in ranked[:3]]
    assert set(MT_OTHERS) <= set(top), [r.paper.title for r in ranked[:5]]
    assert ranked[0].similar_to is not None
    assert any(line.startswith("similar to: ") for line in ranked[0].reasons)


async def test_without_a_profile_keyword_strength_ranks_and_ties_keep_feed_order(
    tmp_path, store
) -> None:
    config = make_config(tmp_path)
    monitor = replace(config.monitors[0], keywords=("translation", "privacy"))
    papers = await saved_day(store)
    ranked = await rank_papers(
        store, config, monitor=monitor, channel=SLACK, papers=papers, matches=None
    )
    scores = [r.score for r in ranked]
    assert scores == sorted(scores, reverse=True)
    in_title = [r for r in ranked if r.reasons and "(title)" in r.reasons[0]]
    abstract_only = [r for r in ranked if r.reasons and "(title)" not in r.reasons[0]]
    assert in_title
    assert abstract_only
    assert min(r.score for r in in_title) > max(r.score for r in abstract_only)
    zero = [r.paper.arxiv_id for r in ranked if r.score == 0]
    assert zero == [p.arxiv_id for p in papers if p.arxiv_id in zero]  # announcement order
    assert all(r.similar_to is None for r in ranked)


async def test_a_thumbs_down_lowers_similar_papers_in_that_channel_only(tmp_path, store) -> None:
    config = make_config(tmp_path)
    monitor = config.monitors[0]
    papers = await saved_day(store)
    for arxiv_id in DP_PROFILE:
        await add_interest(store, channel=SLACK, arxiv_id=arxiv_id, at=NOW)
        await add_interest(store, channel=("discord", "42"), arxiv_id=arxiv_id, at=NOW)
    day = [p for p in papers if p.arxiv_id not in DP_PROFILE]

    async def scores(channel: ChatRef | tuple[str, str]) -> dict[str, float]:
        ranked = await rank_papers(
            store, config, monitor=monitor, channel=channel, papers=day, matches={}
        )
        return {r.paper.arxiv_id: r.score for r in ranked}

    before = await scores(SLACK)
    assert max(before, key=before.__getitem__) == DP_CHANGE_POINT
    # Slack marks down another privacy paper: similar papers sink there, and only there.
    await record_signal(
        store,
        monitor="cs",
        channel=SLACK,
        arxiv_id="1808.10151",  # VirtualIdentity: Privacy-Preserving User Profiling
        kind=THUMBS_DOWN,
        weight=-1.0,
        at=NOW - timedelta(hours=1),
    )
    after = await scores(SLACK)
    drop = {arxiv_id: before[arxiv_id] - after[arxiv_id] for arxiv_id in before}
    assert drop[DP_CHANGE_POINT] > 3 * drop["1808.10000"]  # grammar induction: unrelated
    assert drop["1808.10082"] > 3 * drop["1808.10000"]  # privacy protection in detection
    assert await scores(("discord", "42")) == before


async def test_the_same_inputs_give_the_same_order(tmp_path, store) -> None:
    config = make_config(tmp_path, f"interests = {list(DP_PROFILE)!r}\n".replace("'", '"'))
    papers = await saved_day(store)
    matches = {p.arxiv_id: Selection() for p in papers}
    first = await rank_papers(
        store, config, monitor=config.monitors[0], channel=None, papers=papers, matches=matches
    )
    second = await rank_papers(
        store, config, monitor=config.monitors[0], channel=None, papers=papers, matches=matches
    )
    assert first == second
    assert len(first) == len(papers)


@pytest.fixture
def embeddings() -> Iterator[EmbeddingsFake]:
    server = EmbeddingsFake(dimensions=256).start()
    yield server
    server.stop()


async def test_embeddings_rank_by_cosine_and_each_paper_is_embedded_once(
    tmp_path, store, embeddings, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    interests = f"interests = {list(MT_PROFILE)!r}\n".replace("'", '"')
    config = make_config(
        tmp_path,
        interests + f'[embeddings]\nbase_url = "{embeddings.url}/v1"\nmodel = "fake-embed"\n',
    )
    papers = [p for p in await saved_day(store) if p.arxiv_id not in MT_PROFILE]
    monitor = config.monitors[0]
    ranked = await rank_papers(
        store, config, monitor=monitor, channel=None, papers=papers, matches=None
    )
    sent = [text for batch in embeddings.inputs() for text in batch]
    assert len(sent) == len(papers) + len(MT_PROFILE)
    # The fake's vectors are hashed bags of words: the order is their cosine order.
    profile = [p for p in cs_day() if p.arxiv_id in MT_PROFILE]

    def closeness(paper: Paper) -> float:
        vector = bag_of_words(f"{paper.title}\n{paper.abstract}", 256)
        return max(cosine(vector, bag_of_words(f"{p.title}\n{p.abstract}", 256)) for p in profile)

    expected = sorted(papers, key=lambda p: -closeness(p))
    assert [r.paper.arxiv_id for r in ranked[:5]] == [p.arxiv_id for p in expected[:5]]
    assert ranked[0].similar_to in {p.title for p in profile}
    again = await rank_papers(
        store, config, monitor=monitor, channel=None, papers=papers, matches=None
    )
    assert again == ranked
    assert sum(len(b) for b in embeddings.inputs()) == len(sent)  # all from the cache


async def test_a_failing_embeddings_endpoint_falls_back_to_bm25(
    tmp_path, store, embeddings, monkeypatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    interests = f"interests = {list(MT_PROFILE)!r}\n".replace("'", '"')
    plain = make_config(tmp_path, interests)
    config = make_config(
        tmp_path,
        interests
        + f'[embeddings]\nbase_url = "{embeddings.url}/v1"\nmodel = "fake-embed"\n'
        + "max_retries = 0\n",
    )
    embeddings.fail(500, "overloaded", times=5)
    papers = [p for p in await saved_day(store) if p.arxiv_id not in MT_PROFILE]
    ranked = await rank_papers(
        store, config, monitor=config.monitors[0], channel=None, papers=papers, matches=None
    )
    by_bm25 = await rank_papers(
        store, plain, monitor=plain.monitors[0], channel=None, papers=papers, matches=None
    )
    assert ranked == by_bm25


async def test_chat_interests_are_added_listed_and_removed_per_channel(tmp_path, store) -> None:
    config = make_config(tmp_path, 'interests = ["1808.10410"]\n')
    await saved_day(store)
    assert await add_interest(store, channel=SLACK, arxiv_id="arXiv:1808.10101v2", at=NOW)
    assert not await add_interest(store, channel=SLACK, arxiv_id="1808.10101", at=NOW)
    await add_interest(
        store, channel=SLACK, arxiv_id="https://arxiv.org/abs/1808.10056", at=NOW + timedelta(1)
    )
    items = await list_interests(store, channel=SLACK, config=config)
    assert [(i.arxiv_id, i.source) for i in items] == [
        ("1808.10056", "chat"),
        ("1808.10101", "chat"),
        ("1808.10410", "config:cs"),
    ]
    assert items[0].title == "Differentially Private Change-Point Detection"
    assert await list_interests(store, channel=("discord", "7")) == []
    assert await remove_interest(store, channel=SLACK, arxiv_id="1808.10056")
    assert not await remove_interest(store, channel=SLACK, arxiv_id="1808.10056")
    with pytest.raises(InvalidArxivIdError):
        await add_interest(store, channel=SLACK, arxiv_id="<@U123> not an id")


async def test_bad_signals_are_refused_with_a_reason(store) -> None:
    for kind, weight in (("", 1.0), ("thumbsup", 0.0), ("thumbsup", float("nan"))):
        with pytest.raises(SignalError):
            await record_signal(
                store,
                monitor=None,
                channel=SLACK,
                arxiv_id="1808.10056",
                kind=kind,
                weight=weight,
                at=NOW,
            )


async def test_reactions_decay_with_their_half_life(tmp_path, store) -> None:
    config = make_config(tmp_path, "[interests]\nhalf_life_days = 10\n")
    await saved_day(store)
    await record_signal(
        store,
        monitor="cs",
        channel=SLACK,
        arxiv_id="1808.10056",
        kind="thumbsup",
        weight=1.0,
        at=NOW - timedelta(days=10),
    )
    await record_signal(
        store,
        monitor="cs",
        channel=SLACK,
        arxiv_id="1808.10101",
        kind="star",
        weight=1.5,
        at=(NOW - timedelta(days=20)).replace(tzinfo=None),  # naive: UTC
    )
    await record_signal(
        store,
        monitor="cs",
        channel=SLACK,
        arxiv_id="1808.10410",
        kind="thumbsdown",
        weight=-1.0,
        at=NOW,
    )
    profile = await build_profile(store, config, config.monitors[0], SLACK_KEY)
    weights = {p.key: round(p.weight, 3) for p in (*profile.positive, *profile.negative)}
    assert weights == {"1808.10056": 0.5, "1808.10101": 0.375, "1808.10410": -1.0}
    assert [p.key for p in profile.negative] == ["1808.10410"]


async def test_the_profile_keeps_the_most_recent_papers_up_to_max_papers(tmp_path, store) -> None:
    ids = ["1808.10006", "1808.10432", "1808.10101", "1808.10410"]
    config = make_config(tmp_path, "[interests]\nmax_papers = 2\n")
    await saved_day(store)
    for days, arxiv_id in enumerate(ids):
        await add_interest(store, channel=SLACK, arxiv_id=arxiv_id, at=NOW + timedelta(days))
    profile = await build_profile(store, config, config.monitors[0], SLACK_KEY)
    assert [p.key for p in profile.positive] == ["1808.10410", "1808.10101"]
    assert profile.pending == ()


async def test_a_listed_paper_announced_today_says_so_instead_of_similar_to_itself(
    tmp_path, store
) -> None:
    config = make_config(tmp_path, f"interests = {list(MT_PROFILE)!r}\n".replace("'", '"'))
    papers = await saved_day(store)
    ranked = await rank_papers(
        store, config, monitor=config.monitors[0], channel=None, papers=papers, matches=None
    )
    assert {r.paper.arxiv_id for r in ranked[:2]} == set(MT_PROFILE)
    for item in ranked[:2]:
        assert item.similar_to is None
        assert "in the interest profile (config)" in item.reasons
