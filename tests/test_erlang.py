"""Tests for hall_server.queueing.erlang."""

from __future__ import annotations

import math
from fractions import Fraction

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from hall_server.queueing.erlang import (
    erlang_b,
    erlang_c,
    mean_wait,
    mean_wait_mgc,
    required_servers,
    service_level,
    service_level_mgc,
    sqrt_staffing,
)

# The outside check: 100 calls per 30 min, 3 min handling time, 14 agents.
LAM_S = 100 / 1800  # per second
MU_S = 1 / 180  # per second


def erlang_c_exact(c: int, a: Fraction) -> Fraction:
    """Textbook Erlang C in exact rational arithmetic (reference)."""
    term = Fraction(1)
    total = Fraction(0)
    for k in range(c):
        total += term  # a^k / k!
        term = term * a / (k + 1)
    top = term * c / (c - a)  # a^c / c! * c / (c - a)
    return top / (total + top)


def erlang_b_exact(c: int, a: Fraction) -> Fraction:
    term = Fraction(1)
    total = Fraction(1)
    for k in range(1, c + 1):
        term = term * a / k
        total += term
    return term / total


# --------------------------------------------------------------------------
# reference values
# --------------------------------------------------------------------------


def test_outside_check_probability_of_waiting():
    assert erlang_c(14, LAM_S / MU_S) == pytest.approx(0.1741319335950498, abs=1e-9)
    assert erlang_c(14, 10) == pytest.approx(0.1741319335950498, abs=1e-9)


def test_outside_check_service_level_20s():
    assert service_level(14, LAM_S, MU_S, 20) == pytest.approx(0.8883500191794669, abs=1e-9)


def test_units_are_consistent_across_time_scales():
    # Same system in per-minute units: 20 s = 1/3 min.
    lam_min, mu_min = 100 / 30, 1 / 3
    assert service_level(14, lam_min, mu_min, 20 / 60) == pytest.approx(
        0.8883500191794669, abs=1e-9
    )
    w_s = mean_wait(14, LAM_S, MU_S)
    w_min = mean_wait(14, lam_min, mu_min)
    assert w_s == pytest.approx(60 * w_min, rel=1e-12)
    # W_q = C / (c mu - lam) = 0.17413... / (4/180) s
    assert w_s == pytest.approx(0.1741319335950498 * 45, rel=1e-12)


@pytest.mark.parametrize("rho", [0.0, 0.01, 0.3, 0.5, 0.9, 0.999])
def test_closed_form_single_server(rho):
    assert erlang_c(1, rho) == pytest.approx(rho, abs=1e-15)
    # M/M/1 mean wait rho / (mu - lam) with mu = 1
    assert mean_wait(1, rho, 1.0) == pytest.approx(rho / (1 - rho), rel=1e-12)


@pytest.mark.parametrize("rho", [0.0, 0.01, 0.25, 0.5, 0.8, 0.99])
def test_closed_form_two_servers(rho):
    assert erlang_c(2, 2 * rho) == pytest.approx(2 * rho**2 / (1 + rho), abs=1e-15)


def test_erlang_b_small_values():
    assert erlang_b(1, 1.0) == 0.5
    assert erlang_b(2, 1.0) == pytest.approx(0.2, abs=1e-15)
    assert erlang_b(3, 1.0) == pytest.approx(1 / 16, abs=1e-15)
    assert erlang_b(5, 0.0) == 0.0
    # Defined for overload too: B(1, a) = a / (1 + a)
    assert erlang_b(1, 9.0) == pytest.approx(0.9, abs=1e-15)


def test_large_system_is_stable_numerically():
    c = erlang_c(2000, 1950.0)
    assert 0.0 < c < 1.0
    # compare with exact arithmetic on a mid-size case
    assert erlang_c(150, 140.0) == pytest.approx(
        float(erlang_c_exact(150, Fraction(140))), rel=1e-12
    )


# --------------------------------------------------------------------------
# unstable loads and invalid input
# --------------------------------------------------------------------------


def test_unstable_conventions():
    assert erlang_c(3, 3.0) == 1.0
    assert erlang_c(3, 7.5) == 1.0
    assert mean_wait(3, 3.0, 1.0) == math.inf
    assert mean_wait_mgc(3, 4.0, 1.0, 0.5) == math.inf
    assert service_level(3, 3.0, 1.0, 10.0) == 0.0
    assert service_level_mgc(3, 5.0, 1.0, 10.0, 2.0) == 0.0


