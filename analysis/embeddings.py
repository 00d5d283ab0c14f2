"""Text embeddings from an OpenAI-compatible ``/embeddings`` endpoint (``[embeddings]``).

Off unless ``embeddings.model`` names a model. Texts go in batches of
``embeddings.batch_size``; every failure becomes an
:class:`~bot.errors.EmbeddingsError` with a reason code and a message naming
the config key to check. The key comes from ``$embeddings.api_key_env``; a
server that needs none (a local one) works with the variable unset.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

from bot.config import EmbeddingsConfig, secret
from bot.errors import EmbeddingsError

if TYPE_CHECKING:  # the openai client loads only when embeddings are used
    import openai
    from openai import AsyncOpenAI
    from openai.types import CreateEmbeddingResponse

NO_KEY = "no-key"  # sent to servers that take none: the openai client needs some value


def enabled(config: EmbeddingsConfig) -> bool:
    """Whether ``[embeddings]`` names a model, i.e. vectors should be used."""
    return bool(config.model.strip())


async def embed_texts(config: EmbeddingsConfig, texts: Sequence[str]) -> list[list[float]]:
    """One vector per text, in order, fetched ``embeddings.batch_size`` texts at a time."""
    if not enabled(config):
        raise EmbeddingsError(
            "Embeddings are off: set embeddings.model to use them.", reason="disabled"
        )
    if not texts:
        return []
    vectors: list[list[float]] = []
    async with _client(config) as client:
        for start in range(0, len(texts), config.batch_size):
            batch = [text or " " for text in texts[start : start + config.batch_size]]
            vectors.extend(await _embed_batch(client, config, batch))
    return vectors


def cosine(a: Sequence[float], b: Sequence[float]) -> float:
    """Cosine similarity of two vectors of the same length (0.0 when either is all zeros)."""
    if len(a) != len(b):
        raise ValueError(f"vectors of different lengths: {len(a)} and {len(b)}")
    dot = math.fsum(x * y for x, y in zip(a, b, strict=True))
    norm = math.sqrt(math.fsum(x * x for x in a)) * math.sqrt(math.fsum(y * y for y in b))
    return dot / norm if norm else 0.0


def _client(config: EmbeddingsConfig) -> AsyncOpenAI:
    from openai import AsyncOpenAI

    return AsyncOpenAI(
        base_url=config.base_url,
        api_key=secret(config.api_key_env) or NO_KEY,
        timeout=config.timeout_s,
        max_retries=config.max_retries,
    )


async def _embed_batch(
    client: AsyncOpenAI, config: EmbeddingsConfig, batch: list[str]
) -> list[list[float]]:
    import openai

    try:
        response = await client.embeddings.create(
            model=config.model, input=batch, encoding_format="float"
        )
    except openai.APIError as exc:
        raise _translate(exc, config) from None
    return _vectors(response, len(batch), config)


def _vectors(
    response: CreateEmbeddingResponse, expected: int, config: EmbeddingsConfig
) -> list[list[float]]:
    """The response's vectors in input order, checked for count and one common length."""
    items = sorted(response.data, key=lambda item: item.index)
    vectors = [list(item.embedding) for item in items]
    lengths = {len(vector) for vector in vectors}
    if len(vectors) != expected or len(lengths) != 1 or 0 in lengths:
        raise EmbeddingsError(
            f"The embeddings server at {config.base_url} sent {len(vectors)} vectors of "
            f"lengths {sorted(lengths)} for {expected} texts; check embeddings.model.",
            reason="bad_response",
            retryable=True,
        )
    return vectors


def _translate(exc: openai.APIError, config: EmbeddingsConfig) -> EmbeddingsError:
    """The user-facing error for an openai error (the key itself is never included)."""
    import openai

    where = f"the embeddings server at {config.base_url}"
    if isinstance(exc, openai.AuthenticationError | openai.PermissionDeniedError):
        return EmbeddingsError(
            f"{where.capitalize()} rejected the API key (check ${config.api_key_env}).",
            reason="auth",
        )
    if isinstance(exc, openai.NotFoundError):
        return EmbeddingsError(
            f"{where.capitalize()} does not know model {config.model!r} (HTTP 404); check "
            "embeddings.model and embeddings.base_url.",
            reason="not_found",
        )
    if isinstance(exc, openai.RateLimitError):
        return EmbeddingsError(
            f"{where.capitalize()} is rate-limiting requests (HTTP 429).",
            reason="rate_limited",
            retryable=True,
        )
    if isinstance(exc, openai.APITimeoutError):
        return EmbeddingsError(
            f"{where.capitalize()} did not answer within embeddings.timeout_s "
            f"({config.timeout_s:g} s).",
            reason="timeout",
            retryable=True,
        )
    if isinstance(exc, openai.APIConnectionError):
        return EmbeddingsError(f"Cannot reach {where}.", reason="unreachable", retryable=True)
    status = getattr(exc, "status_code", 0)
    if status >= 500:
        return EmbeddingsError(
            f"{where.capitalize()} failed (HTTP {status}).", reason="server_error", retryable=True
        )
    message = " ".join(exc.message.split())[:200]
    return EmbeddingsError(
        f"{where.capitalize()} rejected the request (HTTP {status}): {message}", reason="rejected"
    )
