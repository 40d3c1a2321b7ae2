"""Tests for hall_server.queueing.profile (the synthetic hall and its generator).

Statistical checks use fixed seeds, so they are deterministic; tolerances are
still set at about four standard errors so that a change of seed would pass.
"""

from __future__ import annotations

import math
import random
import statistics
import unicodedata
from collections import Counter
from datetime import date, datetime, time, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall_server.engine.estimate import DEFAULT_SERVICE_MINUTES
from hall_server.queueing import profile as profile_mod
from hall_server.queueing.profile import (
    FIELDS,
    HALL_TZ,
    LARGE_HALL,
    SMALL_HALL,
    Arrival,
    FieldSpec,
    HallProfile,
    Session,
    draw_daily_volume,
    generate_day,
    lognormal_params,
)

MONDAY = date(2025, 3, 3)
WEEK = [MONDAY + timedelta(days=i) for i in range(7)]  # Mon .. Sun
OPEN_DAYS = WEEK[:5]


def many_days(profile: HallProfile, days: int, seed: int) -> list[Arrival]:
    """All arrivals of ``days`` open days (Mon..Fri cycling), one RNG."""
    rng = random.Random(seed)
    out: list[Arrival] = []
    for i in range(days):
        out.extend(generate_day(profile, OPEN_DAYS[i % 5], rng))
    return out


@pytest.fixture(scope="module")
def sample() -> list[Arrival]:
    return many_days(SMALL_HALL, 250, seed=20250303)


# --------------------------------------------------------------------------
# the data
# --------------------------------------------------------------------------


def test_slots_cover_opening_hours():
    slots = SMALL_HALL.slots()
    assert len(slots) == 15
    assert slots[0].start == time(7, 30) and slots[7].end == time(11, 30)
    assert slots[8].start == time(13, 30) and slots[-1].end == time(17, 0)
    for a, b in zip(slots, slots[1:]):
        assert b.start == a.end or (a.end, b.start) == (time(11, 30), time(13, 30))
    assert all(s.minutes == 30 for s in slots)


def test_slot_weights_normalised():
    slots = SMALL_HALL.slots()
    weights = [s.weight for s in slots]
    assert weights == [0.9, 1.4, 1.5, 1.4, 1.2, 1.0, 0.8, 0.5, 1.1, 1.3, 1.2, 1.0, 0.8, 0.6, 0.3]
    spikes = SMALL_HALL.spikes()
    assert spikes == ((time(7, 30), 0.05), (time(13, 30), 0.03))
    assert math.fsum(s.share for s in slots) + math.fsum(p for _, p in spikes) == pytest.approx(
        1.0, abs=1e-12
    )
    total_w = sum(weights)
    for s in slots:
        assert s.share == pytest.approx(0.92 * s.weight / total_w, rel=1e-12)


def test_weekday_factors():
    expected = [137.5, 115.5, 110.0, 104.5, 99.0, 0.0, 0.0]
    got = [SMALL_HALL.expected_volume(d) for d in WEEK]
    assert got == pytest.approx(expected, rel=1e-12)
    assert [SMALL_HALL.is_open(d) for d in WEEK] == [True] * 5 + [False] * 2


def test_fields_table():
    assert len(FIELDS) == 16
    codes = [f.code for f in FIELDS]
    assert len(set(codes)) == 16
    assert all(c.isascii() and c.isupper() and len(c) <= 3 for c in codes)
    assert math.fsum(f.share for f in FIELDS) == pytest.approx(1.0, abs=1e-12)
    big = {f.code: (f.name, f.share, f.mean_minutes, f.cv) for f in FIELDS[:6]}
    assert big == {
        "DD": ("Đất đai", 0.30, 12.0, 0.8),
        "CT": ("Chứng thực", 0.14, 5.0, 0.7),
        "HT": ("Hộ tịch", 0.10, 8.0, 0.6),
        "KD": ("Đăng ký kinh doanh", 0.08, 10.0, 0.7),
        "XD": ("Xây dựng", 0.06, 12.0, 0.8),
        "LD": ("Lao động – Thương binh và Xã hội", 0.06, 8.0, 0.7),
    }
    small = FIELDS[6:]
    assert math.fsum(f.share for f in small) == pytest.approx(0.26, abs=1e-12)
    for f in small:
        assert 0.02 <= f.share <= 0.03
        assert 7.0 <= f.mean_minutes <= 10.0
        assert f.cv == 0.7


