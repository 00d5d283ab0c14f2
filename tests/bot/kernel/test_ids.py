"""arXiv ID parsing: accepted forms, and everything hostile rejected."""

from __future__ import annotations

import pytest

from bot.kernel.errors import InvalidArxivIdError
from bot.kernel.ids import ArxivId, parse_arxiv_id


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2511.05275", ArxivId("2511.05275")),
        ("2511.05275v2", ArxivId("2511.05275", 2)),
        ("  arXiv:2511.05275  ", ArxivId("2511.05275")),
        ("0704.0001", ArxivId("0704.0001")),
        ("hep-th/9711200", ArxivId("hep-th/9711200")),
        ("astro-ph/0601001v1", ArxivId("astro-ph/0601001", 1)),
        ("math.GT/0309136", ArxivId("math.GT/0309136")),
        ("https://arxiv.org/abs/2511.05275", ArxivId("2511.05275")),
        ("http://arxiv.org/abs/2511.05275v1", ArxivId("2511.05275", 1)),
        ("https://arxiv.org/pdf/2511.05275v3.pdf", ArxivId("2511.05275", 3)),
        ("https://export.arxiv.org/abs/hep-th/9711200", ArxivId("hep-th/9711200")),
        ("https://www.arxiv.org/html/2511.05275v2/", ArxivId("2511.05275", 2)),
        ("arxiv.org/abs/2511.05275", ArxivId("2511.05275")),
    ],
)
def test_accepted_forms(text: str, expected: ArxivId) -> None:
    assert parse_arxiv_id(text) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "1234",
        "2513.00001",  # month 13
        "1401.00001",  # 5-digit numbers only exist from 2015
        "2511.05275v0",
        "../2511.05275",
        "2511.05275/../../etc/passwd",
        "file:///etc/passwd",
        "http://127.0.0.1/abs/2511.05275",
        "https://evil.example/abs/2511.05275",
        "https://arxiv.org.evil.example/abs/2511.05275",
        "https://arxiv.org@evil.example/abs/2511.05275",
        "https://arxiv.org/abs/2511.05275?redirect=http://evil",
        "https://arxiv.org/list/cs.AI/new",
        "ftp://arxiv.org/abs/2511.05275",
        "２５１１.０５２７５",  # full-width digits
        "2511.05275\u200b",  # zero-width space
        "2511\u202e.05275",  # right-to-left override
        "x" * 10_000,
        "<!channel> 2511.05275",
    ],
)
def test_rejected(text: str) -> None:
    with pytest.raises(InvalidArxivIdError) as caught:
        parse_arxiv_id(text)
    message = caught.value.user_message
    assert "arXiv ID" in message
    assert len(message) < 300


def test_versioned_form() -> None:
    assert parse_arxiv_id("2511.05275v2").versioned == "2511.05275v2"
    assert str(parse_arxiv_id("hep-th/9711200")) == "hep-th/9711200"
