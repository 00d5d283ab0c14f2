"""Files the bot writes (cached PDFs and pages, reports): atomic, never left half-written.

:func:`write_atomically` writes ``<name>.part`` and renames it into place; if the
write fails (a full disk) the partial file is removed at once and ENOSPC becomes a
retryable :class:`~bot.kernel.errors.StorageFullError`. :func:`remove_partials` deletes
``.part`` files a killed process left behind. :class:`FileCache` keeps the cache
folder under ``storage.cache_max_mb`` by deleting the least recently used files
(a file counts as used when it is written or read through :meth:`FileCache.used`).
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Iterable
from pathlib import Path

from bot.kernel.config import StorageConfig
from bot.store.storage_faults import storage_error

log = logging.getLogger(__name__)
PARTIAL = ".part"
MB = 1024 * 1024


def partial_path(path: Path) -> Path:
    return path.with_name(path.name + PARTIAL)


def write_atomically(path: Path, data: bytes | str) -> None:
    """Write ``data`` to ``path`` through a ``.part`` file; nothing partial is ever left."""
    partial = partial_path(path)
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        if isinstance(data, str):
            partial.write_text(data, encoding="utf-8")
        else:
            partial.write_bytes(data)
        os.replace(partial, path)
    except OSError as exc:
        with contextlib.suppress(OSError):
            partial.unlink(missing_ok=True)
        known = storage_error(exc)
        if known is None:
            raise
        raise known from exc


def remove_partials(folders: Iterable[Path]) -> int:
    """Delete the ``.part`` files under ``folders``; returns how many."""
    removed = 0
    for folder in folders:
        for partial in folder.rglob(f"*{PARTIAL}") if folder.is_dir() else ():
            with contextlib.suppress(FileNotFoundError):
                partial.unlink()
                removed += 1
    return removed


class FileCache:
    """The cache folder with a size cap and least-recently-used eviction."""

    def __init__(self, settings: StorageConfig) -> None:
        self.root = Path(settings.cache_dir)
        self.max_bytes = settings.cache_max_mb * MB

    async def used(self, path: Path) -> None:
        """Mark ``path`` as just used, then trim the cache (never deleting ``path``)."""
        await asyncio.to_thread(self._used, path)

    def _used(self, path: Path) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.utime(path)
        self.trim(keep=path)

    def trim(self, keep: Path | None = None) -> list[Path]:
        """Delete the least recently used files until the cache fits its cap."""
        files = [
            (stat.st_mtime, stat.st_size, path)
            for path in self.root.rglob("*")
            if not path.name.endswith(PARTIAL) and (stat := _stat(path)) is not None
        ]
        total = sum(size for _, size, _ in files)
        evicted = []
        for _, size, path in sorted(files, key=lambda item: item[0]):
            if total <= self.max_bytes:
                break
            if keep is not None and path == keep:
                continue
            with contextlib.suppress(FileNotFoundError):
                path.unlink()
                evicted.append(path)
                total -= size
        if evicted:
            log.info(
                "cache over %d MB: removed %d least recently used files",
                self.max_bytes // MB,
                len(evicted),
            )
        return evicted


def _stat(path: Path) -> os.stat_result | None:
    try:
        stat = path.stat()
    except FileNotFoundError:
        return None
    return stat if path.is_file() else None
