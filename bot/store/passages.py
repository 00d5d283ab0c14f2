"""Queries of the ``passage_docs``, ``passages`` and ``passages_fts`` tables.

A paper version is split into passages once (``passage_docs`` keeps the document);
``passages_fts`` (FTS5, porter stemming) shares its rowids with ``passages``. The
passages of one paper are inserted in one transaction, so their rowids form one
range, and a search is restricted to a paper by that range, which FTS5 seeks to
instead of reading every paper's matches.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlite_utils import Database

from bot.store.sqlite_tx import transaction

BM25_WEIGHTS = (2.0, 1.0)  # heading, body
Span = tuple[int, int]  # the first and last passage rowid of a paper


@dataclass(frozen=True)
class PassageRow:
    id: int
    position: int
    kind: str
    section_number: str | None
    section_title: str
    label: str | None
    text: str


@dataclass(frozen=True)
class IndexedText:
    """One passage as stored and as the index sees it (CJK spaced)."""

    row: dict[str, Any]
    heading: str
    body: str


_COLUMNS = "id, position, kind, section_number, section_title, label, text"


def stored_doc(db: Database, doc_key: str) -> dict[str, Any] | None:
    """The ``passage_docs`` row of ``doc_key``, if indexed."""
    cursor = db.execute("SELECT * FROM passage_docs WHERE doc_key = ?", [doc_key])
    row = cursor.fetchone()
    if row is None:
        return None
    names = [column[0] for column in cursor.description]
    return dict(zip(names, row, strict=True))


def replace_doc(db: Database, doc: dict[str, Any], passages: Sequence[IndexedText]) -> None:
    """Store ``doc`` and its passages, replacing an earlier split of the same key."""
    with transaction(db):
        _delete(db, doc["doc_key"])
        db.table("passage_docs").insert(doc)
        for passage in passages:
            cursor = db.execute(
                "INSERT INTO passages (doc_key, position, kind, section_number, section_title, "
                "label, text) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [doc["doc_key"], *(passage.row[k] for k in _COLUMNS.split(", ")[1:])],
            )
            db.execute(
                "INSERT INTO passages_fts (rowid, heading, body) VALUES (?, ?, ?)",
                [cursor.lastrowid, passage.heading, passage.body],
            )


def set_latest_version(db: Database, doc_key: str, latest: int) -> None:
    with transaction(db):
        db.execute(
            "UPDATE passage_docs SET latest_version = ? WHERE doc_key = ?", [latest, doc_key]
        )


def forget_doc(db: Database, doc_key: str) -> None:
    """Remove a paper version's passages (it will be read and split again)."""
    with transaction(db):
        _delete(db, doc_key)


def _delete(db: Database, doc_key: str) -> None:
    db.execute(
        "DELETE FROM passages_fts WHERE rowid IN (SELECT id FROM passages WHERE doc_key = ?)",
        [doc_key],
    )
    db.execute("DELETE FROM passages WHERE doc_key = ?", [doc_key])
    db.execute("DELETE FROM passage_docs WHERE doc_key = ?", [doc_key])


def passages_of(db: Database, doc_key: str) -> list[PassageRow]:
    rows = db.execute(
        f"SELECT {_COLUMNS} FROM passages WHERE doc_key = ? ORDER BY position", [doc_key]
    ).fetchall()
    return [PassageRow(*row) for row in rows]


def ranked(db: Database, span: Span, match: str, limit: int) -> list[tuple[int, float]]:
    """(passage id, BM25 score: lower is better) of the best matches of ``match`` in ``span``."""
    weights = ", ".join(str(w) for w in BM25_WEIGHTS)
    rows = db.execute(
        f"SELECT rowid, bm25(passages_fts, {weights}) AS score FROM passages_fts "
        "WHERE passages_fts MATCH ? AND rowid BETWEEN ? AND ? ORDER BY score LIMIT ?",
        [match, *span, limit],
    ).fetchall()
    return [(int(rowid), float(score)) for rowid, score in rows]


def matching_ids(db: Database, span: Span, match: str) -> set[int]:
    """Ids of the passages in ``span`` that match ``match``."""
    rows = db.execute(
        "SELECT rowid FROM passages_fts WHERE passages_fts MATCH ? AND rowid BETWEEN ? AND ?",
        [match, *span],
    ).fetchall()
    return {int(row[0]) for row in rows}


def embeddings(db: Database, doc_key: str, model: str) -> dict[int, bytes]:
    """Cached vectors (float32 bytes) of a paper's passages made with ``model``."""
    rows = db.execute(
        "SELECT id, embedding FROM passages WHERE doc_key = ? AND embedding_model = ?",
        [doc_key, model],
    ).fetchall()
    return {int(row[0]): bytes(row[1]) for row in rows}


def save_embeddings(db: Database, model: str, vectors: Sequence[tuple[int, bytes]]) -> None:
    with transaction(db):
        db.conn.executemany(
            "UPDATE passages SET embedding_model = ?, embedding = ? WHERE id = ?",
            [(model, blob, passage_id) for passage_id, blob in vectors],
        )
