"""Run every benchmark in turn (make bench). Results go to bench/results/*.json;
docs/performance.md explains them.

    python -m bench                 # all
    python -m bench call_latency    # one
"""

import runpy
import sys

ALL = ["issue_throughput", "call_latency", "restart", "crash", "dispenser", "buttons_latency", "board", "province"]

names = sys.argv[1:] or ALL
for name in names:
    print(f"== bench.{name}", flush=True)
    sys.argv = [f"bench.{name}"]
    runpy.run_module(f"bench.{name}", run_name="__main__")
