"""The database schema, as an ordered list of named migrations.

Each migration is a function that takes the sqlite-utils ``Database``; applied
names are recorded in ``_migrations`` so an upgraded database runs only the new
ones. Never edit a released migration: add a new one.
"""

from __future__ import annotations

from collections.abc import Callable

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction

Migration = Callable[[Database], None]


def m001_papers_matches_polls(db: Database) -> None:
    """Papers seen in feeds, monitor matches, poll history and written reports."""
    db.table("papers").create(
        {
            "arxiv_id": str,
            "version": int,
            "title": str,
            "authors": str,
            "abstract": str,
            "categories": str,
            "announce_type": str,
            "published": str,
            "published_raw": str,
            "first_seen": str,
            "updated": str,
        },
        pk="arxiv_id",
    )
    db.table("matches").create(
        {
            "monitor": str,
            "arxiv_id": str,
            "keywords": str,
            "authors": str,
            "announce_type": str,
            "announced": str,
            "position": int,
            "first_seen": str,
        },
        pk=("monitor", "arxiv_id"),
        foreign_keys=[("arxiv_id", "papers", "arxiv_id")],
    )
    db.table("matches").create_index(["monitor", "announced"])
    db.table("polls").create(
        {
            "id": int,
            "monitor": str,
            "started": str,
            "finished": str,
            "items_seen": int,
            "new_items": int,
            "matched": int,
            "skipped_items": int,
            "build_date": str,
            "pub_date": str,
            "announced": str,
            "verdict": str,
            "error": str,
        },
        pk="id",
    )
    db.table("polls").create_index(["monitor", "started"])
    db.table("reports").create(
        {
            "monitor": str,
            "report_date": str,
            "announced": str,
            "path": str,
            "papers": int,
            "created": str,
        },
        pk=("monitor", "report_date"),
    )


def m002_chat(db: Database) -> None:
    """Chat posts (intent, then message id), channel subscriptions, seen platform events."""
    db.table("posts").create(
        {
            "platform": str,
            "channel": str,
            "arxiv_id": str,
            "monitor": str,
            "message_id": str,
            "state": str,
            "created": str,
            "posted": str,
        },
        pk=("platform", "channel", "arxiv_id"),
    )
    db.table("posts").create_index(["platform", "message_id"])
    db.table("subscriptions").create(
        {"platform": str, "channel": str, "kind": str, "value": str, "created": str},
        pk=("platform", "channel", "kind", "value"),
    )
    db.table("seen_events").create(
        {"platform": str, "event_id": str, "seen": str}, pk=("platform", "event_id")
    )


def m003_analysis(db: Database) -> None:
    """Analysis cache, the persistent job queue and token/usage accounting."""
    db.table("analyses").create(
        {
            "cache_key": str,
            "arxiv_id": str,
            "version": int,
            "engine": str,
            "language": str,
            "prompt_version": str,
            "source": str,
            "body": str,
            "created": str,
        },
        pk="cache_key",
    )
    db.table("analyses").create_index(["arxiv_id"])
    db.table("jobs").create(
        {
            "id": int,
            "arxiv_id": str,
            "version": int,
            "engine": str,
            "language": str,
            "state": str,
            "attempts": int,
            "last_error": str,
            "not_before": str,
            "created": str,
            "updated": str,
            "result_key": str,
        },
        pk="id",
    )
    db.table("jobs").create_index(["state", "not_before"])
    db.table("job_requests").create(
        {
            "id": int,
            "job_id": int,
            "platform": str,
            "channel": str,
            "thread": str,
            "user": str,
            "progress_id": str,
            "state": str,
            "created": str,
            "replied": str,
        },
        pk="id",
        foreign_keys=[("job_id", "jobs", "id")],
    )
    db.table("job_requests").create_index(["job_id"])
    db.table("usage").create(
        {"day": str, "user": str, "analyses": int, "input_tokens": int, "output_tokens": int},
        pk=("day", "user"),
    )


def m004_job_request_deliveries(db: Database) -> None:
    """Failed delivery attempts per job request, so an undeliverable reply stops retrying."""
    requests = db.table("job_requests")
    requests.add_column("deliveries", int, not_null_default=0)
    requests.add_column("delivery_error", str)
    db.table("jobs").create_index(["arxiv_id", "state"])


def m005_uploads_and_search_cards(db: Database) -> None:
    """Report uploads as intents (like cards) and the cards posted as search results."""
    db.table("uploads").create(
        {
            "monitor": str,
            "report_date": str,
            "platform": str,
            "channel": str,
            "state": str,
            "attempts": int,
            "error": str,
            "created": str,
            "uploaded": str,
        },
        pk=("monitor", "report_date", "platform", "channel"),
        defaults={"attempts": 0},
    )
    db.table("uploads").create_index(["state"])
    db.table("search_cards").create(
        {"platform": str, "message_id": str, "channel": str, "arxiv_id": str, "created": str},
        pk=("platform", "message_id"),
    )


