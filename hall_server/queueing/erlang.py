"""Erlang B / Erlang C formulas for the M/M/c queue, and staffing helpers.

A hall with ``c`` open counters, Poisson arrivals at rate ``lam`` and
exponential service at rate ``mu`` per counter is an M/M/c queue.  Its offered
load is ``a = lam / mu`` (in Erlangs) and its utilisation ``rho = a / c``.

Units
-----
``lam`` and ``mu`` may be given per second, per minute or per hour, as long as
both use the *same* time unit.  Every time argument (``t``, ``target_wait``) is
in that unit, and every time returned (:func:`mean_wait`,
:func:`mean_wait_mgc`) is in that unit too.  Offered load ``a`` is unitless.

Unstable systems
----------------
When ``rho >= 1`` the queue grows without bound.  The functions do not raise in
that case: :func:`erlang_c` returns ``1.0`` (everyone waits), the mean-wait
functions return ``math.inf`` and the service-level functions return ``0.0``.
Invalid input (``c < 1``, a non-integer ``c``, negative or non-finite rates,
``mu == 0``, a negative time) raises :class:`ValueError`.

Numerics
--------
Erlang B is computed with the stable recursion ``B_0 = 1``,
``B_k = a*B_{k-1} / (k + a*B_{k-1})``, which never forms factorials or large
powers, and Erlang C from it as ``C = B_c / (1 - rho*(1 - B_c))``.

Example: a call centre receiving 100 calls per 30 minutes, 3 minutes average
handling time (``a = 10``), with 14 agents:

>>> lam, mu = 100 / 1800, 1 / 180          # per second
>>> round(erlang_c(14, lam / mu), 6)
0.174132
>>> round(service_level(14, lam, mu, 20), 6)  # share answered within 20 s
0.88835
>>> required_servers(lam, mu, target_wait=20, target_share=0.8)
14
"""

from __future__ import annotations

import math
from numbers import Integral, Real

__all__ = [
    "DEFAULT_MAX_SERVERS",
    "erlang_b",
    "erlang_c",
    "mean_wait",
    "mean_wait_mgc",
    "required_servers",
    "service_level",
    "service_level_mgc",
    "sqrt_staffing",
]

#: Upper bound :func:`required_servers` searches to unless told otherwise.
DEFAULT_MAX_SERVERS = 10_000


# --------------------------------------------------------------------------
# validation helpers
# --------------------------------------------------------------------------


def _check_servers(c: object) -> int:
    if isinstance(c, bool) or not isinstance(c, Integral):
        raise ValueError(f"number of servers c must be an integer, got {c!r}")
    c = int(c)
    if c < 1:
        raise ValueError(f"number of servers c must be >= 1, got {c}")
    return c


def _check_nonneg(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, Real):
        raise ValueError(f"{name} must be a real number, got {value!r}")
    value = float(value)
    if not math.isfinite(value) or value < 0:
        raise ValueError(f"{name} must be finite and >= 0, got {value!r}")
    return value


def _check_positive(name: str, value: object) -> float:
    value = _check_nonneg(name, value)
    if value == 0:
        raise ValueError(f"{name} must be > 0, got {value!r}")
    return value


def _check_cv2(cv2: object) -> float:
    return _check_nonneg("cv2 (squared coefficient of variation)", cv2)


# --------------------------------------------------------------------------
# Erlang B and C
# --------------------------------------------------------------------------


def erlang_b(c: int, a: float) -> float:
    """Blocking probability of an M/M/c/c loss system (Erlang B).

    ``c`` servers (integer >= 1), offered load ``a = lam/mu`` >= 0 Erlangs.
    Defined for every load, including ``a >= c``.

    >>> erlang_b(1, 1.0)
    0.5
    >>> round(erlang_b(2, 1.0), 10)   # a^2/2 / (1 + a + a^2/2) = 0.2
    0.2
    """
    c = _check_servers(c)
    a = _check_nonneg("offered load a", a)
    b = 1.0
    for k in range(1, c + 1):
        ab = a * b
        b = ab / (k + ab)
    return b


