"""The REST API under ``/api/v1``: one table of endpoints drives routing and OpenAPI.

Every engine command has an endpoint; errors are JSON ``{"error", "message"}`` with a
4xx status and change nothing. Devices and pages may send an ``Idempotency-Key``
header: a request repeated with the same key has its effect once and gets the same answer.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from flask import Blueprint, current_app, jsonify, request, session
from flask_login import login_user, logout_user
from pydantic import BaseModel, ValidationError

from .. import pipeline
from ..engine import commands as c
from ..engine.errors import MotCuaError, NotFound
from . import schemas as s
from .auth import Unauthenticated, check_password, csrf_token, current_actor
from .errors import http_status, status_of_answer
from .views import centre_info, public_ticket_status, snapshot

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class BadRequest(pipeline.InvalidRequest):
    """A malformed web request (400) with its code: ``BadRequest("invalid_query", "since must be an integer")``."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(message, code=code)


class BadLogin(Unauthenticated):
    code = "bad_login"


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # Flask syntax
    summary: str
    who: str
    body: type[BaseModel] | None = None
    command: Callable[..., c.Command] | None = None  # (path args, body) -> Command
    name: str | None = None  # the command's name (who may send it is checked before the body is read)
    query: Callable | None = None  # handler for reads
    response: type[BaseModel] = s.CommandOut
    status: int = 200
    public: bool = False


def _issue(args, body: s.IssueBody) -> c.IssueTicket:
    return c.IssueTicket(field=body.field, priority=body.priority, channel=body.channel or "kiosk")


def _ticket_id(body: s.CallBody) -> int:
    if body.ticket is not None:
        return body.ticket
    code = body.code.strip().upper()
    with current_app.extensions["motcua"].service.read() as hall:
        for ticket in hall.tickets.values():
            if ticket.code == code and ticket.service_day == hall.service_day:
                return ticket.id
    raise NotFound(f"no ticket {code[:8]} today")


COUNTER = "a button box for this counter, the officer seated at it, a supervisor or admin"
SUPERVISOR = "a supervisor or admin"

ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", "/tickets", "Issue a ticket", "a dispenser, staff, or anyone at the public kiosk (rate-limited)",
             s.IssueBody, _issue, status=201, public=True, name=c.IssueTicket.name),
    Endpoint("POST", "/tickets/<int:ticket>/cancel", "Cancel a waiting ticket", SUPERVISOR,
             command=lambda a, b: c.Cancel(ticket=a["ticket"]), name=c.Cancel.name),
    Endpoint("POST", "/counters/<int:counter>/call-next", "Call the next citizen (finishing one being served)", COUNTER,
             command=lambda a, b: c.CallNext(counter=a["counter"]), name=c.CallNext.name),
    Endpoint("POST", "/counters/<int:counter>/call", "Call a specific waiting ticket (by id or by today's code)",
             COUNTER, s.CallBody, lambda a, b: c.CallTicket(counter=a["counter"], ticket=_ticket_id(b)),
             name=c.CallTicket.name),
    Endpoint("POST", "/counters/<int:counter>/recall", "Call the current citizen again", COUNTER,
             command=lambda a, b: c.Recall(counter=a["counter"]), name=c.Recall.name),
    Endpoint("POST", "/counters/<int:counter>/start", "Start serving the called citizen", COUNTER,
             command=lambda a, b: c.StartServing(counter=a["counter"]), name=c.StartServing.name),
    Endpoint("POST", "/counters/<int:counter>/finish", "Finish the current citizen", COUNTER,
             command=lambda a, b: c.Finish(counter=a["counter"]), name=c.Finish.name),
    Endpoint("POST", "/counters/<int:counter>/no-show", "Mark the called citizen as not present", COUNTER,
             command=lambda a, b: c.NoShow(counter=a["counter"]), name=c.NoShow.name),
    Endpoint("POST", "/counters/<int:counter>/transfer", "Send the current citizen to another field's queue",
             COUNTER, s.TransferBody, lambda a, b: c.Transfer(counter=a["counter"], field=b.field),
             name=c.Transfer.name),
    Endpoint("POST", "/counters/<int:counter>/open", "Open the counter", COUNTER,
             command=lambda a, b: c.OpenCounter(counter=a["counter"]), name=c.OpenCounter.name),
    Endpoint("POST", "/counters/<int:counter>/close", "Close the counter", COUNTER,
             command=lambda a, b: c.CloseCounter(counter=a["counter"]), name=c.CloseCounter.name),
    Endpoint("POST", "/counters/<int:counter>/pause", "Pause the counter (no calls until resumed)", COUNTER,
             command=lambda a, b: c.PauseCounter(counter=a["counter"]), name=c.PauseCounter.name),
    Endpoint("POST", "/counters/<int:counter>/resume", "Resume a paused counter", COUNTER,
             command=lambda a, b: c.ResumeCounter(counter=a["counter"]), name=c.ResumeCounter.name),
    Endpoint("PUT", "/counters/<int:counter>/officer", "Seat an officer at the counter (at its next free moment)",
             SUPERVISOR, s.OfficerBody, lambda a, b: c.AssignOfficer(counter=a["counter"], officer=b.officer),
             name=c.AssignOfficer.name),
    Endpoint("DELETE", "/counters/<int:counter>/officer", "Unseat the counter's officer", SUPERVISOR,
             command=lambda a, b: c.UnassignOfficer(counter=a["counter"]), name=c.UnassignOfficer.name),
    Endpoint("PUT", "/counters/<int:counter>/fields", "Set the fields the counter serves (from its next call)",
             SUPERVISOR, s.FieldsBody,
             lambda a, b: c.SetCounterFields(counter=a["counter"], fields=tuple(b.fields)),
             name=c.SetCounterFields.name),
]


