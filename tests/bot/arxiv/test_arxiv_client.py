"""The arXiv client against a loopback arXiv: retries, pacing, caps and clear errors."""

from __future__ import annotations

from dataclasses import replace
from pathlib import Path

import pytest

from bot.arxiv.client import ArxivClient
from bot.kernel.config import ArxivConfig
from bot.kernel.errors import FeedError, FetchError, PaperNotFoundError
from bot.kernel.ids import ArxivId
from tests.support.corpus import corpus_file
from tests.support.fakes.arxiv import RATE_EXCEEDED, ArxivFake
from tests.support.fakes.server import Fault

FIXTURES = Path(__file__).parents[2] / "fixtures" / "feeds"
SEED_FEED = FIXTURES / "rss_seed_2025-11-10.xml"
CATEGORIES = ("cs.AI", "cs.LG", "cs.RO", "cs.CV")


def client_for(fake: ArxivFake, **overrides: object) -> ArxivClient:
    config = ArxivConfig(**fake.urls(), api_delay_s=0, pdf_delay_s=0, backoff_s=0.01, timeout_s=2)
    return ArxivClient(replace(config, **overrides))  # type: ignore[arg-type]


async def test_feed_for_all_categories_in_one_request(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["cs.AI+cs.LG+cs.RO+cs.CV"] = SEED_FEED.read_bytes()
    client = client_for(arxiv_fake)
    feed = await client.fetch_feed(CATEGORIES)
    await client.aclose()
    assert len(arxiv_fake.requests) == 1
    assert arxiv_fake.requests[0].path == "/rss/cs.AI+cs.LG+cs.RO+cs.CV"
    assert arxiv_fake.requests[0].headers["User-Agent"].startswith("arxiv-radar/")
    assert "2511.05275" in [p.arxiv_id for p in feed.papers]


async def test_contact_goes_into_the_user_agent(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = SEED_FEED.read_bytes()
    client = client_for(arxiv_fake, contact="team@example.org")
    await client.fetch_feed(("cs.AI",))
    await client.aclose()
    assert arxiv_fake.requests[0].headers["User-Agent"].endswith("mailto:team@example.org")


async def test_503_then_success_is_retried(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = SEED_FEED.read_bytes()
    arxiv_fake.script("/rss/", Fault(503), Fault(502))
    client = client_for(arxiv_fake)
    feed = await client.fetch_feed(("cs.AI",))
    await client.aclose()
    assert len(arxiv_fake.requests) == 3
    assert feed.papers


async def test_retry_after_is_honoured(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = SEED_FEED.read_bytes()
    arxiv_fake.script("/rss/", Fault(429, b"slow down", headers={"Retry-After": "0.4"}))
    client = client_for(arxiv_fake)
    await client.fetch_feed(("cs.AI",))
    await client.aclose()
    first, second = arxiv_fake.requests
    assert second.at - first.at >= 0.4


async def test_rate_exceeded_body_is_retried(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = SEED_FEED.read_bytes()
    arxiv_fake.script("/rss/", Fault(200, RATE_EXCEEDED))
    client = client_for(arxiv_fake)
    feed = await client.fetch_feed(("cs.AI",))
    await client.aclose()
    assert len(arxiv_fake.requests) == 2
    assert feed.papers


async def test_persistent_failure_is_a_clear_error(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.script("/rss/", *[Fault(503)] * 3)
    client = client_for(arxiv_fake, max_retries=2)
    with pytest.raises(FetchError) as caught:
        await client.fetch_feed(("cs.AI",))
    await client.aclose()
    assert caught.value.user_message == (
        "The arXiv feed answered HTTP 503; gave up after 3 tries "
        f"(URL: {arxiv_fake.url}/rss/cs.AI). Check the network connection, any proxy "
        "(HTTPS_PROXY) and [arxiv] rss_url in the config."
    )


async def test_hung_server_is_abandoned_at_the_timeout(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = SEED_FEED.read_bytes()
    arxiv_fake.script("/rss/", Fault(200, b"", delay_s=5), Fault(200, b"", delay_s=5))
    client = client_for(arxiv_fake, timeout_s=0.3, max_retries=1)
    with pytest.raises(FetchError, match="The arXiv feed timed out; gave up after 2 tries"):
        await client.fetch_feed(("cs.AI",))
    await client.aclose()


async def test_truncated_feed_is_a_feed_error(arxiv_fake: ArxivFake) -> None:
    body = SEED_FEED.read_bytes()
    arxiv_fake.feeds["*"] = body[: len(body) // 2]
    client = client_for(arxiv_fake)
    with pytest.raises(FeedError):
        await client.fetch_feed(("cs.AI",))
    await client.aclose()


async def test_oversized_feed_is_refused(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = b"<rss>" + b" " * (2 * 1024 * 1024) + b"</rss>"
    client = client_for(arxiv_fake, max_feed_mb=1)
    with pytest.raises(FetchError, match="larger than the 1 MB limit"):
        await client.fetch_feed(("cs.AI",))
    await client.aclose()


async def test_requests_are_paced(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.feeds["*"] = SEED_FEED.read_bytes()
    client = client_for(arxiv_fake, api_delay_s=0.3)
    await client.fetch_feed(("cs.AI",))
    await client.fetch_feed(("cs.LG",))
    await client.aclose()
    first, second = arxiv_fake.requests
    assert second.at - first.at >= 0.3


async def test_api_lookup_and_error_entry(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.api["1706.03762"] = corpus_file("feeds/api_2026_idlist_1706.03762.xml").read_bytes()
    arxiv_fake.api["*"] = corpus_file(
        "feeds/api_2026_error_400_incorrect_id_format.xml"
    ).read_bytes()
    client = client_for(arxiv_fake)
    found = await client.paper(ArxivId("1706.03762"))
    with pytest.raises(FeedError) as caught:
        await client.lookup([ArxivId("1234.5678")])
    await client.aclose()
    assert found.title.startswith("Attention Is All You Need")
    assert "incorrect id format" in caught.value.user_message
    assert arxiv_fake.requests[0].query["id_list"] == "1706.03762"


async def test_api_empty_answer_is_not_found(arxiv_fake: ArxivFake) -> None:
    arxiv_fake.api["*"] = corpus_file(
        "feeds/api_2026_empty_nonexistent_id_0808.05394.xml"
    ).read_bytes()
    client = client_for(arxiv_fake)
    with pytest.raises(PaperNotFoundError, match=r"arXiv has no paper 0808\.05394"):
        await client.paper(ArxivId("0808.05394"))
    await client.aclose()


async def test_pdf_download_is_cached_and_capped(arxiv_fake: ArxivFake, tmp_path: Path) -> None:
    arxiv_fake.pdfs["2511.05275v1"] = b"%PDF-1.7 tiny"
    client = client_for(arxiv_fake)
    dest = tmp_path / "pdfs" / "2511.05275v1.pdf"
    await client.download_pdf(ArxivId("2511.05275", 1), dest, max_mb=1)
    await client.download_pdf(ArxivId("2511.05275", 1), dest, max_mb=1)
    with pytest.raises(PaperNotFoundError, match=r"no PDF for 2511\.99999"):
        await client.download_pdf(ArxivId("2511.99999"), tmp_path / "missing.pdf", max_mb=1)
    arxiv_fake.pdfs["2511.00001"] = b"%PDF" + b"0" * (2 * 1024 * 1024)
    with pytest.raises(FetchError, match="larger than the 1 MB limit"):
        await client.download_pdf(ArxivId("2511.00001"), tmp_path / "big.pdf", max_mb=1)
    await client.aclose()
    assert dest.read_bytes() == b"%PDF-1.7 tiny"
    assert [r.path for r in arxiv_fake.requests].count("/pdf/2511.05275v1") == 1
    assert not (tmp_path / "big.pdf").exists()
