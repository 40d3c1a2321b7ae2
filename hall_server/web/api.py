"""The REST API under ``/api/v1``: one table of endpoints drives routing and OpenAPI.

Every engine command has an endpoint; errors are JSON ``{"error", "message"}`` with a
4xx status and change nothing. Devices and pages may send an ``Idempotency-Key``
header: a request repeated with the same key has its effect once and gets the same answer.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Callable

from flask import Blueprint, current_app, jsonify, request, session
from flask_login import login_user, logout_user
from pydantic import BaseModel, ValidationError

from ..engine import commands as c
from . import schemas as s
from .auth import Forbidden, authorize, check_password, csrf_token, current_actor
from .views import centre_info, public_ticket_status, snapshot

bp = Blueprint("api", __name__, url_prefix="/api/v1")


class BadRequest(Exception):
    def __init__(self, code: str, message: str, status: int = 400):
        super().__init__(message)
        self.code, self.message, self.status = code, message, status


@dataclass(frozen=True)
class Endpoint:
    method: str
    path: str  # Flask syntax
    summary: str
    who: str
    body: type[BaseModel] | None = None
    command: Callable[..., c.Command] | None = None  # (path args, body) -> Command
    query: Callable | None = None  # handler for reads
    response: type[BaseModel] = s.CommandOut
    status: int = 200
    public: bool = False


def _issue(args, body: s.IssueBody) -> c.IssueTicket:
    return c.IssueTicket(field=body.field, priority=body.priority, channel=body.channel or "kiosk",
                         tracking_id=secrets.token_urlsafe(12))


def _ticket_id(body: s.CallBody) -> int:
    if body.ticket is not None:
        return body.ticket
    code = body.code.strip().upper()
    with current_app.extensions["motcua"].service.read() as hall:
        for ticket in hall.tickets.values():
            if ticket.code == code and ticket.service_day == hall.service_day:
                return ticket.id
    raise BadRequest("not_found", f"no ticket {code[:8]} today", 404)


COUNTER = "a button box for this counter, the officer seated at it, a supervisor or admin"
SUPERVISOR = "a supervisor or admin"

ENDPOINTS: list[Endpoint] = [
    Endpoint("POST", "/tickets", "Issue a ticket", "a dispenser, staff, or anyone at the public kiosk (rate-limited)",
             s.IssueBody, _issue, status=201, public=True),
    Endpoint("POST", "/tickets/<int:ticket>/cancel", "Cancel a waiting ticket", SUPERVISOR,
             command=lambda a, b: c.Cancel(ticket=a["ticket"])),
    Endpoint("POST", "/counters/<int:counter>/call-next", "Call the next citizen (finishing one being served)", COUNTER,
             command=lambda a, b: c.CallNext(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/call", "Call a specific waiting ticket (by id or by today's code)",
             COUNTER, s.CallBody, lambda a, b: c.CallTicket(counter=a["counter"], ticket=_ticket_id(b))),
    Endpoint("POST", "/counters/<int:counter>/recall", "Call the current citizen again", COUNTER,
             command=lambda a, b: c.Recall(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/start", "Start serving the called citizen", COUNTER,
             command=lambda a, b: c.StartServing(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/finish", "Finish the current citizen", COUNTER,
             command=lambda a, b: c.Finish(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/no-show", "Mark the called citizen as not present", COUNTER,
             command=lambda a, b: c.NoShow(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/transfer", "Send the current citizen to another field's queue",
             COUNTER, s.TransferBody, lambda a, b: c.Transfer(counter=a["counter"], field=b.field)),
    Endpoint("POST", "/counters/<int:counter>/open", "Open the counter", COUNTER,
             command=lambda a, b: c.OpenCounter(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/close", "Close the counter", COUNTER,
             command=lambda a, b: c.CloseCounter(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/pause", "Pause the counter (no calls until resumed)", COUNTER,
             command=lambda a, b: c.PauseCounter(counter=a["counter"])),
    Endpoint("POST", "/counters/<int:counter>/resume", "Resume a paused counter", COUNTER,
             command=lambda a, b: c.ResumeCounter(counter=a["counter"])),
    Endpoint("PUT", "/counters/<int:counter>/officer", "Seat an officer at the counter (at its next free moment)",
             SUPERVISOR, s.OfficerBody, lambda a, b: c.AssignOfficer(counter=a["counter"], officer=b.officer)),
    Endpoint("DELETE", "/counters/<int:counter>/officer", "Unseat the counter's officer", SUPERVISOR,
             command=lambda a, b: c.UnassignOfficer(counter=a["counter"])),
    Endpoint("PUT", "/counters/<int:counter>/fields", "Set the fields the counter serves (from its next call)",
             SUPERVISOR, s.FieldsBody, lambda a, b: c.SetCounterFields(counter=a["counter"], fields=tuple(b.fields))),
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
        raise BadRequest("not_found", "no ticket with this tracking id", 404)
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
        raise BadRequest("bad_login", "wrong username or password", 401)
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


def run_command(command: c.Command, actor, request_id: str | None):
    """Authorize and execute a command; return (status, body). Shared by REST and sockets."""
    ext = current_app.extensions["motcua"]
    with ext.service.read() as hall:
        authorize(actor, command.name, getattr(command, "counter", None), hall)
    if request_id is not None:
        request_id = f"{actor.role}:{actor.id}:{request_id}"[:100]
    outcome = ext.service.execute(command, request_id=request_id, actor=actor)
    return outcome.status, outcome.body


_NAMES = {
    ("POST", "/tickets"): "issue_ticket", ("POST", "cancel"): "cancel", ("POST", "call-next"): "call_next",
    ("POST", "call"): "call_ticket", ("POST", "recall"): "recall", ("POST", "start"): "start_serving",
    ("POST", "finish"): "finish", ("POST", "no-show"): "no_show", ("POST", "transfer"): "transfer",
    ("POST", "open"): "open_counter", ("POST", "close"): "close_counter", ("POST", "pause"): "pause_counter",
    ("POST", "resume"): "resume_counter", ("PUT", "officer"): "assign_officer",
    ("DELETE", "officer"): "unassign_officer", ("PUT", "fields"): "set_counter_fields",
}


def _command_name(ep: Endpoint) -> str:
    return _NAMES.get((ep.method, ep.path)) or _NAMES[(ep.method, ep.path.rsplit("/", 1)[-1])]


def _make_view(ep: Endpoint):
    def view(**args):
        actor = current_actor()
        if not ep.public and actor.role == "anonymous":
            raise Forbidden("log in or send a device token", 401)
        if ep.command is not None:  # who may ask is checked before what they sent
            with current_app.extensions["motcua"].service.read() as hall:
                authorize(actor, _command_name(ep), args.get("counter"), hall)
        body = parse_body(ep.body)
        if ep.query is not None:
            result = ep.query(args, body) if ep.body else ep.query(args)
            return jsonify(result), ep.status
        command = ep.command(args, body)
        if isinstance(command, c.IssueTicket) and actor.role in ("officer", "supervisor", "admin"):
            command = c.IssueTicket(field=command.field, priority=command.priority,
                                    channel=command.channel if command.channel != "kiosk" else "counter",
                                    tracking_id=command.tracking_id)
        key = request.headers.get("Idempotency-Key")
        if key is not None and not (0 < len(key) <= 64):
            raise BadRequest("invalid_header", "Idempotency-Key must be 1 to 64 characters")
        status, result = run_command(command, actor, key)
        if isinstance(command, c.IssueTicket) and actor.role == "dispenser" and status == 201:
            from .sockets import send_print_job

            send_print_job(current_app.extensions["motcua"], actor.id, result["ticket"])
        return jsonify(result), status

    view.__name__ = f"{ep.method.lower()}_{ep.path}".replace("/", "_").replace("<", "").replace(">", "").replace(":", "_").replace("-", "_")
    return view


for _ep in ENDPOINTS:
    bp.add_url_rule(_ep.path, view_func=_make_view(_ep), methods=[_ep.method])


def add_query(method: str, path: str, summary: str, who: str, response: type[BaseModel], *,
              public: bool = True, body: type[BaseModel] | None = None, status: int = 200):
    """Add a JSON endpoint under /api/v1 from a feature module; it appears in the OpenAPI document.

    The handler gets the path arguments (and the parsed body, if ``body`` is given), may raise
    :class:`BadRequest` or :class:`Forbidden`, and returns a dict matching ``response``.
    Feature modules must be imported before the API blueprint is registered (create_app does).
    """

    def wrap(fn):
        ep = Endpoint(method, path, summary, who, body=body, query=fn, response=response, public=public,
                      status=status)
        ENDPOINTS.append(ep)
        bp.add_url_rule(ep.path, view_func=_make_view(ep), methods=[ep.method])
        return fn

    return wrap


@bp.errorhandler(BadRequest)
def _bad_request(exc: BadRequest):
    return jsonify(error=exc.code, message=exc.message), exc.status


@bp.errorhandler(Forbidden)
def _forbidden(exc: Forbidden):
    return jsonify(error="unauthorized" if exc.status == 401 else "forbidden", message=exc.message), exc.status
