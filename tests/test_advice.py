"""Staffing advice: groups, forecasts, plans on small cases, the live planner and officer moves."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta, timezone

import pytest

from hall_server.config import load_hall, parse_hall
from hall_server.engine import CallNext, CloseCounter, Hall, IssueTicket
from hall_server.queueing.advice import (
    DayDemand,
    FieldGroup,
    GroupDemand,
    LivePlanner,
    Slot,
    demand_from_history,
    forecast,
    groups_from_hall,
    peak_baseline_hours,
    plan_day,
    present_by_group,
    share_so_far,
)
from hall_server.queueing.erlang import required_servers
from hall_server.queueing.moves import suggest_moves
from hall_server.queueing.profile import HALL_TZ, SMALL_HALL

from .conftest import ROOT

T0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)  # Thursday 08:00 in Hà Nội
ALL = FieldGroup("Tất cả", tuple(f.code for f in SMALL_HALL.fields))


def one_slot(lam_per_min: float, minutes: float, mean: float, cv2: float = 1.0, crowd: float = 0.0) -> DayDemand:
    g = GroupDemand(FieldGroup("X", ("X",)), (lam_per_min * minutes,), (crowd,), mean, cv2)
    return DayDemand("test", (Slot(480.0, 480.0 + minutes, 0),), (g,))


def test_groups_are_fields_served_by_the_same_counters():
    groups = groups_from_hall(load_hall(ROOT / "config" / "sim_large.toml"))
    assert [set(g.fields) for g in groups] == [
        {"DD"}, {"HT", "CT", "LD", "NC", "BT", "GD", "YT", "VH", "TG", "KN"}, {"KD", "XD", "MT", "NN", "GT"}]
    assert groups[0].name == "Đất đai"
    demo = groups_from_hall(load_hall(ROOT / "config" / "demo_hall.toml"))
    assert ("HT", "CT") in [g.fields for g in demo]  # counters 3, 4, 10 serve both
    with pytest.raises(ValueError):
        FieldGroup("", ("DD",))


def test_forecast_adds_up_to_the_profile():
    d = forecast(SMALL_HALL, 0, [ALL])  # Monday: 110 × 1.25
    g = d.groups[0]
    assert d.total == pytest.approx(137.5)
    assert g.crowd[0] == pytest.approx(137.5 * 0.05) and g.crowd[8] == pytest.approx(137.5 * 0.03)
    assert sum(1 for b in g.crowd if b) == 2
    assert [s.label for s in d.slots][:2] == ["07:30", "08:00"] and d.slots[8].label == "13:30"
    assert g.mean_service == pytest.approx(9.3)
    assert 0.5 < g.cv2 < 1.0


def test_a_long_steady_slot_needs_what_erlang_c_says():
    # 1 citizen every 2 minutes, 9.3-minute exponential service, 5 hours: close to stationary M/M/c
    plan = plan_day(one_slot(0.5, 300, 9.3), target_share=0.8)
    expected = required_servers(0.5, 1 / 9.3, target_wait=15, target_share=0.8)
    assert plan.counts["X"] == [expected] and plan.predicted_day >= 0.8
    fewer = plan_day(one_slot(0.5, 300, 9.3), target_share=0.8, max_counters=expected - 1)
    assert fewer.counts["X"] == [expected - 1] and fewer.predicted_day < 0.8


def test_the_opening_crowd_needs_more_counters():
    calm = plan_day(one_slot(0.3, 30, 10))
    crowd = plan_day(one_slot(0.3, 30, 10, crowd=12))
    assert crowd.counts["X"][0] > calm.counts["X"][0]


def test_monday_needs_more_than_wednesday_and_less_than_the_peak_all_day():
    profile = SMALL_HALL.scaled(200)
    groups = [FieldGroup("Đất đai", ("DD",)), FieldGroup("Khác", tuple(f.code for f in profile.fields[1:]))]
    plans = {wd: plan_day(forecast(profile, wd, groups)) for wd in (0, 2)}
    assert plans[0].counter_hours() > plans[2].counter_hours()
    assert all(p.predicted_day >= 0.8 for p in plans.values())
    week = sum(p.counter_hours() for p in plans.values())
    assert week < 0.8 * peak_baseline_hours(plans)
    table = plans[0].table()
    assert "Monday" in table and "Đất đai" in table and table.count("\n") == 1 + len(plans[0].slots)


def test_bad_targets_are_refused():
    with pytest.raises(ValueError):
        plan_day(one_slot(1, 30, 9), target_share=1.0)
    with pytest.raises(ValueError):
        plan_day(one_slot(1, 30, 9), target_wait=0)
    with pytest.raises(ValueError, match="two groups"):
        present_by_group(Hall(load_hall(ROOT / "config" / "sim_small.toml")),
                         [FieldGroup("a", ("DD",)), FieldGroup("b", ("DD", "HT"))])


@dataclass
class Row:
    issued_at: datetime
    field: str
    service_seconds: float | None


def test_demand_from_history_counts_slots_and_crowds():
    wed = [date(2025, 3, 5), date(2025, 3, 12)]
    rows = []
    for d in wed:
        opening = datetime(d.year, d.month, d.day, 7, 30, tzinfo=HALL_TZ)
        rows += [Row(opening, "DD", 600.0)] * 3  # the crowd at the door
        rows += [Row(opening + timedelta(minutes=40), "HT", 300.0)] * 2  # 08:10, second slot
    rows.append(Row(datetime(2025, 3, 6, 9, 0, tzinfo=HALL_TZ), "DD", 60.0))  # a Thursday: ignored
    groups = [FieldGroup("Đất đai", ("DD",)), FieldGroup("Hộ tịch", ("HT",))]
    d = demand_from_history(rows, groups, 2, [(450, 690), (810, 1020)], HALL_TZ)
    dd, ht = d.groups
    assert dd.crowd[0] == 3 and sum(dd.arrivals) == 0 and dd.mean_service == 10.0
    assert ht.arrivals[1] == 2 and sum(ht.crowd) == 0 and ht.mean_service == 5.0
    assert len(d.slots) == 15
    with pytest.raises(ValueError, match="Monday"):
        demand_from_history(rows, groups, 0, [(450, 690)], HALL_TZ)


def test_live_planner_reacts_to_a_busy_day_and_a_long_queue():
    live = LivePlanner.for_weekday(SMALL_HALL.scaled(250), 2, [ALL])
    expected = live.expected_by(540)
    normal = live.counts(540, expected, {"Tất cả": 5})["Tất cả"]
    busy = live.counts(540, expected * 1.4, {"Tất cả": 5})["Tất cả"]
    queue = live.counts(540, expected, {"Tất cả": 40})["Tất cả"]
    assert normal < busy and normal < queue
    assert live.volume_factor(expected, 540) == pytest.approx(1.0, abs=0.15)
    assert live.counts(1100, expected, {})["Tất cả"] == 0  # after closing
    behind = live.counts(540, expected, {"Tất cả": 15}, share_so_far=0.6)["Tất cả"]
    ahead = live.counts(540, expected, {"Tất cả": 15}, share_so_far=0.95)["Tất cả"]
    assert behind > ahead  # a day behind its target buys counters at half price


def test_share_so_far_counts_late_waiters():
    hall = move_hall()
    for _ in range(3):
        hall.execute(IssueTicket(field="HT"), T0)
    hall.execute(CallNext(3), T0 + timedelta(minutes=5))  # called in time
    hall.execute(CallNext(4), T0 + timedelta(minutes=20))  # called late
    assert share_so_far(hall, T0 + timedelta(minutes=20), 15) == pytest.approx(1 / 3)  # one waits 20 min
    fresh = move_hall()
    fresh.execute(IssueTicket(field="HT"), T0)
    assert share_so_far(fresh, T0 + timedelta(minutes=1), 15) is None  # nobody's outcome known yet


# ---------------------------------------------------------------------- live moves
def move_hall():
    return Hall(parse_hall({
        "centre": {"id": "t", "name": "Thử"},
        "fields": [{"code": "DD", "name": "Đất đai", "prefix": "A"}, {"code": "HT", "name": "Hộ tịch", "prefix": "B"}],
        "counters": [{"number": 3, "fields": ["HT"], "officer": "binh"},
                     {"number": 4, "fields": ["HT"], "officer": "cuc"},
                     {"number": 6, "fields": ["DD"], "officer": "an"},
                     {"number": 7, "fields": ["DD"]}],
        "officers": [{"id": "an", "name": "Nguyễn Văn An"}, {"id": "binh", "name": "Trần Thị Bình"},
                     {"id": "cuc", "name": "Lê Thu Cúc"}],
    }))


def test_moves_an_officer_from_a_quiet_group_to_a_free_counter_of_a_busy_one():
    hall = move_hall()
    for _ in range(12):
        hall.execute(IssueTicket(field="DD"), T0)
    hall.execute(CallNext(6), T0)
    before = hall.state_dict()
    moves = suggest_moves(hall, T0)
    assert hall.state_dict() == before  # pure
    assert moves[0].kind == "move"
    assert moves[0].text_vi == "Chuyển cán bộ Trần Thị Bình từ quầy 3 sang quầy 7 cho lĩnh vực Đất đai"
    assert moves[0].text_en == "Move officer Trần Thị Bình from counter 3 to counter 7 for Đất đai"
    for command in moves[0].commands:  # the engine takes the commands as they are
        hall.execute(command, T0)
    assert hall.counters[7].officer == "binh" and hall.counters[7].status.value == "open"
    assert [m.kind for m in suggest_moves(hall, T0)] == []  # Hộ tịch keeps one counter; none free for DD


def test_opens_a_closed_counter_and_lets_a_spare_counter_take_the_field():
    hall = move_hall()
    hall.execute(CloseCounter(6), T0)
    for _ in range(6):
        hall.execute(IssueTicket(field="DD"), T0)
    moves = suggest_moves(hall, T0)
    assert moves[0].kind == "open" and moves[0].to_counter == 6
    assert "Mở quầy 6 (cán bộ Nguyễn Văn An) cho lĩnh vực Đất đai" == moves[0].text_vi
    full = move_hall()
    full.execute(IssueTicket(field="DD"), T0)  # counter 7 has no officer and HT has two idle counters
    hall2 = Hall(parse_hall({**full.config.raw.model_dump(mode="json"),
                             "counters": [c for c in full.config.raw.model_dump(mode="json")["counters"]
                                          if c["number"] != 7]}))
    for _ in range(20):
        hall2.execute(IssueTicket(field="DD"), T0)
    moves = suggest_moves(hall2, T0)
    assert moves and moves[0].kind == "add_fields"
    assert moves[0].text_vi == "Quầy 3 (cán bộ Trần Thị Bình) nhận thêm lĩnh vực Đất đai"
    hall2.execute(moves[0].commands[0], T0)
    assert "DD" in hall2.counters[3].fields


def test_no_suggestion_when_the_hall_keeps_up():
    hall = move_hall()
    hall.execute(IssueTicket(field="HT"), T0)
    assert suggest_moves(hall, T0) == []