def test_vietnamese_names_are_nfc_with_diacritics():
    for f in FIELDS:
        assert unicodedata.is_normalized("NFC", f.name), f.code
    names = {f.code: f.name for f in FIELDS}
    assert names["TP"] == "Tư pháp"
    assert names["NC"] == "Người có công"
    assert names["KN"] == "Khiếu nại, tố cáo"
    # precomposed code points, e.g. U+0110 (Đ) and U+1EA5 (ấ) in "Đất đai"
    assert "\u0110" in names["DD"] and "\u1ea5" in names["DD"]
    # a decomposed name is normalised on construction
    nfd = unicodedata.normalize("NFD", "Hộ tịch")
    assert FieldSpec("HX", nfd, "x", 1.0, 5.0, 0.5).name == "Hộ tịch"


def test_overall_mean_service_time():
    assert SMALL_HALL.mean_service_minutes() == pytest.approx(9.30, abs=1e-9)
    # the default everyone uses when nothing is measured is this profile's mean
    assert SMALL_HALL.mean_service_minutes() == pytest.approx(DEFAULT_SERVICE_MINUTES, abs=1e-9)
    assert 0.5 < SMALL_HALL.service_cv2() < 1.0  # mixture of lognormals, CV^2 ~ 0.67


def test_scaled():
    assert LARGE_HALL.daily_volume == 400.0
    assert LARGE_HALL.fields == SMALL_HALL.fields
    assert SMALL_HALL.scaled(250) == HallProfile(daily_volume=250)
    assert SMALL_HALL.daily_volume == 110.0  # unchanged


@pytest.mark.parametrize(
    "kwargs",
    [
        {"daily_volume": -1},
        {"volume_cv": -0.1},
        {"priority_share": 1.5},
        {"weekday_factors": (1.0,) * 6},
        {"weekday_factors": (1.0, -1.0, 1.0, 1.0, 1.0, None, None)},
        {"fields": FIELDS[:-1]},  # shares no longer sum to 1
        {"fields": FIELDS[:-1] + (FieldSpec("DD", "Trùng", "dup", 0.02, 8, 0.7),)},
        {"sessions": ()},
        {"sessions": (profile_mod.AFTERNOON, profile_mod.MORNING)},  # out of order
        {"sessions": (Session(time(7, 30), (1.0,), 0.6), Session(time(9), (1.0,), 0.5))},
        {"slot_minutes": 0},
    ],
)
def test_invalid_profiles(kwargs):
    with pytest.raises(ValueError):
        HallProfile(**kwargs)


def test_invalid_field_specs():
    with pytest.raises(ValueError):
        FieldSpec("dd", "Đất đai", "Land", 0.3, 12, 0.8)  # lower-case code
    with pytest.raises(ValueError):
        FieldSpec("DD", "Đất đai", "Land", 0.3, 0, 0.8)  # mean 0
    with pytest.raises(ValueError):
        FieldSpec("DD", "Đất đai", "Land", 0.3, 12, -0.1)


# --------------------------------------------------------------------------
# lognormal
# --------------------------------------------------------------------------


@pytest.mark.parametrize("mean,cv", [(12.0, 0.8), (5.0, 0.7), (8.0, 0.6), (1.0, 0.0)])
def test_lognormal_params_closed_form(mean, cv):
    mu, sigma = lognormal_params(mean, cv)
    assert math.exp(mu + sigma**2 / 2) == pytest.approx(mean, rel=1e-12)
    assert math.sqrt(math.expm1(sigma**2)) == pytest.approx(cv, abs=1e-12)


def test_lognormal_params_invalid():
    for args in [(0, 0.5), (-1, 0.5), (1, -0.5), (math.nan, 0.5), (1, math.inf)]:
        with pytest.raises(ValueError):
            lognormal_params(*args)


