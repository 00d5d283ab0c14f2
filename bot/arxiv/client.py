"""arXiv clients: the RSS feed, the API (ID look-up, search), PDF and HTML downloads.

Every request goes through :mod:`bot.arxiv.http` with one process-wide pacer for the
feeds and the API (arXiv's one request per ``api_delay_s`` on one connection) and
another for PDFs. URLs come only from the configured templates and a validated
:class:`~bot.kernel.ids.ArxivId`.
"""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx

from bot import __version__
from bot.arxiv.feeds import ApiResult, parse_api_response, parse_feed
from bot.arxiv.http import Pacer, Response, RetryPolicy, fetch, make_client
from bot.kernel.config import ArxivConfig
from bot.kernel.errors import FeedError, FetchError, PaperNotFoundError
from bot.kernel.ids import ArxivId
from bot.kernel.models import FeedResult, Paper
from bot.store.files import write_atomically

MB = 1024 * 1024


def is_rate_exceeded(body: bytes) -> bool:
    """arXiv answers an over-eager client with HTTP 200 and this plain-text body."""
    return body.lstrip()[:13].lower() == b"rate exceeded"


def user_agent(config: ArxivConfig) -> str:
    agent = config.user_agent.format(version=__version__)
    return f"{agent} mailto:{config.contact}" if config.contact else agent


class ArxivClient:
    """Talks to arXiv politely; share one instance per process."""

    def __init__(self, config: ArxivConfig, client: httpx.AsyncClient | None = None) -> None:
        self.config = config
        self._client = client or make_client(config.timeout_s, user_agent(config))
        self._policy = RetryPolicy(attempts=config.max_retries, backoff_s=config.backoff_s)
        self._api_pacer = Pacer(config.api_delay_s)
        self._pdf_pacer = Pacer(config.pdf_delay_s)

    async def aclose(self) -> None:
        await self._client.aclose()

    def feed_url(self, categories: tuple[str, ...]) -> str:
        return self.config.rss_url.format(categories="+".join(categories))

    async def fetch_feed(self, categories: tuple[str, ...]) -> FeedResult:
        """Fetch and parse the feed of all ``categories`` in one request.

        A feed that cannot be fetched raises :class:`FeedError` naming the URL and
        what to check.
        """
        url = self.feed_url(categories)
        try:
            response = await self._get(
                url, what="the arXiv feed", max_bytes=self.config.max_feed_mb * MB
            )
        except FetchError as exc:
            raise FeedError(unreachable(exc, url), retryable=exc.retryable) from exc
        # feedparser is pure Python (about 0.3 ms per item): keep it off the event loop.
        return await asyncio.to_thread(parse_feed, response.body)

    async def lookup(self, ids: list[ArxivId]) -> list[Paper]:
        """Papers for ``ids`` from the API, in the API's order (missing ones left out)."""
        params = {"id_list": ",".join(i.versioned for i in ids), "max_results": str(len(ids))}
        return list((await self._api(params)).papers)

    async def paper(self, arxiv_id: ArxivId) -> Paper:
        """One paper's metadata, or :class:`PaperNotFoundError`."""
        papers = [p for p in await self.lookup([arxiv_id]) if p.arxiv_id == arxiv_id.id]
        if not papers:
            raise PaperNotFoundError(f"arXiv has no paper {arxiv_id.versioned}.")
        return papers[0]

    async def search(self, query: str, max_results: int = 5) -> list[Paper]:
        """Search title and abstract (``all:`` field), newest first."""
        terms = " AND ".join(f'all:"{word}"' for word in query.replace('"', " ").split()[:8])
        params = {
            "search_query": terms,
            "max_results": str(max_results),
            "sortBy": "submittedDate",
            "sortOrder": "descending",
        }
        return list((await self._api(params)).papers)

    async def download_pdf(self, arxiv_id: ArxivId, dest: Path, max_mb: int) -> Path:
        """Download the PDF of ``arxiv_id`` to ``dest`` (atomically) unless it is there."""
        url = self.config.pdf_url.format(id=arxiv_id.versioned)
        return await self._download(url, "PDF", arxiv_id, dest, max_mb)

    async def download_html(self, arxiv_id: ArxivId, dest: Path, max_mb: int) -> Path:
        """Download arXiv's HTML page of ``arxiv_id`` to ``dest``, as PDFs are (same pacing)."""
        url = self.config.html_url.format(id=arxiv_id.versioned)
        return await self._download(url, "HTML", arxiv_id, dest, max_mb)

    async def _download(
        self, url: str, kind: str, arxiv_id: ArxivId, dest: Path, max_mb: int
    ) -> Path:
        """``url`` to ``dest`` unless it is there; :class:`PaperNotFoundError` on a 404."""
        if dest.is_file():
            return dest
        what = f"the {kind} of {arxiv_id}"
        async with self._pdf_pacer:
            response = await fetch(
                self._client, url, what=what, policy=self._policy, max_bytes=max_mb * MB
            )
        if response.status == 404:
            raise PaperNotFoundError(f"arXiv has no {kind} for {arxiv_id}.")
        _require_ok(response, what)
        write_atomically(dest, response.body)  # a full disk leaves no partial file
        return dest

    async def _api(self, params: dict[str, str]) -> ApiResult:
        # The API explains a bad request (e.g. a malformed ID) in an Atom error entry
        # sent with HTTP 400: parse it so the user sees arXiv's reason.
        response = await self._get(
            self.config.api_url,
            what="the arXiv API",
            max_bytes=self.config.max_feed_mb * MB,
            params=params,
            readable_status=(400,),
        )
        return await asyncio.to_thread(parse_api_response, response.body)

    async def _get(
        self,
        url: str,
        *,
        what: str,
        max_bytes: int,
        params: dict[str, str] | None = None,
        readable_status: tuple[int, ...] = (),
    ) -> Response:
        response = await fetch(
            self._client,
            url,
            what=what,
            policy=self._policy,
            max_bytes=max_bytes,
            pacer=self._api_pacer,
            params=params,
            is_retryable_body=is_rate_exceeded,
        )
        if response.status not in readable_status:
            _require_ok(response, what)
        return response


def unreachable(exc: FetchError, url: str) -> str:
    """The message for a feed that could not be fetched: what failed, where, what to check."""
    return (
        f"{exc.user_message.rstrip('.')} (URL: {url}). Check the network connection, any "
        "proxy (HTTPS_PROXY) and [arxiv] rss_url in the config."
    )


def _require_ok(response: Response, what: str) -> None:
    if not 200 <= response.status < 300:
        raise FetchError(f"{what} answered HTTP {response.status}.", retryable=False)
