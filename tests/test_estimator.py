"""The wait estimator: exact on small cases, aware of counters, fields and policy, and better than naive."""

from __future__ import annotations

import math
import random
import statistics
from datetime import date, datetime, timedelta, timezone
from functools import partial

import pytest

from hall_server.config import load_hall, parse_hall
from hall_server.engine import (
    CallNext,
    CloseCounter,
    Hall,
    IssueTicket,
    OwnFieldFirst,
    SetCounterFields,
    StartServing,
)
from hall_server.engine.estimate import naive_wait
from hall_server.queueing.estimator import ReplayEstimator, ServiceTimes, lognormal_residual
from hall_server.queueing.profile import SMALL_HALL
from hall_server.sim.runner import profile_arrivals, run_days, weekdays

from .conftest import ROOT

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)  # 08:00 in Hà Nội


def at(minutes: float) -> datetime:
    return T0 + timedelta(minutes=minutes)


def hall_of(counters: dict[int, list[str]], fields=("A", "B"), head_start=15):
    return Hall(parse_hall({
        "centre": {"id": "t", "name": "Thử"},
        "fields": [{"code": f, "name": f"Lĩnh vực {f}", "prefix": f} for f in fields],
        "counters": [{"number": n, "fields": fs, "officer": f"o{n}"} for n, fs in counters.items()],
        "officers": [{"id": f"o{n}", "name": f"Cán bộ {n}"} for n in counters],
        "priorities": [{"code": "elderly", "name": "Người cao tuổi", "head_start_minutes": head_start}],
    }))


def issue(hall, field, minute, priority=None):
    return hall.execute(IssueTicket(field=field, priority=priority), at(minute)).ticket


def serve(hall, counter, minute):
    hall.execute(CallNext(counter), at(minute))
    hall.execute(StartServing(counter), at(minute))


FIXED = ServiceTimes({"A": 10.0, "B": 4.0}, cv=0.0)  # fixed service times: the replay is exact


def test_one_counter_fixed_times_is_exact():
    hall = hall_of({1: ["A"]})
    issue(hall, "A", 0)
    serve(hall, 1, 0)
    tickets = [issue(hall, "A", 3 + i) for i in range(3)]
    est = ReplayEstimator(FIXED)
    # counter 1 frees at 10, then each citizen takes 10 minutes
    assert [est(hall, t, at(6)) for t in tickets] == [4.0, 14.0, 24.0]


def test_it_knows_which_counters_serve_which_fields():
    # counter 1 serves A only and is busy; counter 2 serves B only and is idle
    hall = hall_of({1: ["A"], 2: ["B"]})
    issue(hall, "A", 0)
    serve(hall, 1, 0)
    a = issue(hall, "A", 2)
    b = issue(hall, "B", 2)
    est = ReplayEstimator(FIXED)
    assert est(hall, a) == 8.0
    assert est(hall, b) == 0.0
    # the naive rule sees nobody ahead of A and promises no wait at all
    assert naive_wait(hall, a) == 0.0


def test_shared_counters_take_the_oldest_ticket_of_either_field():
    # counter 1 serves A and B; a B ticket older than the A ticket goes first
    hall = hall_of({1: ["A", "B"]})
    issue(hall, "A", 0)
    serve(hall, 1, 0)
    issue(hall, "B", 1)
    a = issue(hall, "A", 2)
    assert ReplayEstimator(FIXED)(hall, a) == 8.0 + 4.0


def test_priority_head_start_is_in_the_estimate():
    hall = hall_of({1: ["A"]}, head_start=15)
    issue(hall, "A", 0)
    serve(hall, 1, 0)
    plain = issue(hall, "A", 1)
    elderly = issue(hall, "A", 5, priority="elderly")  # effective time 08:05 - 15 min: ahead of `plain`
    est = ReplayEstimator(FIXED)
    assert est(hall, elderly) == 5.0
    assert est(hall, plain, at(5)) == 15.0


def test_pending_field_changes_and_closed_counters_count():
    hall = hall_of({1: ["A"], 2: ["B"]})
    issue(hall, "A", 0)
    serve(hall, 1, 0)
    a = issue(hall, "A", 1)
    est = ReplayEstimator(FIXED)
    assert est(hall, a) == 9.0
    hall.execute(SetCounterFields(2, ("B", "A")), at(1))  # idle: applies now
    assert est(hall, a) == 0.0
    hall.execute(CloseCounter(2), at(1))
    assert est(hall, a) == 9.0
    lone = hall_of({1: ["A"], 2: ["B"]})
    lone.execute(CloseCounter(1), at(0))
    assert est(lone, issue(lone, "A", 0)) is None  # nobody serves A
    assert est(hall, hall.tickets[1]) == 0.0  # being served: no longer waiting


def test_it_follows_the_halls_policy():
    # own-field-first: counter 1 (A first) takes the newer A ticket before the older B ticket
    hall = hall_of({1: ["A", "B"]})
    hall.policy = OwnFieldFirst()
    issue(hall, "A", 0)
    serve(hall, 1, 0)
    b = issue(hall, "B", 1)
    issue(hall, "A", 2)
    assert ReplayEstimator(FIXED)(hall, b, at(2)) == 8.0 + 10.0


