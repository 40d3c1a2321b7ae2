"""Shared bits of the simulation benchmarks: where results and plots go, and parallel maps.

Every ``bench/sim_*.py`` writes ``bench/results/sim_*.json`` (the figures quoted in
docs/simulation.md) and its plots as ``docs/images/sim-*.png``.
"""

from __future__ import annotations

import json
import os
import platform
import time
from multiprocessing import Pool
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
IMAGES = ROOT / "docs" / "images"
WORKERS = int(os.environ.get("BENCH_WORKERS", str(os.cpu_count() or 1)))


def pmap(fn, items):
    """``map`` over worker processes (``BENCH_WORKERS``, default one per core)."""
    items = list(items)
    if WORKERS <= 1 or len(items) <= 1:
        return [fn(x) for x in items]
    with Pool(min(WORKERS, len(items))) as pool:
        return pool.map(fn, items)


def save(name: str, result: dict) -> Path:
    """Write ``bench/results/{name}.json`` with the machine it ran on."""
    RESULTS.mkdir(parents=True, exist_ok=True)
    result = {"machine": {"python": platform.python_version(), "cpus": os.cpu_count(),
                          "platform": platform.platform()},
              "date": time.strftime("%Y-%m-%d"), **result}
    path = RESULTS / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False), encoding="utf-8")
    return path
