"""Parse arXiv listing feeds and arXiv API responses into :class:`Paper` values.

Pure functions over bytes already downloaded: nothing here touches the network
or the file system. Three listing flavours are understood: the current RSS 2.0
and Atom feeds of rss.arxiv.org, and the legacy RSS 1.0 (RDF) feed of
export.arxiv.org. Unusable input raises :class:`FeedError`.
"""

from __future__ import annotations

import html
import io
import logging
import re
import unicodedata
import xml.sax
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from functools import lru_cache
from typing import Any

import feedparser

from bot.kernel.errors import FeedError
from bot.kernel.models import ANNOUNCE_TYPES, FeedInfo, FeedResult, Paper

log = logging.getLogger(__name__)

# "oai:arXiv.org:2511.05275v1", "https://arxiv.org/abs/hep-th/9711200v3", "arXiv:2511.05275v1".
_ARXIV_REF = re.compile(
    r"(?i:oai:arxiv\.org:|arxiv\.org/abs/|arxiv:)"
    r"(?P<id>\d{4}\.\d{4,5}|[a-z]+(?:-[a-z]+)*(?:\.[A-Z]{2})?/\d{7})"
    r"(?:v(?P<version>\d+))?(?!\d)"
)
# "arXiv:2511.05275v1 Announce Type: cross \nAbstract: " at the start of a description.
_ANNOUNCE_PREFIX = re.compile(
    r"^\s*(?P<ref>arXiv:\S+)\s+Announce Type:\s*(?P<type>[\w-]+)\s*(?:Abstract:\s*)?",
    re.IGNORECASE,
)
# Legacy RDF titles end in ". (arXiv:1301.1107v6 [cs.NA] UPDATED)".
_LEGACY_SUFFIX = re.compile(
    r"\.?\s*\((?P<ref>arXiv:\S+)\s+\[(?P<category>[^\]\s]+)\]"
    r"(?:\s+(?P<flag>UPDATED|CROSS LISTED))?\)\s*$"
)
# Channel titles read "cs updates on arXiv.org" or "cs.AI+cs.LG updates on arXiv.org".
_CHANNEL_TITLE = re.compile(r"^\s*(?P<scope>\S+) updates on arXiv\.org\s*$", re.IGNORECASE)
# arXiv categories ("cs.AI", "hep-th", "cond-mat.str-el"), not ACM or MSC classes.
_CATEGORY = re.compile(r"[a-z]+(?:-[a-z]+)*(?:\.[A-Za-z]+(?:-[a-z]+)*)?")
_TAG = re.compile(r"</?[A-Za-z][^<>]*>")
_TEX_ACCENT = re.compile(r"\{?\\([`'^~=.\"]|[uvHck](?=[\s{]))\s*\{?(\\i|[A-Za-z])\}?\}?")
_TEX_COMBINING = {
    "`": "\u0300",
    "'": "\u0301",
    "^": "\u0302",
    "~": "\u0303",
    "=": "\u0304",
    "u": "\u0306",
    ".": "\u0307",
    '"': "\u0308",
    "H": "\u030b",
    "v": "\u030c",
    "c": "\u0327",
    "k": "\u0328",
}
_BENIGN_BOZO = (feedparser.CharacterEncodingOverride, feedparser.NonXMLContentType)
_API_ERROR_ID = "/api/errors"

Entry = Any  # a feedparser.FeedParserDict: untyped mapping of one entry


@dataclass(frozen=True)
class ApiResult:
    """The papers of one arXiv API response and the query's total hit count."""

    papers: tuple[Paper, ...]
    total_results: int


def parse_feed(data: bytes) -> FeedResult:
    """Parse an arXiv listing feed (RSS 2.0, Atom or legacy RDF).

    Items without an arXiv ID or title are logged, skipped and counted in
    ``FeedInfo.skipped_items``; ``item_count`` counts every item, skipped or not.
    """
    parsed = _parse_document(data)
    channel = parsed.feed
    scope = _feed_scope(channel.get("title", ""))
    fallback_date = channel.get("published") or channel.get("updated") or ""
    papers: list[Paper] = []
    for index, entry in enumerate(parsed.entries):
        paper = _feed_paper(entry, scope, fallback_date)
        if paper is None:
            _log_skipped(index, entry)
        else:
            papers.append(paper)
    info = FeedInfo(
        build_date=_parse_date(channel.get("updated", "")),
        pub_date=_parse_date(channel.get("published", "")),
        item_count=len(parsed.entries),
        skipped_items=len(parsed.entries) - len(papers),
    )
    return FeedResult(info=info, papers=tuple(papers))


