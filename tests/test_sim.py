"""The simulator: real engine, simulated time, reproducible days, Erlang C, replay and CLI."""

from __future__ import annotations

import json
import random
import statistics
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner
from PIL import Image

from hall_server.config import load_hall
from hall_server.engine import CallNext, Finish, IssueTicket, StartServing
from hall_server.queueing.erlang import erlang_c
from hall_server.queueing.profile import SMALL_HALL
from hall_server.service import HallService
from hall_server.sim.arrivals import SimArrival, profile_day
from hall_server.sim.cli import advise, simulate
from hall_server.sim.halls import pooled, single_field_hall
from hall_server.sim.replay import stored_arrivals
from hall_server.sim.report import summary_table, write_plots
from hall_server.sim.runner import profile_arrivals, run_days, weekdays
from hall_server.sim.simulator import Shift, simulate_day
from hall_server.sim.summary import summarise
from hall_server.sim.theory import check_point, stationary_count
from hall_server.store.db import Store

from .conftest import ROOT, Clock

WED = date(2025, 3, 5)


@pytest.fixture(scope="module")
def small():
    return load_hall(ROOT / "config" / "sim_small.toml")


@pytest.fixture(scope="module")
def small_days(small):
    arrivals = profile_arrivals(SMALL_HALL.for_fields(small.fields), weekdays(date(2025, 3, 3), 5), seed=3)
    return arrivals, run_days(small, arrivals)


def test_every_citizen_is_called_by_a_counter_serving_the_field(small, small_days):
    arrivals, results = small_days
    for result in results:
        assert len(result.tickets) == len(arrivals[result.day])
        for t in result.tickets:
            assert t.wait is not None and t.wait >= 0
            assert t.field in small.counters[t.counter].fields
            assert t.finished == pytest.approx(t.called + t.service, abs=1e-6)
        assert sum(c.served for c in result.counters.values()) == len(result.tickets)
        # a counter serves one citizen at a time
        for n in small.counters:
            spans = sorted((t.called, t.finished) for t in result.tickets if t.counter == n)
            assert all(a[1] <= b[0] + 1e-6 for a, b in zip(spans, spans[1:]))  # engine times are µs


def test_nobody_waits_while_a_counter_serving_the_field_is_idle(small, small_days):
    _, results = small_days
    day = results[0]
    for t in day.tickets:
        if t.wait > 1e-9:
            # at issue, every counter serving the field was busy with someone
            busy = [u for u in day.tickets if u.counter is not None and u.called <= t.issued < u.finished
                    and t.field in small.counters[u.counter].fields]
            serving = [n for n, c in small.counters.items() if t.field in c.fields]
            assert len(busy) == len(serving)


def test_same_seed_same_days_other_seed_other_days(small):
    profile = SMALL_HALL.for_fields(small.fields)
    days = weekdays(WED, 2)
    a = run_days(small, profile_arrivals(profile, days, seed=42))
    b = run_days(small, profile_arrivals(profile, days, seed=42))
    c = run_days(small, profile_arrivals(profile, days, seed=43))
    def waits(rs):
        return [(t.field, round(t.issued, 9), round(t.wait, 9)) for r in rs for t in r.tickets]

    assert waits(a) == waits(b)
    assert waits(a) != waits(c)


def test_shift_end_closes_after_the_current_citizen_and_session_end_drains(small):
    # counter 4 works 08:00-09:00 only; counter 1 works the whole morning; citizens keep coming
    arrivals = [SimArrival(480 + 2 * i, "HT", False, 7.0) for i in range(40)]
    shifts = [Shift(4, 480, 540), Shift(1, 480, 690, drain=True)]
    result = simulate_day(small, arrivals, WED, shifts=shifts)
    at4 = [t for t in result.tickets if t.counter == 4]
    assert at4 and max(t.called for t in at4) < 540 and max(t.finished for t in at4) <= 540 + 7
    assert result.counters[4].open_minutes == pytest.approx(max(t.finished for t in at4) - 480)
    assert result.counters[2].open_minutes == 0 and result.counters[3].open_minutes == 0
    assert all(t.wait is not None for t in result.tickets)  # counter 1 serves the rest
    assert result.counters[1].served + result.counters[4].served == 40


class TwoStep:
    """A live controller: counter 1 alone until 09:00, then counters 1 and 2 serving HT."""

    def times(self, day):
        return [450.0, 540.0]

    def sessions(self, day):
        return [(450.0, 690.0)]

    def decide(self, hall, now):
        local = now.astimezone(hall.config.tz)
        return {1: None} if local.hour < 9 else {1: None, 2: ("HT",)}


