"""The supervisor console's endpoints: who may use them, the notice, live figures, alerts, reports."""

from __future__ import annotations

import contextlib
import csv
import io

import jsonschema
import pytest
import socketio

from hall_server.engine import CallNext, Finish, IssueTicket, StartServing
from hall_server.web import create_app

from .asgi_thread import Inbox, ThreadServer
from .conftest import Clock
from .live import DISPLAY
from .test_reports import two_days


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def make_app(demo_config, db_url, tmp_path, monkeypatch, clock):
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.setenv("MOTCUA_ALERT_SECONDS", "0")  # tests run the alert check by hand
    apps = []

    def make():
        app = create_app(demo_config, db_url, clock=clock, secret_key="test")
        apps.append(app)
        return app

    yield make
    for app in apps:
        app.extensions["motcua"].store.close()


@pytest.fixture
def app(make_app):
    return make_app()



def login(app, username, password):
    """A test client logged in as ``username`` through the login endpoint, and its CSRF header."""
    client = app.test_client()
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return client, {"X-CSRF-Token": r.json["csrf_token"]}


def session_of(app, username):
    """A test client with ``username``'s session already made (the password check costs a second;
    the tests of logging in itself use :func:`login`)."""
    client = app.test_client()
    with client.session_transaction() as session:
        session["_user_id"] = username
        session["_fresh"] = True
        session["csrf"] = "csrf-for-tests-0123456789"
    return client, {"X-CSRF-Token": "csrf-for-tests-0123456789"}


@pytest.fixture
def supervisor(app):
    return session_of(app, "giamsat")


@pytest.fixture(scope="module")
def shared(demo_config, tmp_path_factory):
    """One app for the tests that change nothing, with logged-in clients: {username: (client, csrf)}."""
    folder = tmp_path_factory.mktemp("supervisor")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("MOTCUA_INSTANCE", str(folder / "instance"))
        mp.setenv("MOTCUA_ALERT_SECONDS", "0")
        app = create_app(demo_config, f"sqlite:///{folder / 'hall.db'}", clock=Clock(), secret_key="test")
    logins = {name: login(app, name, password) for name, password in
              (("giamsat", "demo-giamsat"), ("canbo1", "demo-canbo"), ("admin", "demo-admin"))}
    yield app, logins
    app.extensions["motcua"].store.close()


@pytest.fixture(scope="module")
def spec():
    from hall_server.web.openapi import build_openapi

    return build_openapi()


def conforms(spec, path, method, response):
    declared = spec["paths"][path][method]["responses"][str(response.status_code)]
    schema = {**spec, **declared["content"]["application/json"]["schema"]}
    jsonschema.validate(response.json, schema, cls=jsonschema.Draft202012Validator)


@contextlib.contextmanager
def socket_client(app, http_client=None, auth=None):
    """A real Socket.IO client of ``app`` served on a loopback port (with ``http_client``'s session cookie)."""
    headers = {}
    if http_client is not None:
        cookie = http_client.get_cookie(app.config["SESSION_COOKIE_NAME"])
        headers["Cookie"] = f"{cookie.key}={cookie.value}"
    with ThreadServer(app) as server:
        client = socketio.Client(reconnection=False)
        inbox = Inbox(client, "snapshot", "notice", "wait_alerts")
        client.connect(server.url, auth=auth, headers=headers, transports=["websocket"], wait_timeout=5)
        try:
            yield inbox
        finally:
            client.disconnect()


# ---------------------------------------------------------------------- who may
PAGES = ["/supervisor", "/reports", "/reports/export.csv?from=2026-11-26", "/reports/chart/waits.png?from=2026-11-26"]
API_READS = ["/api/v1/supervisor/hall", "/api/v1/supervisor/audit", "/api/v1/reports?from=2026-11-26"]


def test_anonymous_callers_are_sent_to_log_in(shared):
    app, _ = shared
    client = app.test_client()
    for path in PAGES:
        r = client.get(path)
        assert r.status_code == 302 and "/login" in r.headers["Location"], path
    for path in API_READS:
        r = client.get(path)
        assert r.status_code == 401 and r.json["error"] == "unauthorized", path
    assert client.put("/api/v1/notice", json={"text": "x"}).status_code == 401
    assert client.get("/api/v1/notice").json == {"text": ""}  # the notice itself is public


