"""Many centres on one server: each centre's app under ``/c/<centre id>``, and a province view.

    app = create_province_app([load_hall("a.toml"), load_hall("b.toml")], "postgresql+psycopg://…",
                              province=load_province("province.toml"))

Each centre is a complete, separate app (its own hall, devices, staff, numbering, Socket.IO
endpoint at ``/c/<id>/socket.io``, session cookie limited to its path and signed with its own
key), so nothing of one centre is visible or actionable from another by construction. The
province admins (their own file) log in at ``/province/`` and see cross-centre figures.
"""

from __future__ import annotations

import tomllib
from datetime import date, datetime, time, timedelta
from pathlib import Path

from flask import Flask, jsonify, redirect, render_template_string, request, session, url_for
from pydantic import BaseModel, ConfigDict, Field, ValidationError
from werkzeug.middleware.dispatcher import DispatcherMiddleware

from ..config import ConfigError, StaffConfig
from ..store import Store
from ..store.queries import ticket_times
from . import create_app
from .auth import check_password


class ProvinceFile(BaseModel):
    """``province.toml``: the province's name and its admin logins (role admin)."""

    model_config = ConfigDict(extra="forbid")
    name: str = Field(min_length=1)
    timezone: str = "Asia/Ho_Chi_Minh"
    staff: list[StaffConfig] = []


class Province:
    def __init__(self, raw: ProvinceFile):
        from zoneinfo import ZoneInfo

        self.name = raw.name
        self.tz = ZoneInfo(raw.timezone)
        self.staff = {s.username: s for s in raw.staff if s.role == "admin"}


