"""The synthetic demand profile of a one-stop public-service hall (bộ phận một cửa).

The profile is plain data (:class:`HallProfile`, with the synthetic
commune-level hall as its defaults) plus a seeded generator,
:func:`generate_day`, that turns it into one day of ticket arrivals.  Nothing
here reads the clock, the file system or a global random state: every random
draw comes from the :class:`random.Random` the caller passes in, so a given
seed always gives the same day.

The synthetic hall
------------------
* Opening hours 07:30–11:30 and 13:30–17:00, in half-hour slots weighted
  ``.9 1.4 1.5 1.4 1.2 1.0 .8 .5`` (morning) and ``1.1 1.3 1.2 1.0 .8 .6 .3``
  (afternoon).  Within a slot arrivals are uniform (a Poisson process given
  the count).
* 5 % of the day's tickets arrive at exactly 07:30 (the crowd waiting at the
  door) and 3 % at exactly 13:30; the slot weights share out the other 92 %.
* Day-of-week factors Mon 1.25, Tue 1.05, Wed 1.0, Thu 0.95, Fri 0.90; the hall
  is closed on Saturday and Sunday.  ``daily_volume`` is the mean volume of a
  factor-1.0 day (a Wednesday); the Monday–Friday average is 1.03 times it.
* The day's volume is Gamma-distributed with CV 0.15 around
  ``daily_volume * factor`` and rounded to a whole number of tickets.
* 7 % of tickets are priority tickets (elderly, disabled, pregnant, …).
* Sixteen fields (lĩnh vực) with lognormal service times given by mean and CV;
  the overall mean is 9.30 minutes (see :data:`FIELDS`).

Usage
-----
>>> import random
>>> from datetime import date
>>> day = generate_day(HallProfile(), date(2025, 3, 3), random.Random(42))  # a Monday
>>> day[0].at.isoformat()
'2025-03-03T07:30:00+07:00'
>>> all(a.at <= b.at for a, b in zip(day, day[1:]))
True
>>> round(HallProfile().mean_service_minutes(), 2)
9.3
>>> generate_day(HallProfile(), date(2025, 3, 8), random.Random(1))  # Saturday
[]

Feeding the Erlang formulas (rates per minute), e.g. the 09:00–09:30 slot of a
large hall on a Monday:

>>> from hall_server.queueing.erlang import required_servers
>>> large = HallProfile().scaled(400)
>>> slot = large.slots()[3]
>>> slot.start.isoformat(timespec="minutes")
'09:00'
>>> lam = large.expected_volume(date(2025, 3, 3)) * slot.share / slot.minutes
>>> required_servers(lam, 1 / large.mean_service_minutes(), target_wait=15,
...                  target_share=0.8, cv2=large.service_cv2())
15
"""

from __future__ import annotations

import math
import random
import re
import unicodedata
from bisect import bisect_right
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta, tzinfo
from itertools import accumulate
from zoneinfo import ZoneInfo

__all__ = [
    "AFTERNOON",
    "FIELDS",
    "HALL_TZ",
    "LARGE_HALL",
    "MORNING",
    "SMALL_HALL",
    "WEEKDAY_FACTORS",
    "Arrival",
    "FieldSpec",
    "HallProfile",
    "Session",
    "Slot",
    "draw_daily_volume",
    "generate_day",
    "lognormal_params",
]

#: Time zone of every Vietnamese hall (UTC+7, no daylight saving time).
HALL_TZ: tzinfo = ZoneInfo("Asia/Ho_Chi_Minh")

_CODE_RE = re.compile(r"^[A-Z][A-Z0-9_]{0,15}$")  # same rule as hall config field codes
_SHARE_TOLERANCE = 1e-9


