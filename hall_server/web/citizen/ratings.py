"""Ratings: the counter's rating tablet (``/rating``) and its JSON endpoints."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Literal

from flask import redirect, render_template, request, url_for
from flask_login import current_user
from pydantic import Field, StrictInt

from ...citizen import rating as rt
from ...engine.errors import NotFound
from .. import schemas as s
from ..api import BadRequest, add_query
from ..auth import Forbidden, Unauthenticated, current_actor, device_actor
from . import SUPERVISORS, app_ext, bp, citizen_state, parse_day, require_role
from .texts import page_data, text


# ---------------------------------------------------------------------- ratings: API
class RatingBody(s.Body):
    ticket: StrictInt = Field(description="The id of the ticket just finished at this counter")
    rating: Literal["very_satisfied", "satisfied", "unsatisfied"]
    reasons: list[Literal["long_wait", "attitude", "unclear_guidance", "complex_procedure", "other"]] = Field(
        default=[], max_length=5, description="Only with unsatisfied")


class RatingOut(s.Out):
    ticket: int
    code: str
    counter: int
    officer: str | None
    field: str
    rating: str
    reasons: list[str]
    at: str


class Choice(s.Out):
    code: str
    name: str
    name_en: str


class RateableOut(s.Out):
    id: int
    code: str
    field: str
    finished_at: str
    expires_at: str


class RatingPendingOut(s.Out):
    counter: int
    ticket: RateableOut | None
    window_seconds: float
    levels: list[Choice]
    reasons: list[Choice]


class RatingFigureOut(s.Out):
    key: str
    count: int
    very_satisfied: int
    satisfied: int
    unsatisfied: int
    reasons: dict[str, int]
    satisfied_share: float | None
    score_mean: float | None


class RatingFiguresOut(s.Out):
    first_day: str
    last_day: str
    by: str
    rows: list[RatingFigureOut]


def _rating_actor(counter: int):
    """The caller, if it may rate at ``counter``: its button box, its seated officer, or a supervisor."""
    actor = current_actor()
    if actor.role == "anonymous":
        raise Unauthenticated("send the counter's button-box token or log in")
    if actor.role == "button_box":
        if counter not in actor.counters:
            raise Forbidden(f"device {actor.id} does not act for counter {counter}")
    elif actor.role == "officer":
        with app_ext().service.read() as hall:
            seat = hall.counters.get(counter)
            if seat is not None and seat.officer != actor.officer:
                raise Forbidden(f"officer {actor.officer} is not seated at counter {counter}")
    elif actor.role not in SUPERVISORS:
        raise Forbidden(f"{actor.role} may not rate")
    if not citizen_state().settings.rating.enabled:
        raise rt.RatingRefused("rating_disabled", "this centre does not take ratings", text("rating_disabled", "vi"))
    return actor


def _choices() -> tuple[list[dict], list[dict]]:
    levels = [{"code": k, "name": v[0], "name_en": v[1]} for k, v in rt.LEVELS.items()]
    reasons = [{"code": k, "name": v[0], "name_en": v[1]} for k, v in rt.REASONS.items()]
    return levels, reasons


COUNTER_DEVICE = "the counter's button box (device token), the officer seated there, a supervisor or admin"


@add_query("GET", "/counters/<int:counter>/rating", "The ticket the counter's rating device should ask about now "
           "(the last one finished there, within the rating window, not yet rated), or null", COUNTER_DEVICE,
           RatingPendingOut, public=False)
def rating_pending(args):
    counter = args["counter"]
    _rating_actor(counter)
    ext, window = app_ext(), citizen_state().settings.rating.window_seconds
    now = ext.service.clock()
    with ext.service.read() as hall:
        if counter not in hall.counters:
            raise NotFound(f"unknown counter {counter}")
        ticket = rt.rateable_ticket(hall, counter, now, window)
        ticket = dataclasses.replace(ticket) if ticket else None
    if ticket is not None and rt.is_rated(ext.store.engine, ext.config.id, ticket.id):
        ticket = None
    levels, reasons = _choices()
    return {"counter": counter, "window_seconds": window, "levels": levels, "reasons": reasons, "ticket": None
            if ticket is None else {"id": ticket.id, "code": ticket.code, "field": ticket.field,
                                    "finished_at": ticket.finished_at.isoformat(),
                                    "expires_at": (ticket.finished_at + timedelta(seconds=window)).isoformat()}}


@add_query("POST", "/counters/<int:counter>/rating", "Rate the ticket just finished at this counter (once, within "
           "the rating window); 409 names why a rating is refused", COUNTER_DEVICE, RatingOut, public=False,
           body=RatingBody, status=201)
def rating_post(args, body: RatingBody):
    counter = args["counter"]
    actor = _rating_actor(counter)
    ext = app_ext()
    reasons = rt.check_level(body.rating, list(body.reasons))
    now = ext.service.clock()
    rated = rt.is_rated(ext.store.engine, ext.config.id, body.ticket)
    with ext.service.read() as hall:
        ticket = rt.check_rating(hall, counter, body.ticket, now, citizen_state().settings.rating.window_seconds,
                                 rated=rated)
        ticket = dataclasses.replace(ticket)
    return rt.save_rating(ext.store.engine, ext.config.id, ticket, body.rating, reasons, now, actor.id)


@add_query("GET", "/ratings", "Satisfaction figures (query: from, to as YYYY-MM-DD, local days; by officer|field|"
           "counter|day|all)", "a supervisor or admin", RatingFiguresOut, public=False)
def rating_figures_json(args):
    require_role(SUPERVISORS)
    ext = app_ext()
    first = parse_day(request.args.get("from"), "from")
    last = parse_day(request.args.get("to") or first.isoformat(), "to")
    by = request.args.get("by") or "officer"
    if by not in rt.BREAKDOWNS:
        raise BadRequest("invalid_query", f"by must be one of {', '.join(rt.BREAKDOWNS)}")
    if last < first or (last - first).days > 5 * 366:
        raise BadRequest("invalid_query", "to must be on or after from, at most five years later")
    tz = ext.config.tz
    start = datetime.combine(first, datetime.min.time(), tzinfo=tz)
    end = datetime.combine(last + timedelta(days=1), datetime.min.time(), tzinfo=tz)
    rows = rt.rating_figures(ext.store.engine, ext.config.id, start, end, by)
    return {"first_day": first.isoformat(), "last_day": last.isoformat(), "by": by,
            "rows": [r.to_dict() for r in rows]}



# ---------------------------------------------------------------------- the page
@bp.get("/rating")
def rating_page():
    ext = app_ext()
    counter = request.args.get("counter", type=int)
    token = request.args.get("device", "")
    problem = None
    if token:
        actor = device_actor(ext.config, token)
        if actor is None or actor.role != "button_box":
            problem = "rating_not_set_up"
        elif counter is None and len(actor.counters) == 1:
            counter = actor.counters[0]
        elif counter not in actor.counters:
            problem = "rating_not_set_up"
    elif not current_user.is_authenticated:
        return redirect(url_for("pages.login", next=request.full_path))
    else:
        actor = current_user.actor
        with ext.service.read() as hall:
            if actor.role == "officer":
                seat = hall.officer_counter(actor.officer)
                counter = seat.number if seat else None
            elif counter is None:
                counter = min(hall.counters)
        if counter is None or counter not in ext.config.counters:
            problem = "rating_not_set_up"
    if not citizen_state().settings.rating.enabled:
        problem = "rating_disabled"
    status = 200 if problem is None else 403
    data = page_data(counter=counter, device_token=token if problem is None else "", problem=problem,
                      window_seconds=citizen_state().settings.rating.window_seconds,
                      levels=list(rt.LEVELS), reasons=list(rt.REASONS))
    return render_template("rating.html", page_data=data, counter=counter, problem=problem), status
