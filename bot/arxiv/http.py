"""The one HTTP client setup: timeouts, a size cap, retries with backoff and jitter.

Retries cover timeouts, connection errors, 429 and 5xx, honouring ``Retry-After``.
:class:`Pacer` serialises requests to one host family and keeps a minimum delay
between them (arXiv asks for one request every 3 s on one connection).
"""

from __future__ import annotations

import asyncio
import email.utils
import logging
import random
import time
from collections.abc import Callable
from dataclasses import dataclass

import httpx

from bot.kernel.errors import FetchError

log = logging.getLogger(__name__)
RETRYABLE_STATUS = frozenset({429, 500, 502, 503, 504})
MAX_RETRY_AFTER_S = 300.0


@dataclass(frozen=True)
class RetryPolicy:
    attempts: int = 4  # retries after the first try
    backoff_s: float = 2.0
    max_backoff_s: float = 60.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        """Seconds to wait before retry ``attempt`` (1-based)."""
        if retry_after is not None:
            return min(retry_after, MAX_RETRY_AFTER_S)
        base = min(self.backoff_s * 2 ** (attempt - 1), self.max_backoff_s)
        return base * (0.5 + random.random() / 2)


class Pacer:
    """One request at a time, at least ``interval_s`` between the end of one and the next."""

    def __init__(self, interval_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.interval_s = interval_s
        self._clock = clock
        self._lock = asyncio.Lock()
        self._last_end = float("-inf")

    async def __aenter__(self) -> None:
        await self._lock.acquire()
        wait = self._last_end + self.interval_s - self._clock()
        if wait > 0:
            await asyncio.sleep(wait)

    async def __aexit__(self, *exc: object) -> None:
        self._last_end = self._clock()
        self._lock.release()


@dataclass(frozen=True)
class Response:
    status: int
    headers: httpx.Headers
    body: bytes
    url: str


def make_client(timeout_s: float, user_agent: str) -> httpx.AsyncClient:
    """An AsyncClient with connect/read timeouts, one connection and our User-Agent."""
    timeout = httpx.Timeout(timeout_s, connect=min(10.0, timeout_s))
    limits = httpx.Limits(max_connections=4, max_keepalive_connections=2)
    return httpx.AsyncClient(
        timeout=timeout,
        limits=limits,
        headers={"User-Agent": user_agent},
        follow_redirects=True,
    )


def retry_after_seconds(value: str | None) -> float | None:
    """Parse a Retry-After header (seconds or an HTTP date)."""
    if not value:
        return None
    value = value.strip()
    if value.replace(".", "", 1).isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - time.time())


async def fetch(
    client: httpx.AsyncClient,
    url: str,
    *,
    what: str,
    policy: RetryPolicy,
    max_bytes: int,
    pacer: Pacer | None = None,
    params: dict[str, str] | None = None,
    is_retryable_body: Callable[[bytes], bool] | None = None,
) -> Response:
    """GET ``url`` with retries; ``what`` names the resource in error messages."""
    for attempt in range(policy.attempts + 1):
        retry_after: float | None = None
        try:
            response = await _get_once(client, url, params, max_bytes, pacer, what)
        except httpx.TimeoutException:
            problem = f"{what} timed out"
        except httpx.TransportError as exc:
            problem = f"could not connect to fetch {what} ({type(exc).__name__})"
        else:
            if response.status in RETRYABLE_STATUS:
                problem = f"{what} answered HTTP {response.status}"
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            elif is_retryable_body is not None and is_retryable_body(response.body):
                problem = f"{what} asked us to slow down (rate exceeded)"
                retry_after = retry_after_seconds(response.headers.get("retry-after"))
            else:
                return response
        if attempt == policy.attempts:
            raise FetchError(
                f"{problem[0].upper()}{problem[1:]}; gave up after {attempt + 1} tries."
            )
        delay = policy.delay(attempt + 1, retry_after)
        log.warning("%s; retry %d in %.1f s", problem, attempt + 1, delay)
        await asyncio.sleep(delay)
    raise AssertionError("unreachable")


async def _get_once(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str] | None,
    max_bytes: int,
    pacer: Pacer | None,
    what: str,
) -> Response:
    if pacer is None:
        return await _stream(client, url, params, max_bytes, what)
    async with pacer:
        return await _stream(client, url, params, max_bytes, what)


async def _stream(
    client: httpx.AsyncClient,
    url: str,
    params: dict[str, str] | None,
    max_bytes: int,
    what: str,
) -> Response:
    async with client.stream("GET", url, params=params) as response:
        declared = response.headers.get("content-length")
        if declared and declared.isdigit() and int(declared) > max_bytes:
            raise _too_large(what, max_bytes)
        chunks: list[bytes] = []
        size = 0
        async for chunk in response.aiter_bytes():
            size += len(chunk)
            if size > max_bytes:
                raise _too_large(what, max_bytes)
            chunks.append(chunk)
        return Response(response.status_code, response.headers, b"".join(chunks), str(response.url))


def _too_large(what: str, max_bytes: int) -> FetchError:
    return FetchError(
        f"{what} is larger than the {max_bytes // (1024 * 1024)} MB limit.", retryable=False
    )
