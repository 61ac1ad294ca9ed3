"""Timing helpers shared by the benchmarks: medians, p99, and a one-line summary."""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import numpy as np


def timed(fn: Callable[[], Any], repeat: int) -> list[float]:
    """Run fn `repeat` times; the wall time of each run in milliseconds."""
    out = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return out


def summary(samples_ms: list[float]) -> dict[str, float]:
    arr = np.asarray(samples_ms)
    return {
        "p50_ms": round(float(np.median(arr)), 4),
        "p99_ms": round(float(np.percentile(arr, 99)), 4),
        "n": len(arr),
    }


def line(label: str, stats: dict[str, float], extra: str = "") -> None:
    print(f"  {label:<44} p50 {stats['p50_ms']:>9.3f} ms   p99 {stats['p99_ms']:>9.3f} ms  {extra}")
