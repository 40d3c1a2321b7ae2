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
# Who may send which command, and the refusals: hall_server/pipeline.py (below the web layer).
from ..pipeline import (  # noqa: E402,F401
    ALLOWED,
    ANONYMOUS,  # noqa: E402
    COUNTER_COMMANDS,
    SUPERVISOR_COMMANDS,
    Forbidden,
    Unauthenticated,
    authorize,
)


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
            raise Unauthenticated("invalid device token")
        g.actor = actor
        return actor
    if current_user.is_authenticated:
        if request.method not in ("GET", "HEAD", "OPTIONS"):
            sent = request.headers.get("X-CSRF-Token", "")
            if not hmac.compare_digest(sent.encode(), session.get("csrf", "").encode()) or not sent:
                raise Forbidden("missing or wrong X-CSRF-Token header")
        g.actor = current_user.actor
        return g.actor
    g.actor = ANONYMOUS
    return ANONYMOUS
