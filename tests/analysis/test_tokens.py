"""Token counting never needs the network: the estimate and when it is used."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from analysis import tokens
from analysis.tokens import count_tokens, estimate_tokens, tokenizer_name


@pytest.fixture(autouse=True)
def fresh_counter() -> Iterator[None]:
    tokens.reset()
    yield
    tokens.reset()


def test_estimate_counts_four_latin_characters_per_token() -> None:
    assert estimate_tokens("") == 0
    assert estimate_tokens("abcd" * 10) == 10
    assert estimate_tokens("abcde") == 2  # rounds up


def test_estimate_counts_one_token_per_cjk_character() -> None:
    assert estimate_tokens("论文概要") == 4
    assert estimate_tokens("论文 summary") == 2 + 2  # 2 CJK + ceil(8 / 4)
    assert estimate_tokens("データ") == 3


def test_without_a_cached_encoding_the_estimate_is_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", str(tmp_path))
    text = "Dense passage retrieval outperforms BM25 by 9%-19%. 稠密检索"
    assert tokenizer_name() == "estimate"
    assert count_tokens(text) == estimate_tokens(text)


def test_a_disabled_tiktoken_cache_means_the_estimate(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("TIKTOKEN_CACHE_DIR", "")
    assert tokenizer_name() == "estimate"
