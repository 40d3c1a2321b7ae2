"""The booking pages: book and look up (``/booking``), check in at the kiosk (``/checkin``), the
day's bookings for staff (``/bookings``)."""

from __future__ import annotations

from datetime import date
from functools import wraps

from flask import redirect, render_template, request, url_for
from flask_login import current_user

from ...citizen.booking import normalize_code
from . import STAFF, app_ext, bp
from .texts import page_data


@bp.get("/booking")
def booking_page():
    code = request.args.get("code", "")
    return render_template("booking.html", mode="book", page_data=page_data(
        mode="book", code=normalize_code(code) or "" if code else ""))


@bp.get("/checkin")
def checkin_page():
    token = request.args.get("device", "")
    return render_template("booking.html", mode="checkin", page_data=page_data(mode="checkin", device_token=token))


def _staff_page(view):
    @wraps(view)
    def wrapped(*args, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("pages.login", next=request.full_path))
        if current_user.actor.role not in STAFF:
            return render_template("bookings.html", forbidden=True, page_data={}), 403
        return view(*args, **kwargs)

    return wrapped


@bp.get("/bookings")
@_staff_page
def bookings_page():
    ext = app_ext()
    day = request.args.get("day") or ext.service.clock().astimezone(ext.config.tz).date().isoformat()
    try:
        date.fromisoformat(day)
    except ValueError:
        day = ext.service.clock().astimezone(ext.config.tz).date().isoformat()
    return render_template("bookings.html", forbidden=False, day=day, page_data=page_data(
        mode="staff", day=day, role=current_user.actor.role))