def parse_api_response(data: bytes) -> ApiResult:
    """Parse an arXiv API (export.arxiv.org/api/query) Atom response.

    An error entry from the API raises a non-retryable :class:`FeedError`
    carrying arXiv's own message.
    """
    parsed = _parse_document(data)
    papers: list[Paper] = []
    for index, entry in enumerate(parsed.entries):
        if _API_ERROR_ID in entry.get("id", ""):
            reason = _collapse(entry.get("summary", "")) or "no reason given"
            raise FeedError(f"arXiv rejected the request: {reason}", retryable=False)
        paper = _api_paper(entry)
        if paper is None:
            _log_skipped(index, entry)
        else:
            papers.append(paper)
    total = parsed.feed.get("opensearch_totalresults", "")
    return ApiResult(
        papers=tuple(papers),
        total_results=int(total) if total.strip().isdigit() else len(papers),
    )


def _parse_document(data: bytes) -> Any:
    """Run feedparser on ``data`` (never as a URL or path) or raise FeedError."""
    if data.lstrip()[:32].lower().startswith(b"rate exceeded"):
        raise FeedError(
            'arXiv is limiting our requests (it answered "Rate exceeded."); '
            "trying again in a few minutes should work.",
            retryable=True,
        )
    # A BytesIO, because feedparser treats bare bytes as a file name first.
    parsed = feedparser.parse(io.BytesIO(data), resolve_relative_uris=False)
    if not parsed.get("version"):
        raise FeedError(f"arXiv's response is not a feed ({_preview(data)}).")
    error = parsed.get("bozo_exception")
    if parsed.get("bozo") and not isinstance(error, _BENIGN_BOZO):
        raise FeedError(f"arXiv sent a malformed feed ({_describe(error)}).")
    return parsed


def _preview(data: bytes) -> str:
    start = _collapse(data[:80].decode("utf-8", "replace"))
    return f"it begins {start!r}" if start else "it is empty"


def _describe(error: object) -> str:
    if isinstance(error, xml.sax.SAXParseException):
        return f"XML error at line {error.getLineNumber()}: {error.getMessage()}"
    return str(error) or type(error).__name__


def _feed_paper(entry: Entry, scope: tuple[str, ...], fallback_date: str) -> Paper | None:
    title = _entry_text(entry, "title")
    summary = _entry_text(entry, "summary")
    legacy = _LEGACY_SUFFIX.search(title)
    prefix = _ANNOUNCE_PREFIX.match(summary)
    found = _find_id(
        entry.get("id", ""),
        prefix["ref"] if prefix else "",
        legacy["ref"] if legacy else "",
        entry.get("link", ""),
    )
    title = _collapse(title[: legacy.start()] if legacy else title)
    if found is None or not title:
        return None
    categories = _categories([legacy["category"]] if legacy else [], _tag_terms(entry))
    if legacy:
        announce_type = _legacy_announce_type(legacy["flag"], categories[0], scope)
    else:
        declared = entry.get("arxiv_announce_type") or (prefix["type"] if prefix else "")
        announce_type = _known_announce_type(declared)
    raw_date = entry.get("published") or fallback_date
    return Paper(
        arxiv_id=found[0],
        version=found[1],
        title=title,
        authors=tuple(
            name.strip()
            for names in _author_names(entry)
            for name in names.split(",")
            if name.strip()
        ),
        abstract=_collapse(summary[prefix.end() :] if prefix else summary),
        categories=categories,
        announce_type=announce_type,
        published=_parse_date(raw_date),
        published_raw=raw_date,
    )


