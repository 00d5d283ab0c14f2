"""Files the bot writes: atomic on a full disk, leftovers removed, the cache capped (LRU)."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from bot.arxiv.client import ArxivClient
from bot.kernel.config import ArxivConfig, StorageConfig, parse_config
from bot.kernel.errors import ConfigError, StorageFullError
from bot.kernel.ids import ArxivId
from bot.store.files import FileCache, partial_path, remove_partials, write_atomically
from tests.support.fakes.arxiv import ArxivFake

MB = 1024 * 1024
DEV_FULL = Path("/dev/full")  # every write to it fails with ENOSPC
needs_dev_full = pytest.mark.skipif(
    not DEV_FULL.exists(), reason="needs /dev/full to inject ENOSPC at the file layer"
)


def full_disk_at(path: Path) -> None:
    """Make writing ``path``'s partial file hit a full disk (ENOSPC) on the real file layer."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial_path(path).symlink_to(DEV_FULL)


@needs_dev_full
async def test_a_pdf_download_on_a_full_disk_is_a_clear_retryable_error_and_leaves_nothing(
    arxiv_fake: ArxivFake, tmp_path: Path
) -> None:
    arxiv_fake.pdfs["2511.05275v1"] = b"%PDF-1.7 tiny"
    config = ArxivConfig(**arxiv_fake.urls(), api_delay_s=0, pdf_delay_s=0, timeout_s=2)
    client = ArxivClient(config)
    dest = tmp_path / "pdfs" / "2511.05275v1.pdf"
    full_disk_at(dest)
    try:
        with pytest.raises(StorageFullError) as caught:
            await client.download_pdf(ArxivId("2511.05275", 1), dest, max_mb=1)
        assert list(dest.parent.iterdir()) == []  # the partial file is gone
        fetched = await client.download_pdf(ArxivId("2511.05275", 1), dest, max_mb=1)
    finally:
        await client.aclose()
    assert caught.value.retryable
    assert "disk holding the bot's data is full" in caught.value.user_message
    assert fetched.read_bytes() == b"%PDF-1.7 tiny"  # space back: the next try works


@needs_dev_full
def test_a_report_written_on_a_full_disk_leaves_no_partial_file(tmp_path: Path) -> None:
    report = tmp_path / "reports" / "vla-2025-11-10.md"
    full_disk_at(report)
    with pytest.raises(StorageFullError):
        write_atomically(report, "# report\n")
    assert list(report.parent.iterdir()) == []


def test_partial_files_left_by_a_killed_process_are_removed(tmp_path: Path) -> None:
    (tmp_path / "cache" / "pdfs").mkdir(parents=True)
    (tmp_path / "cache" / "pdfs" / "a.pdf.part").write_bytes(b"half")
    (tmp_path / "cache" / "pdfs" / "b.pdf").write_bytes(b"whole")
    (tmp_path / "reports").mkdir()
    (tmp_path / "reports" / "vla.md.part").write_text("half")
    removed = remove_partials([tmp_path / "cache", tmp_path / "reports", tmp_path / "absent"])
    assert removed == 2
    assert [p.name for p in tmp_path.rglob("*") if p.is_file()] == ["b.pdf"]


async def test_the_cache_keeps_the_most_recently_used_files_under_its_cap(tmp_path: Path) -> None:
    cache = FileCache(StorageConfig(cache_dir=str(tmp_path), cache_max_mb=2))
    (tmp_path / "pdfs").mkdir()
    names = ["a.pdf", "b.pdf", "c.pdf"]
    for age, name in enumerate(names):
        path = tmp_path / "pdfs" / name
        path.write_bytes(b"x" * (MB - 10))
        os.utime(path, (1000 + age, 1000 + age))  # a is the oldest
    await cache.used(tmp_path / "pdfs" / "a.pdf")  # read again: now the most recent
    kept_after_use = sorted(p.name for p in (tmp_path / "pdfs").iterdir())
    newest = tmp_path / "pdfs" / "d.pdf"
    newest.write_bytes(b"x" * (3 * MB))  # larger than the cap on its own
    os.utime(newest, (900, 900))
    await cache.used(newest)
    kept_at_the_end = sorted(p.name for p in (tmp_path / "pdfs").iterdir())
    assert kept_after_use == ["a.pdf", "c.pdf"]  # b was least recently used
    assert kept_at_the_end == ["d.pdf"]  # the file just used is never evicted


@pytest.mark.parametrize(
    ("line", "key"),
    [
        ("cache_max_mb = 0", "storage.cache_max_mb"),
        ("busy_timeout_s = -1", "storage.busy_timeout_s"),
    ],
)
def test_storage_limits_must_be_positive(line: str, key: str) -> None:
    with pytest.raises(ConfigError, match=f"{key}: must be greater than 0"):
        parse_config(f"[storage]\n{line}\n")
