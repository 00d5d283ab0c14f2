"""RadarService commands and announcements on the real core (SQLite, ArxivFake, pipeline)."""

from __future__ import annotations

import json
import logging
from datetime import date

from bot.announce import announce, post_owed
from bot.commands import parse_command
from bot.digest import write_digest
from bot.ids import ArxivId
from bot.models import ChatRef
from bot.poll import poll_monitor
from bot.store import jobs, posts, subscriptions, usage
from bot.usage import usage_day
from tests.core_env import core, paper, serve_papers
from tests.feeds import SEED_IDS, seed_feed
from tests.slack_harness import atom_api

REF = ChatRef("slack", "C1", None, "U1")
CHANNELS = '[[monitors]]\nname = "vla"\nchannels = ["slack:C1", "slack:C2"]\n'


async def handle(env, text: str, ref: ChatRef = REF) -> str:
    return (await env.service.handle(parse_command(text), ref)).text


# analyze, limits, reactions --------------------------------------------------------


async def test_analyze_queues_a_job_and_joins_a_second_request(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        first = await handle(env, "analyze 2511.05275")
        second = await handle(
            env, "analyze https://arxiv.org/abs/2511.05275", ChatRef("slack", "C2", "1.2", "U2")
        )
        rows = env.store.db.execute("SELECT job_id, channel, thread, user FROM job_requests")
        assert rows.fetchall() == [(1, "C1", None, "U1"), (1, "C2", "1.2", "U2")]
        queued = jobs.get(env.store.db, 1)
    assert (
        first == "Queued the analysis of 2511.05275; the result will be posted in a thread "
        "under its card."
    )
    assert second == "2511.05275 is already being analysed — you'll get it too."
    assert queued is not None
    assert (queued.state, queued.language, queued.engine) == ("queued", "en", "auto")


async def test_per_user_daily_limit_says_so_and_writes_nothing(arxiv_fake, tmp_path) -> None:
    extra = "[analysis]\nmax_per_user_per_day = 2\n"
    async with core(arxiv_fake, tmp_path, extra) as env:
        replies = [await handle(env, f"analyze 2511.0000{n}") for n in range(3)]
        other_user = await handle(env, "analyze 2511.00009", ChatRef("slack", "C1", None, "U2"))
        job_count = env.store.db.execute("SELECT count(*) FROM jobs").fetchone()[0]
        day = usage_day(env.config, env.clock())
        mine = usage.row(env.store.db, day, "U1")
    assert replies[2].startswith("You have used your 2 analyses for today")
    assert other_user.startswith("Queued")
    assert job_count == 3
    assert mine.analyses == 2


async def test_spent_token_budget_stops_llm_analyses(arxiv_fake, tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("RADAR_TEST_KEY", "sk-test")
    extra = (
        '[analysis]\nengine = "llm"\n[llm]\napi_key_env = "RADAR_TEST_KEY"\n'
        "daily_token_budget = 1000\n"
    )
    async with core(arxiv_fake, tmp_path, extra) as env:
        day = usage_day(env.config, env.clock())
        env.store.db.execute("BEGIN")
        usage.add_tokens(env.store.db, day, "U9", 700, 300)
        env.store.db.execute("COMMIT")
        reply = await handle(env, "analyze 2511.05275")
        jobs_written = env.store.db.execute("SELECT count(*) FROM jobs").fetchone()[0]
    assert reply.startswith("Today's LLM token budget (1,000 tokens) is used up")
    assert jobs_written == 0


async def test_reaction_on_a_card_threads_the_analysis_under_it(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        card_id = await env.service.cards.ensure(env.platform, "C1", paper("2511.05275"), (), "vla")
        ignored = await env.service.reaction("slack", "C1", "not-a-card", "U1")
        reply = await env.service.reaction("slack", "C1", card_id, "U1", "zh")
        (request,) = jobs.open_requests(env.store.db, 1)
        job = jobs.get(env.store.db, 1)
    assert ignored is None
    assert reply is not None
    assert reply.text.endswith("posted in this thread.")
    assert request.ref == ChatRef("slack", "C1", card_id, "U1")
    assert job is not None
    assert job.language == "zh"


async def test_first_time_dedupes_retried_events(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        seen = [await env.service.first_time("slack", event) for event in ("E1", "E1", "E2")]
        other_platform = await env.service.first_time("discord", "E1")
    assert seen == [True, False, True]
    assert other_platform


# other commands --------------------------------------------------------------------


async def test_subscriptions_and_list(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, CHANNELS) as env:
        empty = await handle(env, "list", ChatRef("slack", "C9"))
        added = await handle(env, 'subscribe "traffic prediction"')
        again = await handle(env, "subscribe traffic prediction")
        category = await handle(env, "categories add cs.RO")
        listed = await handle(env, "list")
        removed = await handle(env, "unsubscribe Traffic Prediction")
        missing = await handle(env, "unsubscribe traffic prediction")
        follows = subscriptions.follows(env.store.db, "slack", "C1")
    assert empty.startswith("This channel follows nothing yet. Try `/arxiv subscribe")
    assert (
        added == "This channel now follows the keyword “traffic prediction”; new matches "
        "are posted here."
    )
    assert again == "This channel already follows the keyword “traffic prediction”."
    assert category.startswith("This channel now follows the category cs.RO")
    assert listed.splitlines()[0] == "This channel follows:"
    assert "• monitor vla: keywords Vision Language Action, vla" in listed
    assert "• this channel's keywords: traffic prediction" in listed
    assert "• this channel's categories: cs.RO" in listed
    assert removed == "This channel no longer follows the keyword “Traffic Prediction”."
    assert missing == "This channel does not follow the keyword “traffic prediction”."
    assert follows.keywords == ()
    assert follows.categories == ("cs.RO",)


async def test_digest_replies_with_the_latest_report_file(arxiv_fake, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    async with core(arxiv_fake, tmp_path, CHANNELS) as env:
        before = await env.service.handle(parse_command("digest"), REF)
        path = await write_digest(
            env.config,
            env.store,
            env.arxiv,
            None,
            monitor="vla",
            report_date=date(2025, 11, 10),
            language="en",
        )
        after = await env.service.handle(parse_command("digest"), REF)
        path.unlink()
        gone = await env.service.handle(parse_command("digest"), REF)
    assert before.text == "No daily report has been written yet."
    assert before.report is None
    assert after.text == "Here is the vla report for 2025-11-10 (4 papers)."
    assert after.report == path
    assert gone.report is None
    assert "no longer on disk" in gone.text


async def test_search_returns_paper_cards_and_stores_them(arxiv_fake, tmp_path) -> None:
    found = [paper("2511.00001", "Traffic prediction with graphs"), paper("2511.00002")]
    arxiv_fake.api["*"] = atom_api(found)
    async with core(arxiv_fake, tmp_path) as env:
        reply = await env.service.handle(parse_command("search traffic prediction"), REF)
        stored = env.store.paper("2511.00001")
        arxiv_fake.api["*"] = atom_api([])
        empty = await handle(env, "search nothing here")
    assert reply.text == "Top 2 arXiv results for “traffic prediction”:"
    assert [p.arxiv_id for p in reply.papers] == ["2511.00001", "2511.00002"]
    assert stored is not None
    assert empty == "No arXiv papers found for “nothing here”."
    search = arxiv_fake.matching(lambda r: r.path == "/api/query")[0]
    assert 'all:"traffic"' in search.query["search_query"]


async def test_errors_come_back_as_the_reply_text(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        reply = await handle(env, "search anything")  # the fake has no API answer: HTTP 404
        help_reply = await handle(env, "help")
    assert reply == "the arXiv API answered HTTP 404."
    assert help_reply.splitlines()[0].startswith(
        "`/arxiv analyze <arXiv ID or URL> [en|zh] [refresh]`"
    )


# announcing ------------------------------------------------------------------------


async def poll_seed(env):
    env.fake.feeds["*"] = seed_feed()
    return await poll_monitor(env.arxiv, env.store, env.config.monitor("vla"))


async def test_new_matches_are_posted_to_every_channel_in_feed_order(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, CHANNELS) as env:
        outcome = await poll_seed(env)
        posted = await announce(env.service, outcome)
        again = await announce(env.service, outcome)
        states = env.store.db.execute("SELECT DISTINCT state FROM posts").fetchall()
    cards = env.platform.of("card")
    assert (posted, again) == (8, 0)
    assert [(c.channel, c.arxiv_id) for c in cards] == [
        (channel, arxiv_id) for channel in ("C1", "C2") for arxiv_id in SEED_IDS
    ]
    assert states == [(posts.POSTED,)]


async def test_a_card_whose_response_was_lost_is_found_not_reposted(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, CHANNELS) as env:
        outcome = await poll_seed(env)
        env.platform.fail("post_card", after_send=True)  # C1's first card: sent, answer lost
        await announce(env.service, outcome)
        pending = posts.pending(env.store.db, "slack")
        await announce(env.service, outcome)  # the next poll's announce reconciles first
        left = posts.pending(env.store.db, "slack")
    cards = env.platform.of("card")
    assert [(p.channel, p.arxiv_id) for p in pending] == [("C1", SEED_IDS[0])]
    assert left == []
    assert len(cards) == 8
    assert len({(c.channel, c.arxiv_id) for c in cards}) == 8
    assert "find_card" in env.platform.calls


async def test_a_card_that_failed_to_post_is_posted_later(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, CHANNELS) as env:
        outcome = await poll_seed(env)
        env.platform.fail("post_card", times=2)
        first = await announce(env.service, outcome)
        second = await announce(env.service, outcome)
    cards = env.platform.of("card")
    assert (first, second) == (6, 2)
    assert sorted((c.channel, c.arxiv_id) for c in cards) == sorted(
        (channel, arxiv_id) for channel in ("C1", "C2") for arxiv_id in SEED_IDS
    )


async def test_matches_stored_by_a_poll_that_crashed_before_posting_are_posted_later(
    arxiv_fake, tmp_path
) -> None:
    async with core(arxiv_fake, tmp_path, CHANNELS) as env:
        await poll_seed(env)  # matches stored; the process "died" before announcing
        posted = await post_owed(env.service)
        env.clock.advance(days=3)
        stale = await post_owed(env.service)
    assert posted == 8
    assert sorted((c.channel, c.arxiv_id) for c in env.platform.of("card")) == sorted(
        (channel, arxiv_id) for channel in ("C1", "C2") for arxiv_id in SEED_IDS
    )
    assert stale == 0


async def test_auto_analyze_queues_an_analysis_under_each_card(arxiv_fake, tmp_path) -> None:
    extra = '[[monitors]]\nname = "vla"\nchannels = ["slack:C1"]\nauto_analyze = true\n'
    async with core(arxiv_fake, tmp_path, extra) as env:
        await announce(env.service, await poll_seed(env))
        rows = env.store.db.execute(
            "SELECT j.arxiv_id, r.thread, r.user FROM job_requests r JOIN jobs j ON j.id = r.job_id"
        ).fetchall()
    cards = env.platform.of("card")
    assert rows == [(c.arxiv_id, c.message_id, None) for c in cards]


async def test_without_a_platform_each_card_is_one_log_line(arxiv_fake, tmp_path, caplog) -> None:
    async with core(arxiv_fake, tmp_path, CHANNELS, register=False) as env:
        with caplog.at_level(logging.INFO, logger="bot.announce"):
            posted = await announce(env.service, await poll_seed(env))
        written = env.store.db.execute("SELECT count(*) FROM posts").fetchone()[0]
    lines = [r for r in caplog.records if getattr(r, "event", None) == "card"]
    assert posted == 0
    assert written == 0
    assert [r.arxiv_id for r in lines] == SEED_IDS
    assert lines[0].url == f"https://arxiv.org/abs/{SEED_IDS[0]}"
    assert json.dumps(lines[0].keywords)


# workers: one analysis end to end ---------------------------------------------------


async def test_slash_analyze_posts_a_card_progress_and_one_analysis(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        serve_papers(arxiv_fake, tmp_path, ["2511.05275"])
        workers = env.workers()
        await workers.start()
        await env.service.enqueue_analysis(ArxivId("2511.05275"), REF, None)
        await env.platform.wait_for(lambda p: len(p.finals()) == 1, 30)
        await workers.stop(5)
        request = jobs.open_requests(env.store.db, 1)
        replied = env.store.db.execute("SELECT state, thread FROM job_requests").fetchall()
    card, progress = env.platform.of("card")[0], env.platform.of("progress")[0]
    updates = [u.text for u in env.platform.of("update")]
    final = env.platform.finals()[0]
    assert card.channel == "C1"
    assert progress.thread == card.message_id
    assert updates == [
        "⏳ Downloading PDF…",
        "⏳ Extracting text…",
        "⏳ Analysing with extractive…",
    ]
    assert (final.kind, final.thread, final.extra["progress_id"]) == (
        "analysis",
        card.message_id,
        progress.message_id,
    )
    assert request == []
    assert replied == [("replied", card.message_id)]