def _erlang_c_from_b(c: int, a: float, b: float) -> float:
    rho = a / c
    if rho >= 1.0:
        return 1.0
    return b / (1.0 - rho * (1.0 - b))


def erlang_c(c: int, a: float) -> float:
    """Probability that an arrival has to wait in an M/M/c queue (Erlang C).

    ``c`` servers (integer >= 1), offered load ``a = lam/mu`` >= 0 Erlangs.
    Returns ``1.0`` when ``a >= c`` (unstable: everyone waits).

    >>> erlang_c(1, 0.3)              # c = 1: C = rho
    0.3
    >>> round(erlang_c(2, 1.0), 10)   # c = 2: C = 2 rho^2 / (1 + rho), rho = 0.5
    0.3333333333
    >>> erlang_c(3, 3.0)
    1.0
    """
    c = _check_servers(c)
    a = _check_nonneg("offered load a", a)
    return _erlang_c_from_b(c, a, erlang_b(c, a))


# --------------------------------------------------------------------------
# waiting times
# --------------------------------------------------------------------------


def _load(c: object, lam: object, mu: object) -> tuple[int, float, float]:
    c = _check_servers(c)
    lam = _check_nonneg("arrival rate lam", lam)
    mu = _check_positive("service rate mu", mu)
    return c, lam, mu


def mean_wait(c: int, lam: float, mu: float) -> float:
    """Mean time in queue ``W_q = C / (c*mu - lam)`` of an M/M/c queue.

    ``lam`` arrivals and ``mu`` services per server per time unit (same unit);
    the result is in that time unit.  ``math.inf`` when ``lam >= c*mu``.

    >>> mean_wait(1, 0.5, 1.0)        # M/M/1: rho/(mu - lam) = 0.5/0.5
    1.0
    >>> mean_wait(2, 3.0, 1.0)
    inf
    """
    c, lam, mu = _load(c, lam, mu)
    a = lam / mu
    if a >= c:
        return math.inf
    return erlang_c(c, a) / (c * mu - lam)


def mean_wait_mgc(c: int, lam: float, mu: float, cv2: float) -> float:
    """Allen–Cunneen approximation of the mean wait in an M/G/c queue.

    ``W_q(M/G/c) ~= W_q(M/M/c) * (1 + cv2) / 2`` where ``cv2`` is the squared
    coefficient of variation of the service time (1 for exponential service,
    0 for constant service).  Same units and ``inf`` convention as
    :func:`mean_wait`.

    >>> mean_wait_mgc(1, 0.5, 1.0, cv2=0.0)   # M/D/1: half the M/M/1 wait
    0.5
    """
    cv2 = _check_cv2(cv2)
    w = mean_wait(c, lam, mu)
    if math.isinf(w):
        return w
    return w * (1.0 + cv2) / 2.0


def service_level(c: int, lam: float, mu: float, t: float) -> float:
    """Share of arrivals that wait at most ``t``: ``1 - C * exp(-(c*mu - lam)*t)``.

    Exact for M/M/c (FCFS).  ``t`` is in the time unit of the rates.  Returns
    ``0.0`` when ``lam >= c*mu``.

    >>> service_level(1, 0.5, 1.0, 0.0)       # 1 - P(wait) = 1 - rho
    0.5
    """
    return service_level_mgc(c, lam, mu, t, 1.0)


def service_level_mgc(c: int, lam: float, mu: float, t: float, cv2: float) -> float:
    """Approximate share of arrivals waiting at most ``t`` in an M/G/c queue.

    Keeps the exact Erlang C probability of waiting and scales the mean of
    the conditional (exponential) wait by the Allen–Cunneen factor
    ``(1 + cv2) / 2``, consistent with :func:`mean_wait_mgc`::

        P(W <= t) ~= 1 - C * exp(-(c*mu - lam) * t * 2 / (1 + cv2))

    With ``cv2 == 1`` this is exactly :func:`service_level`.  For ``cv2 == 0``
    and ``t > 0`` the factor is 2.  Returns ``0.0`` when ``lam >= c*mu``.

    >>> service_level_mgc(1, 0.5, 1.0, 0.0, cv2=0.0)  # t = 0: still 1 - C
    0.5
    """
    c, lam, mu = _load(c, lam, mu)
    t = _check_nonneg("waiting time t", t)
    cv2 = _check_cv2(cv2)
    a = lam / mu
    if a >= c:
        return 0.0
    return _service_level_given_c(erlang_c(c, a), c, lam, mu, t, cv2)


