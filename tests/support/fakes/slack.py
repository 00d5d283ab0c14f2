"""A loopback Slack: the Web API methods the bot calls and a Socket Mode websocket.

Point ``AsyncWebClient(base_url=fake.api_url)`` at it (``slack.api_url`` in the
config). Every call is recorded in :attr:`SlackFake.calls` as ``(method, params, result)``
with form, query and JSON bodies parsed alike (JSON-encoded fields such as
``blocks`` decoded). Messages posted with ``chat.postMessage`` get increasing
``ts`` values and come back from ``conversations.history``. ``apps.connections.open``
returns the URL of the fake's own websocket, where :meth:`SlackFake.push` sends
envelopes and :attr:`SlackFake.acks` records the app's acknowledgements.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any
from urllib.parse import parse_qs

from aiohttp import WSMsgType, web

from analysis.schema import Analysis, Contribution, Experiments, FutureWork, Limitations
from bot.kernel.models import Paper
from tests.support.fakes.server import LoopbackServer

BOT_USER = "UBOT0001"
BOT_ID = "BBOT0001"
TEAM = "T111"
_JSON_FIELDS = ("blocks", "attachments", "metadata", "files")


@dataclass
class Call:
    method: str
    params: dict[str, Any]
    result: dict[str, Any]
    at: float = field(default_factory=time.monotonic)


@dataclass
class Ack:
    envelope_id: str
    payload: dict[str, Any] | None
    at: float = field(default_factory=time.monotonic)


class SlackFake(LoopbackServer):
    def __init__(self) -> None:
        super().__init__()
        self.calls: list[Call] = []
        self.acks: dict[str, Ack] = {}
        self.history: dict[str, list[dict[str, Any]]] = {}
        self.uploads: dict[str, bytes] = {}
        self.replies: dict[tuple[str, str], list[dict[str, Any]]] = {}  # (channel, thread)
        self._file_names: dict[str, str] = {}
        self._errors_after_write: dict[str, int] = {}
        self._ts = itertools.count(1)
        self._sockets: list[web.WebSocketResponse] = []

    def routes(self, app: web.Application) -> None:
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)

    @property
    def api_url(self) -> str:
        return f"{self.url}/api/"

    # queries -------------------------------------------------------------------

    def called(self, method: str) -> list[dict[str, Any]]:
        return [call.params for call in list(self.calls) if call.method == method]

    def wait_calls(
        self,
        method: str,
        count: int = 1,
        timeout_s: float = 10.0,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> list[Call]:
        """Poll (with a deadline) until ``method`` was called ``count`` times (``where`` holds)."""
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            found = [c for c in list(self.calls) if c.method == method and where(c.params)]
            if len(found) >= count:
                return found
            time.sleep(0.005)
        raise AssertionError(f"expected {count} {method}, got {[c.method for c in self.calls]}")

    async def until_calls(
        self,
        method: str,
        count: int = 1,
        timeout_s: float = 10.0,
        where: Callable[[dict[str, Any]], bool] = lambda _: True,
    ) -> list[Call]:
        """:meth:`wait_calls` for async tests (polls in a thread, the loop keeps running)."""
        return await asyncio.to_thread(self.wait_calls, method, count, timeout_s, where)

    def post(self, channel: str, **message: Any) -> str:
        """Put a message in ``channel`` as if someone else posted it; return its ts."""
        ts = self._next_ts()
        self.history.setdefault(channel, []).append({"type": "message", "ts": ts, **message})
        return ts

    def fail_after_write(self, method: str, times: int = 1) -> None:
        """The next ``times`` calls of ``method`` take effect, then answer 500 ``internal_error``
        (which Slack documents can happen after the write)."""
        self._errors_after_write[method] = self._errors_after_write.get(method, 0) + times

    def thread(self, channel: str, thread_ts: str) -> list[dict[str, Any]]:
        """The replies posted in a thread."""
        return self.replies.get((channel, thread_ts), [])

    # Socket Mode -----------------------------------------------------------------

    def connected(self) -> int:
        return len([ws for ws in self._sockets if not ws.closed])

    def wait_connected(self, timeout_s: float = 10.0) -> None:
        deadline = time.monotonic() + timeout_s
        while self.connected() == 0:
            if time.monotonic() > deadline:
                raise AssertionError("no Socket Mode connection")
            time.sleep(0.005)

    def push(self, kind: str, payload: dict[str, Any], retry_attempt: int = 0) -> str:
        """Send one envelope to every connected socket; return its envelope_id."""
        envelope_id = str(uuid.uuid4())
        envelope: dict[str, Any] = {
            "envelope_id": envelope_id,
            "type": kind,
            "payload": payload,
            "accepts_response_payload": kind != "events_api",
        }
        if kind == "events_api":
            envelope |= {"retry_attempt": retry_attempt, "retry_reason": ""}
        text = json.dumps(envelope)
        sockets = [ws for ws in self._sockets if not ws.closed]
        for ws in sockets:
            asyncio.run_coroutine_threadsafe(ws.send_str(text), self._loop).result(5)
        return envelope_id

    def wait_ack(self, envelope_id: str, timeout_s: float = 10.0) -> Ack:
        deadline = time.monotonic() + timeout_s
        while envelope_id not in self.acks:
            if time.monotonic() > deadline:
                raise AssertionError(f"envelope {envelope_id} was not acknowledged")
            time.sleep(0.002)
        return self.acks[envelope_id]

    async def until_ack(self, envelope_id: str, timeout_s: float = 10.0) -> Ack:
        return await asyncio.to_thread(self.wait_ack, envelope_id, timeout_s)

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse(autoping=True)
        await ws.prepare(request)
        self._sockets.append(ws)
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type == WSMsgType.TEXT:
                data = json.loads(message.data)
                if "envelope_id" in data:
                    self.acks[data["envelope_id"]] = Ack(data["envelope_id"], data.get("payload"))
        return ws

    # Web API ---------------------------------------------------------------------

    async def _api(self, request: web.Request) -> web.Response:
        method = request.match_info["method"]
        params = _parse(request, await request.read())
        handler = self._methods().get(method)
        wanted = "Bearer xapp-" if method == "apps.connections.open" else "Bearer xoxb-"
        if handler is None:
            result = {"ok": False, "error": "unknown_method"}
        elif not request.headers.get("Authorization", "").startswith(wanted):
            result = {"ok": False, "error": "not_allowed_token_type"}
        else:
            result = {"ok": True, **handler(params)}
        self.calls.append(Call(method, params, result))
        if result["ok"] and self._errors_after_write.get(method):
            self._errors_after_write[method] -= 1
            return web.json_response({"ok": False, "error": "internal_error"}, status=500)
        return web.json_response(result)

    def _methods(self) -> dict[str, Any]:
        return {
            "auth.test": lambda _: {
                "user_id": BOT_USER,
                "bot_id": BOT_ID,
                "team_id": TEAM,
                "user": "arxiv-radar",
                "team": "Test",
                "url": "https://test.slack.com/",
            },
            "chat.postMessage": self._post_message,
            "chat.update": lambda p: {"channel": p["channel"], "ts": p["ts"]},
            "chat.postEphemeral": lambda _: {"message_ts": self._next_ts()},
            "reactions.add": lambda _: {},
            "conversations.history": self._history,
            "conversations.replies": self._replies,
            "files.getUploadURLExternal": self._upload_url,
            "files.completeUploadExternal": self._complete_upload,
            "apps.connections.open": lambda _: {"url": f"ws://127.0.0.1:{self.port}/socket"},
        }

    def _post_message(self, params: dict[str, Any]) -> dict[str, Any]:
        ts = self._next_ts()
        message = {"type": "message", "ts": ts, "user": BOT_USER, "bot_id": BOT_ID, **params}
        if params.get("thread_ts") is None:
            self.history.setdefault(params["channel"], []).append(message)
        else:
            self.replies.setdefault((params["channel"], params["thread_ts"]), []).append(message)
        return {"channel": params["channel"], "ts": ts, "message": message}

    def _replies(self, params: dict[str, Any]) -> dict[str, Any]:
        channel, thread = params["channel"], params["ts"]
        parent = [m for m in self.history.get(channel, []) if m["ts"] == thread]
        messages = parent + self.thread(channel, thread)
        if str(params.get("include_all_metadata")) not in ("1", "true", "True"):
            messages = [{k: v for k, v in m.items() if k != "metadata"} for m in messages]
        return {"messages": messages, "has_more": False, "response_metadata": {"next_cursor": ""}}

    def _complete_upload(self, params: dict[str, Any]) -> dict[str, Any]:
        files = [
            {**entry, "name": self._file_names.get(entry["id"], "")}
            for entry in params.get("files", [])
        ]
        if params.get("channel_id"):
            self.history.setdefault(params["channel_id"], []).append(
                {"type": "message", "ts": self._next_ts(), "user": BOT_USER, "bot_id": BOT_ID}
                | {"files": files}
            )
        return {"files": files}

    def _history(self, params: dict[str, Any]) -> dict[str, Any]:
        newest_first = list(reversed(self.history.get(params["channel"], [])))
        if str(params.get("include_all_metadata")) not in ("1", "true", "True"):
            newest_first = [{k: v for k, v in m.items() if k != "metadata"} for m in newest_first]
        limit = int(params.get("limit", 100))
        start = int(params.get("cursor") or 0)
        page = newest_first[start : start + limit]
        more = start + limit < len(newest_first)
        cursor = str(start + limit) if more else ""
        return {"messages": page, "has_more": more, "response_metadata": {"next_cursor": cursor}}

    def _upload_url(self, params: dict[str, Any]) -> dict[str, Any]:
        file_id = f"F{next(self._ts):07d}"
        self._file_names[file_id] = str(params.get("filename", ""))
        return {"upload_url": f"{self.url}/upload/{file_id}", "file_id": file_id}

    async def _upload(self, request: web.Request) -> web.Response:
        self.uploads[request.match_info["file_id"]] = await request.read()
        return web.Response(text="OK - 0")

    def _next_ts(self) -> str:
        return f"1700000000.{next(self._ts):06d}"


def _parse(request: web.Request, body: bytes) -> dict[str, Any]:
    params: dict[str, Any] = dict(request.query)
    if request.content_type == "application/json":
        params.update(json.loads(body or b"{}"))
    elif body:
        params.update({k: v[0] for k, v in parse_qs(body.decode()).items()})
    for name in _JSON_FIELDS:
        if isinstance(params.get(name), str):
            params[name] = json.loads(params[name])
    return params


def sample_paper(**overrides: Any) -> Paper:
    """A paper as the feed announces it (the seed report's first paper)."""
    fields: dict[str, Any] = {
        "arxiv_id": "2511.05275",
        "version": 1,
        "title": "TwinVLA: Data-Efficient Bimanual Manipulation with Twin Single-Arm "
        "Vision-Language-Action Models",
        "authors": ("Hokyun Im", "Euijin Jeong", "Jianlong Fu", "Andrey Kolobov", "Youngwoon Lee"),
        "abstract": "Vision-language-action models (VLAs) trained on large-scale robotic "
        "datasets have demonstrated strong performance on manipulation tasks. " * 12,
        "categories": ("cs.RO", "cs.LG"),
        "announce_type": "cross",
        "published": datetime(2025, 11, 10, tzinfo=UTC),
        "published_raw": "Mon, 10 Nov 2025 00:00:00 -0500",
    }
    return Paper(**(fields | overrides))


def sample_analysis(arxiv_id: str = "2511.05275", *, paragraphs: int = 1) -> Analysis:
    """An analysis in the seed's structure; ``paragraphs`` makes the method long."""
    method = "\n\n".join(
        f"**Step {n}.** The twin VLMs share attention (Section 4.2) & a <DiT> head. " * 20
        for n in range(paragraphs)
    )
    return Analysis(
        arxiv_id=arxiv_id,
        version=1,
        title="TwinVLA: <!channel> Twin Single-Arm VLAs",
        language="en",
        engine="extractive",
        source="abstract_only",
        source_reason="the PDF has no text layer",
        overview="TwinVLA composes two single-arm VLAs into a bimanual policy.",
        motivation="Bimanual data is scarce (Section 1).",
        contributions=[Contribution(title="Twin design", detail="Copies the VLM.", refs=["§4"])],
        method=method,
        experiments=Experiments(
            metrics=["success rate"], datasets=["RoboTwin 2.0"], baselines=["RDT-1B"], setup=[]
        ),
        limitations=Limitations(acknowledged=["forgetting"], potential=["sim-to-real gap"]),
        future_work=[FutureWork(suggestion="continual learning", feasibility="high")],
        warnings=["Table 9 is cited but not found in the paper."],
    )
