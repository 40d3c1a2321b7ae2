"""Theory check: the simulator, driving the real engine, against Erlang C.

One field, c = 1…10 counters, utilisation 0.5–0.95, Poisson arrivals and
exponential service.  Each grid point runs independent replications that
start in equilibrium (hall_server/sim/theory.py) and compares P(wait), the
mean wait and the service level within 15/9.3 mean service times with the
Erlang C formulas, using 95 % Student-t intervals.

    python -m bench.sim_erlang            # the full grid (about 5 minutes on 2 idle cores)
    BENCH_QUICK=1 python -m bench.sim_erlang
"""

from __future__ import annotations

import os
import time

from hall_server.sim.theory import METRICS, check_point

from .record import write_result
from .sim_common import IMAGES, pmap

SEED = 20250303
QUICK = os.environ.get("BENCH_QUICK") == "1"
SERVERS = [1, 2, 4] if QUICK else list(range(1, 11))
RHOS = [0.5, 0.8, 0.95] if QUICK else [0.5, 0.6, 0.7, 0.8, 0.9, 0.95]
REPLICATIONS = 10 if QUICK else int(os.environ.get("BENCH_REPLICATIONS", "12"))


def customers(rho: float) -> int:
    """Measured citizens per replication (a day holds at most 9999 tickets of a field)."""
    return 2000 if rho <= 0.7 else 3000 if rho <= 0.8 else 5000 if rho <= 0.9 else 7000


def _point(args):
    c, rho = args
    t = time.perf_counter()
    row = check_point(c, rho, REPLICATIONS, customers(rho), seed=SEED)
    return row, time.perf_counter() - t


def plot(rows, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    for k, metric in enumerate(METRICS):
        ax = fig.add_subplot(1, 3, k + 1)
        for rho in RHOS:
            pts = [r for r in rows if r.rho == rho]
            cs = [r.c for r in pts]
            line, = ax.plot(cs, [r.theory[metric] for r in pts], linewidth=1)
            ax.errorbar(cs, [r.estimate[metric] for r in pts], yerr=[r.half_width[metric] for r in pts],
                        fmt="o", markersize=3, color=line.get_color(), label=f"ρ = {rho}")
        ax.set_xlabel("counters c")
        ax.set_title({"p_wait": "P(wait > 0)", "mean_wait": "mean wait (× mean service)",
                      "service_level": "P(wait ≤ 15/9.3 service)"}[metric], fontsize=10)
        if metric == "mean_wait":
            ax.set_yscale("log")
    fig.axes[0].legend(fontsize=7)
    fig.suptitle("Simulator (dots, 95 % CI) against Erlang C (lines)")
    fig.savefig(path)


def main() -> dict:
    grid = [(c, rho) for c in SERVERS for rho in RHOS]
    out = pmap(_point, grid)
    rows = [r for r, _ in out]
    inside = {m: sum(r.inside(m) for r in rows) for m in METRICS}
    print(f"{'c':>3} {'rho':>5} " + " ".join(f"{m + ' est ± hw (theory)':>34}" for m in METRICS))
    for r in rows:
        cells = " ".join(
            f"{r.estimate[m]:>9.4f} ± {r.half_width[m]:<7.4f} ({r.theory[m]:.4f}){'' if r.inside(m) else ' *'}"
            .rjust(34) for m in METRICS)
        print(f"{r.c:>3} {r.rho:>5} {cells}")
    print("theory inside the 95 % interval: " + ", ".join(f"{m} {inside[m]}/{len(rows)}" for m in METRICS))
    IMAGES.mkdir(parents=True, exist_ok=True)
    if not QUICK:
        plot(rows, IMAGES / "sim-erlang.png")
    return {
        "seed": SEED, "replications": REPLICATIONS, "confidence": 0.95,
        "inside": inside, "points": len(rows),
        "rows": [{"c": r.c, "rho": r.rho, "customers": r.customers, "estimate": r.estimate,
                  "half_width": r.half_width, "theory": r.theory,
                  "inside": {m: bool(r.inside(m)) for m in METRICS}, "seconds": round(sec, 1)}
                 for r, sec in out],
    }


if __name__ == "__main__":
    result = main()
    print(write_result("sim_erlang_quick" if QUICK else "sim_erlang", result))