@pytest.mark.parametrize("mean,cv", [(12.0, 0.8), (5.0, 0.7), (8.0, 0.6)])
def test_lognormal_sample_mean_and_cv(mean, cv):
    rng = random.Random(99)
    mu, sigma = lognormal_params(mean, cv)
    xs = [rng.lognormvariate(mu, sigma) for _ in range(40_000)]
    m = statistics.fmean(xs)
    assert m == pytest.approx(mean, rel=4 * cv / math.sqrt(len(xs)) + 1e-3)
    assert statistics.pstdev(xs) / m == pytest.approx(cv, rel=0.06)


# --------------------------------------------------------------------------
# generator
# --------------------------------------------------------------------------


def test_determinism():
    a = generate_day(SMALL_HALL, MONDAY, random.Random(123))
    b = generate_day(SMALL_HALL, MONDAY, random.Random(123))
    c = generate_day(SMALL_HALL, MONDAY, random.Random(124))
    assert a == b
    assert a != c
    assert many_days(SMALL_HALL, 5, 7) == many_days(SMALL_HALL, 5, 7)


def test_closed_days_are_empty_and_draw_nothing():
    rng = random.Random(5)
    state = rng.getstate()
    assert generate_day(SMALL_HALL, WEEK[5], rng) == []
    assert generate_day(SMALL_HALL, WEEK[6], rng) == []
    assert draw_daily_volume(SMALL_HALL, WEEK[6], rng) == 0
    assert rng.getstate() == state


def test_argument_types():
    with pytest.raises(TypeError):
        generate_day(SMALL_HALL, datetime(2025, 3, 3, 8, 0), random.Random(1))
    with pytest.raises(TypeError):
        generate_day(SMALL_HALL, MONDAY, None)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        generate_day("hall", MONDAY, random.Random(1))  # type: ignore[arg-type]


def test_day_length_is_the_drawn_volume():
    for seed in range(20):
        n = draw_daily_volume(SMALL_HALL, MONDAY, random.Random(seed))
        assert len(generate_day(SMALL_HALL, MONDAY, random.Random(seed))) == n


def _check_day(day: list[Arrival], on: date, profile: HallProfile = SMALL_HALL) -> None:
    codes = {f.code for f in profile.fields}
    assert all(a.at <= b.at for a, b in zip(day, day[1:]))
    for a in day:
        assert a.at.tzinfo is HALL_TZ
        assert a.at.utcoffset() == timedelta(hours=7)
        assert a.at.date() == on
        t = a.at.time()
        assert time(7, 30) <= t < time(11, 30) or time(13, 30) <= t < time(17, 0)
        assert a.field in codes
        assert isinstance(a.priority, bool)
        assert a.service_minutes > 0


def test_arrivals_are_sorted_aware_and_within_hours():
    for d in OPEN_DAYS:
        _check_day(generate_day(LARGE_HALL, d, random.Random(d.toordinal())), d, LARGE_HALL)


def test_arrival_is_frozen():
    a = generate_day(SMALL_HALL, MONDAY, random.Random(1))[0]
    with pytest.raises(AttributeError):
        a.field = "XX"  # type: ignore[misc]


@pytest.mark.parametrize("seed", range(10))
def test_opening_spikes_present(seed):
    rng = random.Random(seed)
    day = generate_day(LARGE_HALL, MONDAY, rng)
    n = len(day)
    at_open = sum(a.at.time() == time(7, 30) for a in day)
    at_afternoon = sum(a.at.time() == time(13, 30) for a in day)
    assert at_open == math.floor(0.05 * n + 0.5)
    assert at_afternoon == math.floor(0.03 * n + 0.5)
    assert at_open >= 15 and at_afternoon >= 9  # n ~ 500 on a Monday
    # the spike is the first thing in the morning
    assert all(a.at.time() == time(7, 30) for a in day[:at_open])