def test_officers_and_devices_are_refused_and_change_nothing(shared):
    app, logins = shared
    officer, csrf = logins["canbo1"]
    for path in PAGES:
        r = officer.get(path)
        assert r.status_code == 403, path
    page = officer.get("/supervisor").get_data(as_text=True)
    assert "Trang này chỉ dành cho cán bộ giám sát và quản trị viên." in page
    for path in API_READS:
        r = officer.get(path)
        assert r.status_code == 403 and r.json["error"] == "forbidden", path
    r = officer.put("/api/v1/notice", json={"text": "Nghỉ trưa"}, headers=csrf)
    assert r.status_code == 403
    display = app.test_client()
    r = display.put("/api/v1/notice", json={"text": "Nghỉ trưa"}, headers={"Authorization": f"Bearer {DISPLAY}"})
    assert r.status_code == 403
    assert app.test_client().get("/api/v1/notice").json == {"text": ""}


def test_supervisors_and_admins_act_only_for_their_centre(shared):
    app, logins = shared
    client, _ = logins["giamsat"]
    for path in PAGES + API_READS:
        assert client.get(path).status_code == 200, path
    assert client.get("/api/v1/supervisor/hall?centre=demo").status_code == 200
    r = client.get("/api/v1/supervisor/hall?centre=other-centre")
    assert r.status_code == 403 and "demo" in r.json["message"]
    assert client.get("/supervisor?centre=other-centre").status_code == 403
    admin, _ = logins["admin"]
    assert admin.get("/supervisor").status_code == 200
    assert admin.get("/api/v1/supervisor/hall").status_code == 200


# ---------------------------------------------------------------------- notice
def test_notice_is_stored_broadcast_audited_and_survives_a_restart(make_app, app, supervisor, spec):
    client, csrf = supervisor
    with socket_client(app, auth={"token": DISPLAY}) as watcher:  # the waiting-room display
        assert watcher.take("snapshot", wait=5)
        r = client.put("/api/v1/notice", json={"text": "Chiều nay  trung tâm\nnghỉ từ 16:00. "}, headers=csrf)
        assert r.status_code == 200 and r.json == {"text": "Chiều nay trung tâm nghỉ từ 16:00."}
        conforms(spec, "/api/v1/notice", "put", r)
        assert watcher.take("notice", wait=5) == [{"text": "Chiều nay trung tâm nghỉ từ 16:00."}]
    assert app.test_client().get("/api/v1/snapshot").json["notice"] == "Chiều nay trung tâm nghỉ từ 16:00."
    audit = client.get("/api/v1/supervisor/audit").json["rows"]
    assert (audit[0]["actor"], audit[0]["role"], audit[0]["action"], audit[0]["outcome"]) == \
        ("giamsat", "supervisor", "set_notice", "ok")
    assert audit[0]["detail"] == {"text": "Chiều nay trung tâm nghỉ từ 16:00."}

    restarted = make_app()  # a new process on the same database
    assert restarted.test_client().get("/api/v1/notice").json == {"text": "Chiều nay trung tâm nghỉ từ 16:00."}
    assert restarted.test_client().get("/api/v1/snapshot").json["notice"] == "Chiều nay trung tâm nghỉ từ 16:00."


@pytest.mark.parametrize("body, error", [
    ({"text": "a\u0007b"}, "control characters"),
    ({"text": "x" * 501}, "at most 500 characters"),
    ({"text": 5}, "text"),
    ({"note": "x"}, "text"),
])
def test_a_bad_notice_is_refused_and_changes_nothing(app, supervisor, body, error):
    client, csrf = supervisor
    client.put("/api/v1/notice", json={"text": "Giữ trật tự"}, headers=csrf)
    r = client.put("/api/v1/notice", json=body, headers=csrf)
    assert r.status_code == 400 and error in r.json["message"]
    assert client.get("/api/v1/notice").json == {"text": "Giữ trật tự"}
    assert client.put("/api/v1/notice", json={"text": "x"}).status_code == 403  # no CSRF header


