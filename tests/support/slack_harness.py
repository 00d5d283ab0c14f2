"""A running bot for Slack adapter tests: real core, real Bolt app, loopback fakes.

:func:`running_bot` wires a real :class:`~bot.chat.service.RadarService` (SQLite store,
arXiv client on the ArxivFake, the extractive analysis pipeline on a generated PDF,
the workers) to the Slack adapter whose Web API client talks to the SlackFake.
:class:`GatedAnalyzer` lets a test hold an analysis until it has seen the progress.
Payload builders follow the shapes in ``shared/corpus/slack/``.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import time
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlencode
from xml.sax.saxutils import escape as xml_escape

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from analysis.pipeline import AnalysisResult, Analyzer
from bot.arxiv.client import ArxivClient
from bot.chat.service import RadarService
from bot.kernel.config import (
    AnalysisConfig,
    ArxivConfig,
    Config,
    LlmConfig,
    MonitorConfig,
    ReportConfig,
    SlackConfig,
    StorageConfig,
    SubscriptionsConfig,
)
from bot.kernel.ids import ArxivId
from bot.kernel.models import Paper
from bot.runtime.assembly import workers_for
from bot.store import Store
from handlers.slack import SlackAdapter, create_adapter
from tests.support.fakes.arxiv import ArxivFake
from tests.support.fakes.slack import TEAM, SlackFake, sample_paper
from tests.support.pdf_factory import numbered_paper

SIGNING_SECRET = "test-signing-secret"
_TRIGGERS = itertools.count(1)
ENV = {"SLACK_BOT_TOKEN": "xoxb-test", "SLACK_APP_TOKEN": "xapp-test"}
USER = "W111"
CHANNEL = "C111"


class GatedAnalyzer(Analyzer):
    """The real analysis pipeline, held at the start of each analysis until ``gate`` opens."""

    def __init__(self, config: Config, store: Store, arxiv: ArxivClient) -> None:
        super().__init__(config, store, arxiv)
        self.gate = asyncio.Event()
        self.gate.set()
        self.requested: list[ArxivId] = []

    async def analyze(self, arxiv_id: ArxivId, *args: Any, **options: Any) -> AnalysisResult:
        self.requested.append(arxiv_id)
        await self.gate.wait()
        return await super().analyze(arxiv_id, *args, **options)


@dataclass
class Bot:
    config: Config
    service: RadarService
    adapter: SlackAdapter
    analyzer: GatedAnalyzer
    slack: SlackFake
    arxiv: ArxivFake
    session: aiohttp.ClientSession
    seen: list[tuple[str, bool]]  # (event_id, first_time's answer), in call order
    secret: str = SIGNING_SECRET

    @property
    def events_url(self) -> str:
        return f"http://127.0.0.1:{self.adapter.http_port}/slack/events"

    async def send(
        self,
        body: str,
        content_type: str,
        *,
        timestamp: int | None = None,
        headers: dict[str, str] | None = None,
    ) -> aiohttp.ClientResponse:
        """POST ``body`` to the app signed with the signing secret (as Slack does)."""
        stamp = str(int(time.time()) if timestamp is None else timestamp)
        signed = {
            "Content-Type": content_type,
            "X-Slack-Request-Timestamp": stamp,
            "X-Slack-Signature": sign(self.secret, stamp, body),
        }
        return await self.session.post(self.events_url, data=body, headers=signed | (headers or {}))

    async def command(self, text: str, user: str = USER) -> aiohttp.ClientResponse:
        return await self.send(command_body(text, user), "application/x-www-form-urlencoded")

    async def event(self, payload: dict[str, Any], **headers: str) -> aiohttp.ClientResponse:
        return await self.send(json.dumps(payload), "application/json", headers=headers)

    async def interaction(self, payload: dict[str, Any]) -> aiohttp.ClientResponse:
        body = urlencode({"payload": json.dumps(payload)})
        return await self.send(body, "application/x-www-form-urlencoded")

    async def post_card(self, paper: Paper, channel: str = CHANNEL) -> str:
        """A card the radar posted (recorded in the store, as announcements are)."""
        return await self.service.cards.ensure(self.adapter.platform, channel, paper, (), "default")


@asynccontextmanager
async def running_bot(
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    slack: SlackFake,
    arxiv: ArxivFake,
    *,
    mode: str = "http",
    allowed_users: tuple[str, ...] = (),
    env: dict[str, str] | None = None,
    busy_timeout_s: float = 15.0,
    monitors: tuple[MonitorConfig, ...] = (MonitorConfig(),),
    subscriptions: SubscriptionsConfig | None = None,
    thread_questions: str = "mention",
    analysis: AnalysisConfig | None = None,
    llm: LlmConfig | None = None,
) -> AsyncIterator[Bot]:
    """Start store, service, workers and the Slack adapter; stop them all afterwards.

    ``env`` overrides the secrets' environment variables (e.g. a rejected token);
    ``busy_timeout_s`` is ``storage.busy_timeout_s`` (short: a held lock outlives it);
    ``monitors`` and ``subscriptions`` replace those parts of the config;
    ``thread_questions`` is ``slack.thread_questions``; ``analysis`` the ``[analysis]`` table
    (default: the extractive engine) and ``llm`` the ``[llm]`` table.
    """
    for name, value in (ENV | {"SLACK_SIGNING_SECRET": SIGNING_SECRET} | (env or {})).items():
        monkeypatch.setenv(name, value)
    config = Config(
        arxiv=ArxivConfig(
            rss_url=f"{arxiv.url}/rss/{{categories}}",
            api_url=f"{arxiv.url}/api/query",
            pdf_url=f"{arxiv.url}/pdf/{{id}}",
            html_url=f"{arxiv.url}/html/{{id}}",
            api_delay_s=0,
            pdf_delay_s=0,
            backoff_s=0.01,
        ),
        storage=StorageConfig(
            path=str(tmp_path / "radar.db"),
            cache_dir=str(tmp_path / "cache"),
            busy_timeout_s=busy_timeout_s,
        ),
        report=ReportConfig(language="en"),
        monitors=monitors,
        subscriptions=subscriptions or SubscriptionsConfig(),
        analysis=analysis or AnalysisConfig(engine="extractive"),
        llm=llm or LlmConfig(),
        slack=SlackConfig(
            thread_questions=thread_questions,
            enabled=True,
            mode=mode,
            api_url=slack.api_url,
            http_host="127.0.0.1",
            http_port=0,
            allowed_users=allowed_users,
            post_interval_s=0,
        ),
    )
    store = Store.open(config.storage.path, busy_timeout_s=busy_timeout_s)
    client = ArxivClient(config.arxiv)
    analyzer = GatedAnalyzer(config, store, client)
    serve(arxiv, sample_paper(), numbered_paper(tmp_path).read_bytes())
    service = RadarService(config, store, client, analyzer)
    seen = record_first_time(service, monkeypatch)
    workers = workers_for(service, retry_backoff_s=0.01, sweep_interval_s=0.2, idle_poll_s=0.05)
    adapter = create_adapter(config, service)
    try:
        await workers.start()
        await adapter.start()
        service.register(adapter.platform)  # as the runtime does once the adapter is up
        async with aiohttp.ClientSession() as session:
            yield Bot(config, service, adapter, analyzer, slack, arxiv, session, seen)
    finally:
        analyzer.gate.set()
        await adapter.stop()
        await workers.stop(5)
        await client.aclose()
        store.close()


def sign(secret: str, timestamp: str, body: str) -> str:
    """The ``X-Slack-Signature`` Slack would send for ``body``."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return signature


