"""``motcua simulate`` and ``motcua advise``.

    motcua simulate --config config/sim_small.toml --days 20 --volume 110 --seed 1 --out report/
    motcua simulate --config config/sim_large.toml --volume 400 \\
        --policy oldest_eligible_first --policy own_field_first --pooled
    motcua simulate --config config/demo_hall.toml --replay sqlite:///data/hall.db --from 2026-11-02 --to 2026-11-06
    motcua advise --config config/sim_large.toml --volume 400 --weekday mon
    motcua advise --config config/demo_hall.toml --db sqlite:///data/hall.db      # live moves, now

Both print tables for a person; ``--json`` prints one JSON document instead.
"""

from __future__ import annotations

import json
import sys
from datetime import date, datetime, timezone
from pathlib import Path

import click

from hall_server.config import DEMO_HALL, ConfigError, load_hall

WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")


def _load(config_file: str):
    try:
        return load_hall(config_file)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)


def _profile(config, volume: float | None):
    from hall_server.queueing.profile import SMALL_HALL

    profile = SMALL_HALL.for_fields(config.fields)
    return profile.scaled(volume) if volume is not None else profile


def _groups(config, specs: tuple[str, ...]):
    """``--group "Đất đai=DD,XD"`` options, or the hall's own groups."""
    from hall_server.queueing.advice import FieldGroup, groups_from_hall

    if not specs:
        return groups_from_hall(config)
    groups, seen = [], set()
    for spec in specs:
        name, sep, codes = spec.partition("=")
        fields = tuple(c.strip() for c in codes.split(",") if c.strip())
        if not sep or not name.strip() or not fields:
            raise click.BadParameter(f"{spec!r}: use NAME=CODE,CODE", param_hint="--group")
        unknown = [c for c in fields if c not in config.fields]
        if unknown:
            raise click.BadParameter(f"{spec!r}: unknown field code(s) {', '.join(unknown)}", param_hint="--group")
        twice = seen.intersection(fields)
        if twice:
            raise click.BadParameter(f"{spec!r}: {', '.join(sorted(twice))} already in another group",
                                     param_hint="--group")
        seen.update(fields)
        groups.append(FieldGroup(name.strip(), fields))
    rest = tuple(c for c in config.fields if c not in seen)
    if rest:
        groups.append(FieldGroup("Khác / other", rest))
    return groups


# ---------------------------------------------------------------------- simulate
@click.command("simulate")
@click.option("--config", "config_file", default=str(DEMO_HALL), show_default=True,
              type=click.Path(dir_okay=False), help="Hall file: counters, officers and their fields.")
@click.option("--days", default=20, show_default=True, type=click.IntRange(1, 5000),
              help="Open days (Mon–Fri) to simulate from --start.")
@click.option("--start", "start", default="2025-03-03", show_default=True, type=click.DateTime(["%Y-%m-%d"]),
              help="First day.")
