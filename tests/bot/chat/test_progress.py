"""The digest's progress bar on a terminal (a pseudo-terminal, as a user's shell has)."""

from __future__ import annotations

import io
import os
import pty

from bot.chat.progress import DigestProgress
from bot.store import StoredMatch
from tests.support.fakes.slack import sample_paper


def match(arxiv_id: str) -> StoredMatch:
    paper = sample_paper(arxiv_id=arxiv_id)
    return StoredMatch(paper, ("vla",), (), "2025-11-10", "new")


def read_all(fd: int) -> bytes:
    """Everything written to the closed terminal (one read may return only part of it)."""
    chunks = []
    while True:
        try:
            chunk = os.read(fd, 4096)
        except OSError:  # EIO: the other end is closed and everything was read
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks)


def test_a_terminal_gets_one_redrawn_bar_naming_the_paper_being_analysed() -> None:
    leader, follower = pty.openpty()
    with os.fdopen(follower, "w", encoding="utf-8") as terminal:
        assert terminal.isatty()
        with DigestProgress(terminal) as progress:
            progress.started(match("2511.05275"), 2)
            progress.finished(match("2511.05275"), 2)
            progress.started(match("2511.05397"), 2)
            progress.finished(match("2511.05397"), 2)
    shown = read_all(leader).decode()
    os.close(leader)
    frames = [frame.removesuffix("\x1b[K") for frame in shown.split("\r") if frame]
    assert frames[0].startswith("[--------------------] 0/2 · analysing 2511.05275 TwinVLA")
    assert frames[1].startswith("[##########----------] 1/2 · analysed 2511.05275")
    assert frames[2].startswith("[##########----------] 1/2 · analysing 2511.05397")
    assert frames[3].startswith("[####################] 2/2 · analysed 2511.05397")
    assert shown.endswith("\n")


def test_a_pipe_gets_plain_lines() -> None:
    stream = io.StringIO()
    with DigestProgress(stream) as progress:
        progress.started(match("2511.05275"), 1)
        progress.finished(match("2511.05275"), 1)
    assert stream.getvalue().splitlines() == [
        "analysing 2511.05275 (1 of 1): TwinVLA: Data-Efficient Bimanual Manipulation with Twin "
        "Single-Arm Vision-Language-Action Models",
        "analysed 2511.05275 (1 of 1 done)",
    ]