def lognormal_params(mean: float, cv: float) -> tuple[float, float]:
    """Return ``(mu, sigma)`` of the normal underlying a lognormal with the given
    ``mean`` (> 0) and coefficient of variation ``cv`` (>= 0).

    ``sigma**2 = ln(1 + cv**2)`` and ``mu = ln(mean) - sigma**2 / 2``, so that
    ``random.lognormvariate(mu, sigma)`` has that mean and CV.

    >>> mu, sigma = lognormal_params(12.0, 0.8)
    >>> round(math.exp(mu + sigma**2 / 2), 12)
    12.0
    >>> round(math.sqrt(math.exp(sigma**2) - 1), 12)
    0.8
    """
    if not (isinstance(mean, (int, float)) and math.isfinite(mean) and mean > 0):
        raise ValueError(f"lognormal mean must be finite and > 0, got {mean!r}")
    if not (isinstance(cv, (int, float)) and math.isfinite(cv) and cv >= 0):
        raise ValueError(f"lognormal cv must be finite and >= 0, got {cv!r}")
    sigma2 = math.log1p(cv * cv)
    return math.log(mean) - sigma2 / 2.0, math.sqrt(sigma2)


# --------------------------------------------------------------------------
# data types
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldSpec:
    """A field (lĩnh vực) of the hall: its share of tickets and service time.

    ``code`` is a short ASCII code (``"DD"``), ``name`` the Vietnamese name
    (kept in Unicode NFC), ``name_en`` an English gloss, ``share`` the fraction
    of tickets, ``mean_minutes``/``cv`` the lognormal service time.
    """

    code: str
    name: str
    name_en: str
    share: float
    mean_minutes: float
    cv: float

    def __post_init__(self) -> None:
        if not isinstance(self.code, str) or not _CODE_RE.match(self.code):
            raise ValueError(f"field code must match {_CODE_RE.pattern}, got {self.code!r}")
        if not isinstance(self.name, str) or not self.name.strip():
            raise ValueError(f"field {self.code}: name must be a non-empty string")
        object.__setattr__(self, "name", unicodedata.normalize("NFC", self.name))
        if not (math.isfinite(self.share) and 0 <= self.share <= 1):
            raise ValueError(f"field {self.code}: share must lie in [0, 1], got {self.share!r}")
        lognormal_params(self.mean_minutes, self.cv)  # validates mean and cv

    @property
    def lognormal(self) -> tuple[float, float]:
        """``(mu, sigma)`` of this field's service-time distribution (minutes)."""
        return lognormal_params(self.mean_minutes, self.cv)


@dataclass(frozen=True)
class Session:
    """An opening session: start time, one weight per slot, and the share of the
    day's tickets that arrive at exactly ``start`` (the crowd at the door)."""

    start: time
    weights: tuple[float, ...]
    opening_share: float = 0.0

    def __post_init__(self) -> None:
        if not isinstance(self.start, time) or self.start.tzinfo is not None:
            raise ValueError(f"session start must be a naive datetime.time, got {self.start!r}")
        weights = tuple(float(w) for w in self.weights)
        if not weights or any(not math.isfinite(w) or w < 0 for w in weights):
            raise ValueError(f"session weights must be non-empty, finite and >= 0: {weights!r}")
        object.__setattr__(self, "weights", weights)
        if not (math.isfinite(self.opening_share) and 0 <= self.opening_share < 1):
            raise ValueError(f"opening_share must lie in [0, 1), got {self.opening_share!r}")


@dataclass(frozen=True)
class Slot:
    """One arrival slot: tickets of share ``share`` of the day arrive uniformly in
    ``[start, end)``.  ``share`` excludes the opening spikes."""

    start: time
    end: time
    weight: float
    share: float

    @property
    def minutes(self) -> float:
        """Length of the slot in minutes."""
        return _minutes(self.end) - _minutes(self.start)


@dataclass(frozen=True)
class Arrival:
    """One ticket of a generated day.

    ``at`` is timezone-aware (the profile's ``tz``, Asia/Ho_Chi_Minh by
    default), ``field`` a :attr:`FieldSpec.code`, ``service_minutes`` the
    time the ticket will occupy a counter.
    """

    at: datetime
    field: str
    priority: bool
    service_minutes: float