@click.option("--volume", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Mean tickets on a Wednesday (the profile's daily volume; default 110).")
@click.option("--seed", default=1, show_default=True, help="Random seed (each day is seeded by seed and date).")
@click.option("--policy", "policies", multiple=True,
              type=click.Choice(["oldest_eligible_first", "longest_queue_first", "own_field_first"]),
              help="Routing policy; repeat to compare several on the same citizens.")
@click.option("--pooled", is_flag=True, help="Also run the hall with every counter serving every field.")
@click.option("--replay", "replay_db", default=None, metavar="DB_URL",
              help="Replay the citizens stored in this database instead of the synthetic profile.")
@click.option("--from", "first", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day to replay.")
@click.option("--to", "last", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day to replay.")
@click.option("--walk", default=0.0, show_default=True, type=click.FloatRange(min=0),
              help="Minutes from a call until the citizen sits down.")
@click.option("--target", default=None, type=click.FloatRange(min=0, min_open=True),
              help="Service-level target in minutes (default: the hall file's wait_target_minutes).")
@click.option("--out", "out_dir", default=None, type=click.Path(file_okay=False),
              help="Write PNG plots and summary.json here.")
@click.option("--json", "as_json", is_flag=True, help="Print a JSON summary instead of tables.")
def simulate(config_file, days, start, volume, seed, policies, pooled, replay_db, first, last, walk, target,
             out_dir, as_json):
    """Simulate hall days through the real queue engine, with simulated time.

    Citizens come from the synthetic hall profile (or a stored log with
    --replay), take tickets, and are called by the counters of the hall file;
    each is served for a sampled time.  Prints waits per field, the share
    called within the target, counter utilisation and officer-hours.
    """
    from hall_server.engine.routing import POLICIES

    from .halls import pooled as pooled_hall
    from .report import comparison_table, plot_comparison, summary_table, write_plots
    from .runner import profile_arrivals, run_days, weekdays
    from .summary import summarise

    config = _load(config_file)
    if replay_db:
        if first is None or last is None:
            raise click.UsageError("--replay needs --from and --to")
        from .replay import stored_arrivals

        try:
            arrivals = stored_arrivals(replay_db, config, first.date(), last.date())
        except Exception as exc:  # a bad URL or a database without the tables
            raise click.ClickException(f"cannot read {replay_db}: {exc}") from None
        if not arrivals:
            raise click.ClickException(f"no tickets of centre {config.id} between {first.date()} and {last.date()}")
        source = f"replay of {len(arrivals)} stored day(s)"
    else:
        profile = _profile(config, volume)
        arrivals = profile_arrivals(profile, weekdays(start.date(), days), seed)
        source = f"synthetic profile, {profile.daily_volume:g} tickets on a Wednesday, seed {seed}"
    variants = {}
    for name in policies or ("oldest_eligible_first",):
        variants[name] = (config, POLICIES[name])
    if pooled:
        variants["pooled"] = (pooled_hall(config), None)
    results, summaries = {}, {}
    for name, (cfg, policy) in variants.items():
        results[name] = run_days(cfg, arrivals, policy_factory=policy, walk_minutes=walk, target_minutes=target)
        summaries[name] = summarise(results[name])
    main = next(iter(variants))
    if as_json:
        click.echo(json.dumps({"source": source, "hall": config_file,
                               "variants": {k: _summary_json(s) for k, s in summaries.items()}},
                              ensure_ascii=False, indent=2))
    else:
        click.echo(f"{config.centre.name} — {source}; {summaries[main].days} day(s)")
        for name, s in summaries.items():
            click.echo(f"\n== {name} ==")
            click.echo(summary_table(s, config))
        if len(summaries) > 1:
            click.echo("\n" + comparison_table(summaries, "pooled" if pooled else None))
    if out_dir:
        out = Path(out_dir)
        paths = []
        for name, s in summaries.items():
            paths += write_plots(s, results[name], out, prefix=f"sim-{name}")
        if len(summaries) > 1:
            paths.append(plot_comparison(summaries, out / "sim-comparison.png"))
        (out / "summary.json").write_text(json.dumps({k: _summary_json(s) for k, s in summaries.items()},
                                                     ensure_ascii=False, indent=2), encoding="utf-8")
        if not as_json:
            click.echo("\n" + "\n".join(f"wrote {p}" for p in paths + [out / "summary.json"]))


def _summary_json(s) -> dict:
    def w(x):
        return {"count": x.count, "unserved": x.unserved, "mean_wait": round(x.mean_wait, 3),
                "p90_wait": round(x.p90_wait, 3), "max_wait": round(x.max_wait, 3),
                "service_level": round(x.service_level, 4)}

    return {
        "days": s.days, "target_minutes": s.target_minutes, "overall": w(s.overall),
        "priority": w(s.priority), "others": w(s.others),
        "fields": {k: w(v) for k, v in s.fields.items()},
        "counters": {str(n): {"open_hours": round(c.open_hours, 3), "busy_hours": round(c.busy_hours, 3),
                              "utilisation": round(c.utilisation, 4) if c.utilisation is not None else None,
                              "served": c.served} for n, c in s.counters.items()},
        "officer_hours_per_day": round(s.officer_hours_per_day, 3),
        "days_meeting_80": round(s.share_of_days_meeting(0.8), 4),
    }


# ---------------------------------------------------------------------- advise
@click.command("advise")
@click.option("--config", "config_file", default=str(DEMO_HALL), show_default=True,
              type=click.Path(dir_okay=False), help="Hall file.")
@click.option("--volume", type=click.FloatRange(min=0, min_open=True), default=None,
              help="Forecast: mean tickets on a Wednesday (default 110).")
@click.option("--weekday", "weekdays_", multiple=True, type=click.Choice(WEEKDAYS[:5] + ("all",)),
              help="Weekday(s) to plan (default all Mon–Fri).")
@click.option("--history", "history_db", default=None, metavar="DB_URL",
              help="Plan from the tickets stored in this database instead of the synthetic forecast.")
@click.option("--since", type=click.DateTime(["%Y-%m-%d"]), default=None, help="First day of history to use.")
@click.option("--until", type=click.DateTime(["%Y-%m-%d"]), default=None, help="Last day of history to use.")
@click.option("--group", "group_specs", multiple=True, metavar="NAME=CODE,CODE",
              help="A field group to staff together (repeat); default: fields served by the same counters.")
@click.option("--target-wait", default=None, type=click.FloatRange(min=0, min_open=True),
              help="Minutes (default: the hall file's wait_target_minutes).")
@click.option("--target-share", default=0.8, show_default=True, type=click.FloatRange(0, 1, min_open=True,
                                                                                       max_open=True),
              help="Share of citizens to call within the target.")
@click.option("--db", "live_db", default=None, metavar="DB_URL",
              help="Live: read the hall's current state from this database and suggest officer moves.")
@click.option("--at", "at", default=None, help="Live: the time to advise for (ISO 8601; default now).")
@click.option("--json", "as_json", is_flag=True, help="Print JSON instead of tables.")
def advise(config_file, volume, weekdays_, history_db, since, until, group_specs, target_wait, target_share,
           live_db, at, as_json):
    """Staffing advice: counters per field group per half-hour, and live moves.

    Plans each weekday for the service-level target (default 80 % of citizens
    called within the hall's target wait), accounting for the crowd at opening
    and the Monday peak.  With --db, also reads the hall as it is now and
    suggests concrete officer moves for the supervisor.
    """
    from hall_server.queueing.advice import LivePlanner, demand_from_history, forecast, plan_day

    config = _load(config_file)
    groups = _groups(config, group_specs)
    wait = target_wait or float(config.centre.wait_target_minutes)
    profile = _profile(config, volume)
    chosen = [WEEKDAYS.index(d) for d in weekdays_ if d != "all"] or list(range(5))
    demands = {}
    if history_db:
        rows = _history(history_db, config, since, until)
        spans = _sessions(config, profile)
        for wd in chosen:
            try:
                demands[wd] = demand_from_history(rows, groups, wd, spans, config.tz)
            except ValueError as exc:
                click.echo(f"{WEEKDAYS[wd]}: {exc}", err=True)
        if not demands:
            raise click.ClickException("the history holds none of the chosen weekdays")
    else:
        demands = {wd: forecast(profile, wd, groups) for wd in chosen}
    plans = {wd: plan_day(d, target_wait=wait, target_share=target_share) for wd, d in demands.items()}
    out = {"hall": config_file, "groups": [{"name": g.name, "fields": list(g.fields)} for g in groups],
           "plans": {WEEKDAYS[wd]: p.to_dict() for wd, p in plans.items()}}
    if not as_json:
        click.echo(f"{config.centre.name} — kế hoạch quầy / counter plan "
                   f"({'history ' + history_db if history_db else f'forecast, {profile.daily_volume:g}/day'})")
        for g in groups:
            click.echo(f"  {g.name}: {' '.join(g.fields)}")
        for p in plans.values():
            click.echo("\n" + p.table())
    if live_db:
        from hall_server.queueing.moves import suggest_moves

        now = datetime.fromisoformat(at) if at else datetime.now(timezone.utc)
        if now.tzinfo is None:
            now = now.replace(tzinfo=config.tz)
        hall = _live_hall(live_db, config)
        wd = now.astimezone(config.tz).weekday()
        demand = demands.get(wd) or (forecast(profile, wd, groups) if wd < 5 else None)
        planner = None
        if demand is not None:
            plan = plans.get(wd) or plan_day(demand, target_wait=wait, target_share=target_share)
            planner = LivePlanner(demand, theta=plan.theta, target_wait=wait, volume_cv=profile.volume_cv,
                                  target_share=target_share)
        moves = suggest_moves(hall, now, planner, groups, wait)
        out["live"] = {"at": now.isoformat(), "suggestions": [m.to_dict() for m in moves]}
        if not as_json:
            click.echo(f"\nGợi ý lúc / suggestions at {now.astimezone(config.tz):%H:%M %d/%m/%Y}:")
            for m in moves:
                click.echo(f"  • {m.text_vi}\n    {m.text_en}")
            if not moves:
                click.echo("  Không cần điều chỉnh / no change needed")
    if as_json:
        click.echo(json.dumps(out, ensure_ascii=False, indent=2, default=str))


def _sessions(config, profile):
    from .simulator import sessions_of

    spans = [(s.start.hour * 60 + s.start.minute, s.start.hour * 60 + s.start.minute + len(s.weights)
              * profile.slot_minutes) for s in profile.sessions]
    return sessions_of(config, date(2025, 3, 5), spans) or spans  # a Wednesday's hours


def _history(url, config, since, until):
    from hall_server.store.db import make_engine
    from hall_server.store.queries import ticket_times

    start = datetime.combine((since or datetime(2000, 1, 1)).date(), datetime.min.time(), tzinfo=config.tz)
    end = datetime.combine((until or datetime(2100, 1, 1)).date(), datetime.max.time(), tzinfo=config.tz)
    try:
        return ticket_times(make_engine(url), config.id, start, end)
    except Exception as exc:
        raise click.ClickException(f"cannot read history from {url}: {exc}") from None


def _live_hall(url, config):
    from hall_server.store.db import Store

    try:
        store = Store(url, run_migrations=False)
        try:
            return store.load_hall(config)
        finally:
            store.close()
    except Exception as exc:
        raise click.ClickException(f"cannot read the hall from {url}: {exc}") from None
