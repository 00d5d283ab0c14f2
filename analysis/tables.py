"""The tables of a document as plain text, whatever the reader gave.

Bridge: today's :class:`~analysis.document.Document` has table captions only;
the full-text readers are adding ``Document.tables``. This accessor reads that
attribute when present (a table's ``label``/``number`` and its ``text``, or its
``rows`` joined with `` | ``) and returns nothing otherwise, so the budget, the
verifier and the extractive engine need no change when it arrives. Once
``tables`` is part of Document, the ``getattr`` calls here become attribute reads.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from analysis.document import Document


@dataclass(frozen=True)
class TableText:
    """One table: its printed label ("2", "II") and its cells, one row per line."""

    label: str
    text: str


def table_texts(document: Document) -> list[TableText]:
    """The document's tables as text (none when the document has no ``tables``)."""
    found = []
    for table in getattr(document, "tables", ()) or ():
        label = str(getattr(table, "label", None) or getattr(table, "number", None) or "")
        text = _text(table)
        if text.strip():
            found.append(TableText(label, text))
    return found


def _text(table: Any) -> str:
    text = getattr(table, "text", None)
    if isinstance(text, str):
        return text
    rows = getattr(table, "rows", None)
    if isinstance(rows, Iterable) and not isinstance(rows, str):
        return "\n".join(" | ".join(str(cell) for cell in row) for row in rows)
    return str(table) if isinstance(table, str) else ""
