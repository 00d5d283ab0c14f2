"""The health endpoint on a real port: liveness, readiness details, Prometheus metrics."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import time

import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from bot.health import HealthServer
from bot.ids import ArxivId
from bot.models import ChatRef
from bot.poll import poll_monitor
from bot.store import jobs, usage
from tests.core_env import core, paper
from tests.fakes.platform import RecordingAdapter
from tests.fakes.server import until
from tests.feeds import seed_feed

MONITOR = '[[monitors]]\nname = "vla"\nchannels = ["slack:C1"]\n'


async def get(server: HealthServer, path: str) -> tuple[int, str]:
    async with (
        aiohttp.ClientSession() as session,
        session.get(f"http://127.0.0.1:{server.port}{path}") as response,
    ):
        return response.status, await response.text()


async def refreshed(server: HealthServer) -> None:
    """Wait for the background read that follows this moment (health answers from memory)."""
    await server.state.refresh()


async def test_liveness_and_readiness_with_details(arxiv_fake, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    async with core(arxiv_fake, tmp_path, MONITOR) as env:
        adapter = RecordingAdapter(env.platform)
        server = HealthServer(env.config, env.service.supervisor, [adapter], port=0)
        await server.start()
        try:
            alive = await get(server, "/healthz")
            starting = await get(server, "/readyz")
            await adapter.start()
            server.accepting = True
            await poll_monitor(env.arxiv, env.store, env.config.monitor("vla"))
            await env.service.enqueue_analysis(ArxivId("2511.05275"), ChatRef("slack", "C1"), None)
            await refreshed(server)
            ready = await get(server, "/readyz")
            adapter.connected = False
            disconnected = await get(server, "/readyz")
        finally:
            await server.stop()
    assert alive == (200, '{"status": "alive"}')
    assert starting[0] == 503
    status, body = ready
    details = json.loads(body)
    assert status == 200
    assert details["ready"] is True
    assert details["monitors"]["vla"]["verdict"] == "ok"
    assert details["monitors"]["vla"]["time"]
    assert details["queue"] == {"queued": 1, "running": 0, "requests_open": 1}
    assert details["platforms"] == {"slack": True}
    assert details["problems"] == []
    assert details["database"]["readable"] is True
    assert disconnected[0] == 503
    assert "slack is disconnected" in json.loads(disconnected[1])["problems"]
    assert '"platforms": {"slack": false}' in disconnected[1]


async def test_readiness_fails_when_the_database_is_gone(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path) as env:
        server = HealthServer(env.config, env.service.supervisor, [], port=0, refresh_s=0.05)
        server.accepting = True
        await server.start()
        try:
            before = await get(server, "/readyz")
            env.store.close()
            for name in ("radar.db", "radar.db-wal", "radar.db-shm"):
                (tmp_path / name).unlink(missing_ok=True)
            await until(lambda: server.state.error is not None, 5)
            after = await get(server, "/readyz")
        finally:
            await server.stop()
    assert before[0] == 200
    assert after[0] == 503
    body = json.loads(after[1])
    assert body["ready"] is False
    assert body["database"]["readable"] is False
    assert body["problems"] == [f"the database cannot be read: {body['database']['error']}"]
    assert not (tmp_path / "radar.db").exists()  # the health check never creates the file


async def test_health_answers_at_once_while_the_writer_waits_on_a_lock(
    arxiv_fake, tmp_path
) -> None:
    """Another program holds BEGIN EXCLUSIVE; a write waits its busy timeout; health does not."""
    async with core(arxiv_fake, tmp_path, MONITOR, storage="busy_timeout_s = 3\n") as env:
        await env.service.enqueue_analysis(ArxivId("2511.05275"), ChatRef("slack", "C1"), None)
        server = HealthServer(env.config, env.service.supervisor, [], port=0, refresh_s=0.05)
        server.accepting = True
        await server.start()
        holder = sqlite3.connect(tmp_path / "radar.db", isolation_level=None)
        try:
            holder.execute("BEGIN EXCLUSIVE")
            waiting = asyncio.create_task(
                env.service.enqueue_analysis(ArxivId("2511.00001"), ChatRef("slack", "C1"), None)
            )
            await asyncio.sleep(0.2)  # the store's only thread is now inside the busy wait
            started = time.monotonic()
            ready = await get(server, "/readyz")
            metrics = await get(server, "/metrics")
            seconds = time.monotonic() - started
            assert not waiting.done()
            holder.execute("ROLLBACK")
            reply = await waiting
        finally:
            holder.close()
            await server.stop()
    assert seconds < 1.0
    print(f"/readyz and /metrics under a held write lock: {seconds * 1000:.0f} ms")
    assert ready[0] == 200
    assert json.loads(ready[1])["queue"]["queued"] == 1
    assert "arxiv_radar_jobs" in metrics[1]
    assert reply.text.startswith("Queued the analysis of 2511.00001")


async def test_metrics_come_from_the_database(arxiv_fake, tmp_path) -> None:
    arxiv_fake.feeds["*"] = seed_feed()
    async with core(arxiv_fake, tmp_path, MONITOR) as env:
        adapter = RecordingAdapter(env.platform)
        await adapter.start()
        server = HealthServer(env.config, env.service.supervisor, [adapter], port=0)
        await server.start()
        try:
            await poll_monitor(env.arxiv, env.store, env.config.monitor("vla"))
            await env.service.cards.ensure(env.platform, "C1", paper("2511.05275"), (), "vla")
            await env.service.enqueue_analysis(ArxivId("2511.05275"), ChatRef("slack", "C1"), None)
            jobs.mark_replied(env.store.db, 1, env.store.now())
            env.store.db.execute("BEGIN")
            usage.add_tokens(env.store.db, "2025-11-10", "U1", 1200, 300)
            env.store.db.execute("COMMIT")
            await refreshed(server)
            status, text = await get(server, "/metrics")
        finally:
            await server.stop()
    samples = {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }
    assert status == 200
    assert samples[("arxiv_radar_polls_total", (("monitor", "vla"), ("verdict", "ok")))] == 1
    assert samples[("arxiv_radar_cards", (("platform", "slack"), ("state", "posted")))] == 1
    assert samples[("arxiv_radar_jobs", (("state", "queued"),))] == 1
    assert samples[("arxiv_radar_requests", (("state", "replied"),))] == 1
    assert samples[("arxiv_radar_reply_seconds_count", ())] == 1
    assert samples[("arxiv_radar_reply_seconds_bucket", (("le", "1800.0"),))] == 1
    assert samples[("arxiv_radar_poll_seconds_count", ())] == 1
    assert samples[("arxiv_radar_analyses_total", ())] == 1
    assert samples[("arxiv_radar_tokens_total", (("kind", "input"),))] == 1200
    assert samples[("arxiv_radar_tokens_total", (("kind", "output"),))] == 300
    assert samples[("arxiv_radar_platform_connected", (("platform", "slack"),))] == 1


async def test_metrics_can_be_switched_off(arxiv_fake, tmp_path) -> None:
    async with core(arxiv_fake, tmp_path, "[server]\nmetrics = false\n") as env:
        server = HealthServer(env.config, env.service.supervisor, [], port=0)
        await server.start()
        try:
            status, _ = await get(server, "/metrics")
        finally:
            await server.stop()
    assert status == 404
