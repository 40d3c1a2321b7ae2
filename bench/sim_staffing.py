"""Staffing advice measured: 250 simulated weekdays with day-to-day noise.

For the large hall (config/sim_large.toml's fields and field groups, ≈400
tickets on a Wednesday, Monday ×1.25, volume CV 0.15) the advisor plans each
weekday from the synthetic forecast for 80 % of citizens called within 15
minutes (hall_server/queueing/advice.py).  Three ways of staffing are run on
the same 250 weekdays:

* **baseline** — every group keeps the Monday-peak count of the plan open all day;
* **plan** — the weekday plan, fixed in advance (counters open and close by half-hour);
* **live** — every half-hour the supervisor follows the live advice, which
  re-judges the day's volume from the citizens so far and starts from the
  queue actually present (LivePlanner, the same rule as the plan).

Target: ≥ 95 % of days meet the 80 % target using ≤ 60 % of the baseline's
counter-hours.  The small hall (≈110/day) is run the same way for comparison.

    python -m bench.sim_staffing          # about 6 minutes on 2 cores
"""

from __future__ import annotations

import os
from datetime import date

from hall_server.config import load_hall, parse_hall
from hall_server.queueing.advice import LivePlanner, forecast, groups_from_hall, peak_baseline_hours, plan_week
from hall_server.queueing.profile import SMALL_HALL
from hall_server.sim.runner import profile_arrivals, run_days, weekdays
from hall_server.sim.simulator import Shift
from hall_server.sim.staffing import LiveStaffing, plan_shifts
from hall_server.sim.summary import summarise

from .record import write_result
from .sim_common import IMAGES, ROOT, pmap

SEED = 17
DAYS = int(os.environ.get("BENCH_DAYS", "250"))
HALLS = {"large": ("config/sim_large.toml", 400), "small": ("config/sim_small.toml", 110)}
SPARE = 8  # extra counters per group the live supervisor may open beyond the plan's peak


def _setup(hall):
    path, volume = HALLS[hall]
    base = load_hall(ROOT / path)
    profile = SMALL_HALL.for_fields(base.fields).scaled(volume)
    groups = groups_from_hall(base)
    plans = plan_week(profile, groups)
    owned, n = {}, 1
    for g in groups:
        peak = max(max(p.counts[g.name]) for p in plans.values()) + SPARE
        owned[g.name] = list(range(n, n + peak))
        n += peak
    data = base.raw.model_dump(mode="json")
    data["counters"] = [{"number": k, "name": f"Quầy {k} – {g.name}", "fields": list(g.fields),
                         "officer": f"cb{k:02d}"} for g in groups for k in owned[g.name]]
    data["officers"] = [{"id": c["officer"], "name": f"Cán bộ {c['number']}"} for c in data["counters"]]
    config = parse_hall(data, f"{path} (staffing)")
    arrivals = profile_arrivals(profile, weekdays(date(2025, 3, 3), DAYS), SEED)
    return base, profile, groups, plans, owned, config, arrivals


def _run(job):
    hall, mode = job
    base, profile, groups, plans, owned, config, arrivals = _setup(hall)
    scheduled = {}
    if mode == "baseline":
        peak = plans[0].peak()
        spans = sorted({(s.start, s.end) for s in plans[0].slots})

        def shifts_for(day):
            out = []
            for g in groups:
                for k in owned[g.name][:peak[g.name]]:
                    out += [Shift(k, a, b, drain=True) for a, b in _sessions(plans[0])]
            scheduled[day] = sum(peak.values()) * sum(b - a for a, b in spans) / 60
            return out
        results = run_days(config, arrivals, shifts_for=shifts_for)
    elif mode == "plan":
        def shifts_for(day):
            plan = plans[day.weekday()]
            scheduled[day] = plan.counter_hours()
            return plan_shifts(owned, plan)
        results = run_days(config, arrivals, shifts_for=shifts_for)
    else:
        live = {wd: LivePlanner(forecast(profile, wd, groups), theta=p.theta, volume_cv=profile.volume_cv)
                for wd, p in plans.items()}
        controllers = {}

        def controller_for(day):
            controllers[day] = LiveStaffing(live[day.weekday()], owned)
            return controllers[day]
        results = run_days(config, arrivals, controller_for=controller_for)
        for day, c in controllers.items():
            slots = {s.start: s.minutes for s in live[day.weekday()].demand.slots}
            scheduled[day] = sum(sum(counts.values()) * slots[m] / 60 for m, counts in c.decisions)
    s = summarise(results)
    by_weekday = {}
    for r in results:
        by_weekday.setdefault(r.day.weekday(), []).append(r.service_level())
    return hall, mode, {
        "days": s.days, "days_meeting_80": round(s.share_of_days_meeting(0.8), 4),
        "worst_day_service_level": round(min(s.day_service_levels), 4),
        "service_level": round(s.service_level, 4), "mean_wait": round(s.mean_wait, 3),
        "scheduled_counter_hours_per_day": round(sum(scheduled.values()) / len(scheduled), 2),
        "officer_hours_per_day": round(s.officer_hours_per_day, 2),
        "by_weekday": {["Mon", "Tue", "Wed", "Thu", "Fri"][wd]: {
            "days_meeting_80": round(sum(1 for x in v if x >= 0.8) / len(v), 3),
            "worst": round(min(v), 3)} for wd, v in sorted(by_weekday.items())},
    }, s.day_service_levels


