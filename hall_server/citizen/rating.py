"""Satisfaction ratings: one per served ticket, given at its counter just after it finished.

When an officer finishes a ticket, the counter's rating device (a tablet page or a three-button
box) asks "Rất hài lòng / Hài lòng / Không hài lòng" about *that* ticket. The rating is accepted
only if the ticket

* is done (not called, not a no-show),
* was finished at this counter and is the last ticket finished there,
* finished at most ``window_seconds`` ago (3 minutes by default),
* has not been rated yet;

otherwise :class:`RatingRefused` names the reason (in English and Vietnamese). The counter,
officer, field and day are copied from the stored ticket, so reports group ratings exactly as
they group waits::

    with service.read() as hall:
        ticket = check_rating(hall, counter=3, ticket_id=17, now=now, window_seconds=180)
    save_rating(store.engine, "demo", ticket, "unsatisfied", ["long_wait"], now, device="buttons-1")
    rating_figures(store.engine, "demo", start, end, by="officer")[0].satisfied_share
    # → 0.875
"""

from __future__ import annotations

import unicodedata
from dataclasses import asdict, dataclass, field
from datetime import datetime

from sqlalchemy import insert, select
from sqlalchemy.exc import IntegrityError

from ..engine import TicketState
from ..engine.errors import Refusal
from . import schema as t

# code: (Vietnamese, English, score)
LEVELS: dict[str, tuple[str, str, int]] = {
    "very_satisfied": ("Rất hài lòng", "Very satisfied", 3),
    "satisfied": ("Hài lòng", "Satisfied", 2),
    "unsatisfied": ("Không hài lòng", "Unsatisfied", 1),
}
# Reasons a citizen may add to "Không hài lòng" (code: Vietnamese, English).
REASONS: dict[str, tuple[str, str]] = {
    "long_wait": ("Thời gian chờ lâu", "Long wait"),
    "attitude": ("Thái độ cán bộ", "Officer's attitude"),
    "unclear_guidance": ("Hướng dẫn chưa rõ", "Unclear guidance"),
    "complex_procedure": ("Thủ tục phức tạp", "Complicated procedure"),
    "other": ("Khác", "Other"),
}
BREAKDOWNS = ("officer", "field", "counter", "day", "all")
for _pair in list(LEVELS.values()) + list(REASONS.values()):
    assert all(unicodedata.is_normalized("NFC", x) for x in _pair[:2])


class RatingRefused(Refusal):
    """A rating that is not accepted; nothing was stored."""


def check_level(level: str, reasons: list[str]) -> list[str]:
    """The reasons, cleaned (no repeats, in the listed order), or :class:`RatingRefused` (400)."""
    if level not in LEVELS:
        raise RatingRefused("invalid_rating", f"rating must be one of {', '.join(LEVELS)}",
                            "Mức đánh giá không hợp lệ.", kind="invalid")
    unknown = [r for r in reasons if r not in REASONS]
    if unknown:
        raise RatingRefused("invalid_rating", f"unknown reason {unknown[0][:40]!r} (use {', '.join(REASONS)})",
                            "Lý do không hợp lệ.", kind="invalid")
    if reasons and level != "unsatisfied":
        raise RatingRefused("invalid_rating", "reasons go only with the rating unsatisfied",
                            "Chỉ chọn lý do khi không hài lòng.", kind="invalid")
    return [r for r in REASONS if r in reasons]


def last_finished(hall, counter: int):
    """The ticket most recently finished (done) at ``counter``, or None."""
    latest = None
    for ticket in hall.tickets.values():
        if ticket.counter == counter and ticket.state is TicketState.DONE and ticket.finished_at is not None:
            if latest is None or (ticket.finished_at, ticket.id) > (latest.finished_at, latest.id):
                latest = ticket
    return latest


def rateable_ticket(hall, counter: int, now: datetime, window_seconds: float):
    """The ticket the counter's device should ask about now (last finished, within the window), or None."""
    ticket = last_finished(hall, counter)
    if ticket is None or (now - ticket.finished_at).total_seconds() > window_seconds:
        return None
    return ticket


