"""The tables accessor: nothing for today's Document, text for a document with tables."""

from __future__ import annotations

from dataclasses import dataclass

from analysis.tables import TableText, table_texts
from tests.test_analysis_budget import DocumentWithTables, Table, tiered_paper


@dataclass(frozen=True)
class RowsTable:
    number: str
    rows: tuple[tuple[str, ...], ...]


def test_a_document_without_tables_has_none() -> None:
    assert table_texts(tiered_paper()) == []


def test_tables_are_read_from_text_or_rows() -> None:
    rows = RowsTable("II", (("Model", "NQ"), ("Ours", "78.4")))
    document = DocumentWithTables(
        **vars(tiered_paper()),
        tables=(Table("1", "A | B\n1 | 2"), rows, Table("3", " ")),
    )
    assert table_texts(document) == [
        TableText("1", "A | B\n1 | 2"),
        TableText("II", "Model | NQ\nOurs | 78.4"),
    ]
