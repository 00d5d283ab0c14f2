"""A short soak in the default run (the 1,000-cycle figure: benchmarks/bench_soak.py)."""

from __future__ import annotations

import pytest

from benchmarks.bench_soak import WARM_UP, run_soak

pytestmark = pytest.mark.reliability


def test_repeated_poll_cycles_leak_neither_memory_nor_descriptors(tmp_path) -> None:
    result = run_soak(tmp_path, cycles=WARM_UP + 100)
    assert result.cards == 15 * 2  # 15 announcements, each with one match, for 2 channels
    assert result.fds_end <= result.fds_start
    assert result.rss_growth_mb < 10
    print(f"RSS growth over 100 cycles: {result.rss_growth_mb:+.1f} MB")