def test_a_live_controller_opens_counters_and_sets_their_fields(small):
    arrivals = [SimArrival(450 + 3 * i, "HT", False, 8.0) for i in range(50)]
    result = simulate_day(small, arrivals, WED, controller=TwoStep())
    at2 = [t for t in result.tickets if t.counter == 2]
    assert at2 and min(t.called for t in at2) >= 540
    assert {t.counter for t in result.tickets} == {1, 2}
    assert result.counters[2].open_minutes == pytest.approx(max(t.finished for t in at2) - 540, abs=1e-6)
    assert all(t.wait is not None for t in result.tickets)


def test_a_field_nobody_serves_is_reported_unserved(small):
    arrivals = [SimArrival(480, "DD", False, 5.0), SimArrival(481, "HT", False, 5.0)]
    result = simulate_day(small, arrivals, WED, shifts=[Shift(4, 450, 690, drain=True)])  # 4 has no DD
    summary = summarise([result])
    assert summary.fields["DD"].unserved == 1 and summary.fields["HT"].unserved == 0
    assert summary.service_level == 0.5
    assert "không được gọi" in summary_table(summary, small)


def test_bad_input_is_refused(small):
    with pytest.raises(ValueError, match="field 'ZZ'"):
        simulate_day(small, [SimArrival(480, "ZZ", False, 5.0)], WED)
    with pytest.raises(ValueError, match="counter 99"):
        simulate_day(small, [], WED, shifts=[Shift(99, 450, 690)])
    with pytest.raises(ValueError, match="overlapping"):
        simulate_day(small, [], WED, shifts=[Shift(1, 450, 600), Shift(1, 500, 690)])
    with pytest.raises(ValueError):
        SimArrival(-1, "DD", False, 5.0)


def test_stationary_count_has_the_mm_c_mean():
    c, rho = 3, 0.8
    rng = random.Random(5)
    draws = [stationary_count(c, rho, rng) for _ in range(40000)]
    a = c * rho
    mean_queue = erlang_c(c, a) * rho / (1 - rho)  # L_q
    assert statistics.fmean(draws) == pytest.approx(mean_queue + a, rel=0.05)


def test_erlang_c_reproduced_within_loose_tolerance():
    row = check_point(c=2, rho=0.7, replications=4, customers=2500, seed=11)
    assert row.estimate["p_wait"] == pytest.approx(erlang_c(2, 1.4), abs=0.05)
    assert row.estimate["mean_wait"] == pytest.approx(row.theory["mean_wait"], rel=0.3)
    assert row.estimate["service_level"] == pytest.approx(row.theory["service_level"], abs=0.05)
    assert all(row.inside(m, widen=2.0) for m in row.theory)


def test_pooling_the_small_hall_helps_and_the_design_stays_close(small, small_days):
    arrivals, results = small_days
    chained = summarise(results)
    full = summarise(run_days(pooled(small), arrivals))
    assert full.mean_wait <= chained.mean_wait
    assert chained.mean_wait <= 2.0 * full.mean_wait


def test_single_field_hall_is_an_mmc_hall():
    config = single_field_hall(3)
    assert list(config.fields) == ["X"] and all(c.fields == ["X"] for c in config.counters.values())


def test_profile_maps_onto_the_hall_fields(small):
    profile = SMALL_HALL.for_fields(small.fields)
    assert [f.code for f in profile.fields] == list(small.fields)
    assert profile.field_spec("BT").share == pytest.approx(0.03)  # takes TP's place
    assert profile.field_spec("VH").name == "Văn hóa – Thể thao"  # the hall's name
    assert profile.mean_service_minutes() == pytest.approx(9.3)
    day = profile_day(profile, WED, random.Random(1))
    assert {a.field for a in day} <= set(small.fields)


# ---------------------------------------------------------------------- replay

