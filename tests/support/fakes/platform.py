"""An in-memory chat platform for core tests: records every call, scripts failures.

It stands in for Slack or Discord (the external service), not for any of our code:
the core's :class:`~bot.kernel.platform.ChatPlatform` calls land here as :class:`Sent`
records. ``fail("post_card", times=2)`` makes the next calls raise;
``fail("post_card", after_send=True)`` records the message and then raises, like a
request the platform accepted whose response was lost.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from bot.kernel.commands import DEFAULT_PREFIX
from bot.kernel.models import CardSummary, ChatRef, Paper


class PlatformDown(Exception):
    """The scripted failure of a platform call."""


@dataclass
class Sent:
    kind: str  # card | summary | progress | update | analysis | failure | answer | report
    channel: str
    thread: str | None = None
    message_id: str | None = None
    text: str = ""
    arxiv_id: str | None = None
    nonce: str | None = None
    extra: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Fault:
    times: int
    after_send: bool


class RecordingPlatform:
    """A ChatPlatform that keeps everything it was asked to send."""

    def __init__(self, name: str = "slack", command_prefix: str = DEFAULT_PREFIX) -> None:
        self.name = name
        self.command_prefix = command_prefix
        self.sent: list[Sent] = []
        self.calls: list[str] = []
        self._ids = itertools.count(1)
        self._faults: dict[str, _Fault] = {}

    def fail(self, method: str, *, times: int = 1, after_send: bool = False) -> None:
        self._faults[method] = _Fault(times, after_send)

    def _fault(self, method: str) -> _Fault | None:
        self.calls.append(method)
        fault = self._faults.get(method)
        if fault is None or fault.times <= 0:
            return None
        fault.times -= 1
        return fault

    def _send(self, method: str, sent: Sent) -> str:
        fault = self._fault(method)
        if fault is not None and not fault.after_send:
            raise PlatformDown(f"{self.name} {method} failed")
        sent.message_id = sent.message_id or f"m{next(self._ids)}"
        self.sent.append(sent)
        if fault is not None:
            raise PlatformDown(f"{self.name} {method} response lost")
        return sent.message_id

    # ChatPlatform ---------------------------------------------------------------------

    async def post_card(
        self,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        nonce: str,
        similar_to: str | None = None,
    ) -> str:
        card = Sent("card", channel, text=paper.title, arxiv_id=paper.arxiv_id, nonce=nonce)
        card.extra.update(keywords=keywords, similar_to=similar_to)
        return self._send("post_card", card)

    async def post_summary(
        self, channel: str, summary: CardSummary, nonce: str, *, reconcile: bool
    ) -> str:
        if reconcile:
            for sent in self.of("summary"):
                if sent.channel == channel and sent.nonce == nonce:
                    return sent.message_id or ""
        posted = Sent("summary", channel, text=summary.heading, nonce=nonce)
        posted.extra["arxiv_ids"] = [paper.arxiv_id for paper in summary.papers]
        return self._send("post_summary", posted)

    async def find_card(self, channel: str, arxiv_id: str, nonce: str) -> str | None:
        if self._fault("find_card") is not None:
            raise PlatformDown(f"{self.name} find_card failed")
        for sent in self.sent:
            if sent.kind == "card" and sent.channel == channel and sent.nonce == nonce:
                return sent.message_id
        return None

    async def start_progress(self, ref: ChatRef, text: str) -> str:
        return self._send("start_progress", Sent("progress", ref.channel, ref.thread, text=text))

    async def update_progress(self, ref: ChatRef, message_id: str, text: str) -> None:
        update = Sent("update", ref.channel, ref.thread, message_id=message_id, text=text)
        self._send("update_progress", update)

    async def deliver_analysis(self, ref: ChatRef, analysis: Any, progress_id: str | None) -> None:
        delivered = Sent("analysis", ref.channel, ref.thread, text=analysis.overview)
        delivered.arxiv_id = analysis.arxiv_id
        delivered.extra.update(user=ref.user, progress_id=progress_id, analysis=analysis)
        self._send("deliver_analysis", delivered)

    async def deliver_failure(
        self, ref: ChatRef, message: str, arxiv_id: str, progress_id: str | None
    ) -> None:
        failure = Sent("failure", ref.channel, ref.thread, text=message, arxiv_id=arxiv_id)
        failure.extra.update(user=ref.user, progress_id=progress_id)
        self._send("deliver_failure", failure)

    async def deliver_answer(self, ref: ChatRef, answer: Any, progress_id: str | None) -> None:
        delivered = Sent("answer", ref.channel, ref.thread, text=answer.answer)
        delivered.arxiv_id = answer.arxiv_id
        delivered.extra.update(user=ref.user, progress_id=progress_id, answer=answer)
        self._send("deliver_answer", delivered)

    async def deliver_answer_failure(
        self, ref: ChatRef, message: str, progress_id: str | None
    ) -> None:
        failure = Sent("failure", ref.channel, ref.thread, text=message)
        failure.extra.update(user=ref.user, progress_id=progress_id, question=True)
        self._send("deliver_answer_failure", failure)

    async def upload_report(self, channel: str, path: Path, title: str) -> None:
        report = Sent("report", channel, text=title)
        report.extra["path"] = path
        self._send("upload_report", report)

    # assertions -------------------------------------------------------------------

    def of(self, kind: str) -> list[Sent]:
        return [sent for sent in self.sent if sent.kind == kind]

    def finals(self) -> list[Sent]:
        """Final replies (analyses, answers and failures), in order."""
        return [sent for sent in self.sent if sent.kind in ("analysis", "answer", "failure")]

    async def wait_for(
        self, predicate: Callable[[RecordingPlatform], bool], timeout_s: float = 10.0
    ) -> None:
        """Poll ``predicate`` until true or fail after ``timeout_s``."""
        deadline = time.monotonic() + timeout_s
        while not predicate(self):
            if time.monotonic() > deadline:
                kinds = [(s.kind, s.channel, s.thread, s.text[:40]) for s in self.sent]
                raise AssertionError(f"condition not met within {timeout_s} s; sent: {kinds}")
            await asyncio.sleep(0.01)


class RecordingAdapter:
    """An Adapter around a :class:`RecordingPlatform` (connection state is scriptable)."""

    def __init__(self, platform: RecordingPlatform) -> None:
        self.platform = platform
        self.connected = False
        self.stopped = False

    async def start(self) -> None:
        self.connected = True

    async def stop(self) -> None:
        self.connected = False
        self.stopped = True

    def is_connected(self) -> bool:
        return self.connected
