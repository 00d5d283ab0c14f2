"""Hostile input is refused within its caps and the process lives on."""

from __future__ import annotations

from pathlib import Path

import pymupdf
import pytest
from click.testing import CliRunner

from analysis.fulltext.pdf.extract import extract_document
from bot.kernel.errors import PdfError
from bot.runtime.cli import main
from tests.support.pdf_factory import numbered_paper

BOMB_OPERATORS = 64 * 1024 * 1024 // 4  # 64 MB of no-op "q Q " operators


def decompression_bomb(folder: Path) -> Path:
    """A 1-page PDF whose content stream inflates from kilobytes to 64 MB."""
    doc = pymupdf.open()
    doc.new_page().insert_text((72, 72), "Bomb", fontsize=12)
    doc.update_stream(doc[0].get_contents()[0], b"q Q " * BOMB_OPERATORS, compress=True)
    path = folder / "bomb.pdf"
    doc.save(path)
    doc.close()
    return path


def test_a_decompression_bomb_is_stopped_and_the_next_pdf_still_reads(tmp_path: Path) -> None:
    bomb = decompression_bomb(tmp_path)
    assert bomb.stat().st_size < 1024 * 1024
    with pytest.raises(PdfError) as caught:
        extract_document(bomb, timeout_s=1.5, memory_mb=128)
    assert caught.value.reason in {"timeout", "memory"}
    assert caught.value.user_message.startswith("Reading the PDF")
    assert extract_document(numbered_paper(tmp_path), timeout_s=30).quality.usable


def test_run_with_a_corrupt_database_stops_with_a_clear_message(tmp_path: Path) -> None:
    database = tmp_path / "radar.db"
    database.write_bytes(b"SQLite format 3\x00" + b"\xff" * 8192)
    config = tmp_path / "config.toml"
    config.write_text(f'[storage]\npath = "{database}"\n[server]\nport = 0\n')
    result = CliRunner().invoke(main, ["--config", str(config), "run"])
    assert result.exit_code == 1
    assert f"The database {database} is unreadable or corrupt" in result.output
    assert "Traceback" not in result.output