def record_first_time(
    service: RadarService, monkeypatch: pytest.MonkeyPatch
) -> list[tuple[str, bool]]:
    """Spy on ``service.first_time``: the real answer is returned and recorded."""
    seen: list[tuple[str, bool]] = []
    real = service.first_time

    async def first_time(platform: str, event_id: str) -> bool:
        answer = await real(platform, event_id)
        seen.append((event_id, answer))
        return answer

    monkeypatch.setattr(service, "first_time", first_time)
    return seen


async def eventually(predicate: Callable[[], bool], timeout_s: float = 10.0) -> None:
    """Poll ``predicate`` on the running loop until it holds or the deadline passes."""
    deadline = time.monotonic() + timeout_s
    while not predicate():
        if time.monotonic() > deadline:
            raise AssertionError("condition not met before the deadline")
        await asyncio.sleep(0.005)


# payloads (shapes of shared/corpus/slack) -------------------------------------------


def command_body(
    text: str, user: str = USER, channel: str = CHANNEL, trigger_id: str | None = None
) -> str:
    """A slash-command body; each gets its own ``trigger_id`` unless one is given."""
    return urlencode(
        {
            "token": "verification_token",
            "team_id": TEAM,
            "team_domain": "test-domain",
            "channel_id": channel,
            "channel_name": "random",
            "user_id": user,
            "user_name": "primary-owner",
            "command": "/arxiv",
            "text": text,
            "response_url": "https://hooks.slack.com/commands/T111/111/xxxxx",
            "trigger_id": trigger_id or f"111.{next(_TRIGGERS)}.xxx",
        }
    )


def event_callback(event: dict[str, Any], event_id: str = "Ev111") -> dict[str, Any]:
    return {
        "token": "verification_token",
        "team_id": TEAM,
        "api_app_id": "A111",
        "event": event,
        "type": "event_callback",
        "event_id": event_id,
        "event_time": 1599616881,
        "authed_users": ["W111"],
    }


def reaction_added(
    ts: str,
    item_user: str,
    reaction: str = "mag",
    user: str = USER,
    event_id: str = "Ev111",
    kind: str = "reaction_added",
) -> dict[str, Any]:
    """A ``reaction_added`` event on message ``ts`` (``kind="reaction_removed"``: taken off)."""
    event = {
        "type": kind,
        "user": user,
        "item": {"type": "message", "channel": CHANNEL, "ts": ts},
        "reaction": reaction,
        "item_user": item_user,
        "event_ts": "1599616881.000800",
    }
    return event_callback(event, event_id)


