"""Dispatch quality: routing policies and counter→field designs on the same citizens.

For the small hall (config/sim_small.toml, ≈110 tickets on a Wednesday, 4
counters) and the large hall (config/sim_large.toml, ≈400, 14 counters), 250
simulated weekdays each are run through the engine with every routing policy,
with the same hall where every counter serves every field (full pooling: the
yardstick), and with the priority head start at 15 instead of 30 minutes.

Targets: mean wait ≤ 1.5× (small) and ≤ 1.15× (large) that of full pooling;
the worst field's mean wait ≤ 2× the overall mean; priority citizens' mean wait
≤ 0.5× the others'.

    python -m bench.sim_dispatch          # about 4 minutes on 2 cores
"""

from __future__ import annotations

import os
from datetime import date

from hall_server.config import load_hall, parse_hall
from hall_server.engine.routing import POLICIES
from hall_server.queueing.profile import SMALL_HALL
from hall_server.sim.halls import pooled
from hall_server.sim.report import comparison_table, plot_comparison
from hall_server.sim.runner import profile_arrivals, run_days, weekdays
from hall_server.sim.summary import summarise

from .record import write_result
from .sim_common import IMAGES, ROOT, pmap

SEED = 9
DAYS = int(os.environ.get("BENCH_DAYS", "250"))
HALLS = {"small": ("config/sim_small.toml", 110, 1.5), "large": ("config/sim_large.toml", 400, 1.15)}


def head_start(config, minutes: float):
    data = config.raw.model_dump(mode="json")
    for p in data["priorities"]:
        p["head_start_minutes"] = minutes
    return parse_hall(data, f"{config.source} (head start {minutes:g} min)")


def _run(job):
    hall, variant = job
    path, volume, _ = HALLS[hall]
    config = load_hall(ROOT / path)
    profile = SMALL_HALL.for_fields(config.fields).scaled(volume)
    arrivals = profile_arrivals(profile, weekdays(date(2025, 3, 3), DAYS), SEED)
    policy = None
    if variant == "pooled":
        config = pooled(config)
    elif variant == "head start 15 min":
        config = head_start(config, 15)
    else:
        policy = POLICIES[variant]
    return hall, variant, summarise(run_days(config, arrivals, policy_factory=policy))


def main() -> dict:
    variants = list(POLICIES) + ["pooled", "head start 15 min"]
    done = pmap(_run, [(h, v) for h in HALLS for v in variants])
    out = {"seed": SEED, "days": DAYS, "halls": {}}
    for hall, (path, volume, limit) in HALLS.items():
        summaries = {v: s for h, v, s in done if h == hall}
        ref = summaries["pooled"].mean_wait
        print(f"\n== {hall} hall: {path}, {volume} tickets on a Wednesday, {DAYS} weekdays, seed {SEED} ==")
        print(comparison_table(summaries, "pooled"))
        rows = {}
        for v, s in summaries.items():
            code, worst = s.worst_field
            rows[v] = {
                "mean_wait": round(s.mean_wait, 3), "ratio_to_pooled": round(s.mean_wait / ref, 3),
                "service_level": round(s.service_level, 4), "p90_wait": round(s.overall.p90_wait, 2),
                "worst_field": code, "worst_field_mean_wait": round(worst.mean_wait, 3),
                "worst_ratio": round(worst.mean_wait / s.mean_wait, 3),
                "priority_mean_wait": round(s.priority.mean_wait, 3),
                "others_mean_wait": round(s.others.mean_wait, 3),
                "priority_ratio": round(s.priority.mean_wait / s.others.mean_wait, 3),
                "utilisation": round(s.utilisation or 0, 4), "tickets": s.overall.count,
                "fields": {k: round(w.mean_wait, 2) for k, w in s.fields.items()},
            }
        main_row = rows["oldest_eligible_first"]
        targets = {
            f"mean wait <= {limit}x pooled": main_row["ratio_to_pooled"] <= limit,
            "worst field <= 2x mean": main_row["worst_ratio"] <= 2.0,
            "priority <= 0.5x others": main_row["priority_ratio"] <= 0.5,
        }
        print("targets (oldest_eligible_first):", targets)
        out["halls"][hall] = {"hall_file": path, "volume": volume, "variants": rows, "targets": targets}
        plot_comparison({k: summaries[k] for k in ("oldest_eligible_first", "own_field_first",
                                                   "longest_queue_first", "pooled")},
                        IMAGES / f"sim-dispatch-{hall}.png",
                        f"{hall} hall: mean wait per field by routing (overall in brackets)")
    return out


if __name__ == "__main__":
    print(write_result("sim_dispatch", main()))
