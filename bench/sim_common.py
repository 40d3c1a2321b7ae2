"""Shared bits of the simulation benchmarks: where results and plots go, and parallel maps.

Every ``bench/sim_*.py`` writes ``bench/results/sim_*.json`` (the figures quoted in
docs/simulation.md) and its plots as ``docs/images/sim-*.png``.
"""

from __future__ import annotations

import os
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
IMAGES = ROOT / "docs" / "images"
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))


def pmap(fn, items):
    """``map`` over worker processes (``BENCH_WORKERS``, default one per core)."""
    items = list(items)
    if WORKERS <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with Pool(min(WORKERS, len(items))) as pool:
        return pool.map(fn, items)


