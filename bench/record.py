"""Where a benchmark's result goes, and what every result records about the run.

Every benchmark writes its figures with :func:`write_result`::

    from bench.record import write_result

    result = main()
    print(json.dumps(result, indent=2, ensure_ascii=False))
    write_result("call_latency", result)      # -> bench/results/call_latency.json

The file holds the benchmark's own keys plus, from here: ``benchmark`` (the name), ``date`` (UTC,
ISO 8601), ``machine`` (CPU model, cores, architecture, system, Python), ``duration_s`` and
``loadavg`` (``os.getloadavg()`` at the start and at the end: figures taken on a busy machine say so).

The start is when this module was first imported (a benchmark runs in its own process: ``python -m
bench.NAME``); call :func:`begin` to start the clock and the load reading again, e.g. after setup.
"""

from __future__ import annotations

import json
import os
import platform
import time
from datetime import datetime, timezone
from pathlib import Path
from typing import Any

RESULTS = Path(__file__).resolve().parent / "results"

#: Keys every result gets from here (they win over a benchmark's own keys of the same name).
RECORD_KEYS = ("benchmark", "date", "machine", "duration_s", "loadavg")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(errors="replace").splitlines():
            if line.startswith(("model name", "Model", "Hardware")) and ":" in line:
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def machine() -> dict[str, Any]:
    """The machine a benchmark ran on."""
    return {"cpu": _cpu_model(), "cores": os.cpu_count(), "arch": platform.machine(),
            "system": platform.platform(), "python": platform.python_version()}


def _loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


_start = {"monotonic": time.monotonic(), "loadavg": _loadavg()}


def begin() -> None:
    """Start the run now: the duration and the starting load average are taken from here."""
    _start.update(monotonic=time.monotonic(), loadavg=_loadavg())


def write_result(name: str, data: dict[str, Any], results: Path | None = None) -> Path:
    """Write ``bench/results/{name}.json``: ``data`` with the run's record. Returns the path."""
    record = {
        "benchmark": name,
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "machine": machine(),
        "duration_s": round(time.monotonic() - _start["monotonic"], 1),
        "loadavg": {"start": _start["loadavg"], "end": _loadavg()},
    }
    result = record | {k: v for k, v in data.items() if k not in RECORD_KEYS}
    folder = results or RESULTS
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / f"{name}.json"
    path.write_text(json.dumps(result, indent=2, ensure_ascii=False, default=str) + "\n", encoding="utf-8")
    return path
