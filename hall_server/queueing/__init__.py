"""Queueing theory and synthetic demand for hall planning.

* :mod:`hall_server.queueing.erlang` — Erlang B/C for M/M/c, mean wait,
  service level, Allen–Cunneen M/G/c approximation and staffing rules.
* :mod:`hall_server.queueing.profile` — the synthetic hall demand profile and a
  seeded one-day arrival generator.

Pure Python, standard library only; no clock reads, no I/O, no global random
state.

>>> from hall_server.queueing import erlang_c, HallProfile
>>> round(erlang_c(2, 1.0), 6)
0.333333
"""

from hall_server.queueing.erlang import (
    DEFAULT_MAX_SERVERS,
    erlang_b,
    erlang_c,
    mean_wait,
    mean_wait_mgc,
    required_servers,
    service_level,
    service_level_mgc,
    sqrt_staffing,
)
from hall_server.queueing.profile import (
    FIELDS,
    HALL_TZ,
    LARGE_HALL,
    SMALL_HALL,
    Arrival,
    FieldSpec,
    HallProfile,
    Session,
    Slot,
    draw_daily_volume,
    generate_day,
    lognormal_params,
)

__all__ = [
    "DEFAULT_MAX_SERVERS",
    "FIELDS",
    "HALL_TZ",
    "LARGE_HALL",
    "SMALL_HALL",
    "Arrival",
    "FieldSpec",
    "HallProfile",
    "Session",
    "Slot",
    "draw_daily_volume",
    "erlang_b",
    "erlang_c",
    "generate_day",
    "lognormal_params",
    "mean_wait",
    "mean_wait_mgc",
    "required_servers",
    "service_level",
    "service_level_mgc",
    "sqrt_staffing",
]