def _query(method, path, summary, who, response, public=True, body=None):
    def wrap(fn):
        ENDPOINTS.append(Endpoint(method, path, summary, who, body=body, query=fn, response=response, public=public))
        return fn

    return wrap


def _ext():
    return current_app.extensions["motcua"]


@_query("GET", "/health", "Liveness and the centre's sequence number", "anyone", s.HealthOut)
def health(args):
    return {"status": "ok", "seq": _ext().service.hall.seq, "centre": _ext().config.id}


@_query("GET", "/centre", "The centre: fields, counters, officers (public), priority categories", "anyone",
        s.CentreOut)
def get_centre(args):
    return centre_info(_ext().config)


@_query("GET", "/snapshot", "The live hall: counters, queues, recent calls, with its sequence number", "anyone",
        s.SnapshotOut)
def get_snapshot(args):
    return snapshot(_ext())


@_query("GET", "/track/<tracking_id>", "A ticket's status by its tracking id (the QR code)", "anyone",
        s.TicketStatusOut)
def track(args):
    status = public_ticket_status(_ext(), args["tracking_id"])
    if status is None:
        raise NotFound("no ticket with this tracking id")
    return status


@_query("GET", "/tickets", "Tickets of the current day, optionally by state and field", "staff and devices",
        s.TicketListOut, public=False)
def list_tickets(args):
    state, field = request.args.get("state"), request.args.get("field")
    with _ext().service.read() as hall:
        tickets = [
            t.to_dict() for t in hall.tickets.values()
            if (state is None or t.state.value == state) and (field is None or t.field == field)
        ]
    return {"tickets": tickets}


@_query("GET", "/events", "Events after a sequence number (for a client that missed some)", "staff and devices",
        s.EventsOut, public=False)
def list_events(args):
    try:
        since = int(request.args.get("since", "0"))
    except ValueError:
        raise BadRequest("invalid_query", "since must be an integer") from None
    return {"events": _ext().store.events_since(_ext().config.id, since)}


@_query("GET", "/me", "Who the caller is (and the CSRF token for a staff session)", "anyone", s.MeOut)
def me(args):
    actor = current_actor()
    out = {"id": actor.id, "role": actor.role, "officer": actor.officer, "counters": list(actor.counters)}
    if actor.is_staff:
        out["csrf_token"] = csrf_token()
    return out


@_query("POST", "/auth/login", "Staff log in (sets a session cookie; returns the CSRF token)", "anyone", s.MeOut,
        body=s.LoginBody)