def _minutes(t: time) -> float:
    return t.hour * 60 + t.minute + t.second / 60 + t.microsecond / 60e6


def _time_of(minutes: float) -> time:
    if minutes >= 24 * 60:
        raise ValueError("a session may not run past midnight")
    whole = int(round(minutes * 60e6))
    return (datetime.min + timedelta(microseconds=whole)).time()


# --------------------------------------------------------------------------
# the synthetic profile
# --------------------------------------------------------------------------

#: Morning session 07:30–11:30, 5 % of the day's tickets at exactly 07:30.
MORNING = Session(time(7, 30), (0.9, 1.4, 1.5, 1.4, 1.2, 1.0, 0.8, 0.5), opening_share=0.05)
#: Afternoon session 13:30–17:00, 3 % of the day's tickets at exactly 13:30.
AFTERNOON = Session(time(13, 30), (1.1, 1.3, 1.2, 1.0, 0.8, 0.6, 0.3), opening_share=0.03)

#: Volume factor by ``date.weekday()`` (Monday = 0); ``None`` = closed.
WEEKDAY_FACTORS: tuple[float | None, ...] = (1.25, 1.05, 1.0, 0.95, 0.90, None, None)

#: The sixteen fields of the synthetic commune-level hall.  The six large ones
#: follow observed shares; the ten small ones (2–3 % each, 26 % together) have
#: CV 0.7 and means chosen so that the overall mean service time is 9.30 min.
FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("DD", "Đất đai", "Land", 0.30, 12.0, 0.8),
    FieldSpec("CT", "Chứng thực", "Certification", 0.14, 5.0, 0.7),
    FieldSpec("HT", "Hộ tịch", "Civil status", 0.10, 8.0, 0.6),
    FieldSpec("KD", "Đăng ký kinh doanh", "Household business registration", 0.08, 10.0, 0.7),
    FieldSpec("XD", "Xây dựng", "Construction", 0.06, 12.0, 0.8),
    FieldSpec("LD", "Lao động – Thương binh và Xã hội", "Labour, invalids and social affairs",
              0.06, 8.0, 0.7),
    FieldSpec("TP", "Tư pháp", "Justice (other than civil status and certification)",
              0.03, 8.0, 0.7),
    FieldSpec("NC", "Người có công", "People with meritorious services", 0.03, 9.0, 0.7),
    FieldSpec("MT", "Môi trường", "Environment", 0.03, 9.0, 0.7),
    FieldSpec("NN", "Nông nghiệp", "Agriculture", 0.03, 8.0, 0.7),
    FieldSpec("KN", "Khiếu nại, tố cáo", "Complaints and denunciations", 0.03, 10.0, 0.7),
    FieldSpec("GD", "Giáo dục và Đào tạo", "Education and training", 0.03, 7.0, 0.7),
    FieldSpec("YT", "Y tế", "Health", 0.02, 7.0, 0.7),
    FieldSpec("VH", "Văn hóa", "Culture", 0.02, 7.5, 0.7),
    FieldSpec("GT", "Giao thông vận tải", "Transport", 0.02, 9.0, 0.7),
    FieldSpec("TG", "Tôn giáo", "Religion", 0.02, 10.0, 0.7),
)


