"""arXiv ID and URL parsing: the only way a user-supplied string becomes a fetch.

Accepted: new-style IDs (``2511.05275``, ``2511.05275v2``, ``arXiv:2511.05275``),
old-style IDs (``hep-th/9711200``, ``math.GT/0309136v1``) and arxiv.org ``/abs/``,
``/pdf/`` and ``/html/`` URLs carrying one of them. Everything else is rejected, so a
chat user can never make the bot fetch another host or path.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from bot.kernel.errors import InvalidArxivIdError

MAX_INPUT_CHARS = 200
_NEW = r"(?P<new>\d{4}\.\d{4,5})"
_OLD = r"(?P<old>[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})"
_VERSION = r"(?:v(?P<version>[1-9]\d{0,3}))?"
_ID = rf"(?:{_NEW}|{_OLD}){_VERSION}"
_BARE = re.compile(rf"(?:arxiv:)?{_ID}", re.ASCII | re.IGNORECASE)
_URL = re.compile(
    rf"(?:https?://)?(?:www\.|export\.)?arxiv\.org/(?:abs|pdf|html)/{_ID}(?:\.pdf)?/?",
    re.ASCII,
)


@dataclass(frozen=True)
class ArxivId:
    """A validated arXiv identifier, with an optional explicit version."""

    id: str
    version: int | None = None

    @property
    def versioned(self) -> str:
        return f"{self.id}v{self.version}" if self.version else self.id

    def __str__(self) -> str:
        return self.versioned


def parse_arxiv_id(text: str) -> ArxivId:
    """Parse an arXiv ID or arxiv.org URL, or raise :class:`InvalidArxivIdError`."""
    candidate = text.strip()
    if not candidate:
        raise InvalidArxivIdError("Please give an arXiv ID such as 2511.05275 or an arXiv URL.")
    if len(candidate) > MAX_INPUT_CHARS or not candidate.isascii():
        raise InvalidArxivIdError(_rejection(candidate))
    match = _BARE.fullmatch(candidate) or _URL.fullmatch(candidate)
    if match is None:
        raise InvalidArxivIdError(_rejection(candidate))
    identifier = match.group("new") or match.group("old")
    version = match.group("version")
    if match.group("new") and not _plausible_new_id(identifier):
        raise InvalidArxivIdError(_rejection(candidate))
    return ArxivId(identifier, int(version) if version else None)


def _plausible_new_id(identifier: str) -> bool:
    """A YYMM.NNNNN id has a real month and the 5-digit form only from 2015 on."""
    yymm, number = identifier.split(".")
    month = int(yymm[2:])
    return 1 <= month <= 12 and (len(number) == 4 or int(yymm) >= 1501)


def _rejection(candidate: str) -> str:
    shown = candidate if len(candidate) <= 60 and candidate.isprintable() else candidate[:60] + "…"
    shown = shown.encode("ascii", "replace").decode("ascii")
    return (
        f"'{shown}' is not an arXiv ID or arXiv URL. "
        "Use an ID such as 2511.05275 (or hep-th/9711200) or a link to arxiv.org/abs/…"
    )