def test_zero_load():
    assert erlang_c(1, 0.0) == 0.0
    assert mean_wait(4, 0.0, 1.0) == 0.0
    assert service_level(4, 0.0, 1.0, 0.0) == 1.0


@pytest.mark.parametrize(
    "call",
    [
        lambda: erlang_b(0, 1.0),
        lambda: erlang_c(0, 1.0),
        lambda: erlang_c(-1, 1.0),
        lambda: erlang_c(2.5, 1.0),
        lambda: erlang_c(True, 0.5),
        lambda: erlang_c(2, -0.1),
        lambda: erlang_c(2, math.nan),
        lambda: erlang_c(2, math.inf),
        lambda: mean_wait(2, -1.0, 1.0),
        lambda: mean_wait(2, 1.0, 0.0),
        lambda: mean_wait(2, 1.0, -1.0),
        lambda: service_level(2, 1.0, 1.0, -1.0),
        lambda: mean_wait_mgc(2, 1.0, 1.0, -0.5),
        lambda: required_servers(1.0, 1.0, 1.0, 0.0),
        lambda: required_servers(1.0, 1.0, 1.0, 1.0),
        lambda: required_servers(1.0, 1.0, -1.0, 0.8),
        lambda: required_servers(-1.0, 1.0, 1.0, 0.8),
        lambda: required_servers(1.0, 0.0, 1.0, 0.8),
        lambda: required_servers(1.0, 1.0, 1.0, 0.8, max_servers=0),
        lambda: sqrt_staffing(-1.0, 1.0),
        lambda: sqrt_staffing(4.0, -1.0),
    ],
)
def test_invalid_input_raises_value_error(call):
    with pytest.raises(ValueError):
        call()


# --------------------------------------------------------------------------
# waiting-time functions
# --------------------------------------------------------------------------


def test_service_level_at_zero_is_one_minus_c():
    assert service_level(14, LAM_S, MU_S, 0) == pytest.approx(1 - 0.1741319335950498, abs=1e-12)


def test_allen_cunneen_factor():
    base = mean_wait(5, 4.0, 1.0)
    assert mean_wait_mgc(5, 4.0, 1.0, 1.0) == pytest.approx(base, rel=1e-15)
    assert mean_wait_mgc(5, 4.0, 1.0, 0.0) == pytest.approx(base / 2, rel=1e-15)
    assert mean_wait_mgc(5, 4.0, 1.0, 0.64) == pytest.approx(base * 0.82, rel=1e-15)


def test_service_level_mgc_matches_exact_when_cv2_is_one():
    for t in (0.0, 1.0, 20.0, 300.0):
        assert service_level_mgc(14, LAM_S, MU_S, t, 1.0) == service_level(14, LAM_S, MU_S, t)
    # less service variability -> shorter conditional waits -> higher service level
    assert service_level_mgc(14, LAM_S, MU_S, 20, 0.5) > service_level(14, LAM_S, MU_S, 20)


# --------------------------------------------------------------------------
# staffing
# --------------------------------------------------------------------------


def test_required_servers_hand_cases():
    # a = 1: c = 1 is unstable; c = 2 has C = 1/3, so 1 - C = 2/3 wait 0.
    assert required_servers(1.0, 1.0, 0.0, 0.5) == 2
    # need 70 %: c = 2 gives 0.667; c = 3 has B = 1/16, C = 1/11, 1 - C = 0.909.
    assert required_servers(1.0, 1.0, 0.0, 0.7) == 3
    # M/M/1 with rho = 0.5, t = 1: SL = 1 - 0.5 e^{-0.5} = 0.697
    assert required_servers(0.5, 1.0, 1.0, 0.5) == 1
    # need 80 %: c = 2 has C = 0.1, SL = 1 - 0.1 e^{-1.5} = 0.978
    assert required_servers(0.5, 1.0, 1.0, 0.8) == 2
    # no arrivals: one server is enough
    assert required_servers(0.0, 1.0, 0.0, 0.99) == 1