@dataclass(frozen=True)
class HallProfile:
    """Demand profile of a hall; the defaults are the synthetic small hall.

    ``daily_volume`` is the mean number of tickets on a day whose weekday
    factor is 1.0; :meth:`scaled` changes only it.

    >>> HallProfile().daily_volume, HallProfile().scaled(400).daily_volume
    (110.0, 400.0)
    >>> round(HallProfile().expected_volume(date(2025, 3, 3)), 6)  # Monday
    137.5
    """

    daily_volume: float = 110.0
    volume_cv: float = 0.15
    sessions: tuple[Session, ...] = (MORNING, AFTERNOON)
    slot_minutes: int = 30
    weekday_factors: tuple[float | None, ...] = WEEKDAY_FACTORS
    priority_share: float = 0.07
    fields: tuple[FieldSpec, ...] = FIELDS
    tz: tzinfo = field(default=HALL_TZ)

    def __post_init__(self) -> None:
        set_ = object.__setattr__
        if not (math.isfinite(self.daily_volume) and self.daily_volume >= 0):
            raise ValueError(f"daily_volume must be finite and >= 0, got {self.daily_volume!r}")
        set_(self, "daily_volume", float(self.daily_volume))
        if not (math.isfinite(self.volume_cv) and self.volume_cv >= 0):
            raise ValueError(f"volume_cv must be finite and >= 0, got {self.volume_cv!r}")
        if isinstance(self.slot_minutes, bool) or not isinstance(self.slot_minutes, int) \
                or self.slot_minutes <= 0:
            raise ValueError(f"slot_minutes must be a positive integer, got {self.slot_minutes!r}")

        sessions = tuple(self.sessions)
        if not sessions:
            raise ValueError("a profile needs at least one session")
        previous_end = -1.0
        for s in sessions:
            if not isinstance(s, Session):
                raise ValueError(f"sessions must be Session objects, got {s!r}")
            start = _minutes(s.start)
            if start < previous_end:
                raise ValueError("sessions must be in time order and must not overlap")
            previous_end = start + len(s.weights) * self.slot_minutes
            if previous_end >= 24 * 60:
                raise ValueError("a session may not run up to or past midnight")
        if sum(w for s in sessions for w in s.weights) <= 0:
            raise ValueError("slot weights must not all be zero")
        if sum(s.opening_share for s in sessions) >= 1:
            raise ValueError("opening shares must sum to less than 1")
        set_(self, "sessions", sessions)

        factors = tuple(self.weekday_factors)
        if len(factors) != 7 or any(
            f is not None and not (math.isfinite(f) and f >= 0) for f in factors
        ):
            raise ValueError("weekday_factors needs 7 entries (Mon..Sun), each None or >= 0")
        set_(self, "weekday_factors", factors)

        if not (math.isfinite(self.priority_share) and 0 <= self.priority_share <= 1):
            raise ValueError(f"priority_share must lie in [0, 1], got {self.priority_share!r}")

        fields = tuple(self.fields)
        if not fields or not all(isinstance(f, FieldSpec) for f in fields):
            raise ValueError("fields must be a non-empty sequence of FieldSpec")
        codes = [f.code for f in fields]
        if len(set(codes)) != len(codes):
            raise ValueError(f"field codes must be unique: {codes}")
        total = math.fsum(f.share for f in fields)
        if abs(total - 1.0) > _SHARE_TOLERANCE:
            raise ValueError(f"field shares must sum to 1, got {total!r}")
        set_(self, "fields", fields)

        if not isinstance(self.tz, tzinfo):
            raise ValueError(f"tz must be a tzinfo, got {self.tz!r}")

    # -- derived data ------------------------------------------------------

    def scaled(self, daily_volume: float) -> HallProfile:
        """The same profile with another mean daily volume (e.g. 400 for a large hall)."""
        return replace(self, daily_volume=daily_volume)

    def is_open(self, day: date) -> bool:
        """Whether the hall opens on ``day`` (its weekday factor is not ``None``)."""
        return self.weekday_factors[day.weekday()] is not None

    def expected_volume(self, day: date) -> float:
        """Mean ticket count of ``day``: ``daily_volume`` times its weekday factor
        (0 when closed)."""
        factor = self.weekday_factors[day.weekday()]
        return 0.0 if factor is None else self.daily_volume * factor

    def spikes(self) -> tuple[tuple[time, float], ...]:
        """``(time, share)`` of the tickets arriving at exactly each session start."""
        return tuple((s.start, s.opening_share) for s in self.sessions if s.opening_share > 0)

    def slots(self) -> tuple[Slot, ...]:
        """All arrival slots in time order.  Their shares are the normalised slot
        weights times ``1 - sum of opening shares``, so that
        ``sum(slot.share) + sum(spike share) == 1``."""
        total_weight = math.fsum(w for s in self.sessions for w in s.weights)
        rest = 1.0 - math.fsum(s.opening_share for s in self.sessions)
        out = []
        for s in self.sessions:
            start = _minutes(s.start)
            for i, w in enumerate(s.weights):
                a = start + i * self.slot_minutes
                out.append(Slot(_time_of(a), _time_of(a + self.slot_minutes), w,
                                rest * w / total_weight))
        return tuple(out)

    def for_fields(self, fields: Mapping[str, object]) -> HallProfile:
        """The same profile over a hall's own fields (codes and names).

        ``fields`` maps each field code of the hall to its name, or to an object
        with ``name`` and ``name_en`` attributes (a hall file's ``config.fields``
        works as is).  A field the profile knows keeps its share and service
        time and takes the hall's name.  The profile fields the hall lacks pass
        their total share on to the hall fields the profile lacks, in equal
        parts, with the share-weighted mean service time and CV of the fields
        they replace, so the overall volume and mean service time stay the same.
        If the hall has no unknown field to take it, that share is spread over
        the known fields in proportion to their shares.

        >>> demo = {"DD": "Đất đai", "CT": "Chứng thực", "BT": "Bảo trợ xã hội"}
        >>> p = HallProfile().for_fields(demo)
        >>> [f.code for f in p.fields]
        ['DD', 'CT', 'BT']
        >>> round(p.field_spec("BT").share, 2)   # everything but DD and CT
        0.56
        >>> round(p.mean_service_minutes(), 2)
        9.3
        """
        if not isinstance(fields, Mapping) or not fields:
            raise ValueError("fields must be a non-empty mapping of field code to name")
        known = {f.code: f for f in self.fields}
        missing = [f for f in self.fields if f.code not in fields]
        left = math.fsum(f.share for f in missing)
        unknown = [code for code in fields if code not in known]
        if left > 0 and missing:
            mean = math.fsum(f.share * f.mean_minutes for f in missing) / left
            cv = math.fsum(f.share * f.cv for f in missing) / left
        else:
            mean, cv = self.mean_service_minutes(), 0.7
        kept = math.fsum(known[c].share for c in fields if c in known)
        scale = 1.0 if unknown or kept == 0 else 1.0 / kept
        out = []
        for code, value in fields.items():
            name = value if isinstance(value, str) else getattr(value, "name", code)
            name_en = "" if isinstance(value, str) else getattr(value, "name_en", "")
            if code in known:
                spec = known[code]
                out.append(FieldSpec(code, name or spec.name, name_en or spec.name_en,
                                     spec.share * scale, spec.mean_minutes, spec.cv))
            else:
                out.append(FieldSpec(code, name or code, name_en, left / len(unknown), mean, cv))
        if math.fsum(f.share for f in out) <= 0:
            raise ValueError("none of the hall's fields has any demand in this profile")
        total = math.fsum(f.share for f in out)
        if abs(total - 1.0) > _SHARE_TOLERANCE:  # only when every share was 0 but some
            out = [replace(f, share=f.share / total) for f in out]
        return replace(self, fields=tuple(out))

    def field_spec(self, code: str) -> FieldSpec:
        """The :class:`FieldSpec` with this code (``KeyError`` if none)."""
        for f in self.fields:
            if f.code == code:
                return f
        raise KeyError(code)

    def mean_service_minutes(self) -> float:
        """Mean service time over all fields, weighted by share (minutes)."""
        return math.fsum(f.share * f.mean_minutes for f in self.fields)

    def service_cv2(self) -> float:
        """Squared coefficient of variation of the service time of a random
        ticket (the lognormal mixture over fields), for the M/G/c formulas."""
        m1 = self.mean_service_minutes()
        m2 = math.fsum(f.share * f.mean_minutes**2 * (1 + f.cv**2) for f in self.fields)
        return m2 / (m1 * m1) - 1.0