def test_stagger_pulls_many_busy_counters_towards_the_soonest():
    hall = hall_of({1: ["A"], 2: ["A"]})
    for n, m in ((1, 0), (2, 6)):
        issue(hall, "A", m)
        serve(hall, n, m)
    t = issue(hall, "A", 6)
    first_two = issue(hall, "A", 6.5)
    plain = ReplayEstimator(FIXED, stagger=0.0)
    assert plain(hall, t, at(6)) == 4.0 and plain(hall, first_two, at(6)) == 10.0
    # with stagger 0.5 counter 2's end (10 min away) moves halfway to counter 1's (4 min)
    assert ReplayEstimator(FIXED, stagger=0.5)(hall, first_two, at(6)) == 7.0
    with pytest.raises(ValueError):
        ReplayEstimator(FIXED, stagger=1.5)


def test_service_times_learn_from_engine_events():
    hall = hall_of({1: ["A"]})
    st = ServiceTimes({"A": 10.0}, alpha=0.5, cv=0.0)
    events = []
    issue(hall, "A", 0)
    events += hall.execute(CallNext(1), at(0)).events
    events += hall.execute(StartServing(1), at(1)).events
    events += hall.execute(CallNext(1), at(5)).events  # finishes after 4 minutes of service
    st.observe(events)
    assert st.mean("A") == pytest.approx(7.0)
    assert st.walk == pytest.approx(0.5)  # 1 minute to sit down, smoothed from 0
    assert st.cv("A") > 0
    st.update("A", float("nan"))  # ignored
    assert st.mean("A") == pytest.approx(7.0) and st.observed == 1
    again = ServiceTimes({"A": 10.0}, alpha=0.5)
    again.learn_from_hall(hall)
    assert again.mean("A") == pytest.approx(7.0)


def test_lognormal_residual_matches_sampling():
    assert lognormal_residual(10.0, 0.7, 0.0) == 10.0
    assert lognormal_residual(10.0, 0.0, 3.0) == 7.0
    rng = random.Random(3)
    sigma2 = math.log1p(0.7 ** 2)
    draws = [rng.lognormvariate(math.log(10) - sigma2 / 2, math.sqrt(sigma2)) for _ in range(200_000)]
    for elapsed in (5.0, 12.0, 25.0):
        rest = [d - elapsed for d in draws if d > elapsed]
        assert lognormal_residual(10.0, 0.7, elapsed) == pytest.approx(statistics.fmean(rest), rel=0.03)


def test_better_than_naive_on_simulated_days():
    config = load_hall(ROOT / "config" / "sim_small.toml")
    profile = SMALL_HALL.for_fields(config.fields)
    means = {f.code: f.mean_minutes for f in profile.fields}
    estimators = {"replay": ReplayEstimator(ServiceTimes.from_profile(profile)),
                  "naive": partial(naive_wait, mean_service_minutes=means)}
    results = run_days(config, profile_arrivals(profile, weekdays(date(2025, 3, 3), 10), seed=8),
                       estimators=estimators)
    rows = [t for r in results for t in r.tickets]
    err = {k: [t.estimates[k] - t.wait for t in rows] for k in estimators}
    mae = {k: statistics.fmean(abs(e) for e in v) for k, v in err.items()}
    assert mae["replay"] <= 2.0
    assert abs(statistics.fmean(err["replay"])) <= 0.75
    assert mae["replay"] <= 0.6 * mae["naive"]


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_one_replay_for_every_ticket_gives_each_ticket_its_own_estimate(seed):
    """The phones' batch (one replay) equals asking ticket by ticket, with shared counters and priorities."""
    rng = random.Random(seed)
    hall = hall_of({1: ["A"], 2: ["A", "B"], 3: ["B", "C"], 4: ["C"]}, fields=("A", "B", "C", "D"))
    for minute in range(40):
        issue(hall, rng.choice("ABCD"), minute, priority="elderly" if rng.random() < 0.1 else None)
    serve(hall, 2, 40)
    serve(hall, 3, 41)
    est = ReplayEstimator(ServiceTimes({"A": 10.0, "B": 4.0, "C": 6.0}, cv=0.6))
    now = at(45)
    batch = est.estimates(hall, now)
    waiting = [t for t in hall.tickets.values() if t.state == "waiting"]
    assert set(batch) == {t.id for t in waiting}
    for ticket in waiting:
        assert batch[ticket.id] == est(hall, ticket, now), ticket.code
    assert {batch[t.id] for t in waiting if t.field == "D"} == {None}  # nobody serves D


def test_a_very_long_queue_is_estimated_at_bounded_cost_and_in_order():
    """Past max_steps the replay extrapolates at its own pace: later tickets never get shorter waits."""
    hall = hall_of({1: ["A"], 2: ["A"]})
    tickets = [issue(hall, "A", i / 100) for i in range(3000)]
    est = ReplayEstimator(ServiceTimes({"A": 10.0}, cv=0.0), max_steps=200)
    exact = ReplayEstimator(ServiceTimes({"A": 10.0}, cv=0.0), max_steps=10_000)
    now = at(30)
    batch = est.estimates(hall, now)
    waits = [batch[t.id] for t in tickets]
    assert waits == sorted(waits)
    # two counters of 10 minutes: the replay is exact and the extrapolation keeps its pace
    assert waits[-1] == pytest.approx(exact(hall, tickets[-1], now), rel=0.01)
    assert est(hall, tickets[-1], now) == pytest.approx(waits[-1])
