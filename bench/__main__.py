"""Run every benchmark in bench/ in turn (make bench), or the ones named. Results go to
bench/results/*.json (bench/record.py); docs/performance.md explains them.

    python -m bench                 # all
    python -m bench call_latency    # one (or several)
    python -m bench --list          # what "all" is

A benchmark is any module of bench/ that runs as a program (``if __name__ == "__main__":``); each
runs in its own process, ``python -m bench.NAME``, exactly as when run by hand, so one that starts
worker processes finds its functions, and one benchmark's threads and memory never reach the next.
"""

from __future__ import annotations

import re
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
_PROGRAM = re.compile(r"^if __name__ == [\"']__main__[\"']:", re.M)


def benchmarks() -> list[str]:
    """Every benchmark module in bench/, by name."""
    return sorted(path.stem for path in HERE.glob("*.py")
                  if not path.name.startswith("_") and _PROGRAM.search(path.read_text(encoding="utf-8")))


def run(names: list[str]) -> int:
    known = benchmarks()
    unknown = [name for name in names if name not in known]
    if unknown:
        print(f"unknown benchmark(s) {', '.join(unknown)}; there are: {', '.join(known)}", file=sys.stderr)
        return 2
    failed = []
    for name in names:
        print(f"== bench.{name}", flush=True)
        started = time.monotonic()
        code = subprocess.call([sys.executable, "-m", f"bench.{name}"], cwd=HERE.parent)
        outcome = "ok" if code == 0 else f"FAILED (exit {code})"
        print(f"== bench.{name}: {outcome} in {time.monotonic() - started:.0f} s", flush=True)
        if code != 0:
            failed.append(name)
    if failed:
        print(f"failed: {', '.join(failed)}", file=sys.stderr)
    return 1 if failed else 0


def main(argv: list[str]) -> int:
    if argv == ["--list"]:
        print("\n".join(benchmarks()))
        return 0
    return run(argv or benchmarks())


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