def login(args, body: s.LoginBody):
    user = check_password(_ext().config, body.username, body.password)
    if user is None:
        raise BadLogin("wrong username or password")
    session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME (12 h), checked on every request
    login_user(user)
    actor = user.actor
    return {"id": actor.id, "role": actor.role, "officer": actor.officer, "counters": [], "csrf_token": csrf_token()}


@_query("POST", "/auth/logout", "Staff log out", "staff", s.MeOut, public=False)
def logout(args):
    logout_user()
    return {"id": "anonymous", "role": "anonymous", "officer": None, "counters": []}


# ---------------------------------------------------------------------- dispatch
def parse_body(model: type[BaseModel] | None):
    if model is None:
        if request.content_length and request.get_data(cache=True).strip() not in (b"", b"{}"):
            data = request.get_json(silent=True)
            if data is None or data != {}:
                raise BadRequest("invalid_body", "this endpoint takes no body")
        return None
    data = request.get_json(silent=True)
    if data is None:
        raise BadRequest("bad_json", "the body must be a JSON object (Content-Type: application/json)")
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        problems = "; ".join(
            f"{'.'.join(str(p) for p in e['loc']) or 'body'}: {e['msg']}" for e in exc.errors()
        )
        raise BadRequest("invalid_body", problems) from None


def run_command(command: c.Command, actor, request_id: str | None, deadline: float | None = None):
    """The one command pipeline (hall_server/pipeline.py) from a web request: (status, body)."""
    outcome = pipeline.submit(current_app.extensions["motcua"].service, actor, command, request_id,
                              deadline=deadline)
    return status_of_answer(outcome.body, created=isinstance(command, c.IssueTicket)), outcome.body


def _make_view(ep: Endpoint):
    def view(**args):
        actor = current_actor()
        if not ep.public and actor.role == "anonymous":
            raise Unauthenticated("log in or send a device token")
        if ep.query is not None:
            body = parse_body(ep.body)
            result = ep.query(args, body) if ep.body else ep.query(args)
            return jsonify(result), ep.status
        try:
            command = ep.command(args, parse_body(ep.body))
        except BadRequest:
            # who may ask is answered before what they sent: a caller who may not send this
            # command hears that, not what is wrong with the body
            with current_app.extensions["motcua"].service.read() as hall:
                pipeline.authorize(actor, ep.name, args.get("counter"), hall)
            raise
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 64):
            raise BadRequest("invalid_header", "Idempotency-Key must be 1 to 64 characters")
        status, result = run_command(command, actor, key)
        if isinstance(command, c.IssueTicket) and actor.role == "dispenser" and status == 201:
            from .sockets import send_print_job

            send_print_job(current_app.extensions["motcua"], actor.id, result["ticket"])
        return jsonify(result), status

    view.__name__ = (f"{ep.method.lower()}_{ep.path}".replace("/", "_").replace("<", "").replace(">", "")
                     .replace(":", "_").replace("-", "_"))
    return view


for _ep in ENDPOINTS:
    bp.add_url_rule(_ep.path, view_func=_make_view(_ep), methods=[_ep.method])


def add_query(method: str, path: str, summary: str, who: str, response: type[BaseModel], *,
              public: bool = True, body: type[BaseModel] | None = None, status: int = 200):
    """Add a JSON endpoint under /api/v1 from a feature module; it appears in the OpenAPI document.

    The handler gets the path arguments (and the parsed body, if ``body`` is given), may raise
    :class:`BadRequest` or a :class:`~hall_server.engine.errors.MotCuaError`, and returns a dict matching ``response``.
    Feature modules must be imported before the API blueprint is registered (create_app does).
    """

    def wrap(fn):
        ep = Endpoint(method, path, summary, who, body=body, query=fn, response=response, public=public,
                      status=status)
        ENDPOINTS.append(ep)
        bp.add_url_rule(ep.path, view_func=_make_view(ep), methods=[ep.method])
        return fn

    return wrap


@bp.errorhandler(MotCuaError)
def _refused(exc: MotCuaError):
    return jsonify(exc.to_dict()), http_status(exc)
