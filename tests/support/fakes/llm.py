"""A loopback OpenAI-compatible chat server, used through the real ``openai`` client.

Serves ``POST /v1/chat/completions`` and ``GET /v1/models``. Without a script it
answers a structured request (one with ``response_format``) with :attr:`answer`
as JSON and a plain request (a map-step notes call) with a short note. Tests
queue replies (:meth:`reply_json`, :meth:`reply_text`, :meth:`reply_refusal`),
HTTP errors (:meth:`fail`) or a slow answer (:meth:`slow`), and read what the
model was sent (:meth:`bodies`, :meth:`paper_text`).
"""

from __future__ import annotations

import json
import re
from collections import deque
from dataclasses import dataclass
from typing import Any

from aiohttp import web

from tests.support.fakes.server import Fault, LoopbackServer

COMPLETIONS = "/v1/chat/completions"
_PAPER = re.compile(r"<paper>\n(.*?)\n</paper>", re.DOTALL)


@dataclass(frozen=True)
class Reply:
    content: str | None
    refusal: str | None = None
    finish_reason: str = "stop"


def completion(reply: Reply, model: str = "fake-model", prompt_tokens: int = 0) -> dict[str, Any]:
    """A chat.completion object as the OpenAI API sends it."""
    output_tokens = len(reply.content or reply.refusal or "") // 4
    return {
        "id": "chatcmpl-fake",
        "object": "chat.completion",
        "created": 1_700_000_000,
        "model": model,
        "choices": [
            {
                "index": 0,
                "message": {
                    "role": "assistant",
                    "content": reply.content,
                    "refusal": reply.refusal,
                },
                "finish_reason": reply.finish_reason,
            }
        ],
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": output_tokens,
            "total_tokens": prompt_tokens + output_tokens,
        },
    }


def error_body(
    message: str, *, kind: str = "invalid_request_error", code: str | None = None
) -> bytes:
    error = {"message": message, "type": kind, "param": None, "code": code}
    return json.dumps({"error": error}).encode()


class LlmFake(LoopbackServer):
    """The fake; ``answer`` is the dict sent as the structured answer by default."""

    def __init__(self, answer: dict[str, Any] | None = None) -> None:
        super().__init__()
        self.answer = answer or {}
        self.replies: deque[Reply] = deque()
        self.rejects_json_schema = False
        self.note = "Notes: the part describes the method and its evaluation."

    def routes(self, app: web.Application) -> None:
        app.router.add_post(COMPLETIONS, self._complete)
        app.router.add_get("/v1/models", self._models)

    # scripting -----------------------------------------------------------------

    def reply_json(self, data: dict[str, Any]) -> None:
        self.replies.append(Reply(json.dumps(data, ensure_ascii=False)))

    def reply_text(self, text: str, finish_reason: str = "stop") -> None:
        self.replies.append(Reply(text, finish_reason=finish_reason))

    def reply_refusal(self, text: str) -> None:
        self.replies.append(Reply(None, refusal=text))

    def fail(
        self,
        status: int,
        message: str,
        *,
        code: str | None = None,
        times: int = 1,
        headers: dict[str, str] | None = None,
    ) -> None:
        """Answer the next ``times`` completions with an OpenAI-style error."""
        kind = "rate_limit_error" if status == 429 else "invalid_request_error"
        fault = Fault(status, error_body(message, kind=kind, code=code), headers or {})
        self.script(COMPLETIONS, *([fault] * times))

    def slow(self, delay_s: float) -> None:
        """Answer the next completion with the default answer after ``delay_s``."""
        body = json.dumps(completion(Reply(json.dumps(self.answer)))).encode()
        headers = {"content-type": "application/json"}
        self.script(COMPLETIONS, Fault(200, body, headers, delay_s=delay_s))

    # reading -------------------------------------------------------------------

    def bodies(self) -> list[dict[str, Any]]:
        """The JSON bodies of all completion requests, in order."""
        return [r.json for r in self.matching(lambda r: r.path == COMPLETIONS)]

    def structured_bodies(self) -> list[dict[str, Any]]:
        return [body for body in self.bodies() if "response_format" in body]

    def paper_text(self, body: dict[str, Any]) -> str:
        """What a request carried between ``<paper>`` and ``</paper>``."""
        user = next(m["content"] for m in body["messages"] if m["role"] == "user")
        match = _PAPER.search(user)
        assert match is not None, "no <paper> block in the user message"
        return match.group(1)

    # handlers ------------------------------------------------------------------

    async def _complete(self, request: web.Request) -> web.Response:
        body = await request.json()
        wants_schema = body.get("response_format", {}).get("type") == "json_schema"
        if self.rejects_json_schema and wants_schema:
            message = "response_format of type json_schema is not supported by this server"
            return web.Response(
                status=400, body=error_body(message), content_type="application/json"
            )
        reply = self.replies.popleft() if self.replies else self._default(body)
        prompt = sum(len(str(m.get("content") or "")) for m in body["messages"]) // 4
        return web.json_response(completion(reply, body.get("model", "fake-model"), prompt))

    def _default(self, body: dict[str, Any]) -> Reply:
        if "response_format" in body:
            return Reply(json.dumps(self.answer, ensure_ascii=False))
        return Reply(self.note)

    async def _models(self, request: web.Request) -> web.Response:
        model = {"id": "fake-model", "object": "model", "owned_by": "fake"}
        return web.json_response({"object": "list", "data": [model]})