def _service_level_given_c(
    pwait: float, c: int, lam: float, mu: float, t: float, cv2: float
) -> float:
    if t == 0.0:
        return 1.0 - pwait
    rate = (c * mu - lam) * 2.0 / (1.0 + cv2)
    return 1.0 - pwait * math.exp(-rate * t)


# --------------------------------------------------------------------------
# staffing
# --------------------------------------------------------------------------


def required_servers(
    lam: float,
    mu: float,
    target_wait: float,
    target_share: float,
    cv2: float = 1.0,
    max_servers: int = DEFAULT_MAX_SERVERS,
) -> int:
    """Smallest number of servers ``c`` such that at least ``target_share`` of
    arrivals wait no longer than ``target_wait``.

    ``lam``, ``mu`` and ``target_wait`` share one time unit.  ``target_share``
    must lie in ``(0, 1)``.  The probability of waiting is the exact Erlang C;
    ``cv2`` (squared CV of service time, default 1 = exponential) scales the
    conditional wait as in :func:`service_level_mgc`, so ``cv2=1`` is exact
    M/M/c.  Server counts with ``rho >= 1`` never qualify.  Raises
    :class:`ValueError` if no ``c <= max_servers`` meets the target.

    Example: 60 citizens an hour (1 per minute), 9.3-minute mean service,
    80 % of them called within 15 minutes:

    >>> required_servers(lam=1.0, mu=1 / 9.3, target_wait=15, target_share=0.8)
    11
    >>> required_servers(1.0, 1.0, target_wait=0, target_share=0.5)
    2
    """
    lam = _check_nonneg("arrival rate lam", lam)
    mu = _check_positive("service rate mu", mu)
    target_wait = _check_nonneg("target_wait", target_wait)
    if isinstance(target_share, bool) or not isinstance(target_share, Real):
        raise ValueError(f"target_share must be a real number, got {target_share!r}")
    if not 0.0 < float(target_share) < 1.0:
        raise ValueError(f"target_share must lie strictly between 0 and 1, got {target_share!r}")
    target_share = float(target_share)
    cv2 = _check_cv2(cv2)
    max_servers = _check_servers(max_servers)

    a = lam / mu
    b = 1.0  # Erlang B for k servers, built up incrementally
    for k in range(1, max_servers + 1):
        ab = a * b
        b = ab / (k + ab)
        if a >= k:
            continue  # unstable with k servers
        pwait = _erlang_c_from_b(k, a, b)
        if _service_level_given_c(pwait, k, lam, mu, target_wait, cv2) >= target_share:
            return k
    raise ValueError(
        f"no server count up to max_servers={max_servers} reaches "
        f"{target_share:.1%} within {target_wait} (offered load a={a:.6g})"
    )


def sqrt_staffing(a: float, beta: float) -> int:
    """Square-root staffing rule ``c = ceil(a + beta * sqrt(a))``, at least 1.

    ``a`` is the offered load in Erlangs (>= 0) and ``beta`` >= 0 the
    quality-of-service parameter (Halfin–Whitt regime; ``beta`` around 0.5–2).
    For ``beta > 0`` and ``a > 0`` the result is always stable (``c > a``).

    >>> sqrt_staffing(100, 1.0)
    110
    >>> sqrt_staffing(10, 0.0)
    10
    """
    a = _check_nonneg("offered load a", a)
    beta = _check_nonneg("beta", beta)
    x = a + beta * math.sqrt(a)
    # Guard against x = 110.00000000000001 rounding up to 111.
    c = math.ceil(x - 1e-9 * max(1.0, x))
    if beta > 0 and a > 0:
        c = max(c, math.floor(a) + 1)  # keep rho < 1 despite the guard above
    return max(1, c)
