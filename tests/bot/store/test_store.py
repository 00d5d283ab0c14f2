"""The SQLite store: migrations on fresh and upgraded files, WAL, atomic polls."""

from __future__ import annotations

import sqlite3
from datetime import UTC, datetime

import pytest
from sqlite_utils import Database

from bot.kernel.errors import StoreError
from bot.kernel.models import Paper
from bot.store import PollRecord, Store
from bot.store.db import open_database
from bot.store.migrations import MIGRATIONS, apply_migrations


def paper(arxiv_id: str = "2511.05275", version: int = 1, announce_type: str = "new") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        version=version,
        title=f"Paper {arxiv_id}",
        authors=("Ada Lovelace", "Émile Borel"),
        abstract="An abstract.",
        categories=("cs.RO", "cs.LG"),
        announce_type=announce_type,
        published=datetime(2025, 11, 10, 5, tzinfo=UTC),
        published_raw="Mon, 10 Nov 2025 00:00:00 -0500",
    )


def poll(monitor: str = "default", verdict: str = "ok") -> PollRecord:
    return PollRecord(
        monitor, "2025-11-10T06:00:00+00:00", verdict, 1, 1, 0, None, None, "2025-11-10", None
    )


def test_fresh_database_has_every_table_and_wal(tmp_path) -> None:
    db = open_database(tmp_path / "radar.db")
    assert {
        "papers",
        "matches",
        "polls",
        "reports",
        "posts",
        "subscriptions",
        "analyses",
        "jobs",
    } <= set(db.table_names())
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    applied = [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]
    assert applied == [m.__name__ for m in MIGRATIONS]


def test_upgrade_applies_only_new_migrations(tmp_path) -> None:
    path = tmp_path / "old.db"
    old = Database(sqlite3.connect(path, isolation_level=None))
    assert apply_migrations(old, MIGRATIONS[:1]) == ["m001_papers_matches_polls"]
    old.table("papers").insert(
        {
            "arxiv_id": "2511.05275",
            "version": 1,
            "title": "kept",
            "authors": "[]",
            "abstract": "",
            "categories": "[]",
            "announce_type": "new",
            "published": None,
            "published_raw": "",
            "first_seen": "x",
            "updated": "x",
        }
    )
    old.close()
    db = open_database(path)
    assert "jobs" in db.table_names()
    assert db.execute("SELECT title FROM papers").fetchone()[0] == "kept"
    assert apply_migrations(db) == []


def test_failed_migration_rolls_back(tmp_path) -> None:
    db = Database(sqlite3.connect(tmp_path / "x.db", isolation_level=None))

    def m999_broken(database: Database) -> None:
        database.table("half").create({"id": int}, pk="id")
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        apply_migrations(db, (m999_broken,))
    assert "half" not in db.table_names()
    assert db.execute("SELECT count(*) FROM _migrations").fetchone()[0] == 0


def test_corrupt_file_is_a_clear_error(tmp_path) -> None:
    path = tmp_path / "corrupt.db"
    path.write_bytes(b"SQLite format 3\x00" + b"\xff" * 4096)
    with pytest.raises(StoreError, match="unreadable or corrupt"):
        open_database(path)


def test_record_poll_reports_each_paper_once_per_monitor(tmp_path) -> None:
    store = Store.open(tmp_path / "radar.db")
    first = store.record_poll(poll(), [paper()], [(paper(), ("vla",), ())])
    again = store.record_poll(
        poll(),
        [paper(version=2, announce_type="replace")],
        [(paper(version=2, announce_type="replace"), ("vla",), ())],
    )
    other_monitor = store.record_poll(poll("other"), [paper()], [(paper(), ("vla",), ())])
    assert [p.arxiv_id for p in first] == ["2511.05275"]
    assert again == []
    assert [p.arxiv_id for p in other_monitor] == ["2511.05275"]
    row = store.db.execute("SELECT version, announce_type FROM papers").fetchone()
    assert row == (2, "replace")
    (stored,) = store.matches_announced("default", "2025-11-10")
    assert stored.announce_type == "new"
    assert stored.paper.authors == ("Ada Lovelace", "Émile Borel")
    assert stored.keywords == ("vla",)


def test_record_poll_is_atomic(tmp_path) -> None:
    store = Store.open(tmp_path / "radar.db")
    # The second match names a paper that was never stored: a foreign-key violation
    # after the first rows were written must leave nothing behind.
    with pytest.raises(sqlite3.IntegrityError):
        store.record_poll(poll(), [paper()], [(paper(), ("vla",), ()), (paper("x"), ("vla",), ())])
    assert store.db.execute("SELECT count(*) FROM papers").fetchone()[0] == 0
    assert store.db.execute("SELECT count(*) FROM polls").fetchone()[0] == 0


async def test_store_runs_on_its_own_thread(tmp_path) -> None:
    store = Store.open(tmp_path / "radar.db")
    names = await store.run(lambda: __import__("threading").current_thread().name)
    assert names.startswith("sqlite-writer")
    store.close()