@settings(max_examples=30, deadline=None)
@given(st.integers(min_value=0, max_value=2**32 - 1), st.sampled_from(OPEN_DAYS))
def test_generated_day_invariants(seed, on):
    day = generate_day(SMALL_HALL, on, random.Random(seed))
    _check_day(day, on)
    n = len(day)
    assert sum(a.at.time() == time(7, 30) for a in day) >= math.floor(0.05 * n + 0.5)


def test_weekday_factors_in_mean_volume():
    days = 400
    for d in WEEK:
        rng = random.Random(1000 + d.weekday())
        counts = [draw_daily_volume(SMALL_HALL, d, rng) for _ in range(days)]
        expected = SMALL_HALL.expected_volume(d)
        if expected == 0:
            assert set(counts) == {0}
            continue
        se = 0.15 * expected / math.sqrt(days)
        assert abs(statistics.fmean(counts) - expected) < 4 * se + 0.5, d
        cv = statistics.pstdev(counts) / statistics.fmean(counts)
        assert cv == pytest.approx(0.15, abs=0.025), d


def test_weekday_factors_through_generate_day():
    rng = random.Random(31)
    means = {}
    for d in (WEEK[0], WEEK[4]):
        means[d.weekday()] = statistics.fmean(len(generate_day(SMALL_HALL, d, rng)) for _ in range(150))
    assert means[0] / means[4] == pytest.approx(1.25 / 0.90, rel=0.06)


def test_field_shares(sample):
    n = len(sample)
    assert n > 25_000
    counts = Counter(a.field for a in sample)
    for f in FIELDS:
        se = math.sqrt(f.share * (1 - f.share) / n)
        assert abs(counts[f.code] / n - f.share) < 4.5 * se, f.code


def test_priority_share(sample):
    n = len(sample)
    share = sum(a.priority for a in sample) / n
    assert abs(share - 0.07) < 4.5 * math.sqrt(0.07 * 0.93 / n)


def test_slot_shares_in_sample(sample):
    n = len(sample)
    slots = SMALL_HALL.slots()
    counts = Counter()
    spikes = 0
    for a in sample:
        t = a.at.time()
        if t in (time(7, 30), time(13, 30)) and a.at.microsecond == 0 and a.at.second == 0:
            spikes += 1
            continue
        for i, s in enumerate(slots):
            if s.start <= t < s.end:
                counts[i] += 1
                break
    assert spikes / n == pytest.approx(0.08, abs=0.004)
    for i, s in enumerate(slots):
        se = math.sqrt(s.share * (1 - s.share) / n)
        assert abs(counts[i] / n - s.share) < 4.5 * se + 0.001, s.start


def test_uniform_within_slot(sample):
    # Position inside the 30-minute slot, spikes excluded: uniform on [0, 30).
    pos = []
    for a in sample:
        m = a.at.hour * 60 + a.at.minute + a.at.second / 60 + a.at.microsecond / 6e7
        if a.at.time() in (time(7, 30), time(13, 30)):
            continue
        pos.append(m % 30)
    n = len(pos)
    assert statistics.fmean(pos) == pytest.approx(15.0, abs=4 * 30 / math.sqrt(12 * n))
    quarters = Counter(int(p // 7.5) for p in pos)
    for q in range(4):
        assert abs(quarters[q] / n - 0.25) < 4.5 * math.sqrt(0.25 * 0.75 / n)


def test_service_times_per_field_and_overall(sample):
    by_field: dict[str, list[float]] = {}
    for a in sample:
        by_field.setdefault(a.field, []).append(a.service_minutes)
    for code in ("DD", "CT", "HT", "KD"):
        f = SMALL_HALL.field_spec(code)
        xs = by_field[code]
        se = f.mean_minutes * f.cv / math.sqrt(len(xs))
        assert abs(statistics.fmean(xs) - f.mean_minutes) < 4.5 * se, code
        assert statistics.pstdev(xs) / statistics.fmean(xs) == pytest.approx(f.cv, rel=0.12)
    overall = statistics.fmean(a.service_minutes for a in sample)
    sd = math.sqrt(SMALL_HALL.service_cv2()) * 9.3
    assert overall == pytest.approx(9.3, abs=4.5 * sd / math.sqrt(len(sample)))