#: The synthetic small (commune-level) hall: 110 tickets on a factor-1.0 day.
SMALL_HALL = HallProfile()
#: The same profile at 400 tickets on a factor-1.0 day.
LARGE_HALL = SMALL_HALL.scaled(400)


# --------------------------------------------------------------------------
# generator
# --------------------------------------------------------------------------


def _check_args(profile: HallProfile, day: date, rng: random.Random) -> None:
    if not isinstance(profile, HallProfile):
        raise TypeError(f"profile must be a HallProfile, got {type(profile).__name__}")
    if isinstance(day, datetime) or not isinstance(day, date):
        raise TypeError(f"day must be a datetime.date (not a datetime), got {day!r}")
    if not isinstance(rng, random.Random):
        raise TypeError("rng must be a random.Random instance (seed it for reproducibility)")


def draw_daily_volume(profile: HallProfile, day: date, rng: random.Random) -> int:
    """Draw the number of tickets of ``day``: Gamma with mean
    :meth:`HallProfile.expected_volume` and CV ``profile.volume_cv``, rounded
    half up; 0 on a closed day (no random number is drawn then).

    >>> draw_daily_volume(HallProfile(), date(2025, 3, 5), random.Random(7)) > 0
    True
    """
    _check_args(profile, day, rng)
    mean = profile.expected_volume(day)
    if mean <= 0:
        return 0
    cv = profile.volume_cv
    if cv == 0:
        return math.floor(mean + 0.5)
    shape = 1.0 / (cv * cv)
    return math.floor(rng.gammavariate(shape, mean / shape) + 0.5)