def load_province(path: str | Path) -> Province:
    path = Path(path)
    try:
        raw = ProvinceFile.model_validate(tomllib.loads(path.read_text(encoding="utf-8")))
    except FileNotFoundError:
        raise ConfigError(str(path), ["file not found"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(str(path), [f"TOML syntax: {exc}"]) from None
    except ValidationError as exc:
        raise ConfigError(str(path), [f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()]) from None
    return Province(raw)


def centre_summary(store: Store, config, start: date, end: date) -> dict:
    """Figures of one centre over [start, end] (local days), from its stored transitions."""
    tz = config.tz
    lo = datetime.combine(start, time(0), tz)
    hi = datetime.combine(end + timedelta(days=1), time(0), tz)
    rows = ticket_times(store.engine, config.id, lo, hi)
    waits = sorted(r.wait_seconds / 60 for r in rows if r.wait_seconds is not None)
    target = config.centre.wait_target_minutes
    return {
        "centre": config.id,
        "name": config.centre.name,
        "issued": len(rows),
        "served": sum(r.state == "done" for r in rows),
        "no_show": sum(r.state == "no_show" for r in rows),
        "mean_wait_minutes": round(sum(waits) / len(waits), 1) if waits else None,
        "service_level": round(sum(w <= target for w in waits) / len(waits), 3) if waits else None,
    }


PAGE = """<!doctype html><html lang="vi"><meta charset="utf-8"><title>{{ name }}</title>
<link rel="icon" href="data:,"><link rel="stylesheet" href="/c/{{ first }}/static/app.css">
<main class="page"><h1>{{ name }}</h1>
{% if error %}<p class="error">{{ error }}</p>{% endif %}
{% if not admin %}
<form method="post" class="login-card"><label>Tên đăng nhập <input name="username" autocomplete="username"></label>
<label>Mật khẩu <input name="password" type="password" autocomplete="current-password"></label>
<button type="submit">Đăng nhập</button></form>
{% else %}
<p>Từ {{ start }} đến {{ end }} · <a href="{{ url_for('logout') }}">Đăng xuất</a></p>
<table><tr><th>Trung tâm</th><th>Số phiếu đã cấp</th><th>Đã phục vụ</th><th>Vắng mặt</th>
<th>Chờ trung bình (phút)</th><th>Tỷ lệ đúng hẹn</th></tr>
{% for r in rows %}<tr><td><a href="/c/{{ r.centre }}/">{{ r.name }}</a></td><td>{{ r.issued }}</td>\
<td>{{ r.served }}</td>
<td>{{ r.no_show }}</td><td>{{ r.mean_wait_minutes if r.mean_wait_minutes is not none else "–" }}</td>
<td>{{ "%.0f %%"|format(r.service_level * 100) if r.service_level is not none else "–" }}</td></tr>{% endfor %}
</table>{% endif %}
<h2>Các trung tâm</h2><ul>\
{% for c in centres %}<li><a href="/c/{{ c.id }}/">{{ c.centre.name }}</a></li>{% endfor %}</ul>
</main></html>"""


def create_province_app(configs, db_url: str, *, province: Province | None = None, message_queue: str | None = None,
                        secret_key: str | None = None, capacity=None, live_workers: int = 16):
    """One WSGI app serving every centre in ``configs`` under ``/c/<id>``, plus ``/`` and ``/province``."""
    ids = [c.id for c in configs]
    if len(set(ids)) != len(ids):
        raise ConfigError("<centres>", [f"two hall files use the same centre id: {sorted(ids)}"])
    store = Store(db_url)
    apps = {c.id: create_app(c, db_url, store=store, message_queue=message_queue, secret_key=secret_key,
                             mount=f"/c/{c.id}", capacity=capacity, live_workers=live_workers) for c in configs}
    root = Flask(__name__ + ".province")
    first = next(iter(apps.values()))
    root.config.update(SECRET_KEY=first.config["SECRET_KEY"] + ":province", SESSION_COOKIE_PATH="/province",
                       SESSION_COOKIE_NAME="motcua_province", SESSION_COOKIE_HTTPONLY=True,
                       SESSION_COOKIE_SAMESITE="Lax")
    name = province.name if province else "MotCua Queue"

    def period():
        today = datetime.now(province.tz if province else configs[0].tz).date()
        try:
            start = date.fromisoformat(request.args.get("from", today.isoformat()))
            end = date.fromisoformat(request.args.get("to", today.isoformat()))
        except ValueError:
            return None
        return (start, end) if start <= end and (end - start).days <= 366 else None

    @root.route("/")
    def directory():
        return redirect(url_for("province_page"))

    @root.route("/province/", methods=["GET", "POST"])
    def province_page():
        error = None
        if request.method == "POST" and province is not None:
            user = check_password(province, request.form.get("username", ""), request.form.get("password", ""))
            if user is None:
                error = "Sai tên đăng nhập hoặc mật khẩu."
            else:
                session.clear()
                session["province_admin"] = user.staff.username
        admin = session.get("province_admin") if province is not None else None
        span = period() or (date.today(), date.today())
        rows = [centre_summary(store, c, *span) for c in configs] if admin else []
        return render_template_string(PAGE, name=name, admin=admin, rows=rows, centres=configs, start=span[0],
                                      end=span[1], first=configs[0].id, error=error), (401 if error else 200)

    @root.get("/province/logout")
    def logout():
        session.clear()
        return redirect(url_for("province_page"))

    @root.get("/province/api/report")
    def province_report():
        if province is None or not session.get("province_admin"):
            return jsonify(error="unauthorized", message="province admins only"), 401
        span = period()
        if span is None:
            return jsonify(error="invalid_query",
                           message="from/to must be dates YYYY-MM-DD, from <= to, at most a year"), 400
        return jsonify(period={"from": span[0].isoformat(), "to": span[1].isoformat()},
                       centres=[centre_summary(store, c, *span) for c in configs])

    @root.get("/api/v1/health")
    def health():
        return jsonify(status="ok", centres=ids)

    dispatcher = DispatcherMiddleware(root, {f"/c/{cid}": app for cid, app in apps.items()})
    dispatcher.centre_apps = {f"/c/{cid}": app for cid, app in apps.items()}  # the server mounts their sockets
    return dispatcher