def m006_ask_passages_and_answers(db: Database) -> None:
    """Papers split into passages for questions (FTS5 index, cached vectors) and answers."""
    db.table("passage_docs").create(
        {
            "doc_key": str,
            "arxiv_id": str,
            "version": int,
            "splitter": str,
            "text_source": str,
            "fallback_reason": str,
            "latest_version": int,
            "cjk": int,
            "document": str,
            "created": str,
        },
        pk="doc_key",
    )
    db.table("passages").create(
        {
            "id": int,
            "doc_key": str,
            "position": int,
            "kind": str,
            "section_number": str,
            "section_title": str,
            "label": str,
            "text": str,
            "embedding_model": str,
            "embedding": bytes,
        },
        pk="id",
    )
    db.table("passages").create_index(["doc_key", "position"], unique=True)
    db.execute(
        "CREATE VIRTUAL TABLE passages_fts USING fts5("
        "heading, body, tokenize = 'porter unicode61 remove_diacritics 2')"
    )
    db.table("answers").create(
        {
            "cache_key": str,
            "arxiv_id": str,
            "version": int,
            "engine": str,
            "language": str,
            "question": str,
            "body": str,
            "created": str,
        },
        pk="cache_key",
    )
    db.table("answers").create_index(["arxiv_id", "version"])


def m007_interests_and_signals(db: Database) -> None:
    """Interest profiles (#16): chat-added papers, channel signals, profile and vector caches."""
    db.table("interests").create(
        {"platform": str, "channel": str, "arxiv_id": str, "monitor": str, "added": str},
        pk=("platform", "channel", "arxiv_id"),
    )
    db.table("signals").create(
        {
            "id": int,
            "platform": str,
            "channel": str,
            "monitor": str,
            "arxiv_id": str,
            "kind": str,
            "weight": float,
            "at": str,
        },
        pk="id",
    )
    db.table("signals").create_index(["platform", "channel"])
    db.table("signals").create_index(["monitor"])
    db.table("profile_papers").create(
        {
            "arxiv_id": str,
            "title": str,
            "abstract": str,
            "published": str,
            "state": str,
            "fetched": str,
        },
        pk="arxiv_id",
    )
    db.table("embeddings").create(
        {"paper": str, "model": str, "text_hash": str, "vector": str, "created": str},
        pk=("paper", "model"),
    )


def m008_card_summaries(db: Database) -> None:
    """Why a card was posted (the closest interest paper), and the summary messages that
    list a poll's matches beyond a channel's card cap (intent, then message ID)."""
    db.table("posts").add_column("similar_to", str)
    db.table("summaries").create(
        {
            "platform": str,
            "channel": str,
            "nonce": str,
            "monitor": str,
            "papers": str,
            "state": str,
            "attempts": int,
            "message_id": str,
            "created": str,
            "posted": str,
        },
        pk=("platform", "channel", "nonce"),
        defaults={"attempts": 0},
    )
    db.table("summaries").create_index(["platform", "state"])


def m009_questions(db: Database) -> None:
    """Question jobs (a job kind and its payload), the paper each chat thread is about,
    the question turns of a thread, and questions asked per user and day."""
    db.table("jobs").add_column("kind", str, not_null_default="analysis")
    db.table("questions").create(
        {"job_id": int, "question": str, "newer": int, "answer": str, "created": str},
        pk="job_id",
        foreign_keys=[("job_id", "jobs", "id")],
    )
    db.table("paper_threads").create(
        {
            "platform": str,
            "channel": str,
            "thread": str,
            "arxiv_id": str,
            "version": int,
            "created": str,
        },
        pk=("platform", "channel", "thread"),
    )
    db.table("paper_threads").create_index(["platform", "thread"])
    db.table("thread_turns").create(
        {
            "id": int,
            "platform": str,
            "channel": str,
            "thread": str,
            "question": str,
            "answer": str,
            "created": str,
        },
        pk="id",
    )
    db.table("thread_turns").create_index(["platform", "channel", "thread"])
    db.table("usage").add_column("questions", int, not_null_default=0)


MIGRATIONS: tuple[Migration, ...] = (
    m001_papers_matches_polls,
    m002_chat,
    m003_analysis,
    m004_job_request_deliveries,
    m005_uploads_and_search_cards,
    m006_ask_passages_and_answers,
    m007_interests_and_signals,
    m008_card_summaries,
    m009_questions,
)


def apply_migrations(db: Database, migrations: tuple[Migration, ...] = MIGRATIONS) -> list[str]:
    """Run the migrations not yet applied, each in its own transaction; return their names."""
    db.execute("CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied TEXT)")
    done = {row[0] for row in db.execute("SELECT name FROM _migrations").fetchall()}
    applied = []
    for migration in migrations:
        name = migration.__name__
        if name in done:
            continue
        with transaction(db):
            migration(db)
            db.execute(
                "INSERT INTO _migrations (name, applied) VALUES (?, datetime('now'))", [name]
            )
        applied.append(name)
    return applied