def check_rating(hall, counter: int, ticket_id: int, now: datetime, window_seconds: float, *,
                 rated: bool = False):
    """The ticket, if ``counter`` may rate it now; else :class:`RatingRefused`.

    ``rated`` says whether the store already holds a rating for it.
    """
    if counter not in hall.counters:
        raise RatingRefused("not_found", f"unknown counter {counter}", "Không có quầy này.", kind="not_found")
    ticket = hall.tickets.get(ticket_id)
    if ticket is None:
        raise RatingRefused("not_found", f"no ticket {ticket_id} today", "Không tìm thấy phiếu này.", kind="not_found")
    if rated:
        raise RatingRefused("already_rated", f"ticket {ticket.code} has already been rated",
                            f"Số {ticket.code} đã được đánh giá. Xin cảm ơn!")
    if ticket.state is not TicketState.DONE:
        raise RatingRefused("rating_not_finished", f"ticket {ticket.code} is {ticket.state.value}, not done",
                            f"Số {ticket.code} chưa được giải quyết xong nên chưa thể đánh giá.")
    if ticket.counter != counter:
        raise RatingRefused("rating_wrong_counter", f"ticket {ticket.code} was served at counter {ticket.counter}, "
                            f"not {counter}", f"Số {ticket.code} không được phục vụ tại quầy này.")
    latest = last_finished(hall, counter)
    if latest is not None and latest.id != ticket.id:
        raise RatingRefused("rating_not_latest", f"ticket {latest.code} finished at counter {counter} after "
                            f"{ticket.code}; only the last citizen served may rate",
                            f"Quầy đã phục vụ công dân khác sau số {ticket.code}; chỉ đánh giá lượt vừa xong.")
    age = (now - ticket.finished_at).total_seconds()
    if age > window_seconds:
        raise RatingRefused("rating_too_late", f"ticket {ticket.code} finished {age:.0f} s ago; ratings are taken "
                            f"within {window_seconds:.0f} s", f"Đã quá thời gian đánh giá cho số {ticket.code}.")
    return ticket


def is_rated(engine, centre_id: str, ticket_id: int) -> bool:
    r = t.ratings
    with engine.connect() as conn:
        return conn.execute(select(r.c.id).where(r.c.centre_id == centre_id, r.c.ticket_id == ticket_id)).first() \
            is not None


def save_rating(engine, centre_id: str, ticket, level: str, reasons: list[str], now: datetime, device: str) -> dict:
    """Store the rating of a checked ticket; :class:`RatingRefused` if it was rated meanwhile."""
    reasons = check_level(level, list(reasons))
    row = {
        "centre_id": centre_id, "ticket_id": ticket.id, "ticket_code": ticket.code,
        "service_day": ticket.service_day, "field": ticket.field, "counter": ticket.counter,
        "officer": ticket.officer, "level": level, "reasons": reasons, "finished_at": ticket.finished_at,
        "at": now, "device": device[:100],
    }
    try:
        with t.writer(engine).begin() as conn:
            conn.execute(insert(t.ratings).values(**row))
    except IntegrityError:
        raise RatingRefused("already_rated", f"ticket {ticket.code} has already been rated",
                            f"Số {ticket.code} đã được đánh giá. Xin cảm ơn!") from None
    return {"ticket": ticket.id, "code": ticket.code, "counter": ticket.counter, "officer": ticket.officer,
            "field": ticket.field, "rating": level, "reasons": reasons, "at": now.isoformat()}


# ---------------------------------------------------------------------- figures for reports
@dataclass
class RatingFigure:
    """Ratings of one group: counts by level and by reason."""

    key: str  # the officer id, field code, counter number or day (as text); "all" for the total
    count: int = 0
    very_satisfied: int = 0
    satisfied: int = 0
    unsatisfied: int = 0
    reasons: dict[str, int] = field(default_factory=dict)

    @property
    def satisfied_share(self) -> float | None:
        """Share rated "Hài lòng" or "Rất hài lòng" (the usual satisfaction index), 0–1."""
        return (self.very_satisfied + self.satisfied) / self.count if self.count else None

    @property
    def score_mean(self) -> float | None:
        """Mean score, 3 (very satisfied) to 1 (unsatisfied)."""
        if not self.count:
            return None
        return (3 * self.very_satisfied + 2 * self.satisfied + self.unsatisfied) / self.count

    def to_dict(self) -> dict:
        out = asdict(self)
        out["satisfied_share"] = round(self.satisfied_share, 4) if self.count else None
        out["score_mean"] = round(self.score_mean, 3) if self.count else None
        return out


def rating_figures(engine, centre_id: str, start: datetime, end: datetime, by: str = "officer") -> list[RatingFigure]:
    """Ratings given in [start, end), grouped ``by`` officer, field, counter, day (service day) or all.

    Groups are sorted by key; ratings of a counter without an officer are grouped under officer "".
    """
    if by not in BREAKDOWNS:
        raise ValueError(f"by must be one of {', '.join(BREAKDOWNS)}, not {by!r}")
    r = t.ratings
    with engine.connect() as conn:
        rows = conn.execute(
            select(r.c.level, r.c.reasons, r.c.officer, r.c.field, r.c.counter, r.c.service_day)
            .where(r.c.centre_id == centre_id, r.c.at >= start, r.c.at < end)
        ).all()
    groups: dict[str, RatingFigure] = {}
    for row in rows:
        if by == "all":
            key = "all"
        elif by == "day":
            key = row.service_day.isoformat()
        elif by == "officer":
            key = row.officer or ""
        else:
            key = str(getattr(row, by))
        fig = groups.get(key) or groups.setdefault(key, RatingFigure(key))
        fig.count += 1
        setattr(fig, row.level, getattr(fig, row.level) + 1)
        for reason in row.reasons or []:
            fig.reasons[reason] = fig.reasons.get(reason, 0) + 1
    order = (lambda k: (0, int(k))) if by == "counter" else (lambda k: (0 if k else 1, k))
    return [groups[k] for k in sorted(groups, key=order)]
