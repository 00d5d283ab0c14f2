"""The embeddings client against a loopback OpenAI-compatible server, through the real client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from analysis.embeddings import cosine, embed_texts, enabled
from bot.config import EmbeddingsConfig
from bot.errors import EmbeddingsError
from tests.fakes.embeddings import DIMENSIONS, EmbeddingsFake, bag_of_words
from tests.fakes.server import Fault

KEY_ENV = "ARXIV_RADAR_TEST_EMBEDDINGS_KEY"
KEY = "sk-embed-0123456789abcdef"


@pytest.fixture
def fake() -> Iterator[EmbeddingsFake]:
    server = EmbeddingsFake().start()
    yield server
    server.stop()


def config(fake: EmbeddingsFake, **overrides: object) -> EmbeddingsConfig:
    values: dict[str, object] = {
        "base_url": f"{fake.url}/v1",
        "model": "fake-embedding",
        "api_key_env": KEY_ENV,
        "timeout_s": 5.0,
        "batch_size": 3,
        "max_retries": 0,
    }
    values.update(overrides)
    return EmbeddingsConfig(**values)  # type: ignore[arg-type]


def test_disabled_by_default() -> None:
    assert not enabled(EmbeddingsConfig())
    assert EmbeddingsConfig().base_url == "https://api.openai.com/v1"


async def test_disabled_config_refuses_with_a_reason() -> None:
    with pytest.raises(EmbeddingsError) as caught:
        await embed_texts(EmbeddingsConfig(), ["text"])
    assert caught.value.reason == "disabled"
    assert "embeddings.model" in caught.value.user_message


async def test_vectors_come_back_in_order_in_batches(
    fake: EmbeddingsFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    texts = [f"passage number {i} about topic {i % 2}" for i in range(7)]
    vectors = await embed_texts(config(fake), texts)
    assert vectors == [pytest.approx(bag_of_words(text)) for text in texts]
    assert [len(batch) for batch in fake.inputs()] == [3, 3, 1]
    assert [text for batch in fake.inputs() for text in batch] == texts
    assert all(body["model"] == "fake-embedding" for body in fake.bodies())
    auth = fake.requests[0].headers["Authorization"]
    assert auth == f"Bearer {KEY}"


async def test_no_texts_sends_no_request(fake: EmbeddingsFake) -> None:
    assert await embed_texts(config(fake), []) == []
    assert fake.requests == []


async def test_a_server_without_keys_works_with_the_variable_unset(
    fake: EmbeddingsFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv(KEY_ENV, raising=False)
    vectors = await embed_texts(config(fake), ["hello world"])
    assert [len(vector) for vector in vectors] == [DIMENSIONS]


@pytest.mark.parametrize(
    ("status", "reason", "retryable"),
    [
        (401, "auth", False),
        (404, "not_found", False),
        (429, "rate_limited", True),
        (500, "server_error", True),
        (400, "rejected", False),
    ],
)
async def test_http_errors_become_clear_errors(
    fake: EmbeddingsFake,
    monkeypatch: pytest.MonkeyPatch,
    status: int,
    reason: str,
    retryable: bool,
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    fake.fail(status, f"failure with key {KEY}")
    with pytest.raises(EmbeddingsError) as caught:
        await embed_texts(config(fake), ["text"])
    assert caught.value.reason == reason
    assert caught.value.retryable is retryable
    assert KEY not in caught.value.user_message
    assert fake.url in caught.value.user_message or reason == "auth"


async def test_an_unreachable_server_is_named() -> None:
    closed = EmbeddingsFake().start()
    closed.stop()  # nothing listens on its port any more
    with pytest.raises(EmbeddingsError) as caught:
        await embed_texts(config(closed), ["text"])
    assert caught.value.reason == "unreachable"
    assert f"{closed.url}/v1" in caught.value.user_message


def test_cosine() -> None:
    assert cosine([1.0, 0.0], [1.0, 0.0]) == pytest.approx(1.0)
    assert cosine([1.0, 0.0], [0.0, 2.0]) == pytest.approx(0.0)
    assert cosine([1.0, 1.0], [-1.0, -1.0]) == pytest.approx(-1.0)
    assert cosine([0.0, 0.0], [1.0, 0.0]) == 0.0
    with pytest.raises(ValueError, match="different lengths"):
        cosine([1.0], [1.0, 2.0])


def test_similar_texts_are_closer_in_the_fake() -> None:
    query = bag_of_words("batch size of training")
    near = bag_of_words("the training batch size is 256")
    far = bag_of_words("related work on retrieval")
    assert cosine(query, near) > cosine(query, far)


async def test_a_wrong_number_of_vectors_is_a_bad_response(
    fake: EmbeddingsFake, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY_ENV, KEY)
    usage = b'"usage": {"prompt_tokens": 0, "total_tokens": 0}'
    body = b'{"object": "list", "data": [], "model": "m", ' + usage + b"}"
    fake.script("/v1/embeddings", Fault(200, body, {"content-type": "application/json"}))
    with pytest.raises(EmbeddingsError) as caught:
        await embed_texts(config(fake), ["one", "two"])
    assert caught.value.reason == "bad_response"
