"""Wait estimates: the replay estimator against the naive rule, on simulated days.

Every ticket's estimate is taken the moment it is issued (as the server
prints it) and compared with the wait the engine then gave it.  Naive rule:
people ahead in the field × the field's mean service ÷ counters serving it
(hall_server/engine/estimate.py).  Replay: hall_server/queueing/estimator.py,
learning per-field service times from finished tickets (α = 0.15).

Targets: mean absolute error ≤ 2 min, |bias| ≤ 0.5 min, and at least 40 %
lower error than the naive rule.  Also times one estimate on a hall of 20
counters with 200 waiting tickets (budget: 1 ms).

    python -m bench.sim_estimator          # about 3 minutes on 2 cores
"""

from __future__ import annotations

import os
import random
import statistics
import tempfile
import timeit
from datetime import date, datetime, timedelta, timezone
from functools import partial
from pathlib import Path

from hall_server.config import load_hall
from hall_server.engine import CallNext, Hall, IssueTicket, StartServing
from hall_server.engine.estimate import naive_wait
from hall_server.queueing.estimator import ReplayEstimator, ServiceTimes
from hall_server.queueing.profile import SMALL_HALL
from hall_server.sim.runner import profile_arrivals, run_days, weekdays

from .halls import big_hall
from .record import write_result
from .sim_common import IMAGES, ROOT, pmap

SEED = 5
DAYS = int(os.environ.get("BENCH_DAYS", "250"))
SCENARIOS = {  # name: hall file, volume, days
    "small 110/day": ("config/sim_small.toml", 110, DAYS),
    "large 400/day": ("config/sim_large.toml", 400, DAYS // 2),
    "small busy 130/day": ("config/sim_small.toml", 130, DAYS // 2),
    "large busy 460/day": ("config/sim_large.toml", 460, DAYS // 4),
    "demo hall 110/day": ("config/demo_hall.toml", 110, DAYS // 2),
}


def _run(name):
    path, volume, days = SCENARIOS[name]
    config = load_hall(ROOT / path)
    profile = SMALL_HALL.for_fields(config.fields).scaled(volume)
    means = {f.code: f.mean_minutes for f in profile.fields}
    estimators = {
        "replay": ReplayEstimator(ServiceTimes.from_profile(profile)),
        "replay (no stagger)": ReplayEstimator(ServiceTimes.from_profile(profile), stagger=0.0),
        "naive": partial(naive_wait, mean_service_minutes=means),
    }
    results = run_days(config, profile_arrivals(profile, weekdays(date(2025, 3, 3), days), SEED),
                       estimators=estimators)
    rows = [t for r in results for t in r.tickets if t.wait is not None]
    out = {"hall_file": path, "volume": volume, "days": days, "tickets": len(rows),
           "mean_wait": round(statistics.fmean(t.wait for t in rows), 3), "estimators": {}}
    pairs = {}
    for est in estimators:
        ok = [(t.estimates[est], t.wait) for t in rows if t.estimates[est] is not None]
        err = [e - w for e, w in ok]
        out["estimators"][est] = {
            "mae": round(statistics.fmean(abs(x) for x in err), 3),
            "bias": round(statistics.fmean(err), 3),  # estimate minus actual: > 0 promises too long a wait
            "rmse": round(statistics.fmean(x * x for x in err) ** 0.5, 3),
            "no_estimate": len(rows) - len(ok),
        }
        pairs[est] = ok
    r, n = out["estimators"]["replay"]["mae"], out["estimators"]["naive"]["mae"]
    out["reduction_vs_naive"] = round(1 - r / n, 3)
    out["targets"] = {"mae <= 2": r <= 2, "|bias| <= 0.5": abs(out["estimators"]["replay"]["bias"]) <= 0.5,
                      "error >= 40% lower than naive": out["reduction_vs_naive"] >= 0.4}
    return name, out, pairs


def timing() -> dict:
    """One estimate on a hall of 20 counters (all busy) with 200 waiting tickets."""
    with tempfile.TemporaryDirectory() as tmp:
        config = load_hall(big_hall(Path(tmp) / "hall.toml", counters=20, displays=1, boxes=1))
    hall = Hall(config)
    rng = random.Random(1)
    t0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)
    codes = list(config.fields)
    tickets = []
    for i in range(220):
        tickets.append(hall.execute(IssueTicket(field=rng.choice(codes)), t0 + timedelta(seconds=i)).ticket)
    for n in config.counters:
        try:
            hall.execute(CallNext(n), t0 + timedelta(minutes=4))
            hall.execute(StartServing(n), t0 + timedelta(minutes=4))
        except Exception:
            pass
    waiting = [t for t in tickets if t.state.value == "waiting"]
    est = ReplayEstimator()
    at = t0 + timedelta(minutes=5)
    last = max(waiting, key=hall.key)
    runs = 200
    worst = timeit.timeit(lambda: est(hall, last, at), number=runs) / runs
    mean = timeit.timeit(lambda: [est(hall, t, at) for t in waiting], number=5) / 5 / len(waiting)
    naive = timeit.timeit(lambda: naive_wait(hall, last), number=runs) / runs
    return {"counters": len(config.counters), "waiting": len(waiting),
            "replay_last_ticket_ms": round(worst * 1e3, 3), "replay_mean_ms": round(mean * 1e3, 3),
            "naive_ms": round(naive * 1e3, 3)}


def plot(pairs_by_scenario, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(11, 4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    for k, name in enumerate(["small 110/day", "large 400/day", "small busy 130/day"]):
        ax = fig.add_subplot(1, 3, k + 1)
        for est, color in (("naive", "#c53030"), ("replay", "#2b6cb0")):
            pts = pairs_by_scenario[name][est]
            step = max(1, len(pts) // 3000)
            ax.scatter([p[1] for p in pts[::step]], [p[0] for p in pts[::step]], s=3, alpha=0.35,
                       color=color, label=est)
        top = max(p[1] for p in pairs_by_scenario[name]["replay"])
        ax.plot([0, top], [0, top], color="#555", linewidth=1)
        ax.set_xlabel("actual wait (min)")
        ax.set_ylabel("estimate at issue (min)")
        ax.set_title(name, fontsize=10)
        ax.legend(fontsize=8, markerscale=3)
    fig.savefig(path)


def main() -> dict:
    done = pmap(_run, list(SCENARIOS))
    out = {"seed": SEED, "scenarios": {}}
    print(f"{'scenario':<22} {'tickets':>7} {'wait':>6}  " + "  ".join(
        f"{e:>22}" for e in ("replay MAE/bias", "no-stagger MAE/bias", "naive MAE/bias")) + "  reduction")
    for name, res, _ in done:
        e = res["estimators"]
        print(f"{name:<22} {res['tickets']:>7} {res['mean_wait']:>6.2f}  " + "  ".join(
            f"{e[k]['mae']:>13.2f} / {e[k]['bias']:+.2f}" for k in ("replay", "replay (no stagger)", "naive"))
            + f"  {res['reduction_vs_naive']:>8.0%}  {res['targets']}")
        out["scenarios"][name] = res
    out["timing"] = timing()
    print("timing:", out["timing"])
    plot({name: pairs for name, _, pairs in done}, IMAGES / "sim-estimator.png")
    return out


if __name__ == "__main__":
    print(write_result("sim_estimator", main()))