# ---------------------------------------------------------------------- live figures and alerts
def test_the_live_hall_shows_waits_now_and_today(app, supervisor, clock, spec):
    client, _ = supervisor
    service = app.extensions["motcua"].service
    for field in ("DD", "DD", "DD"):
        service.execute(IssueTicket(field=field))
        clock.advance(minutes=2)
    service.execute(CallNext(counter=1))   # A001 waited 6 minutes
    clock.advance(minutes=1)
    service.execute(StartServing(counter=1))
    clock.advance(minutes=5)
    service.execute(Finish(counter=1))
    service.execute(CallNext(counter=2))   # A002 waited 10 minutes, now at counter 2
    clock.advance(minutes=8)               # 08:20: A003, issued at 08:04, has waited 16 minutes

    r = client.get("/api/v1/supervisor/hall")
    assert r.status_code == 200
    conforms(spec, "/api/v1/supervisor/hall", "get", r)
    view = r.json
    dd = next(f for f in view["fields"] if f["code"] == "DD")
    assert (dd["waiting"], dd["longest_wait_minutes"], dd["served_today"], dd["issued_today"]) == (1, 16.0, 1, 3)
    # both called within 15 minutes, but A003 is still waiting past the target: 2 of 3
    assert dd["mean_wait_today"] == 8.0 and dd["service_level_today"] == 0.6667
    assert dd["counters"] == [1, 2]
    one, two = view["counters"][0], view["counters"][1]
    assert one["served_today"] == 1 and one["current"] is None and one["officer_name"] == "Nguyễn Văn An"
    assert two["current"]["code"] == "A002" and two["current"]["for_minutes"] == 8.0 and two["queue"] == 1
    assert [t["code"] for t in view["waiting_tickets"]] == ["A003"]
    assert view["today"] == {"issued": 3, "served": 1, "no_shows": 0, "waiting": 1, "mean_wait": 8.0,
                             "service_level": 0.6667}
    assert [a["id"] for a in view["alerts"]] == ["wait:DD"]
    assert view["alerts"][0]["message_vi"] == "Đất đai: có người đã chờ 16 phút (mục tiêu 15 phút)"


def test_the_checker_sends_wait_alerts_when_they_change(app, supervisor, clock):
    client, _ = supervisor
    with socket_client(app, client) as page:  # the supervisor page's socket, by session cookie
        assert page.take("snapshot", wait=5)
        checker = app.extensions["motcua_supervisor"].checker
        service = app.extensions["motcua"].service
        service.execute(IssueTicket(field="HT"))
        checker.check()
        assert page.take("wait_alerts", wait=5) == [[]]
        clock.advance(minutes=16)
        checker.check()
        [alerts] = page.take("wait_alerts", wait=5)
        assert [(a["id"], a["severity"]) for a in alerts] == [("wait:HT", "warning")]
        clock.advance(minutes=1)
        checker.check()
        assert page.take("wait_alerts", wait=0.5) == []  # only the minutes moved: nothing new to send
        clock.advance(minutes=15)
        checker.check()
        assert [a["severity"] for a in page.take("wait_alerts", wait=5)[0]] == ["error"]
        service.execute(CallNext(counter=3))
        checker.check()
        assert page.take("wait_alerts", wait=5) == [[]]


# ---------------------------------------------------------------------- actions and audit
def test_supervisor_actions_go_to_the_audit_log_with_who_and_what(app, supervisor):
    client, csrf = supervisor
    ticket = client.post("/api/v1/tickets", json={"field": "CT"}, headers=csrf).json["ticket"]
    key = {"Idempotency-Key": "move-1"}
    assert client.put("/api/v1/counters/10/officer", json={"officer": "ngothilan"}, headers=csrf | key).status_code == 200
    assert client.put("/api/v1/counters/10/officer", json={"officer": "ngothilan"}, headers=csrf | key).status_code == 200
    assert client.post("/api/v1/counters/10/open", headers=csrf).status_code == 200
    assert client.put("/api/v1/counters/10/fields", json={"fields": ["CT"]}, headers=csrf).status_code == 200
    assert client.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=csrf).status_code == 200
    rows = client.get("/api/v1/supervisor/audit?limit=4").json["rows"]
    assert [(r["actor"], r["action"], r["outcome"]) for r in rows] == [
        ("giamsat", "cancel", "ok"), ("giamsat", "set_counter_fields", "ok"), ("giamsat", "open_counter", "ok"),
        ("giamsat", "assign_officer", "ok")]  # the repeated request had its effect once
    assert rows[0]["detail"]["ticket_code"] == "C001"
    assert rows[1]["detail"]["fields"] == ["CT"]
    assert client.get("/api/v1/supervisor/audit?limit=0").status_code == 400
    assert client.get("/api/v1/supervisor/audit?limit=x").json["error"] == "invalid_query"


