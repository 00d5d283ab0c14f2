"""A loopback OpenAI-compatible embeddings server, used through the real ``openai`` client.

Serves ``POST /v1/embeddings``: each input becomes a deterministic hashed
bag-of-words vector (:func:`bag_of_words`), so texts sharing words are close.
Tests read the inputs sent (:meth:`EmbeddingsFake.inputs`) and script HTTP
errors with :meth:`EmbeddingsFake.fail`.
"""

from __future__ import annotations

import base64
import hashlib
import math
import re
import struct
from typing import Any

from aiohttp import web

from tests.fakes.server import Fault, LoopbackServer

EMBEDDINGS = "/v1/embeddings"
DIMENSIONS = 64
_WORD = re.compile(r"\w+")


def bag_of_words(text: str, dimensions: int = DIMENSIONS) -> list[float]:
    """A unit vector with one hashed dimension per lower-cased word (zeros for no words)."""
    vector = [0.0] * dimensions
    for word in _WORD.findall(text.lower()):
        digest = hashlib.sha256(word.encode()).digest()
        vector[int.from_bytes(digest[:4], "big") % dimensions] += 1.0
    norm = math.sqrt(sum(x * x for x in vector))
    return [x / norm for x in vector] if norm else vector


class EmbeddingsFake(LoopbackServer):
    """The fake; ``dimensions`` is the vector length it answers with."""

    def __init__(self, dimensions: int = DIMENSIONS) -> None:
        super().__init__()
        self.dimensions = dimensions

    def routes(self, app: web.Application) -> None:
        app.router.add_post(EMBEDDINGS, self._embed)

    def fail(self, status: int, message: str, *, times: int = 1) -> None:
        """Answer the next ``times`` requests with an OpenAI-style error."""
        body = f'{{"error": {{"message": "{message}", "type": "error", "code": null}}}}'
        headers = {"content-type": "application/json"}
        self.script(EMBEDDINGS, *([Fault(status, body.encode(), headers)] * times))

    def bodies(self) -> list[dict[str, Any]]:
        return [r.json for r in self.matching(lambda r: r.path == EMBEDDINGS)]

    def inputs(self) -> list[list[str]]:
        """The texts of each request, in order."""
        return [list(body["input"]) for body in self.bodies()]

    async def _embed(self, request: web.Request) -> web.Response:
        body = await request.json()
        texts = body["input"] if isinstance(body["input"], list) else [body["input"]]
        as_base64 = body.get("encoding_format") == "base64"
        data = [
            {
                "object": "embedding",
                "index": index,
                "embedding": _encode(bag_of_words(text, self.dimensions), as_base64),
            }
            for index, text in enumerate(texts)
        ]
        tokens = sum(len(_WORD.findall(text)) for text in texts)
        return web.json_response(
            {
                "object": "list",
                "data": data,
                "model": body.get("model", "fake-embedding"),
                "usage": {"prompt_tokens": tokens, "total_tokens": tokens},
            }
        )


def _encode(vector: list[float], as_base64: bool) -> list[float] | str:
    if not as_base64:
        return vector
    return base64.b64encode(struct.pack(f"<{len(vector)}f", *vector)).decode()
