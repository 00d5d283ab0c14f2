"""Load: 500 requests for 50 papers from 20 users; one analysis per paper, all answered.

Each paper is asked for 10 times in its channel: the thread under its card gets the
analysis once, and every request an ephemeral answer ("Queued…" or a notice that
the analysis is coming to, or already in, that thread).
"""

from __future__ import annotations

import pytest

from benchmarks.bench_load import CONCURRENCY, run_load

pytestmark = pytest.mark.reliability


def test_500_requests_for_50_papers_get_500_replies_from_50_analyses(tmp_path) -> None:
    result = run_load(tmp_path, requests=500, papers=50, users=20)
    assert result.acked == 500
    assert result.answered == 500
    assert result.repeat_notices == 450
    assert result.replied == 50
    assert result.finals_per_thread == result.expected_per_card  # one analysis per card thread
    assert result.pdf_downloads == 50
    assert result.analyses == 50
    assert 1 <= result.max_running <= CONCURRENCY
    assert result.send_s < 60
    assert result.ack_p95_ms < 1000
    print(
        f"acks p50 {result.ack_p50_ms:.0f} ms, p95 {result.ack_p95_ms:.0f} ms; "
        f"last reply after {result.last_reply_s:.1f} s; max running {result.max_running}"
    )