# ---------------------------------------------------------------------- reports
def test_report_endpoints_give_the_figures_of_the_log(app, supervisor, clock, spec):
    client, _ = supervisor
    two_days(app.extensions["motcua"].service, clock)
    r = client.get("/api/v1/reports?from=2026-11-26&to=2026-11-27&by=field")
    assert r.status_code == 200
    conforms(spec, "/api/v1/reports", "get", r)
    rows = {row["key"]: row for row in r.json["rows"]}
    assert (rows["DD"]["issued"], rows["DD"]["served"], rows["DD"]["wait_p90"]) == (5, 3, 24.6)
    assert rows["total"]["service_level"] == pytest.approx(6 / 9, abs=1e-4)
    assert r.json["period"] == "26/11/2026 – 27/11/2026"
    csv_resp = client.get("/reports/export.csv?from=2026-11-26&to=2026-11-27&by=counter")
    assert csv_resp.headers["Content-Disposition"] == 'attachment; filename="bao-cao_demo_2026-11-26_2026-11-27_counter.csv"'
    table = list(csv.reader(io.StringIO(csv_resp.data.decode("utf-8-sig"))))
    assert table[0][:2] == ["Quầy", "Đã phục vụ"] and table[1][:2] == ["Quầy 1", "2"]

    from openpyxl import load_workbook

    xlsx = client.get("/reports/export.xlsx?from=2026-11-26&to=2026-11-27&by=all")
    assert xlsx.content_type.startswith("application/vnd.openxmlformats")
    book = load_workbook(io.BytesIO(xlsx.data))
    assert book.sheetnames == ["Lĩnh vực", "Quầy", "Cán bộ", "Giờ trong ngày", "Thứ trong tuần"]

    png = client.get("/reports/chart/arrivals.png?from=2026-11-26&to=2026-11-27")
    assert png.content_type == "image/png" and png.data[:8] == b"\x89PNG\r\n\x1a\n"

    page = client.get("/reports?from=2026-11-26&to=2026-11-27").get_data(as_text=True)
    assert "Báo cáo" in page and "Đất đai" in page and "Tổng cộng" in page and "24.6" in page
    english = client.get("/api/v1/reports?from=2026-11-26&period=month&by=weekday&lang=en").json
    assert english["period"] == "Month 11/2026" and english["rows"][0]["label"] == "Thursday"


@pytest.mark.parametrize("query, message", [
    ("from=26-11-2026", "must be a date like 2026-11-26"),
    ("from=2026-11-26&to=2026-11-01", "before it starts"),
    ("from=2026-11-26&by=colour", "by must be one of"),
    ("from=2026-11-26&period=week", "period must be one of"),
    ("", "give the first day"),
])
def test_a_bad_report_request_gets_a_clear_answer(shared, query, message):
    client, _ = shared[1]["giamsat"]
    r = client.get(f"/api/v1/reports?{query}")
    assert r.status_code == 400 and r.json["error"] == "invalid_query" and message in r.json["message"]
    if query:
        page = client.get(f"/reports?{query}")
        assert page.status_code == 400 and message in page.get_data(as_text=True)


def test_openapi_lists_the_console_endpoints(spec):
    for path, method, model in [("/api/v1/supervisor/hall", "get", "SupervisorHallOut"),
                                ("/api/v1/supervisor/audit", "get", "AuditOut"),
                                ("/api/v1/notice", "put", "NoticeOut"), ("/api/v1/reports", "get", "ReportOut")]:
        op = spec["paths"][path][method]
        assert op["responses"]["200"]["content"]["application/json"]["schema"]["$ref"].endswith(model)
        assert model in spec["components"]["schemas"]
    assert spec["paths"]["/api/v1/notice"]["put"]["requestBody"]["content"]["application/json"]["schema"]["$ref"] \
        .endswith("NoticeBody")
