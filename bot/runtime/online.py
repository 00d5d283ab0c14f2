"""``check --online``: can the bot reach arXiv, the LLM and each enabled chat platform?

One :class:`Verdict` per service, from a real request with the configured URLs
and secrets: the arXiv feed of the first monitor, the LLM's ``models`` list (a
cheap call) and, through the adapters' own checks, each enabled chat platform.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import openai

from bot.arxiv.client import ArxivClient
from bot.kernel.config import Config, secret
from bot.kernel.errors import RadarError

PlatformCheck = Callable[[Config], Awaitable[str]]  # "ok" detail, or raises


@dataclass(frozen=True)
class Verdict:
    service: str
    ok: bool
    detail: str

    def line(self) -> str:
        return f"{self.service}: {'ok' if self.ok else 'FAILED'} ({self.detail})"


async def check_services(config: Config, platforms: dict[str, PlatformCheck]) -> list[Verdict]:
    """A verdict for arXiv, the LLM (unless analyses are extractive) and each platform."""
    verdicts = [await _verdict("arXiv", check_arxiv(config))]
    if config.analysis.engine != "extractive":
        verdicts.append(await _verdict("LLM", check_llm(config)))
    for name, check in platforms.items():
        verdicts.append(await _verdict(name.capitalize(), check(config)))
    return verdicts


async def check_arxiv(config: Config) -> str:
    arxiv = ArxivClient(config.arxiv)
    categories = config.monitors[0].categories
    try:
        feed = await arxiv.fetch_feed(categories)
    finally:
        await arxiv.aclose()
    return f"{len(feed.papers)} items in {arxiv.feed_url(categories)}"


async def check_llm(config: Config) -> str:
    llm = config.llm
    key = secret(llm.api_key_env)
    if key is None:
        if config.analysis.engine == "auto":
            return f"not used: ${llm.api_key_env} is not set, analyses are extractive"
        raise RadarError(f"${llm.api_key_env} is not set")
    client = openai.AsyncOpenAI(
        api_key=key, base_url=llm.base_url, timeout=min(llm.timeout_s, 30.0), max_retries=0
    )
    try:
        models = [model.id async for model in client.models.list()]
    except openai.APIError as exc:
        raise RadarError(f"{llm.base_url} answered: {exc}") from exc
    finally:
        await client.close()
    listed = "listed" if llm.model in models else "not listed"
    return f"{llm.base_url}: {len(models)} models, {llm.model} {listed}"


async def _verdict(service: str, check: Awaitable[str]) -> Verdict:
    try:
        return Verdict(service, True, await check)
    except RadarError as exc:
        return Verdict(service, False, exc.user_message)
    except Exception as exc:  # any failure of a probe is its verdict, never a traceback
        return Verdict(service, False, f"{type(exc).__name__}: {exc}")
