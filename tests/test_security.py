"""Who may do what (every endpoint × every role), sessions, tokens, logs, storage faults."""

import re
import time

import pytest
from sqlalchemy import event

from hall_server.config import DEMO_HALL, load_hall, parse_hall
from hall_server.testing import BUTTONS_1, DISPLAY, KIOSK, LiveServer
from hall_server.web import create_app
from hall_server.web.api import ENDPOINTS

# The policy, written out independently of the code: (role, command) -> allowed.
# Counter commands are tested at counter 1 (the officer's seat, one of box 1's counters) and
# counter 7 (neither).
COUNTER_CMDS = {"call-next", "call", "recall", "start", "finish", "no-show", "transfer", "open", "close", "pause",
                "resume"}
SUPERVISOR_ONLY = {"cancel", "PUT officer", "DELETE officer", "PUT fields"}


def expected(role, ep, counter):
    name = ep.path.rsplit("/", 1)[-1]
    if ep.path == "/tickets":
        return role in ("anonymous", "dispenser", "officer", "supervisor", "admin")
    if name in ("officer", "fields"):
        name = f"{ep.method} {name}"
    if name in SUPERVISOR_ONLY:
        return role in ("supervisor", "admin")
    assert name in COUNTER_CMDS, name
    if role in ("supervisor", "admin"):
        return True
    if role in ("button_box", "officer"):
        return counter == 1
    return False


BODIES = {"/counters/<int:counter>/call": {"ticket": 1}, "/counters/<int:counter>/transfer": {"field": "HT"},
          "/counters/<int:counter>/officer": {"officer": "ngothilan"}, "/counters/<int:counter>/fields": {"fields": ["DD"]},
          "/tickets": {"field": "DD"}}
ROLES = ["anonymous", "dispenser", "button_box", "display", "officer", "supervisor", "admin", "other_centre"]
CASES = [(role, ep, counter) for ep in ENDPOINTS if ep.command is not None for role in ROLES
         for counter in ((1, 7) if "<int:counter>" in ep.path else (1,))]


@pytest.fixture(scope="module")
def app(tmp_path_factory):
    d = tmp_path_factory.mktemp("security")
    return create_app(load_hall(DEMO_HALL), f"sqlite:///{d / 'hall.db'}", secret_key="s", rate_limit="100000/minute")


LOGINS = {"officer": ("canbo1", "demo-canbo"), "supervisor": ("giamsat", "demo-giamsat"), "admin": ("admin", "demo-admin")}
_sessions = {}


def caller(app, role):
    client = app.test_client()
    if role in LOGINS:
        if role not in _sessions:
            r = client.post("/api/v1/auth/login", json=dict(zip(("username", "password"), LOGINS[role])))
            _sessions[role] = (client, {"X-CSRF-Token": r.json["csrf_token"]})
        return _sessions[role]
    token = {"dispenser": KIOSK, "button_box": BUTTONS_1, "display": DISPLAY,
             "other_centre": "another-centres-token-0000000"}.get(role)
    return client, ({"Authorization": f"Bearer {token}"} if token else {})


@pytest.mark.parametrize("role, ep, counter", CASES,
                         ids=[f"{r}-{e.method}{e.path}-{c}" for r, e, c in CASES])
def test_only_the_right_role_may_act(app, role, ep, counter):
    client, headers = caller(app, role)
    path = "/api/v1" + ep.path.replace("<int:counter>", str(counter)).replace("<int:ticket>", "1")
    before = app.extensions["motcua"].service.hall.seq
    r = client.open(path, method=ep.method, json=BODIES.get(ep.path), headers=headers)
    if expected(role, ep, counter):
        assert r.status_code not in (401, 403), (r.status_code, r.json)
    else:
        assert r.status_code in (401, 403), (r.status_code, r.json)
        assert app.extensions["motcua"].service.hall.seq == before  # nothing changed


def test_sessions_expire(tmp_path):
    app = create_app(load_hall(DEMO_HALL), f"sqlite:///{tmp_path / 'h.db'}", secret_key="s")
    app.config["PERMANENT_SESSION_LIFETIME"] = 1
    client = app.test_client()
    csrf = client.post("/api/v1/auth/login", json={"username": "giamsat", "password": "demo-giamsat"}).json["csrf_token"]
    assert client.get("/api/v1/me").json["role"] == "supervisor"
    time.sleep(2.2)
    assert client.get("/api/v1/me").json["role"] == "anonymous"
    assert client.post("/api/v1/counters/9/open", headers={"X-CSRF-Token": csrf}).status_code == 401


