"""Who is asking, and what they may do.

Three kinds of caller:

* **staff** log in with a password (argon2 hash in the hall file) and carry a Flask
  session cookie; changes they make by cookie need the ``X-CSRF-Token`` header;
* **devices** send ``Authorization: Bearer <token>`` (REST) or ``auth={"token": …}``
  (Socket.IO); each token is limited to its device's kind and counters;
* **the public** may read the display data and a ticket by its tracking id, and take a
  number at the public kiosk page (rate-limited).
"""

from __future__ import annotations

import hmac
import secrets

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, g, request, session
from flask_login import LoginManager, UserMixin, current_user

from ..service import Actor

login_manager = LoginManager()
login_manager.login_view = "pages.login"
_hasher = PasswordHasher()
ANONYMOUS = Actor("anonymous", "anonymous")

# Commands each role may send. Counter commands are further limited to the actor's counters.
COUNTER_COMMANDS = {
    "call_next", "call_ticket", "recall", "start_serving", "finish", "no_show", "transfer",
    "pause_counter", "resume_counter", "open_counter", "close_counter",
}
SUPERVISOR_COMMANDS = COUNTER_COMMANDS | {
    "issue_ticket", "cancel", "assign_officer", "unassign_officer", "set_counter_fields",
}
ALLOWED = {
    "anonymous": {"issue_ticket"},
    "dispenser": {"issue_ticket"},
    "display": set(),
    "button_box": COUNTER_COMMANDS,
    "officer": COUNTER_COMMANDS | {"issue_ticket"},
    "supervisor": SUPERVISOR_COMMANDS,
    "admin": SUPERVISOR_COMMANDS,
}


class Forbidden(Exception):
    """The caller may not do this. ``status`` is 401 (who are you?) or 403 (not you)."""

    def __init__(self, message: str, status: int = 403):
        super().__init__(message)
        self.message = message
        self.status = status


class StaffUser(UserMixin):
    def __init__(self, staff):
        self.staff = staff
        self.id = staff.username

    @property
    def actor(self) -> Actor:
        return Actor(self.staff.username, self.staff.role, officer=self.staff.officer)


@login_manager.user_loader
def _load_user(username: str):
    staff = current_app.extensions["motcua"].config.staff.get(username)
    return StaffUser(staff) if staff else None


@login_manager.unauthorized_handler
def _unauthorized():
    from flask import jsonify, redirect, url_for

    if request.path.startswith("/api/"):
        return jsonify(error="unauthorized", message="log in first"), 401
    return redirect(url_for("pages.login", next=request.full_path))


def check_password(config, username: str, password: str) -> StaffUser | None:
    staff = config.staff.get(username)
    if staff is None:
        _hasher.hash("timing-equaliser")  # same cost whether or not the user exists
        return None
    try:
        _hasher.verify(staff.password_hash, password)
    except (VerificationError, InvalidHashError):
        return None
    return StaffUser(staff)


def device_actor(config, token: str | None) -> Actor | None:
    if not token:
        return None
    device = config.device_by_token(token)
    if device is None:
        return None
    return Actor(device.id, device.kind, counters=tuple(device.counters))


def csrf_token() -> str:
    if "csrf" not in session:
        session["csrf"] = secrets.token_urlsafe(24)
    return session["csrf"]


def current_actor() -> Actor:
    """The caller of this request: a device by bearer token, a staff session, or anonymous."""
    if "actor" in g:
        return g.actor
    config = current_app.extensions["motcua"].config
    header = request.headers.get("Authorization", "")
    if header:
        scheme, _, token = header.partition(" ")
        actor = device_actor(config, token.strip()) if scheme.lower() == "bearer" else None
        if actor is None:
            raise Forbidden("invalid device token", 401)
        g.actor = actor
        return actor
    if current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()) or not sent:
                raise Forbidden("missing or wrong X-CSRF-Token header", 403)
        g.actor = current_user.actor
        return g.actor
    g.actor = ANONYMOUS
    return ANONYMOUS


def authorize(actor: Actor, command: str, counter: int | None, hall) -> None:
    """Raise :class:`Forbidden` unless ``actor`` may send ``command`` (at ``counter``)."""
    if command not in ALLOWED.get(actor.role, set()):
        status = 401 if actor.role == "anonymous" else 403
        raise Forbidden(f"{actor.role} may not {command.replace('_', ' ')}", status)
    if counter is None or command not in COUNTER_COMMANDS:
        return
    if actor.role == "button_box" and counter not in actor.counters:
        raise Forbidden(f"device {actor.id} does not act for counter {counter}")
    if actor.role == "officer":
        seat = hall.counters.get(counter)
        if seat is None:
            return  # the engine answers "unknown counter"
        if seat.officer != actor.officer:
            raise Forbidden(f"officer {actor.officer} is not assigned to counter {counter}")
