"""The figures ``/readyz`` and ``/metrics`` read from the database, in one go each.

Read on the health state's own read-only connection (:mod:`bot.kernel.health_state`),
never on the store's writer thread.
"""

from __future__ import annotations

from typing import Any

from sqlite_utils import Database

from bot.store import jobs

POLL_BUCKETS = (0.1, 0.5, 1.0, 2.0, 5.0, 10.0, 30.0, 60.0, 120.0)
REPLY_BUCKETS = (1.0, 5.0, 15.0, 30.0, 60.0, 120.0, 300.0, 600.0, 1800.0)


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


def health_snapshot(db: Database, with_metrics: bool) -> dict[str, Any]:
    """The database part of ``/readyz`` (and of ``/metrics`` when on), read in one go."""
    snapshot = readiness(db)
    if with_metrics:
        snapshot["metrics"] = metrics_snapshot(db)
    return snapshot


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
