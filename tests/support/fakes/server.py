"""A real aiohttp server on 127.0.0.1:0 in its own thread, recording every request.

Subclasses add routes in :meth:`LoopbackServer.routes`. Tests script faults with
:meth:`LoopbackServer.script` (the next responses of a path) and read
:attr:`LoopbackServer.requests`; :meth:`wait_for` polls with a deadline instead of
sleeping a fixed time.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time
from abc import ABC, abstractmethod
from collections import defaultdict, deque
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import parse_qs

from aiohttp import web


@dataclass
class Recorded:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]
    body: bytes
    at: float = field(default_factory=time.monotonic)

    @property
    def json(self) -> Any:
        return json.loads(self.body)

    @property
    def form(self) -> dict[str, str]:
        return {k: v[0] for k, v in parse_qs(self.body.decode()).items()}


@dataclass
class Fault:
    """A scripted answer: a status and body, an optional delay (hang) or a cut body."""

    status: int = 503
    body: bytes = b"Service Unavailable"
    headers: dict[str, str] = field(default_factory=dict)
    delay_s: float = 0.0
    truncate_to: int | None = None


class LoopbackServer(ABC):
    def __init__(self) -> None:
        self.requests: list[Recorded] = []
        self._faults: dict[str, deque[Fault]] = defaultdict(deque)
        self._loop = asyncio.new_event_loop()
        self._runner: web.AppRunner | None = None
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True)
        self.port = 0

    # lifecycle ---------------------------------------------------------------

    @abstractmethod
    def routes(self, app: web.Application) -> None:
        """Add the fake's routes to ``app``."""

    def start(self) -> LoopbackServer:
        self._thread.start()
        asyncio.run_coroutine_threadsafe(self._start(), self._loop).result(10)
        return self

    def stop(self) -> None:
        asyncio.run_coroutine_threadsafe(self._stop(), self._loop).result(10)
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(5)

    async def _start(self) -> None:
        app = web.Application(middlewares=[self._record], client_max_size=64 * 1024 * 1024)
        self.routes(app)
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=0.1)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def _stop(self) -> None:
        if self._runner:
            await self._runner.cleanup()

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    # scripting ---------------------------------------------------------------

    def script(self, path_prefix: str, *faults: Fault) -> None:
        """Answer the next requests under ``path_prefix`` with ``faults``, in order."""
        self._faults[path_prefix].extend(faults)

    def matching(self, predicate: Callable[[Recorded], bool]) -> list[Recorded]:
        return [r for r in list(self.requests) if predicate(r)]

    def paths(self) -> list[str]:
        return [r.path for r in list(self.requests)]

    def wait_for(
        self, predicate: Callable[[Recorded], bool], count: int = 1, timeout_s: float = 10.0
    ) -> list[Recorded]:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = self.matching(predicate)
            if len(found) >= count:
                return found
            time.sleep(0.01)
        raise AssertionError(f"expected {count} matching requests, got {self.paths()}")

    @web.middleware
    async def _record(self, request: web.Request, handler: Any) -> web.StreamResponse:
        body = await request.read()
        self.requests.append(
            Recorded(request.method, request.path, dict(request.query), dict(request.headers), body)
        )
        fault = self._next_fault(request.path)
        if fault is None:
            return await handler(request)
        return await self._answer_fault(request, fault)

    def _next_fault(self, path: str) -> Fault | None:
        for prefix, queue in self._faults.items():
            if path.startswith(prefix) and queue:
                return queue.popleft()
        return None

    async def _answer_fault(self, request: web.Request, fault: Fault) -> web.StreamResponse:
        if fault.delay_s:
            await asyncio.sleep(fault.delay_s)
        if fault.truncate_to is None:
            return web.Response(status=fault.status, body=fault.body, headers=fault.headers)
        response = web.StreamResponse(status=fault.status, headers=fault.headers)
        response.content_length = len(fault.body)
        await response.prepare(request)
        await response.write(fault.body[: fault.truncate_to])
        request.transport.close() if request.transport else None
        return response


async def until(condition: Callable[[], object], timeout_s: float = 10.0) -> None:
    """Poll ``condition()`` on the running loop until it is true, with a deadline."""
    deadline = time.monotonic() + timeout_s
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met within {timeout_s} s")
        await asyncio.sleep(0.01)
