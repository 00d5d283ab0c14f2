"""What the core needs from a chat platform, in its own types.

Slack and Discord adapters implement :class:`ChatPlatform`; the core (announcing
papers, the job queue, reports) only ever talks to this protocol.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING, Protocol

from bot.kernel.models import CardSummary, ChatRef, Paper

if TYPE_CHECKING:
    from analysis.ask.types import Answer
    from analysis.schema import Analysis


class ChatPlatform(Protocol):
    """One connected chat platform."""

    name: str  # a PlatformName
    command_prefix: str  # how users type commands here, e.g. "/arxiv" (help and retry hints)

    async def post_card(
        self,
        channel: str,
        paper: Paper,
        keywords: tuple[str, ...],
        nonce: str,
        similar_to: str | None = None,
    ) -> str:
        """Post a paper card to ``channel``; return the message ID (Slack ts / Discord id).

        The card says why it is there: the matched ``keywords`` and, when the
        channel's interest profile contributed, the title of the closest interest
        paper (``similar_to``, untrusted text). ``nonce`` is stable for (paper,
        channel): platforms that support it use it so a retried request cannot
        create a second message.
        """
        ...

    async def post_summary(
        self, channel: str, summary: CardSummary, nonce: str, *, reconcile: bool
    ) -> str:
        """Post ``summary`` (split to the platform's limits); return its first message's ID.

        Titles link to their arXiv abs pages (links the bot builds from the ID).
        Every part carries ``nonce``; with ``reconcile`` (an earlier attempt may
        have reached the platform) the parts already in ``channel`` are not sent again.
        """
        ...

    async def find_card(self, channel: str, arxiv_id: str, nonce: str) -> str | None:
        """The ID of a card for ``arxiv_id`` the bot already posted in ``channel``, if any.

        Used after a restart to reconcile a post whose ID was never recorded.
        """
        ...

    async def start_progress(self, ref: ChatRef, text: str) -> str:
        """Post a progress message in the thread of ``ref``; return its ID."""
        ...

    async def update_progress(self, ref: ChatRef, message_id: str, text: str) -> None:
        """Replace the text of a progress message."""
        ...

    async def deliver_analysis(
        self, ref: ChatRef, analysis: Analysis, progress_id: str | None
    ) -> None:
        """Post the finished analysis in the thread of ``ref`` (split to platform limits)."""
        ...

    async def deliver_failure(
        self, ref: ChatRef, message: str, arxiv_id: str, progress_id: str | None
    ) -> None:
        """Tell the requester the analysis failed, with the reason and how to retry."""
        ...

    async def deliver_answer(self, ref: ChatRef, answer: Answer, progress_id: str | None) -> None:
        """Post the answer to a question (with its sources) in the thread of ``ref``."""
        ...

    async def deliver_answer_failure(
        self, ref: ChatRef, message: str, progress_id: str | None
    ) -> None:
        """Tell the asker the question could not be answered, and why."""
        ...

    async def upload_report(self, channel: str, path: Path, title: str) -> None:
        """Share a daily report file in ``channel``."""
        ...


class Adapter(Protocol):
    """A running connection to one platform, started and stopped by the runtime."""

    platform: ChatPlatform

    async def start(self) -> None:
        """Connect (Socket Mode, HTTP listener or gateway) and begin handling events."""
        ...

    async def stop(self) -> None:
        """Stop taking new events and close connections."""
        ...

    def is_connected(self) -> bool:
        """Whether the platform connection is up (for /readyz)."""
        ...