def test_a_revoked_device_token_is_refused(tmp_path):
    import tomllib

    data = tomllib.loads(DEMO_HALL.read_text(encoding="utf-8"))
    data["devices"] = [d for d in data["devices"] if d["id"] != "buttons-1"]
    app = create_app(parse_hall(data), f"sqlite:///{tmp_path / 'h.db'}", secret_key="s")
    r = app.test_client().post("/api/v1/counters/1/recall", headers={"Authorization": f"Bearer {BUTTONS_1}"})
    assert r.status_code == 401


def test_no_passwords_or_tokens_in_the_logs(tmp_path):
    import requests

    with LiveServer(tmp_path) as server:
        s = requests.Session()
        s.post(server.url + "/api/v1/auth/login", json={"username": "giamsat", "password": "demo-giamsat"})
        s.post(server.url + "/api/v1/auth/login", json={"username": "giamsat", "password": "wrong-password-x"})
        requests.post(server.url + "/api/v1/tickets", json={"field": "DD"}, headers={"Authorization": f"Bearer {KIOSK}"})
        requests.post(server.url + "/api/v1/tickets", json={"field": "DD"},
                      headers={"Authorization": "Bearer not-a-token-but-secret-ish"})
        # The start-up banner prints the demo hall's published demo passwords on purpose; what
        # requests write afterwards must hold no secret.
        log = server.read_log().split("Stop with Ctrl-C.", 1)[1]
    for secret in ("demo-giamsat", "wrong-password-x", KIOSK, "not-a-token-but-secret-ish"):
        assert secret not in log


def test_security_headers_on_pages(app):
    r = app.test_client().get("/kiosk")
    assert r.headers["X-Frame-Options"] == "SAMEORIGIN"
    assert "script-src" not in r.headers["Content-Security-Policy"] or "'unsafe-inline'" not in re.search(
        r"script-src[^;]*", r.headers["Content-Security-Policy"]).group(0)
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]


# ---------------------------------------------------------------------- storage faults
def snapshot_without_time(client):
    snap = client.get("/api/v1/snapshot").json
    snap.pop("server_time")
    return snap


def test_disk_full_is_a_clear_error_and_changes_nothing(tmp_path):
    app = create_app(load_hall(DEMO_HALL), f"sqlite:///{tmp_path / 'h.db'}", secret_key="s")
    store = app.extensions["motcua"].store
    client = app.test_client()
    kiosk = {"Authorization": f"Bearer {KIOSK}"}
    assert client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk).status_code == 201
    with store.engine.connect() as conn:
        pages = conn.exec_driver_sql("PRAGMA page_count").scalar()

    @event.listens_for(store.engine, "connect")
    def _cap(dbapi_conn, _):  # the disk is full: the file cannot grow
        dbapi_conn.execute(f"PRAGMA max_page_count={pages}")

    store.engine.dispose()
    statuses = []
    for _ in range(200):
        r = client.post("/api/v1/tickets", json={"field": "HT"}, headers=kiosk)
        statuses.append(r.status_code)
        if r.status_code == 503:
            break
    assert statuses[-1] == 503 and r.json["error"] == "storage_unavailable"
    before = snapshot_without_time(client)
    assert client.post("/api/v1/tickets", json={"field": "HT"}, headers=kiosk).status_code == 503
    assert snapshot_without_time(client) == before  # nothing half-done, in memory or on disk
    event.remove(store.engine, "connect", _cap)
    store.engine.dispose()  # space is freed: the hall recovers without repair
    r = client.post("/api/v1/tickets", json={"field": "HT"}, headers=kiosk)
    assert r.status_code == 201
    assert r.json["ticket"]["code"] == f"B{statuses.count(201) + 1:03d}"


def test_a_locked_database_is_a_clear_error(tmp_path, monkeypatch):
    app = create_app(load_hall(DEMO_HALL), f"sqlite:///{tmp_path / 'h.db'}", secret_key="s")
    store = app.extensions["motcua"].store
    client = app.test_client()
    kiosk = {"Authorization": f"Bearer {KIOSK}"}
    client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk)

    @event.listens_for(store.engine, "connect")
    def _short_wait(dbapi_conn, _):
        dbapi_conn.execute("PRAGMA busy_timeout=300")

    store.engine.dispose()
    import sqlite3

    other = sqlite3.connect(tmp_path / "h.db", isolation_level=None)
    other.execute("BEGIN IMMEDIATE")  # another program holds the write lock
    before = snapshot_without_time(client)
    r = client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk)
    assert r.status_code == 503 and r.json["error"] == "storage_unavailable"
    assert snapshot_without_time(client) == before
    other.execute("ROLLBACK")
    other.close()
    assert client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk).json["ticket"]["code"] == "A002"