def _stored_day(config, url):
    """Four citizens through the real service: three served, one cancelled."""
    from hall_server.engine import Cancel

    t0 = datetime(2025, 3, 5, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội, a Wednesday
    clock = Clock(t0)
    service = HallService(config, Store(url), clock=clock)
    ids = []
    for i, field in enumerate(["DD", "HT", "DD", "CT"]):
        clock.at = t0 + timedelta(minutes=i)
        ids.append(service.execute(IssueTicket(field=field, priority="elderly" if i == 2 else None)).body["ticket"]["id"])
    clock.at = t0 + timedelta(minutes=5)
    service.execute(Cancel(ticket=ids[3]))
    service.execute(CallNext(1))
    service.execute(StartServing(1))
    clock.at = t0 + timedelta(minutes=17)
    service.execute(CallNext(1))  # finishes the priority DD (called first: 30 min head start), calls A001
    service.execute(StartServing(1))
    clock.at = t0 + timedelta(minutes=20)
    service.execute(Finish(1))
    service.execute(CallNext(3))
    service.execute(StartServing(3))
    clock.at = t0 + timedelta(minutes=28)
    service.execute(Finish(3))
    service.store.close()
    return t0


def test_replay_reads_the_stored_citizens(small, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    _stored_day(small, url)
    days = stored_arrivals(url, small, WED, WED)
    arrivals = days[WED]
    assert [(a.field, a.priority) for a in arrivals] == [("DD", False), ("HT", False), ("DD", True)]
    assert [a.minute for a in arrivals] == [480, 481, 482]
    assert [round(a.service_minutes, 6) for a in arrivals] == [3, 8, 12]
    result = run_days(small, days)[0]
    assert len(result.tickets) == 3 and all(t.wait == 0 for t in result.tickets)  # 4 counters, 3 citizens
    assert stored_arrivals(url, small, date(2025, 3, 6), date(2025, 3, 7)) == {}
    with pytest.raises(ValueError):
        stored_arrivals(url, small, WED, date(2025, 3, 4))


# ---------------------------------------------------------------------- report and CLI
def test_plots_are_real_pngs(small, small_days, tmp_path):
    _, results = small_days
    paths = write_plots(summarise(results), results, tmp_path, prefix="t")
    assert [p.name for p in paths] == ["t-waits.png", "t-utilisation.png", "t-by-slot.png"]
    for p in paths:
        with Image.open(p) as img:
            assert img.format == "PNG" and img.size[0] > 500


def test_cli_simulate_prints_tables_and_writes_plots(tmp_path):
    runner = CliRunner()
    res = runner.invoke(simulate, ["--config", str(ROOT / "config/sim_small.toml"), "--days", "2", "--seed", "4",
                                   "--pooled", "--out", str(tmp_path)])
    assert res.exit_code == 0, res.output
    assert "Đất đai" in res.output and "Tất cả / all" in res.output and "pooled" in res.output
    assert "officer-hours per day" in res.output
    assert (tmp_path / "sim-comparison.png").stat().st_size > 1000
    data = json.loads((tmp_path / "summary.json").read_text(encoding="utf-8"))
    assert data["oldest_eligible_first"]["days"] == 2
    again = runner.invoke(simulate, ["--config", str(ROOT / "config/sim_small.toml"), "--days", "2", "--seed", "4",
                                     "--json"])
    assert json.loads(again.output)["variants"]["oldest_eligible_first"] == data["oldest_eligible_first"]


def test_cli_simulate_rejects_bad_input(tmp_path):
    runner = CliRunner()
    res = runner.invoke(simulate, ["--config", str(tmp_path / "missing.toml")])
    assert res.exit_code == 2 and "file not found" in res.output
    res = runner.invoke(simulate, ["--config", str(ROOT / "config/sim_small.toml"), "--replay", "sqlite:///x.db"])
    assert res.exit_code != 0 and "--from" in res.output
    res = runner.invoke(simulate, ["--config", str(ROOT / "config/sim_small.toml"), "--days", "0"])
    assert res.exit_code != 0


def test_cli_simulate_replays_a_stored_log(small, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    _stored_day(small, url)
    res = CliRunner().invoke(simulate, ["--config", str(ROOT / "config/sim_small.toml"), "--replay", url,
                                        "--from", "2025-03-05", "--to", "2025-03-05", "--json"])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert data["variants"]["oldest_eligible_first"]["overall"]["count"] == 3
    assert "replay" in data["source"]


def test_cli_advise_plans_and_suggests_live_moves(small, tmp_path):
    url = f"sqlite:///{tmp_path / 'hall.db'}"
    t0 = _stored_day(small, url)
    runner = CliRunner()
    res = runner.invoke(advise, ["--config", str(ROOT / "config/sim_small.toml"), "--weekday", "wed"])
    assert res.exit_code == 0, res.output
    assert "Wednesday" in res.output and "07:30" in res.output and "16:30" in res.output
    res = runner.invoke(advise, ["--config", str(ROOT / "config/sim_small.toml"), "--weekday", "wed", "--json",
                                 "--db", url, "--at", (t0 + timedelta(minutes=30)).isoformat()])
    assert res.exit_code == 0, res.output
    data = json.loads(res.output)
    assert set(data["plans"]) == {"wed"} and "live" in data
    res = runner.invoke(advise, ["--config", str(ROOT / "config/sim_small.toml"), "--group", "Đất đai=DD,ZZ"])
    assert res.exit_code != 0 and "ZZ" in res.output
