"""Staffing advice: how many counters each field group needs, half-hour by half-hour.

A *field group* is a set of fields staffed together (by default: fields served
by exactly the same counters, :func:`groups_from_hall`).  A *day demand*
(:class:`DayDemand`) gives, per group and half-hour slot, the expected
arrivals, the crowd waiting at the door when a session opens, and the group's
service time; it comes from the synthetic profile (:func:`forecast`) or from
stored history (:func:`demand_from_history`).

:func:`plan_day` then picks the counters per group and slot that call at
least ``target_share`` of the day's citizens within ``target_wait`` minutes
with the fewest counter-hours: a counter goes where it calls the most extra
citizens in time per hour it is open.  Each group is an M/M/c queue whose arrival rate and number of
counters change every slot; its state (how many citizens are present) is
carried from slot to slot exactly, by uniformisation of the birth–death
process, so the crowd at opening and the queue left by a busy half-hour are
both accounted for.  A citizen who finds ``n`` others present waits at most
``T`` if fewer than ``c`` are present, or if at least ``n - c + 1`` counters
finish within ``T``; services that vary less than exponential ones finish
that count sooner, which the Allen–Cunneen factor ``(1 + cv²) / 2`` applies
(as in :func:`hall_server.queueing.erlang.service_level_mgc`).

>>> from hall_server.queueing.profile import LARGE_HALL
>>> groups = [FieldGroup("Đất đai", ("DD",)), FieldGroup("Khác", tuple(
...     f.code for f in LARGE_HALL.fields if f.code != "DD"))]
>>> plan = plan_day(forecast(LARGE_HALL, 0, groups))          # a Monday
>>> plan.counts["Đất đai"][:4]                                 # 07:30, 08:00, 08:30, 09:00
[4, 5, 5, 5]
>>> plan.predicted_day >= 0.8
True

During the day :class:`LivePlanner` re-plans the slot under way from the
hall's real state and the volume seen so far, and
:func:`hall_server.queueing.moves.suggest_moves` turns that into concrete
officer moves.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date, datetime, timedelta

import numpy as np
from scipy import sparse, stats

from hall_server.engine.estimate import DEFAULT_SERVICE_MINUTES

__all__ = [
    "FieldGroup",
    "Slot",
    "GroupDemand",
    "DayDemand",
    "StaffingPlan",
    "groups_from_hall",
    "forecast",
    "demand_from_history",
    "plan_day",
    "plan_week",
    "peak_baseline_hours",
]

WEEKDAY_NAMES_EN = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


# --------------------------------------------------------------------------
# field groups
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class FieldGroup:
    """A named set of field codes that are staffed together."""

    name: str
    fields: tuple[str, ...]

    def __post_init__(self) -> None:
        if not self.name or not self.fields:
            raise ValueError("a field group needs a name and at least one field")
        object.__setattr__(self, "fields", tuple(self.fields))


def _group_name(names: Sequence[str]) -> str:
    if len(names) <= 2:
        return ", ".join(names)
    return f"{names[0]}, {names[1]} (+{len(names) - 2})"


def groups_from_hall(config) -> list[FieldGroup]:
    """Fields served by exactly the same counters form one group (in the order
    of the hall file's fields); a field nobody serves is a group of its own.

    >>> from hall_server.config import load_hall
    >>> [g.fields for g in groups_from_hall(load_hall("config/sim_small.toml"))][:2]
    [('DD',), ('HT', 'CT', 'LD', 'GD', 'YT', 'VH', 'TG', 'NC', 'BT', 'KN')]
    """
    serving: dict[str, frozenset[int]] = {}
    for code in config.fields:
        serving[code] = frozenset(n for n, c in config.counters.items() if code in c.fields)
    classes: dict[frozenset[int], list[str]] = {}
    for code, counters in serving.items():
        key = counters if counters else frozenset({-len(classes) - 1})  # unserved: alone
        classes.setdefault(key, []).append(code)
    return [FieldGroup(_group_name([config.fields[c].name for c in codes]), tuple(codes))
            for codes in classes.values()]


def _group_of(groups: Sequence[FieldGroup]) -> dict[str, int]:
    out: dict[str, int] = {}
    for i, g in enumerate(groups):
        for f in g.fields:
            if f in out:
                raise ValueError(f"field {f} is in two groups ({groups[out[f]].name}, {g.name})")
            out[f] = i
    return out


# --------------------------------------------------------------------------
# demand
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class Slot:
    """A planning slot, in minutes after midnight; ``session`` numbers the
    opening session it belongs to (a new session starts with an empty hall)."""

    start: float
    end: float
    session: int

    @property
    def minutes(self) -> float:
        return self.end - self.start

    @property
    def label(self) -> str:
        return f"{int(self.start) // 60:02d}:{int(self.start) % 60:02d}"


@dataclass(frozen=True)
class GroupDemand:
    """Expected demand of one group on one day: ``arrivals[i]`` citizens spread
    over slot ``i``, ``crowd[i]`` citizens already waiting at its start (the
    door crowd; non-zero only when a session opens), service time mean
    (minutes) and squared coefficient of variation."""

    group: FieldGroup
    arrivals: tuple[float, ...]
    crowd: tuple[float, ...]
    mean_service: float
    cv2: float


@dataclass(frozen=True)
class DayDemand:
    """The demand of one (kind of) day for every group."""

    label: str
    slots: tuple[Slot, ...]
    groups: tuple[GroupDemand, ...]

    def scaled(self, factor: float) -> DayDemand:
        """The same day with ``factor`` times the citizens (e.g. a busy day)."""
        return replace(self, groups=tuple(
            replace(g, arrivals=tuple(a * factor for a in g.arrivals), crowd=tuple(b * factor for b in g.crowd))
            for g in self.groups))

    @property
    def total(self) -> float:
        return sum(sum(g.arrivals) + sum(g.crowd) for g in self.groups)


def _mixture(specs: Sequence[tuple[float, float, float]]) -> tuple[float, float]:
    """Mean and squared CV of a mixture of (weight, mean, cv) service times."""
    w = math.fsum(s[0] for s in specs)
    if w <= 0:
        return 1.0, 1.0
    m1 = math.fsum(s[0] * s[1] for s in specs) / w
    m2 = math.fsum(s[0] * s[1] ** 2 * (1 + s[2] ** 2) for s in specs) / w
    return m1, max(m2 / (m1 * m1) - 1.0, 0.0)


def forecast(profile, weekday: int, groups: Sequence[FieldGroup]) -> DayDemand:
    """Expected demand of a ``weekday`` (Monday = 0) of the synthetic ``profile``
    (a :class:`~hall_server.queueing.profile.HallProfile`), slot by slot.
    Fields of the profile outside every group are ignored."""
    # a date with that weekday, for expected_volume
    volume = profile.expected_volume(date(2025, 3, 3) + timedelta(days=weekday))
    slots, session_of_start = [], {}
    for k, s in enumerate(profile.sessions):
        session_of_start[(s.start.hour * 60 + s.start.minute)] = k
    shares = {f.code: f.share for f in profile.fields}
    spikes = {t.hour * 60 + t.minute: share for t, share in profile.spikes()}
    session = -1
    profile_slots = profile.slots()
    for sl in profile_slots:
        start = sl.start.hour * 60 + sl.start.minute
        if start in session_of_start:
            session = session_of_start[start]
        slots.append(Slot(float(start), float(start + sl.minutes), session))
    out = []
    for g in groups:
        share = math.fsum(shares.get(f, 0.0) for f in g.fields)
        specs = [(f.share, f.mean_minutes, f.cv) for f in profile.fields if f.code in g.fields]
        mean, cv2 = _mixture(specs)
        arrivals = tuple(volume * share * sl.share for sl in profile_slots)
        crowd = tuple(volume * share * spikes.get(s.start, 0.0) for s in slots)
        out.append(GroupDemand(g, arrivals, crowd, mean, cv2))
    return DayDemand(WEEKDAY_NAMES_EN[weekday], tuple(slots), tuple(out))


def demand_from_history(rows: Iterable, groups: Sequence[FieldGroup], weekday: int, sessions,
                        tz, slot_minutes: int = 30, crowd_minutes: float = 1.0) -> DayDemand:
    """Average demand of past ``weekday``\\ s from stored tickets.

    ``rows``: records with ``issued_at`` (aware datetime), ``field`` and
    ``service_seconds`` (``None`` if not served) — e.g. the rows of
    :func:`hall_server.store.queries.ticket_times`.  ``sessions``: the opening
    spans as ``(start, end)`` minutes after midnight.  Tickets issued within
    ``crowd_minutes`` of a session's start count as its door crowd.  Raises
    :class:`ValueError` if the history holds no such weekday.
    """
    slots: list[Slot] = []
    for k, (a, b) in enumerate(sessions):
        t = float(a)
        while t < b - 1e-9:
            slots.append(Slot(t, min(t + slot_minutes, b), k))
            t += slot_minutes
    group_of = _group_of(groups)
    counts = np.zeros((len(groups), len(slots)))
    crowd = np.zeros((len(groups), len(slots)))
    services: list[list[float]] = [[] for _ in groups]
    days: set[date] = set()
    starts = {s.start for s in slots if s is slots[0] or slots[slots.index(s) - 1].session != s.session}
    for r in rows:
        local = r.issued_at.astimezone(tz)
        if local.weekday() != weekday:
            continue
        days.add(local.date())
        g = group_of.get(r.field)
        if g is None:
            continue
        m = local.hour * 60 + local.minute + local.second / 60
        for i, s in enumerate(slots):
            if s.start <= m < s.end:
                if s.start in starts and m < s.start + crowd_minutes:
                    crowd[g, i] += 1
                else:
                    counts[g, i] += 1
                break
        if getattr(r, "service_seconds", None):
            services[g].append(r.service_seconds / 60.0)
    if not days:
        raise ValueError(f"the history has no {WEEKDAY_NAMES_EN[weekday]}")
    n = len(days)
    out = []
    for g, grp in enumerate(groups):
        xs = services[g]
        mean = statistics.fmean(xs) if xs else DEFAULT_SERVICE_MINUTES
        cv2 = statistics.pvariance(xs) / (mean * mean) if len(xs) > 1 else 1.0
        out.append(GroupDemand(grp, tuple(counts[g] / n), tuple(crowd[g] / n), mean, cv2))
    return DayDemand(f"{WEEKDAY_NAMES_EN[weekday]} ({n} days of history)", tuple(slots), tuple(out))


# --------------------------------------------------------------------------
# the transient M/M/c model of one group
# --------------------------------------------------------------------------


def _poisson_ok(c: int, n: np.ndarray, rate: float) -> np.ndarray:
    """P(wait <= T) of an arrival finding n present: n < c, or at least
    n - c + 1 finishes in T (Poisson with mean ``rate`` = c mu' T)."""
    ok = np.ones(len(n))
    behind = n >= c
    ok[behind] = stats.poisson.sf(n[behind] - c, rate)  # P(N >= n - c + 1)
    return ok


def _crowd_ok(c: int, n: np.ndarray, rate: float) -> np.ndarray:
    """Expected number of a crowd of n (arriving together) called within T."""
    j = np.arange(1, len(n))  # position in the crowd
    per = np.where(j <= c, 1.0, stats.poisson.sf(j - c - 1, rate))  # P(N >= j - c)
    return np.concatenate(([0.0], np.cumsum(per)))


def _slot(p: np.ndarray, lam: float, c: int, length: float, mu: float) -> tuple[np.ndarray, np.ndarray]:
    """Evolve the distribution ``p`` of the number present over ``length``
    minutes (arrivals ``lam``/min, ``c`` counters at ``mu``/min each) by
    uniformisation.  Returns the distribution at the end and the time
    integral of the distribution over the slot."""
    full = len(p)
    # Work on the states that can matter: those holding mass, plus room for the slot's arrivals.
    support = int(np.flatnonzero(p > 1e-15)[-1]) + 1 if p.any() else 1
    grow = lam * length
    k = min(full, support + int(grow + 8 * math.sqrt(grow) + 10))
    p = p[:k]
    n = np.arange(k)
    death = mu * np.minimum(n, c)
    birth = np.full(k, lam)
    birth[-1] = 0.0  # truncation: the last state takes no more arrivals
    big = lam + mu * c + 1e-12
    m = big * length
    kmax = int(m + 10 * math.sqrt(m) + 20)
    j = np.arange(kmax + 1)
    weight = stats.poisson.pmf(j, m)
    tail = stats.poisson.sf(j, m)  # P(N >= j + 1)
    # one uniformised step as a sparse matrix acting on column vectors: v' = step @ v
    step = sparse.diags([birth[:-1] / big, 1.0 - (birth + death) / big, death[1:] / big], [-1, 0, 1],
                        format="csr")
    powers = np.empty((kmax + 1, k))
    v = p
    for i in range(kmax + 1):
        powers[i] = v
        v = step @ v
    end, integral = np.zeros(full), np.zeros(full)
    end[:k] = weight @ powers
    integral[:k] = (tail @ powers) / big
    return end, integral


class _GroupModel:
    """One group's day, slot by slot (see :func:`plan_day`)."""

    def __init__(self, demand: GroupDemand, slots: Sequence[Slot], target_wait: float):
        self.d = demand
        self.slots = slots
        self.mu = 1.0 / demand.mean_service
        # Allen–Cunneen: less variable services finish the needed count sooner
        self.t_eff = target_wait * 2.0 / (1.0 + demand.cv2)
        total = sum(demand.arrivals) + sum(demand.crowd)
        self.size = int(min(1500, max(60, total * 1.3 + 10 * math.sqrt(total + 1) + 30)))
        self.n = np.arange(self.size)
        self._cache: dict = {}

    def start_state(self, i: int) -> np.ndarray:
        """An empty hall plus the door crowd (Poisson) at the start of slot i."""
        crowd = self.d.crowd[i]
        p = stats.poisson.pmf(self.n, crowd) if crowd > 0 else np.eye(1, self.size)[0]
        return p / p.sum()

    def run_path(self, path: tuple[int, ...], i: int, c: int, p: np.ndarray) -> tuple[np.ndarray, float, float]:
        """:meth:`run`, remembered by the counts ``path`` that led to state ``p``."""
        key = (path, i, c)
        hit = self._cache.get(key)
        if hit is None:
            hit = self._cache[key] = self.run(p, i, c)
        return hit

    def run(self, p: np.ndarray, i: int, c: int) -> tuple[np.ndarray, float, float]:
        """Slot i with c counters from state p: (end state, citizens, called within target)."""
        s = self.slots[i]
        lam = self.d.arrivals[i] / s.minutes if s.minutes > 0 else 0.0
        rate = c * self.mu * self.t_eff
        citizens = self.d.arrivals[i]
        within = 0.0
        if self.d.crowd[i] > 0:  # the crowd is the state p at the slot's start
            citizens += self.d.crowd[i]
            within += float(p @ _crowd_ok(c, self.n, rate))
        end, integral = _slot(p, lam, c, s.minutes, self.mu)
        within += lam * float(integral @ _poisson_ok(c, self.n, rate))
        return end, citizens, within


# --------------------------------------------------------------------------
# plans
# --------------------------------------------------------------------------


@dataclass
class StaffingPlan:
    """Counters per group per slot, with the predicted service levels."""

    label: str
    slots: tuple[Slot, ...]
    groups: tuple[FieldGroup, ...]
    counts: dict[str, list[int]]
    citizens: dict[str, list[float]]
    within: dict[str, list[float]]
    target_wait: float
    target_share: float
    theta: float = 0.0

    @property
    def predicted_day(self) -> float:
        """Predicted share of the day's citizens called within the target."""
        total = sum(sum(v) for v in self.citizens.values())
        return sum(sum(v) for v in self.within.values()) / total if total > 0 else 1.0

    def predicted(self, group: str) -> list[float]:
        return [w / a if a > 0 else 1.0 for w, a in zip(self.within[group], self.citizens[group])]

    def counter_hours(self) -> float:
        """Scheduled counter-hours of the plan."""
        return sum(c * s.minutes for counts in self.counts.values() for c, s in zip(counts, self.slots)) / 60

    def peak(self) -> dict[str, int]:
        return {g: max(v) for g, v in self.counts.items()}

    def total(self, i: int) -> int:
        return sum(v[i] for v in self.counts.values())

    def table(self) -> str:
        """The plan as a text table (slots down, groups across)."""
        names = [g.name for g in self.groups]
        width = max(8, *(len(n) for n in names))
        head = f"{'':5}  " + "  ".join(f"{n[:width]:>{width}}" for n in names) + "  tổng/total"
        lines = [f"{self.label}: ≥ {self.target_share:.0%} trong/within {self.target_wait:g} min "
                 f"(dự báo/predicted {self.predicted_day:.1%}, {self.counter_hours():.1f} quầy·giờ/counter-hours)",
                 head]
        for i, s in enumerate(self.slots):
            cells = "  ".join(f"{self.counts[n][i]:>{width}}" for n in names)
            lines.append(f"{s.label:5}  {cells}  {self.total(i):>10}")
        return "\n".join(lines)

    def to_dict(self) -> dict:
        return {
            "label": self.label,
            "target_wait_minutes": self.target_wait,
            "target_share": self.target_share,
            "predicted_service_level": round(self.predicted_day, 4),
            "counter_hours": round(self.counter_hours(), 2),
            "slots": [s.label for s in self.slots],
            "groups": [{"name": g.name, "fields": list(g.fields), "counters": self.counts[g.name],
                        "predicted": [round(x, 4) for x in self.predicted(g.name)]} for g in self.groups],
        }


def _choose(model: _GroupModel, i: int, p: np.ndarray, run, theta: float, floor: float, min_counters: int,
            cap: int) -> tuple[int, tuple[np.ndarray, float, float]]:
    """Counters for slot i from state p: add one while the slot is below
    ``floor`` or the next counter calls at least ``theta`` more citizens within
    the target per counter-hour.  ``run(i, c)`` evaluates the slot."""
    s = model.slots[i]
    lam = model.d.arrivals[i] / s.minutes if s.minutes else 0.0
    c = max(min_counters, min(cap, int(lam * model.d.mean_service * 0.8)))
    best = run(i, c)
    while c < cap:
        a, w = best[1], best[2]
        if a <= 0 or w >= a * (1 - 1e-9):
            break
        nxt = run(i, c + 1)
        gain = (nxt[2] - w) / (s.minutes / 60.0)
        if w / a < floor or gain >= theta:
            c, best = c + 1, nxt
        else:
            break
    return c, best


def _cap(caps: Mapping[str, int] | int | None, name: str) -> int:
    if isinstance(caps, Mapping):
        return caps.get(name, 10_000)
    return caps or 10_000


def _plan_at(demand: DayDemand, models: Sequence[_GroupModel], theta: float, floor: float, min_counters: int,
             caps: Mapping[str, int] | int | None, target_wait: float) -> StaffingPlan:
    """One forward pass of :func:`_choose` over the day's slots, per group."""
    counts, citizens, within = {}, {}, {}
    for gd, model in zip(demand.groups, models):
        name = gd.group.name
        cs, cit, win = [], [], []
        p, path = None, ()
        for i, s in enumerate(demand.slots):
            if i == 0 or demand.slots[i - 1].session != s.session:
                p, path = model.start_state(i), ()
            def run(i, c, path=path, p=p, model=model):
                return model.run_path(path, i, c, p)

            c, (end, a, w) = _choose(model, i, p, run, theta, floor, min_counters, _cap(caps, name))
            cs.append(c)
            cit.append(a)
            win.append(w)
            p, path = end, path + (c,)
        counts[name], citizens[name], within[name] = cs, cit, win
    return StaffingPlan(demand.label, demand.slots, tuple(g.group for g in demand.groups), counts, citizens,
                        within, target_wait, 0.0, theta)


def plan_day(demand: DayDemand, *, target_wait: float = 15.0, target_share: float = 0.8,
             slot_floor: float = 0.5, min_counters: int = 1,
             max_counters: Mapping[str, int] | int | None = None) -> StaffingPlan:
    """The fewest counter-hours per group and slot that call ``target_share``
    of the day's citizens within ``target_wait`` minutes.

    Counters go where they help most: a slot gets another counter while that
    counter would call at least ``theta`` more citizens within the target per
    hour it is open, and ``theta`` is the largest value whose plan still meets
    the day's target (bisection).  Every slot also keeps at least
    ``slot_floor`` of its own citizens within the target, and every group at
    least ``min_counters`` counters while its session runs.  Slots are planned
    in time order, each from the queue the slots before leave behind.
    ``max_counters`` (one number, or one per group name) caps a group; a
    capped plan may then predict less than the target.
    """
    if not 0 < target_share < 1:
        raise ValueError("target_share must lie strictly between 0 and 1")
    if not 0 <= slot_floor < 1:
        raise ValueError("slot_floor must lie in [0, 1)")
    if target_wait <= 0:
        raise ValueError("target_wait must be > 0")
    if min_counters < 1:
        raise ValueError("min_counters must be >= 1")
    models = [_GroupModel(gd, demand.slots, target_wait) for gd in demand.groups]
    args = (slot_floor, min_counters, max_counters, target_wait)
    lo, hi = 0.0, 32.0  # theta: citizens called within the target per counter-hour
    best = _plan_at(demand, models, lo, *args)
    if best.predicted_day >= target_share:
        for _ in range(10):
            mid = (lo + hi) / 2
            plan = _plan_at(demand, models, mid, *args)
            if plan.predicted_day >= target_share:
                lo, best = mid, plan
            else:
                hi = mid
    best.target_share = target_share
    return best


def plan_week(profile, groups: Sequence[FieldGroup], *, volume_factor: float = 1.0,
              **kwargs) -> dict[int, StaffingPlan]:
    """A plan for each open weekday of ``profile`` (Monday = 0), planned for
    ``volume_factor`` times the expected volume (above 1 to cover busy days)."""
    return {
        wd: plan_day(forecast(profile, wd, groups).scaled(volume_factor), **kwargs)
        for wd in range(7) if profile.weekday_factors[wd] is not None
    }


def peak_baseline_hours(plans: Mapping[int, StaffingPlan], peak_day: int = 0) -> float:
    """Counter-hours a week if every group kept its ``peak_day`` (Monday) peak
    count open all day, every open day: the yardstick of the plan's savings."""
    peak = plans[peak_day].peak()
    return sum(sum(peak[g.name] * s.minutes for g in p.groups for s in p.slots) / 60 for p in plans.values())


# --------------------------------------------------------------------------
# live: the current slot, from the hall's state
# --------------------------------------------------------------------------


class LivePlanner:
    """Counters per group for the slot under way, from what is happening now.

    A day's plan is made from a forecast; the real day is busier or quieter.
    At any moment the planner

    * estimates the day's volume factor from the citizens who came so far
      against those expected by now (Gamma prior with the profile's day-to-day
      CV, Poisson counts; the posterior mean plus ``margin`` standard
      deviations),
    * starts each group's model from the citizens actually present (waiting
      or at a counter), and
    * picks the counters of the current slot with the plan's marginal rule
      (the plan's ``theta``, ``slot_floor``, ``min_counters``), at half the
      price while the day so far is behind its target.

    >>> from hall_server.queueing.profile import LARGE_HALL
    >>> groups = [FieldGroup("Tất cả", tuple(f.code for f in LARGE_HALL.fields))]
    >>> live = LivePlanner.for_weekday(LARGE_HALL, 2, groups)   # a Wednesday
    >>> quiet = live.counts(540.0, arrived=60, present={"Tất cả": 2})["Tất cả"]
    >>> busy = live.counts(540.0, arrived=120, present={"Tất cả": 30})["Tất cả"]
    >>> quiet < busy
    True
    """

    def __init__(self, demand: DayDemand, *, theta: float, target_wait: float = 15.0, slot_floor: float = 0.5,
                 min_counters: int = 1, max_counters: Mapping[str, int] | int | None = None,
                 volume_cv: float = 0.15, margin: float = 1.0, target_share: float = 0.8,
                 cushion: float = 0.05):
        self.demand = demand
        self.target_share = float(target_share)
        self.cushion = float(cushion)
        self.theta = float(theta)
        self.target_wait = float(target_wait)
        self.slot_floor = float(slot_floor)
        self.min_counters = int(min_counters)
        self.max_counters = max_counters
        self.shape = 1.0 / max(volume_cv, 1e-3) ** 2
        self.margin = float(margin)

    @classmethod
    def for_weekday(cls, profile, weekday: int, groups: Sequence[FieldGroup], *, target_wait: float = 15.0,
                    target_share: float = 0.8, margin: float = 1.0, **kwargs) -> LivePlanner:
        """Plan the forecast day (for its ``theta``) and return its live planner."""
        demand = forecast(profile, weekday, groups)
        plan = plan_day(demand, target_wait=target_wait, target_share=target_share, **kwargs)
        return cls(demand, theta=plan.theta, target_wait=target_wait, volume_cv=profile.volume_cv,
                   margin=margin, target_share=target_share, **kwargs)

    def slot_index(self, minute: float) -> int | None:
        """The slot under way at ``minute`` (or the next one), ``None`` after the last."""
        for i, s in enumerate(self.demand.slots):
            if minute < s.end:
                return i
        return None

    def expected_by(self, minute: float) -> float:
        """Citizens the forecast expects before ``minute`` (door crowds included)."""
        total = 0.0
        for s, *rest in zip(self.demand.slots, *(zip(g.arrivals, g.crowd) for g in self.demand.groups)):
            if minute < s.start:
                break
            part = min(1.0, (minute - s.start) / s.minutes) if s.minutes else 1.0
            total += sum(a * part + b for a, b in rest)
        return total

    def volume_factor(self, arrived: float, minute: float) -> float:
        """The day's volume factor judged from ``arrived`` citizens by ``minute``."""
        expected = self.expected_by(minute)
        k = self.shape
        mean = (k + arrived) / (k + expected)
        sd = math.sqrt(k + arrived) / (k + expected)
        return max(mean + self.margin * sd, 0.0)

    def counts(self, minute: float, arrived: float, present: Mapping[str, int],
               share_so_far: float | None = None) -> dict[str, int]:
        """Counters each group needs in the slot under way at ``minute``, given
        the citizens ``arrived`` so far today and those ``present`` per group.

        ``share_so_far`` is the share of today's citizens already known to be
        called in time (see :func:`share_so_far`); while it is below the target
        plus ``cushion`` the day is behind, and counters are added at half the
        usual price until it catches up."""
        theta = self.theta
        if share_so_far is not None and share_so_far < self.target_share + self.cushion:
            theta = self.theta / 2
        i = self.slot_index(minute)
        if i is None:
            return {g.group.name: 0 for g in self.demand.groups}
        slot = self.demand.slots[i]
        session_start = i == 0 or self.demand.slots[i - 1].session != slot.session
        demand = self.demand.scaled(self.volume_factor(arrived, minute))
        out = {}
        for gd in demand.groups:
            name = gd.group.name
            model = _GroupModel(gd, demand.slots, self.target_wait)
            here = int(present.get(name, 0))
            if session_start and here == 0 and minute <= slot.start + 1e-9:
                p = model.start_state(i)  # the door crowd is about to come in
            else:
                if gd.crowd[i] > 0:  # the crowd is already among those present
                    gd = replace(gd, crowd=tuple(0.0 if j == i else b for j, b in enumerate(gd.crowd)))
                    model = _GroupModel(gd, demand.slots, self.target_wait)
                p = np.zeros(model.size)
                p[min(here, model.size - 1)] = 1.0
            c, _ = _choose(model, i, p, lambda i, c, model=model, p=p: model.run(p, i, c), theta, self.slot_floor,
                           self.min_counters, _cap(self.max_counters, name))
            out[name] = c
        return out

    def counts_for_hall(self, hall, now: datetime) -> dict[str, int]:
        """:meth:`counts` read off a live :class:`~hall_server.engine.Hall` at ``now``."""
        local = now.astimezone(hall.config.tz)
        minute = local.hour * 60 + local.minute + local.second / 60
        today = local.date()
        arrived = sum(1 for t in hall.tickets.values() if t.service_day == today)
        return self.counts(minute, arrived, present_by_group(hall, [g.group for g in self.demand.groups]),
                           share_so_far(hall, now, self.target_wait))


def share_so_far(hall, now: datetime, target_wait: float) -> float | None:
    """Share of today's citizens whose outcome is known who were called within
    ``target_wait`` minutes: called in time, against called late or still
    waiting longer than that.  ``None`` before any outcome is known."""
    today = now.astimezone(hall.config.tz).date()
    limit = target_wait * 60.0
    good = late = 0
    for t in hall.tickets.values():
        if t.service_day != today:
            continue
        if t.called_at is not None:
            if (t.called_at - t.issued_at).total_seconds() <= limit:
                good += 1
            else:
                late += 1
        elif t.state == "waiting" and (now - t.issued_at).total_seconds() > limit:
            late += 1
    return good / (good + late) if good + late else None


def present_by_group(hall, groups: Sequence[FieldGroup]) -> dict[str, int]:
    """Citizens waiting or at a counter, per group (by the field they wait in)."""
    group_of = _group_of(groups)
    out = {g.name: 0 for g in groups}
    for code, queue in hall.queues.items():
        if code in group_of and queue:
            out[groups[group_of[code]].name] += len(queue)
    for counter in hall.counters.values():
        if counter.ticket is not None:
            code = hall.tickets[counter.ticket].field
            if code in group_of:
                out[groups[group_of[code]].name] += 1
    return out
