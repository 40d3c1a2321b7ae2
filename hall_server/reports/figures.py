"""Report figures, computed from the stored transition records (never from kept counters).

A ticket's life is cut into **visits**: one spell of waiting in a field, from the issue (or
a transfer into the field) to the call, and the service that follows, ending in *done*,
*no-show*, *transfer*, *cancelled* or *expired*. A ticket transferred once has two visits.
Every figure is a count or a statistic over visits, grouped by field, counter, officer,
hour of day or day of week (in the centre's time zone)::

    period = Period.of("month", date(2026, 11, 1))
    visits = load_visits(store.engine, config, period)
    report = build_report(visits, config, period, by="field", as_of=now)
    report.total.served, round(report.total.wait_mean, 1)
    # → (412, 9.8)

Definitions (also in docs/reports.md):

* *issued*: tickets taken in the group (by field: the field the ticket was taken in);
* *served*, *no-shows*, *transfers*, *cancelled*, *expired*: visits of the group ending so
  (a transfer counts where it left: the field, counter and officer that sent it on);
* *wait*: from the start of the visit to its first call, for visits that were called;
  mean, median and the 90th percentile (linear interpolation, as Excel's PERCENTILE.INC);
* *service level*: visits called within the target wait, divided by visits called plus
  visits that ended uncalled (cancelled, expired, still waiting at ``as_of``) after
  waiting longer than the target;
* *service time*: from the start of service (or the call when service was not started
  explicitly) to *done*.
"""

from __future__ import annotations

import statistics
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta

from sqlalchemy import select
from sqlalchemy.engine import Engine

from ..store import schema as t
from . import labels

BREAKDOWNS = tuple(labels.BREAKDOWNS)
PERIOD_KINDS = tuple(labels.PERIOD_KINDS)
MAX_DAYS = 5 * 366  # the longest range one report covers


class ReportError(ValueError):
    """A report request that cannot be answered as asked (bad dates, unknown breakdown)."""


# ---------------------------------------------------------------------- periods
def parse_date(text: str, name: str = "date") -> date:
    """``YYYY-MM-DD`` to a date, or a :class:`ReportError` naming ``name``."""
    try:
        return date.fromisoformat(str(text).strip())
    except ValueError:
        raise ReportError(f"{name} must be a date like 2026-11-26, not {str(text)[:40]!r}") from None