def _api_paper(entry: Entry) -> Paper | None:
    found = _find_id(entry.get("id", ""), entry.get("link", ""))
    title = _collapse(_entry_text(entry, "title"))
    if found is None or not title:
        return None
    primary = (entry.get("arxiv_primary_category") or {}).get("term", "")
    raw_date = entry.get("published", "")
    return Paper(
        arxiv_id=found[0],
        version=found[1],
        title=title,
        authors=tuple(name for name in _author_names(entry) if name),
        abstract=_collapse(_entry_text(entry, "summary")),
        categories=_categories([primary], _tag_terms(entry)),
        published=_parse_date(raw_date),
        published_raw=raw_date,
    )


def _log_skipped(index: int, entry: Entry) -> None:
    log.warning(
        "skipped feed item %d without arXiv ID or title (id=%r, title=%r)",
        index,
        entry.get("id", ""),
        _collapse(entry.get("title", ""))[:80],
    )


def _find_id(*sources: str) -> tuple[str, int] | None:
    """The arXiv ID and version in the first source that has both, else the first ID (v1)."""
    found = [match for source in sources if (match := _ARXIV_REF.search(source))]
    if not found:
        return None
    best = next((match for match in found if match["version"]), found[0])
    return best["id"], int(best["version"] or 1)


def _entry_text(entry: Entry, key: str) -> str:
    """An entry's text field, with HTML tags and entities removed when it is HTML."""
    value: str = entry.get(key) or ""
    if "html" in (entry.get(f"{key}_detail") or {}).get("type", ""):
        return html.unescape(_TAG.sub(" ", value) if "<" in value else value)
    return value


def _author_names(entry: Entry) -> list[str]:
    """Author strings in document order: plain text, TeX accents decoded, trimmed."""
    names = (author.get("name", "") for author in entry.get("authors", []))
    return [_collapse(_decode_tex_accents(html.unescape(_TAG.sub("", name)))) for name in names]


def _decode_tex_accents(text: str) -> str:
    r"""Turn TeX accents as arXiv prints them (``Andr\'e``, ``{\"o}``, ``\v{s}``) into Unicode."""
    if "\\" not in text:
        return text

    def accent(match: re.Match[str]) -> str:
        letter = "i" if match[2] == "\\i" else match[2]
        return unicodedata.normalize("NFC", letter + _TEX_COMBINING[match[1]])

    return _TEX_ACCENT.sub(accent, text)


def _known_announce_type(declared: str) -> str:
    value = declared.strip().lower()
    return value if value in ANNOUNCE_TYPES else ""


def _tag_terms(entry: Entry) -> list[str]:
    return [tag.get("term") or "" for tag in entry.get("tags", [])]


def _categories(*groups: Iterable[str]) -> tuple[str, ...]:
    """arXiv categories from ``groups`` in order, deduplicated; other classes dropped."""
    terms = (term.strip() for group in groups for term in group)
    return tuple(dict.fromkeys(term for term in terms if _CATEGORY.fullmatch(term)))


def _feed_scope(channel_title: str) -> tuple[str, ...]:
    """The archives or categories a feed lists: ("cs",) for "cs updates on arXiv.org"."""
    match = _CHANNEL_TITLE.match(channel_title)
    return tuple(match["scope"].split("+")) if match else ()


def _legacy_announce_type(flag: str | None, primary: str, scope: Sequence[str]) -> str:
    """Announce type of a legacy RDF item: UPDATED is a replacement; out of scope is a cross."""
    in_scope = not scope or any(primary == s or primary.startswith(f"{s}.") for s in scope)
    cross = flag == "CROSS LISTED" or not in_scope
    if flag == "UPDATED":
        return "replace-cross" if cross else "replace"
    return "cross" if cross else "new"


@lru_cache(maxsize=256)
def _parse_date(raw: str) -> datetime | None:
    """An aware datetime from an RFC 822 or ISO 8601 string; naive times are taken as UTC."""
    text = raw.strip()
    if not text:
        return None
    try:
        parsed = datetime.fromisoformat(text) if text[:4].isdigit() else parsedate_to_datetime(text)
    except (TypeError, ValueError):
        log.warning("unparseable feed date %r", raw)
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def _collapse(text: str) -> str:
    return " ".join(text.split())
