"""Server-rendered pages: landing, kiosk, counter terminal, display board, ticket tracker, login.

Every page is Vietnamese by default; ``?lang=en`` (remembered in a cookie) switches to English.
The pages talk to the same REST API and Socket.IO protocol as the Pi devices.
"""

from __future__ import annotations

from urllib.parse import urlparse

from flask import Blueprint, current_app, g, redirect, render_template, request, session, url_for
from flask_login import current_user, login_required, login_user, logout_user

from .auth import check_password, csrf_token
from .i18n import LANGS, table, translate
from .views import centre_info

bp = Blueprint("pages", __name__)


@bp.before_app_request
def _pick_language():
    lang = request.args.get("lang") or request.cookies.get("lang") or "vi"
    g.lang = lang if lang in LANGS else "vi"


@bp.after_app_request
def _remember_language(resp):
    if request.args.get("lang") in LANGS:
        resp.set_cookie("lang", request.args["lang"], max_age=365 * 86400, samesite="Lax")
    return resp


@bp.app_context_processor
def _template_globals():
    ext = current_app.extensions["motcua"]
    lang = getattr(g, "lang", "vi")
    return {
        "t": lambda key: translate(key, lang),
        "lang": lang,
        "text_table": table(lang),
        "centre": centre_info(ext.config),
        "csrf": csrf_token() if current_user.is_authenticated else "",
        "user": current_user,
        "view_functions": current_app.view_functions,
    }


@bp.get("/")
def index():
    return render_template("index.html")


@bp.get("/kiosk")
def kiosk():
    # A dispenser's kiosk screen opens /kiosk?device=TOKEN; without it the page is the public kiosk.
    return render_template("kiosk.html", device_token=request.args.get("device", ""))


@bp.get("/display")
def display():
    return render_template("display.html")


@bp.get("/t/<tracking_id>")
def track(tracking_id: str):
    return render_template("ticket.html", tracking_id=tracking_id)


@bp.get("/counter")
@login_required
def counter():
    ext = current_app.extensions["motcua"]
    actor = current_user.actor
    number = request.args.get("counter", type=int)
    with ext.service.read() as hall:
        if actor.role == "officer":
            seat = hall.officer_counter(actor.officer)
            number = seat.number if seat else None
        elif number is None:
            number = min(hall.counters)
    return render_template("counter.html", counter_number=number)


def login_view():
    ext = current_app.extensions["motcua"]
    error = None
    if request.method == "POST":
        user = check_password(ext.config, request.form.get("username", ""), request.form.get("password", ""))
        if user is not None:
            session.permanent = True  # expires after PERMANENT_SESSION_LIFETIME (12 h)
            login_user(user)
            target = request.args.get("next") or ""
            parsed = urlparse(target)
            if parsed.scheme or parsed.netloc or not target.startswith("/"):
                supervisor = (user.staff.role in ("supervisor", "admin")
                              and "supervisor.supervisor" in current_app.view_functions)
                target = url_for("supervisor.supervisor") if supervisor else url_for("pages.counter")
            return redirect(target)
        error = translate("bad_login", g.lang)
    return render_template("login.html", error=error), (401 if error else 200)


bp.add_url_rule("/login", "login", login_view, methods=["GET", "POST"])


@bp.get("/logout")
def logout():
    logout_user()
    return redirect(url_for("pages.index"))