def _sessions(plan):
    spans = {}
    for s in plan.slots:
        a, b = spans.get(s.session, (s.start, s.end))
        spans[s.session] = (min(a, s.start), max(b, s.end))
    return list(spans.values())


def plot(levels, path):
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure

    fig = Figure(figsize=(9, 4), dpi=110, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    for mode, color in (("baseline", "#718096"), ("plan", "#d69e2e"), ("live", "#2b6cb0")):
        xs = sorted(levels[mode])
        ax.plot([x * 100 for x in xs], [(i + 1) / len(xs) * 100 for i in range(len(xs))], color=color,
                label=mode, drawstyle="steps-post")
    ax.axvline(80, color="#c53030", linestyle="--", linewidth=1, label="target 80 %")
    ax.axhline(5, color="#999", linestyle=":", linewidth=1)
    ax.set_xlabel("day's share called within 15 min (%)")
    ax.set_ylabel("% of days at or below")
    ax.set_title("Large hall, 250 weekdays: distribution of the daily service level")
    ax.legend(fontsize=8)
    fig.savefig(path)


def main() -> dict:
    jobs = [(h, m) for h in HALLS for m in ("live", "plan", "baseline")]
    done = pmap(_run, jobs)
    out = {"seed": SEED, "days": DAYS, "halls": {}}
    for hall in HALLS:
        base, profile, groups, plans, owned, config, arrivals = _setup(hall)
        week = sum(p.counter_hours() for p in plans.values())
        baseline_week = peak_baseline_hours(plans)
        rows = {m: r for h, m, r, _ in done if h == hall}
        b = rows["baseline"]
        for r in rows.values():
            r["scheduled_ratio_to_baseline"] = round(r["scheduled_counter_hours_per_day"]
                                                     / b["scheduled_counter_hours_per_day"], 3)
            r["officer_hours_ratio_to_baseline"] = round(r["officer_hours_per_day"] / b["officer_hours_per_day"], 3)
        print(f"\n== {hall} hall, {DAYS} weekdays, seed {SEED}; groups: "
              + "; ".join(f"{g.name} ({' '.join(g.fields)})" for g in groups))
        print(f"plan: {week:.1f} counter-hours a week against {baseline_week:.1f} for the Monday peak all day "
              f"({week / baseline_week:.1%}); Monday peak {plans[0].peak()}")
        print(f"{'mode':<9} {'days≥80%':>9} {'worst day':>9} {'SL':>6} {'wait':>5} {'sched h/day':>11} "
              f"{'ratio':>6} {'officer h/day':>13} {'ratio':>6}")
        for m in ("baseline", "plan", "live"):
            r = rows[m]
            print(f"{m:<9} {r['days_meeting_80']:>9.1%} {r['worst_day_service_level']:>9.1%} {r['service_level']:>6.1%}"
                  f" {r['mean_wait']:>5.1f} {r['scheduled_counter_hours_per_day']:>11.1f} "
                  f"{r['scheduled_ratio_to_baseline']:>6.1%} {r['officer_hours_per_day']:>13.1f} "
                  f"{r['officer_hours_ratio_to_baseline']:>6.1%}")
        live = rows["live"]
        out["halls"][hall] = {
            "hall_file": HALLS[hall][0], "volume": HALLS[hall][1],
            "groups": [{"name": g.name, "fields": list(g.fields)} for g in groups],
            "plan_week_counter_hours": round(week, 1), "baseline_week_counter_hours": round(baseline_week, 1),
            "monday_peak": plans[0].peak(), "modes": rows,
            "targets_live": {">= 95% of days meet 80%": live["days_meeting_80"] >= 0.95,
                             "<= 60% of baseline counter-hours": live["scheduled_ratio_to_baseline"] <= 0.6},
            "plans": {wd: p.to_dict() for wd, p in plans.items()},
        }
        print("targets (live):", out["halls"][hall]["targets_live"])
        if hall == "large":
            plot({m: lv for h, m, _, lv in done if h == hall}, IMAGES / "sim-staffing.png")
    return out


if __name__ == "__main__":
    print(write_result("sim_staffing", main()))