def generate_day(profile: HallProfile, day: date, rng: random.Random) -> list[Arrival]:
    """Generate one day of ticket arrivals, sorted by time.

    Steps (all random draws from ``rng``, in this order): the day's volume
    ``n`` (:func:`draw_daily_volume`); ``round(share * n)`` tickets at each
    session start; the rest spread over the slots by their weights
    (multinomial) and uniformly within each slot; then each ticket's field
    (by share), priority flag and lognormal service time.  Ticket times are
    aware datetimes in ``profile.tz``; a closed day gives ``[]``.

    >>> rng = random.Random(2025)
    >>> day = generate_day(SMALL_HALL, date(2025, 3, 4), rng)
    >>> day == generate_day(SMALL_HALL, date(2025, 3, 4), random.Random(2025))
    True
    >>> sorted({a.field for a in day})[:3]
    ['CT', 'DD', 'GD']
    """
    n = draw_daily_volume(profile, day, rng)  # also checks the arguments
    if n == 0:
        return []

    # Times, as microseconds after midnight (local wall clock).
    offsets: list[int] = []
    spike_total = 0
    for s in profile.sessions:
        k = math.floor(s.opening_share * n + 0.5)
        k = min(k, n - spike_total)
        spike_total += k
        offsets.extend([round(_minutes(s.start) * 60e6)] * k)

    slots = profile.slots()
    slot_us = profile.slot_minutes * 60_000_000
    starts = [round(_minutes(sl.start) * 60e6) for sl in slots]
    cum = list(accumulate(sl.weight for sl in slots))
    for i in rng.choices(range(len(slots)), cum_weights=cum, k=n - spike_total):
        offsets.append(starts[i] + int(rng.random() * slot_us))  # in [start, start + slot)

    # Ticket attributes.
    fields = profile.fields
    field_cum = list(accumulate(f.share for f in fields))
    params = [f.lognormal for f in fields]
    midnight = datetime.combine(day, time(0), tzinfo=profile.tz)
    arrivals = []
    for off in offsets:
        j = min(bisect_right(field_cum, rng.random() * field_cum[-1]), len(fields) - 1)
        priority = rng.random() < profile.priority_share
        mu, sigma = params[j]
        service = rng.lognormvariate(mu, sigma)
        at = midnight + timedelta(microseconds=off)
        arrivals.append(Arrival(at, fields[j].code, priority, service))
    arrivals.sort(key=lambda a: a.at)
    return arrivals