def app_mention(
    text: str, ts: str = "1595926230.009600", event_id: str = "Ev222"
) -> dict[str, Any]:
    event = {
        "type": "app_mention",
        "text": text,
        "user": USER,
        "ts": ts,
        "team": TEAM,
        "channel": CHANNEL,
        "event_ts": ts,
    }
    return event_callback(event, event_id)


def thread_event(
    kind: str,
    text: str,
    thread_ts: str,
    ts: str,
    event_id: str,
    user: str = USER,
    **fields: Any,
) -> dict[str, Any]:
    """An ``app_mention`` or ``message`` event posted as a reply in ``thread_ts``."""
    event = {
        "type": kind,
        "text": text,
        "user": user,
        "ts": ts,
        "thread_ts": thread_ts,
        "parent_user_id": "UBOT0001",
        "team": TEAM,
        "channel": CHANNEL,
        "channel_type": "channel",
        "event_ts": ts,
        **fields,
    }
    return event_callback({k: v for k, v in event.items() if v is not None}, event_id)


def block_actions(card_ts: str, arxiv_id: str, user: str = USER) -> dict[str, Any]:
    return {
        "type": "block_actions",
        "user": {"id": user, "username": "primary-owner", "team_id": TEAM},
        "api_app_id": "A111",
        "token": "verification_token",
        "container": {"type": "message", "message_ts": card_ts, "channel_id": CHANNEL},
        "trigger_id": "111.222.valid",
        "team": {"id": TEAM, "domain": "workspace-domain"},
        "channel": {"id": CHANNEL, "name": "test-channel"},
        "response_url": "https://hooks.slack.com/actions/T111/111/random-value",
        "actions": [
            {
                "action_id": "arxiv_radar_analyze",
                "block_id": "arxiv_radar_card:n",
                "text": {"type": "plain_text", "text": "Analyze", "emoji": True},
                "value": arxiv_id,
                "type": "button",
                "action_ts": "1596530385.194939",
            }
        ],
    }


def serve(arxiv: ArxivFake, paper: Paper, pdf: bytes) -> None:
    """Let the ArxivFake answer metadata and PDF requests for ``paper``."""
    arxiv.api[paper.arxiv_id] = atom_api([paper])
    arxiv.pdfs[paper.arxiv_id] = pdf


def atom_api(papers: list[Paper]) -> bytes:
    """An arXiv API answer (Atom) listing ``papers``."""
    entries = "".join(_atom_entry(paper) for paper in papers)
    return (
        '<?xml version="1.0" encoding="UTF-8"?>\n'
        '<feed xmlns="http://www.w3.org/2005/Atom" xmlns:arxiv="http://arxiv.org/schemas/atom"'
        ' xmlns:opensearch="http://a9.com/-/spec/opensearch/1.1/">'
        f"<title>arXiv Query</title><opensearch:totalResults>{len(papers)}"
        f"</opensearch:totalResults>{entries}</feed>"
    ).encode()


def _atom_entry(paper: Paper) -> str:
    authors = "".join(f"<author><name>{xml_escape(a)}</name></author>" for a in paper.authors)
    categories = "".join(f'<category term="{c}"/>' for c in paper.categories)
    return (
        f"<entry><id>http://arxiv.org/abs/{paper.versioned_id}</id>"
        f"<title>{xml_escape(paper.title)}</title><summary>{xml_escape(paper.abstract)}</summary>"
        f"<published>2025-11-10T00:00:00Z</published><updated>2025-11-10T00:00:00Z</updated>"
        f'{authors}{categories}<arxiv:primary_category term="{paper.categories[0]}"/></entry>'
    )


def post_default_monitor_to(bot: Bot, *channels: str) -> None:
    """Make the default monitor post to ``channels`` (as ``monitors.channels`` would)."""
    config = bot.service.config
    monitors = tuple(replace(m, channels=channels) for m in config.monitors)
    bot.service.config = replace(config, monitors=monitors)


async def assert_threaded_analysis(bot: Bot, thread_ts: str) -> None:
    """Progress in ``thread_ts``, updated per stage, then the analysis in the same thread."""
    [progress] = await bot.slack.until_calls("chat.postMessage", where=starts("⏳ Starting"))
    assert progress.params["thread_ts"] == thread_ts
    bot.analyzer.gate.set()

    [stage] = await bot.slack.until_calls("chat.update", where=starts("⏳ Downloading PDF"))
    assert stage.params["ts"] == progress.result["ts"]
    [analysis] = (await bot.slack.until_calls("chat.postMessage", where=starts("Analysis: Twin")))[
        :1
    ]
    assert analysis.params["thread_ts"] == thread_ts
    [done] = await bot.slack.until_calls("chat.update", where=starts("✅"))
    assert done.params["ts"] == progress.result["ts"]
    assert done.at > analysis.at > stage.at


def starts(prefix: str) -> Callable[[dict[str, Any]], bool]:
    return lambda params: str(params.get("text", "")).startswith(prefix)
