"""Progress of ``digest`` on stderr: a bar on a terminal, plain lines otherwise.

On a terminal one line is redrawn: ``[#####-----] 3/9 · analysing 2511.05275 TwinVLA…``;
when stderr is a file or a pipe (cron, CI) each paper gets a line as it starts and
as it ends, so logs show where a long run is.
"""

from __future__ import annotations

import shutil
import sys
from typing import TextIO

from bot.store import StoredMatch

BAR_WIDTH = 20


class DigestProgress:
    """The ``progress`` of :func:`bot.watch.digest.write_digest`."""

    def __init__(self, stream: TextIO | None = None) -> None:
        self.stream = stream or sys.stderr
        self.tty = self.stream.isatty()
        self.done = 0
        self.drawn = False

    def __enter__(self) -> DigestProgress:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.drawn:
            self.stream.write("\n")
            self.stream.flush()

    def started(self, match: StoredMatch, total: int) -> None:
        paper = match.paper
        if self.tty:
            self._draw(total, f"analysing {paper.arxiv_id} {paper.title}")
        else:
            self._line(f"analysing {paper.arxiv_id} ({self.done + 1} of {total}): {paper.title}")

    def finished(self, match: StoredMatch, total: int) -> None:
        self.done += 1
        if self.tty:
            self._draw(total, f"analysed {match.paper.arxiv_id}")
        else:
            self._line(f"analysed {match.paper.arxiv_id} ({self.done} of {total} done)")

    def _draw(self, total: int, text: str) -> None:
        filled = BAR_WIDTH * self.done // max(total, 1)
        bar = f"[{'#' * filled}{'-' * (BAR_WIDTH - filled)}] {self.done}/{total} · "
        width = shutil.get_terminal_size((80, 24)).columns - 1
        line = (bar + text)[:width]
        self.stream.write(f"\r{line}\x1b[K")
        self.stream.flush()
        self.drawn = True

    def _line(self, text: str) -> None:
        self.stream.write(text + "\n")
        self.stream.flush()