def test_required_servers_outside_check():
    # 80 % within 20 s: 13 agents give 0.7956, 14 give 0.8884.
    assert service_level(13, LAM_S, MU_S, 20) < 0.8 < service_level(14, LAM_S, MU_S, 20)
    assert required_servers(LAM_S, MU_S, 20, 0.8) == 14
    assert required_servers(LAM_S, MU_S, 20, 0.88) == 14
    assert required_servers(LAM_S, MU_S, 20, 0.89) == 15


def test_required_servers_respects_max_servers():
    with pytest.raises(ValueError, match="max_servers"):
        required_servers(100.0, 1.0, 0.0, 0.9, max_servers=50)


def test_required_servers_cv2_monotone():
    counts = [required_servers(2.0, 0.2, 3.0, 0.9, cv2=v) for v in (0.0, 0.5, 1.0, 2.0, 4.0)]
    assert counts == sorted(counts)
    assert counts[2] == required_servers(2.0, 0.2, 3.0, 0.9)


def test_sqrt_staffing():
    assert sqrt_staffing(100, 1.0) == 110
    assert sqrt_staffing(100, 0.5) == 105
    assert sqrt_staffing(10, 0.0) == 10
    assert sqrt_staffing(10.2, 0.0) == 11
    assert sqrt_staffing(0, 2.0) == 1
    assert sqrt_staffing(9, 1 / 3) == 10  # 9 + 1 exactly, despite float noise


# --------------------------------------------------------------------------
# properties
# --------------------------------------------------------------------------

servers = st.integers(min_value=1, max_value=300)
loads = st.floats(min_value=0.0, max_value=400.0, allow_nan=False, allow_infinity=False)


@given(servers, loads)
def test_c_and_b_are_probabilities(c, a):
    b = erlang_b(c, a)
    p = erlang_c(c, a)
    assert 0.0 <= b <= 1.0
    assert 0.0 <= p <= 1.0
    assert p >= b - 1e-15


@given(servers, loads)
def test_c_decreasing_in_servers(c, a):
    assert erlang_c(c + 1, a) <= erlang_c(c, a) + 1e-12


@given(servers, loads, loads)
def test_c_increasing_in_load(c, a1, a2):
    lo, hi = sorted((a1, a2))
    assert erlang_c(c, lo) <= erlang_c(c, hi) + 1e-12


@settings(max_examples=60)
@given(
    st.integers(min_value=1, max_value=40),
    st.integers(min_value=0, max_value=10_000),
)
def test_matches_exact_rational_arithmetic(c, milli):
    a = Fraction(milli, 250)  # 0 .. 40 in steps of 0.004
    if a >= c:
        assert erlang_c(c, float(a)) == 1.0
    else:
        assert erlang_c(c, float(a)) == pytest.approx(float(erlang_c_exact(c, a)), abs=1e-12)
    assert erlang_b(c, float(a)) == pytest.approx(float(erlang_b_exact(c, a)), abs=1e-12)


@given(
    servers,
    st.floats(min_value=0.0, max_value=0.99),
    st.floats(min_value=0.0, max_value=1e3),
    st.floats(min_value=0.0, max_value=1e3),
)
def test_service_level_bounds_and_monotone_in_t(c, rho, t1, t2):
    lam, mu = rho * c, 1.0
    lo, hi = sorted((t1, t2))
    s_lo, s_hi = service_level(c, lam, mu, lo), service_level(c, lam, mu, hi)
    assert 0.0 <= s_lo <= s_hi + 1e-15 <= 1.0 + 1e-15


@settings(max_examples=50)
@given(
    st.floats(min_value=0.0, max_value=200.0),
    st.floats(min_value=0.01, max_value=1.0),
    st.floats(min_value=0.05, max_value=0.99),
)
def test_required_servers_is_minimal(a, t, share):
    c = required_servers(a, 1.0, t, share)
    assert c > a
    assert service_level(c, a, 1.0, t) >= share
    if c > 1:
        assert service_level(c - 1, a, 1.0, t) < share


@given(st.floats(min_value=0.0, max_value=1e4), st.floats(min_value=0.0, max_value=3.0))
def test_sqrt_staffing_properties(a, beta):
    c = sqrt_staffing(a, beta)
    assert c >= 1
    assert c >= a + beta * math.sqrt(a) - 1e-6 * max(1.0, a)
    if beta > 0 and a > 0:
        assert c > a