@dataclass(frozen=True)
class Period:
    """Local calendar days ``first``..``last`` (inclusive) and what kind of period they are."""

    first: date
    last: date
    kind: str = "range"  # day | month | quarter | year | range

    def __post_init__(self):
        if self.last < self.first:
            raise ReportError(f"the period ends ({self.last}) before it starts ({self.first})")
        if (self.last - self.first).days >= MAX_DAYS:
            raise ReportError(f"a report covers at most {MAX_DAYS} days; split the range")

    @classmethod
    def of(cls, kind: str, day: date) -> Period:
        """The day, month, quarter or year that contains ``day``."""
        if kind == "day":
            return cls(day, day, "day")
        if kind == "month":
            first = day.replace(day=1)
        elif kind == "quarter":
            first = date(day.year, 3 * ((day.month - 1) // 3) + 1, 1)
        elif kind == "year":
            first = date(day.year, 1, 1)
        else:
            raise ReportError(f"period must be one of {', '.join(PERIOD_KINDS)}, not {kind!r}")
        months = {"month": 1, "quarter": 3, "year": 12}[kind]
        month = first.month - 1 + months
        after = date(first.year + month // 12, month % 12 + 1, 1)
        return cls(first, after - timedelta(days=1), kind)

    @classmethod
    def parse(cls, start: str | date | None, end: str | date | None = None, kind: str | None = None) -> Period:
        """A period from request text: ``start`` alone with ``kind`` is the period containing it;
        ``start`` and ``end`` are a range (``kind`` then splits it, see :meth:`split`)."""
        if start in (None, ""):
            raise ReportError("give the first day of the report (from)")
        first = start if isinstance(start, date) else parse_date(start, "from")
        if end in (None, ""):
            return cls.of(kind, first) if kind else cls(first, first, "day")
        last = end if isinstance(end, date) else parse_date(end, "to")
        if kind is not None and kind not in PERIOD_KINDS:
            raise ReportError(f"period must be one of {', '.join(PERIOD_KINDS)}, not {kind!r}")
        span = cls(first, last)
        for natural in PERIOD_KINDS:  # a range that is exactly a day, month, quarter or year is named so
            if cls.of(natural, first) == cls(first, last, natural):
                return cls(first, last, natural)
        return span

    def split(self, kind: str | None) -> list[Period]:
        """The days, months, quarters or years within this period (clipped to it), in order."""
        if kind is None:
            return [self]
        out, day = [], self.first
        while day <= self.last:
            part = Period.of(kind, day)
            out.append(Period(max(part.first, self.first), min(part.last, self.last),
                              kind if part.first >= self.first and part.last <= self.last else "range"))
            day = part.last + timedelta(days=1)
        return out

    def bounds(self, tz) -> tuple[datetime, datetime]:
        """[start, end) as aware datetimes: local midnight of the first day to after the last."""
        return (datetime.combine(self.first, time(0), tz),
                datetime.combine(self.last + timedelta(days=1), time(0), tz))

    def label(self, lang: str = "vi") -> str:
        en = lang == "en"
        if self.kind == "day":
            return self.first.strftime("%d/%m/%Y")
        if self.kind == "month":
            return f"{'Month' if en else 'Tháng'} {self.first.month:02d}/{self.first.year}"
        if self.kind == "quarter":
            q = (self.first.month - 1) // 3 + 1
            return f"Q{q} {self.first.year}" if en else f"Quý {q}/{self.first.year}"
        if self.kind == "year":
            return f"{'Year' if en else 'Năm'} {self.first.year}"
        return f"{self.first.strftime('%d/%m/%Y')} – {self.last.strftime('%d/%m/%Y')}"

    @property
    def slug(self) -> str:
        """For file names: 2026-11-26, 2026-11, 2026-Q4, 2026, or 2026-11-01_2026-11-15."""
        if self.kind == "day":
            return self.first.isoformat()
        if self.kind == "month":
            return self.first.strftime("%Y-%m")
        if self.kind == "quarter":
            return f"{self.first.year}-Q{(self.first.month - 1) // 3 + 1}"
        if self.kind == "year":
            return str(self.first.year)
        return f"{self.first.isoformat()}_{self.last.isoformat()}"


# ---------------------------------------------------------------------- visits
@dataclass
class Visit:
    """One spell of a ticket in one field: waiting, then (maybe) called and served."""

    ticket_id: int
    code: str
    field: str
    origin: str  # "issue" or "transfer"
    start: datetime
    priority: str | None = None
    called_at: datetime | None = None
    service_start: datetime | None = None
    end: datetime | None = None
    outcome: str | None = None  # done | no_show | transfer | cancelled | expired; None while open
    counter: int | None = None
    officer: str | None = None
    recalls: int = 0

    @property
    def wait_seconds(self) -> float | None:
        if self.called_at is None:
            return None
        return (self.called_at - self.start).total_seconds()

    @property
    def service_seconds(self) -> float | None:
        if self.outcome != "done" or self.service_start is None or self.end is None:
            return None
        return (self.end - self.service_start).total_seconds()

    def waited_past(self, target_seconds: float, as_of: datetime) -> bool:
        """An uncalled visit that had waited longer than the target when it ended (or at ``as_of``)."""
        if self.called_at is not None:
            return False
        until = self.end if self.end is not None else as_of
        return (until - self.start).total_seconds() > target_seconds


def visits_from_transitions(rows: Iterable) -> list[Visit]:
    """Cut transition rows (ordered by ticket, then sequence) into visits.

    Each row needs ``ticket_id, from_state, to_state, at, field, counter, officer, code, priority``.
    """
    visits: list[Visit] = []
    open_visit: dict[int, Visit] = {}
    for r in rows:
        v = open_visit.get(r.ticket_id)
        if r.from_state is None:
            v = Visit(r.ticket_id, r.code, r.field, "issue", r.at, r.priority)
            visits.append(v)
            open_visit[r.ticket_id] = v
            continue
        if v is None:
            continue  # the ticket's issue is outside the rows given
        to = r.to_state
        if to == "called":
            if r.from_state == "called":
                v.recalls += 1
            elif v.called_at is None:
                v.called_at = v.service_start = r.at
                v.counter, v.officer = r.counter, r.officer
            else:  # called again after coming back (not made by the engine today): a new call
                v.service_start = r.at
        elif to == "serving":
            v.service_start = r.at
        elif to == "waiting":  # a transfer: this visit ends where it was, a new one starts in r.field
            v.end, v.outcome = r.at, "transfer"
            if r.counter is not None:
                v.counter, v.officer = r.counter, r.officer
            nv = Visit(r.ticket_id, v.code, r.field, "transfer", r.at, v.priority)
            visits.append(nv)
            open_visit[r.ticket_id] = nv
        elif to in ("done", "no_show", "cancelled", "expired"):
            v.end, v.outcome = r.at, to
            if to in ("done", "no_show") and r.counter is not None:
                v.counter, v.officer = r.counter, r.officer
    return visits


def load_visits(engine: Engine, config, period: Period) -> list[Visit]:
    """The visits of every ticket issued in ``period`` (local days of the centre)."""
    start, end = period.bounds(config.tz)
    return load_visits_between(engine, config.id, start, end)


def load_visits_between(engine: Engine, centre_id: str, start: datetime, end: datetime) -> list[Visit]:
    tr, tk = t.transitions, t.tickets
    issued = select(tr.c.ticket_id).where(
        tr.c.centre_id == centre_id, tr.c.from_state.is_(None), tr.c.at >= start, tr.c.at < end
    )
    query = (
        select(tr.c.ticket_id, tr.c.from_state, tr.c.to_state, tr.c.at, tr.c.field, tr.c.counter, tr.c.officer,
               tk.c.code, tk.c.priority)
        .join(tk, (tk.c.centre_id == tr.c.centre_id) & (tk.c.id == tr.c.ticket_id))
        .where(tr.c.centre_id == centre_id, tr.c.ticket_id.in_(issued))
        .order_by(tr.c.ticket_id, tr.c.seq, tr.c.id)
    )
    with engine.connect() as conn:
        return visits_from_transitions(conn.execute(query))


# ---------------------------------------------------------------------- statistics
def percentile(values: list[float], p: float) -> float | None:
    """The ``p``-th percentile by linear interpolation between order statistics (PERCENTILE.INC)."""
    if not values:
        return None
    data = sorted(values)
    rank = (len(data) - 1) * p / 100.0
    low = int(rank)
    high = min(low + 1, len(data) - 1)
    return data[low] + (data[high] - data[low]) * (rank - low)


def _mean(values):
    return statistics.fmean(values) if values else None


def _median(values):
    return statistics.median(values) if values else None


@dataclass
class Row:
    """One line of a report. Times are in minutes; ``service_level`` is a share (0–1)."""

    key: str
    label: str
    period: str | None = None
    issued: int | None = 0
    served: int = 0
    no_shows: int = 0
    transfers: int = 0
    cancelled: int = 0
    expired: int = 0
    wait_mean: float | None = None
    wait_median: float | None = None
    wait_p90: float | None = None
    service_level: float | None = None
    service_mean: float | None = None
    service_median: float | None = None
    called: int = 0
    waiting: int = 0  # visits still open and uncalled at the end of the data

    COLUMNS = tuple(labels.COLUMNS)

    def to_dict(self) -> dict:
        out = {"key": self.key, "label": self.label, "period": self.period, "called": self.called,
               "waiting": self.waiting}
        for name in self.COLUMNS:
            value = getattr(self, name)
            out[name] = round(value, 4) if isinstance(value, float) else value
        return out


def summarise(visits: list[Visit], key: str, label: str, target_minutes: float, as_of: datetime,
              with_issued: bool = True) -> Row:
    """The figures of one group of visits."""
    target = target_minutes * 60.0
    waits = [v.wait_seconds / 60.0 for v in visits if v.called_at is not None]
    services = [s / 60.0 for s in (v.service_seconds for v in visits) if s is not None]
    on_time = sum(1 for v in visits if v.called_at is not None and v.wait_seconds <= target)
    missed = sum(1 for v in visits if v.waited_past(target, as_of))
    outcomes = [v.outcome for v in visits]
    return Row(
        key=key, label=label,
        issued=sum(1 for v in visits if v.origin == "issue") if with_issued else None,
        served=outcomes.count("done"), no_shows=outcomes.count("no_show"), transfers=outcomes.count("transfer"),
        cancelled=outcomes.count("cancelled"), expired=outcomes.count("expired"),
        wait_mean=_mean(waits), wait_median=_median(waits), wait_p90=percentile(waits, 90),
        service_level=on_time / (len(waits) + missed) if (waits or missed) else None,
        service_mean=_mean(services), service_median=_median(services),
        called=len(waits), waiting=sum(1 for v in visits if v.outcome is None and v.called_at is None),
    )


def group_key(visit: Visit, by: str, tz):
    """The group a visit belongs to under breakdown ``by`` (None: it has no place there)."""
    if by == "field":
        return visit.field
    if by == "counter":
        return visit.counter
    if by == "officer":
        return visit.officer
    local = visit.start.astimezone(tz)
    if by == "hour":
        return local.hour
    if by == "weekday":
        return local.weekday()
    raise ReportError(f"by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")


def group_label(config, by: str, key, lang: str = "vi") -> str:
    if by == "field":
        f = config.fields.get(key)
        return (f.name_en or f.name if lang == "en" else f.name) if f else str(key)
    if by == "counter":
        return labels.word("counter_n", lang, n=key)
    if by == "officer":
        o = config.officers.get(key)
        return o.name if o else str(key)
    if by == "hour":
        return labels.hour_label(key)
    return labels.weekday_name(key, lang)


def _order(config, by: str, keys) -> list:
    if by == "field":
        known = [k for k in config.fields if k in keys]
        return known + sorted(k for k in keys if k not in config.fields)
    if by == "officer":
        known = [k for k in config.officers if k in keys]
        return known + sorted(k for k in keys if k not in config.officers)
    return sorted(keys)


def breakdown(visits: list[Visit], config, by: str, *, as_of: datetime, lang: str = "vi",
              target_minutes: float | None = None, all_keys: bool = False) -> list[Row]:
    """One row per group of ``by`` (groups without visits only if ``all_keys``)."""
    if by not in BREAKDOWNS:
        raise ReportError(f"by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
    target = target_minutes if target_minutes is not None else config.centre.wait_target_minutes
    groups: dict = {}
    for v in visits:
        k = group_key(v, by, config.tz)
        if k is not None:
            groups.setdefault(k, []).append(v)
    if all_keys:
        extra = {"field": config.fields, "counter": config.counters, "officer": config.officers}.get(by, ())
        for k in extra:
            groups.setdefault(k, [])
    with_issued = by not in ("counter", "officer")
    return [summarise(groups[k], str(k), group_label(config, by, k, lang), target, as_of, with_issued)
            for k in _order(config, by, groups)]


@dataclass
class Report:
    """A report: rows for each (sub)period and breakdown group, and a total row per (sub)period."""

    centre: str
    period: Period
    by: str
    split: str | None
    target_minutes: float
    lang: str
    rows: list[Row] = field(default_factory=list)  # groups and totals, period by period
    generated_at: datetime | None = None

    @property
    def totals(self) -> list[Row]:
        return [r for r in self.rows if r.key == "total"]

    @property
    def total(self) -> Row:
        """The total of the whole report (the last total row when it is split)."""
        return self.totals[-1]

    def to_dict(self) -> dict:
        return {
            "centre": self.centre, "first_day": self.period.first.isoformat(), "last_day": self.period.last.isoformat(),
            "period": self.period.label(self.lang), "by": self.by, "split": self.split,
            "target_minutes": self.target_minutes, "lang": self.lang,
            "generated_at": self.generated_at.isoformat() if self.generated_at else None,
            "rows": [r.to_dict() for r in self.rows],
        }


def build_report(visits: list[Visit], config, period: Period, *, by: str = "field", split: str | None = None,
                 as_of: datetime, lang: str = "vi") -> Report:
    """Group ``visits`` (of tickets issued in ``period``) into a :class:`Report`.

    With ``split`` (day, month, quarter, year) the report has one block of rows per part of
    the period, each ending with its total, and a grand total at the end when there are several.
    """
    if by not in BREAKDOWNS:
        raise ReportError(f"by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
    target = config.centre.wait_target_minutes
    report = Report(config.id, period, by, split, target, lang, generated_at=as_of)
    parts = period.split(split)
    tz = config.tz
    for part in parts:
        start, end = part.bounds(tz)
        # a transferred visit belongs with its ticket's issue day
        issued_in = {v.ticket_id for v in visits if v.origin == "issue" and start <= v.start < end}
        mine = [v for v in visits if v.ticket_id in issued_in]
        label = part.label(lang) if split else None
        for row in breakdown(mine, config, by, as_of=as_of, lang=lang, target_minutes=target):
            report.rows.append(replace(row, period=label))
        total = summarise(mine, "total", labels.word("total", lang), target, as_of)
        report.rows.append(replace(total, period=label))
    if len(parts) > 1:
        report.rows.append(summarise(visits, "total", labels.word("total", lang), target, as_of))
    return report


# ---------------------------------------------------------------------- series for charts
def arrivals_matrix(visits: list[Visit], tz) -> list[list[int]]:
    """Tickets issued by local weekday (rows, Monday first) and hour (columns 0–23)."""
    grid = [[0] * 24 for _ in range(7)]
    for v in visits:
        if v.origin == "issue":
            local = v.start.astimezone(tz)
            grid[local.weekday()][local.hour] += 1
    return grid


def waits_by_field(visits: list[Visit], config) -> dict[str, list[float]]:
    """Minutes waited by each called visit, per field (config order, fields with data only)."""
    out: dict[str, list[float]] = {}
    for v in visits:
        if v.called_at is not None:
            out.setdefault(v.field, []).append(v.wait_seconds / 60.0)
    return {k: out[k] for k in _order(config, "field", out)}


def service_level_series(visits: list[Visit], config, period: Period, *, as_of: datetime,
                         step: str | None = None) -> list[tuple[Period, Row]]:
    """The service level (and volumes) of each day, or month for long periods, with data."""
    if step is None:
        step = "day" if (period.last - period.first).days < 62 else "month"
    target = config.centre.wait_target_minutes
    out = []
    for part in period.split(step):
        start, end = part.bounds(config.tz)
        issued_in = {v.ticket_id for v in visits if v.origin == "issue" and start <= v.start < end}
        if issued_in:
            row = summarise([v for v in visits if v.ticket_id in issued_in], part.slug, part.label(), target, as_of)
            out.append((part, row))
    return out
