"""Poll cycles against the loopback arXiv: selection, dedupe, verdicts, faults."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.arxiv.client import ArxivClient
from bot.kernel.config import Config, MonitorConfig, parse_config
from bot.store import Store, subscriptions
from bot.watch.poll import monitor_channels, poll_all, poll_monitor
from tests.support.corpus import corpus_file
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.server import Fault
from tests.support.feeds import SEED_IDS, WEEKEND_FEED, as_announce_type, redated, seed_feed


@pytest.fixture
def config(arxiv_fake: ArxivFake, tmp_path: Path) -> Config:
    return parse_config(arxiv_fake.config_toml() + f'[storage]\npath = "{tmp_path}/radar.db"\n')


@pytest.fixture
async def arxiv(config: Config):
    client = ArxivClient(replace(config.arxiv, max_retries=1, timeout_s=1))
    yield client
    await client.aclose()


def open_store(config: Config) -> Store:
    return Store.open(config.storage.path)


async def test_seed_feed_selects_the_seed_papers(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    store = open_store(config)
    outcome = await poll_monitor(arxiv, store, config.monitors[0])
    assert outcome.verdict == "ok"
    assert [m.paper.arxiv_id for m in outcome.new_matches] == SEED_IDS
    assert outcome.announced == "2025-11-10"
    twin = outcome.new_matches[0]
    assert twin.keywords == ("Vision Language Action ", "vla", "Vision-Language-Action")
    rows = store.db.execute("SELECT verdict, items_seen, new_items, matched FROM polls").fetchall()
    assert rows == [("ok", 9, 9, 4)]


async def test_dedupe_across_polls_replacements_and_restarts(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    store = open_store(config)
    await poll_monitor(arxiv, store, config.monitors[0])
    again = await poll_monitor(arxiv, store, config.monitors[0])
    store.close()
    assert again.new_matches == ()
    assert again.verdict == "ok"  # the same announcement, already taken in

    replaced = as_announce_type(redated(seed_feed(), "Tue, 11 Nov 2025"), "2511.05275", "replace")
    arxiv_fake.feeds["*"] = replaced
    restarted = open_store(config)
    after_restart = await poll_monitor(arxiv, restarted, config.monitors[0])
    assert after_restart.new_matches == ()
    assert restarted.db.execute("SELECT count(*) FROM matches").fetchone()[0] == 4


async def test_replacement_of_an_unseen_paper_is_reported(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    outcome = await poll_monitor(arxiv, open_store(config), config.monitors[0])
    geo = next(m for m in outcome.new_matches if m.paper.arxiv_id == "2509.14117")
    assert geo.paper.announce_type == "replace"
    assert geo.paper.version == 3


async def test_cross_listed_paper_matches_once_per_monitor(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    store = open_store(config)
    robots = MonitorConfig(
        name="robots", categories=("cs.RO",), keywords=("vla", "Vision-Language-Action")
    )
    vision = MonitorConfig(
        name="vision", categories=("cs.CV",), keywords=("vla", "Vision-Language-Action")
    )
    first = await poll_monitor(arxiv, store, robots)
    second = await poll_monitor(arxiv, store, vision)
    assert [m.paper.arxiv_id for m in first.new_matches] == SEED_IDS[:3]
    assert [m.paper.arxiv_id for m in second.new_matches] == ["2511.05397", "2511.05491"]


async def test_weekend_feed_is_no_announcement(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = WEEKEND_FEED.read_bytes()
    store = open_store(config)
    outcome = await poll_monitor(arxiv, store, config.monitors[0])
    assert outcome.verdict == "no-announcement"
    assert store.last_successful_poll("default") is None


async def test_yesterdays_batch_under_a_new_date_is_stale(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    store = open_store(config)
    await poll_monitor(arxiv, store, config.monitors[0])
    arxiv_fake.feeds["*"] = redated(seed_feed(), "Tue, 11 Nov 2025")
    outcome = await poll_monitor(arxiv, store, config.monitors[0])
    assert outcome.verdict == "stale"
    assert outcome.new_items == 0


async def test_feed_errors_lose_nothing_and_the_next_poll_recovers(
    config, arxiv, arxiv_fake
) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    store = open_store(config)
    await poll_monitor(arxiv, store, config.monitors[0])
    arxiv_fake.script("/rss/", Fault(503), Fault(503))
    failed = await poll_monitor(arxiv, store, config.monitors[0])
    arxiv_fake.feeds["*"] = corpus_file(
        "feeds/rss_arxiv_org_ATOM_cs.AI_2025-08-20_TRUNCATED.xml"
    ).read_bytes()
    malformed = await poll_monitor(arxiv, store, config.monitors[0])
    assert failed.verdict == "error"
    assert "HTTP 503" in (failed.error or "")
    assert malformed.verdict == "error"
    assert store.db.execute("SELECT count(*) FROM matches").fetchone()[0] == 4
    arxiv_fake.feeds["*"] = as_announce_type(seed_feed(), "2511.05275", "new")
    recovered = await poll_monitor(arxiv, store, config.monitors[0])
    assert recovered.verdict == "ok"
    verdicts = [p.verdict for p in store.recent_polls("default", limit=4)]
    assert verdicts == ["ok", "error", "error", "ok"]


async def test_channel_subscriptions_share_one_feed_request(config, arxiv, arxiv_fake) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    store = open_store(config)
    subscriptions.add(store.db, "slack", "C042", "keyword", "bimanual", store.now())
    subscriptions.add(store.db, "discord", "99", "keyword", "spatial", store.now())
    outcomes = await poll_all(arxiv, store, config)
    by_monitor = {o.monitor: [m.paper.arxiv_id for m in o.new_matches] for o in outcomes}
    assert by_monitor["channel:slack:C042"] == ["2511.05275"]
    assert by_monitor["channel:discord:99"] == ["2511.05491"]
    assert len(arxiv_fake.requests) == 1
    assert monitor_channels(config, "channel:slack:C042") == [("slack", "C042")]


def test_monitor_channels_from_config() -> None:
    config = parse_config('[[monitors]]\nchannels = ["slack:C0123", "discord:42"]\n')
    assert monitor_channels(config, "default") == [("slack", "C0123"), ("discord", "42")]
