"""The health endpoint: ``/healthz`` (alive), ``/readyz`` (ready, with details), ``/metrics``.

``/readyz`` answers JSON with the last poll (time and verdict) per monitor, the
queue depth and each platform's connection, with status 503 until the runtime
accepts work, while a platform is disconnected, during shutdown or when the
database cannot be read. ``/metrics`` (``server.metrics``, needs prometheus-client)
is computed from the database at scrape time: poll, card, job, reply-latency and
token figures survive restarts and need no instrumentation in the hot paths.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from typing import Any

from aiohttp import web
from sqlite_utils import Database

from bot import jobs
from bot.platform import Adapter
from bot.service import RadarService

log = logging.getLogger(__name__)
POLL_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)
REPLY_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)
PROMETHEUS_TYPE = "text/plain; version=0.0.4"


def latest_polls(db: Database) -> dict[str, dict[str, Any]]:
    """The newest poll of every monitor: its time, verdict and error."""
    rows = db.query(
        "SELECT monitor, started, verdict, error FROM polls WHERE id IN "
        "(SELECT max(id) FROM polls GROUP BY monitor) ORDER BY monitor"
    )
    return {
        row["monitor"]: {"time": row["started"], "verdict": row["verdict"], "error": row["error"]}
        for row in rows
    }


def readiness(db: Database) -> dict[str, Any]:
    return {"monitors": latest_polls(db), "queue": jobs.depth(db)}


class HealthServer:
    """A small aiohttp server beside the bot on ``server.host:server.port``."""

    def __init__(
        self, service: RadarService, adapters: Sequence[Adapter], *, port: int | None = None
    ) -> None:
        self.service = service
        self.adapters = adapters
        self.host = service.config.server.host
        self.port = service.config.server.port if port is None else port
        self.accepting = False  # set by the runtime once started, cleared at shutdown
        self._runner: web.AppRunner | None = None

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_get("/healthz", self.healthz)
        app.router.add_get("/readyz", self.readyz)
        if self.service.config.server.metrics:
            if _prometheus_available():
                app.router.add_get("/metrics", self.metrics)
            else:
                log.warning("server.metrics is on but prometheus-client is not installed")
        return app

    async def start(self) -> None:
        self._runner = web.AppRunner(self.app(), access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, self.host, self.port)
        await site.start()
        self.port = self._runner.addresses[0][1]
        log.info("health endpoint on http://%s:%d", self.host, self.port)

    async def stop(self) -> None:
        if self._runner is not None:
            await self._runner.cleanup()

    def platforms(self) -> dict[str, bool]:
        return {adapter.platform.name: adapter.is_connected() for adapter in self.adapters}

    async def healthz(self, request: web.Request) -> web.Response:
        return web.json_response({"status": "alive"})

    async def readyz(self, request: web.Request) -> web.Response:
        store = self.service.store
        platforms = self.platforms()
        try:
            body = await store.run(readiness, store.db)
        except Exception as exc:
            log.warning("readiness check cannot read the database: %s", exc)
            return web.json_response({"ready": False, "error": str(exc)}, status=503)
        ready = self.accepting and all(platforms.values())
        body = {"ready": ready, **body, "platforms": platforms}
        return web.json_response(body, status=200 if ready else 503)

    async def metrics(self, request: web.Request) -> web.Response:
        store = self.service.store
        snapshot = await store.run(metrics_snapshot, store.db)
        text = render_metrics(snapshot, self.platforms())
        return web.Response(body=text, headers={"Content-Type": PROMETHEUS_TYPE})


def _prometheus_available() -> bool:
    try:
        import prometheus_client  # noqa: F401
    except ImportError:
        return False
    return True


def _histogram(
    db: Database, seconds_sql: str, table: str, where: str, buckets: tuple[float, ...]
) -> tuple[list[tuple[str, int]], float]:
    sums = ", ".join(f"coalesce(sum(d <= {b}), 0)" for b in buckets)
    row = db.execute(
        f"SELECT {sums}, count(*), coalesce(sum(d), 0) FROM "
        f"(SELECT {seconds_sql} AS d FROM {table} WHERE {where})"
    ).fetchone()
    counts = [int(value) for value in row[: len(buckets)]]
    pairs = [(str(b), c) for b, c in zip(buckets, counts, strict=True)]
    return [*pairs, ("+Inf", int(row[-2]))], float(row[-1])


def metrics_snapshot(db: Database) -> dict[str, Any]:
    """Everything ``/metrics`` reports, read in one go on the store thread."""
    seconds = "(julianday({end}) - julianday({start})) * 86400.0"
    totals = db.execute(
        "SELECT coalesce(sum(analyses), 0), coalesce(sum(input_tokens), 0), "
        "coalesce(sum(output_tokens), 0) FROM usage WHERE user = '*'"
    ).fetchone()
    return {
        "polls": db.execute(
            "SELECT monitor, verdict, count(*) FROM polls GROUP BY 1, 2"
        ).fetchall(),
        "cards": db.execute("SELECT platform, state, count(*) FROM posts GROUP BY 1, 2").fetchall(),
        "jobs": db.execute("SELECT state, count(*) FROM jobs GROUP BY 1").fetchall(),
        "requests": db.execute("SELECT state, count(*) FROM job_requests GROUP BY 1").fetchall(),
        "poll_seconds": _histogram(
            db,
            seconds.format(end="finished", start="started"),
            "polls",
            "finished IS NOT NULL",
            POLL_BUCKETS,
        ),
        "reply_seconds": _histogram(
            db,
            seconds.format(end="replied", start="created"),
            "job_requests",
            "replied IS NOT NULL",
            REPLY_BUCKETS,
        ),
        "analyses": int(totals[0]),
        "tokens": {"input": int(totals[1]), "output": int(totals[2])},
    }


def render_metrics(snapshot: dict[str, Any], platforms: dict[str, bool]) -> bytes:
    """The Prometheus text exposition of a :func:`metrics_snapshot`."""
    from prometheus_client import CollectorRegistry, generate_latest
    from prometheus_client.core import (
        CounterMetricFamily,
        GaugeMetricFamily,
        HistogramMetricFamily,
    )

    polls = CounterMetricFamily(
        "arxiv_radar_polls", "Feed polls by monitor and verdict.", labels=["monitor", "verdict"]
    )
    for monitor, verdict, count in snapshot["polls"]:
        polls.add_metric([monitor, verdict], count)
    cards = GaugeMetricFamily(
        "arxiv_radar_cards", "Paper cards by platform and state.", labels=["platform", "state"]
    )
    for platform, state, count in snapshot["cards"]:
        cards.add_metric([platform, state], count)
    job_states = GaugeMetricFamily("arxiv_radar_jobs", "Analysis jobs by state.", labels=["state"])
    for state, count in snapshot["jobs"]:
        job_states.add_metric([state], count)
    requests = GaugeMetricFamily(
        "arxiv_radar_requests", "Analysis requests by state.", labels=["state"]
    )
    for state, count in snapshot["requests"]:
        requests.add_metric([state], count)
    poll_buckets, poll_sum = snapshot["poll_seconds"]
    reply_buckets, reply_sum = snapshot["reply_seconds"]
    analyses = CounterMetricFamily("arxiv_radar_analyses", "Analysis requests accepted.")
    analyses.add_metric([], snapshot["analyses"])
    tokens = CounterMetricFamily("arxiv_radar_tokens", "LLM tokens spent.", labels=["kind"])
    for kind, count in snapshot["tokens"].items():
        tokens.add_metric([kind], count)
    connected = GaugeMetricFamily(
        "arxiv_radar_platform_connected", "1 when the platform is connected.", labels=["platform"]
    )
    for name, up in platforms.items():
        connected.add_metric([name], 1.0 if up else 0.0)
    families = [
        polls,
        cards,
        job_states,
        requests,
        HistogramMetricFamily(
            "arxiv_radar_poll_seconds", "Poll duration.", buckets=poll_buckets, sum_value=poll_sum
        ),
        HistogramMetricFamily(
            "arxiv_radar_reply_seconds",
            "From request to final reply.",
            buckets=reply_buckets,
            sum_value=reply_sum,
        ),
        analyses,
        tokens,
        connected,
    ]
    registry = CollectorRegistry(auto_describe=False)
    registry.register(_Fixed(families))
    return generate_latest(registry)


class _Fixed:
    """A collector yielding metric families computed beforehand."""

    def __init__(self, families: list[Any]) -> None:
        self.families = families

    def collect(self) -> list[Any]:
        return self.families
