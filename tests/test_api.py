"""REST API: every endpoint, its errors, who may call it, and the OpenAPI document."""

import jsonschema
import pytest

from hall_server.testing import BUTTONS_1, BUTTONS_2, DISPLAY, KIOSK
from hall_server.web import create_app
from hall_server.web.api import ENDPOINTS

from .conftest import Clock


@pytest.fixture
def app(demo_config, db_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    app = create_app(demo_config, db_url, clock=Clock(), secret_key="test", rate_limit="5/minute")
    yield app
    app.extensions["motcua"].store.close()


@pytest.fixture
def client(app):
    return app.test_client()


@pytest.fixture(scope="module")
def spec():
    from hall_server.web.openapi import build_openapi

    return build_openapi()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def login(client, username, password):
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return {"X-CSRF-Token": r.json["csrf_token"]}


def state(app):
    import json

    return json.dumps(app.extensions["motcua"].service.hall.state_dict(), default=str, sort_keys=True)


def conforms(spec, path_template, method, response):
    """The response matches what the OpenAPI document declares for it."""
    op = spec["paths"][path_template][method]
    declared = op["responses"].get(str(response.status_code))
    assert declared is not None, f"{method.upper()} {path_template} returned undeclared {response.status_code}"
    schema = {**spec, **declared["content"]["application/json"]["schema"]}
    jsonschema.validate(response.json, schema, cls=jsonschema.Draft202012Validator)


def test_issue_by_dispenser_and_public(client, spec):
    r = client.post("/api/v1/tickets", json={"field": "DD", "priority": "elderly"}, headers=bearer(KIOSK))
    assert r.status_code == 201
    conforms(spec, "/api/v1/tickets", "post", r)
    t = r.json["ticket"]
    assert t["code"] == "A001" and t["priority"] == "elderly" and t["people_ahead"] == 0
    assert len(t["tracking_id"]) >= 16
    r = client.post("/api/v1/tickets", json={"field": "DD"})
    assert r.status_code == 201 and r.json["ticket"]["code"] == "A002" and r.json["ticket"]["people_ahead"] == 1


def test_public_issuing_is_rate_limited_but_devices_are_not(client):
    codes = [client.post("/api/v1/tickets", json={"field": "HT"}).status_code for _ in range(7)]
    assert codes[:5] == [201] * 5 and codes[5:] == [429, 429]
    r = client.post("/api/v1/tickets", json={"field": "HT"})
    assert r.json["error"] == "rate_limited"
    assert all(client.post("/api/v1/tickets", json={"field": "HT"}, headers=bearer(KIOSK)).status_code == 201
               for _ in range(10))


@pytest.mark.parametrize("body, status, error", [
    ("{not json", 400, "bad_json"),
    ('["DD"]', 400, "invalid_body"),
    ('{"field": 3}', 400, "invalid_body"),
    ('{"field": "DD", "extra": 1}', 400, "invalid_body"),
    ('{"field": "ZZ"}', 404, "not_found"),
    ('{"field": "DD", "priority": "vip"}', 404, "not_found"),
    ('{"field": "DD", "channel": "fax"}', 400, "invalid_body"),
    ('{}', 400, "invalid_body"),
])
def test_bad_issue_requests_change_nothing(app, client, spec, body, status, error):
    client.post("/api/v1/tickets", json={"field": "DD"}, headers=bearer(KIOSK))  # the day has begun
    before = state(app)
    r = client.post("/api/v1/tickets", data=body, content_type="application/json", headers=bearer(KIOSK))
    assert r.status_code == status and r.json["error"] == error and r.json["message"]
    conforms(spec, "/api/v1/tickets", "post", r)
    assert state(app) == before


def test_every_counter_command_through_a_button_box(app, client, spec):
    h = bearer(BUTTONS_1)
    for field in ("DD", "DD", "HT"):
        client.post("/api/v1/tickets", json={"field": field}, headers=bearer(KIOSK))
    steps = [
        ("post", "/api/v1/counters/1/call-next", None, "ticket_called"),
        ("post", "/api/v1/counters/1/recall", None, "ticket_recalled"),
        ("post", "/api/v1/counters/1/start", None, "ticket_started"),
        ("post", "/api/v1/counters/1/transfer", {"field": "HT"}, "ticket_transferred"),
        ("post", "/api/v1/counters/3/call", {"ticket": 1}, "ticket_called"),
        ("post", "/api/v1/counters/3/no-show", None, "ticket_no_show"),
        ("post", "/api/v1/counters/1/call-next", None, "ticket_called"),
        ("post", "/api/v1/counters/1/finish", None, "ticket_finished"),
        ("post", "/api/v1/counters/1/pause", None, "counter_paused"),
        ("post", "/api/v1/counters/1/resume", None, "counter_resumed"),
        ("post", "/api/v1/counters/1/close", None, "counter_closed"),
        ("post", "/api/v1/counters/1/open", None, "counter_opened"),
    ]
    for method, path, body, kind in steps:
        r = getattr(client, method)(path, json=body, headers=h) if body else getattr(client, method)(path, headers=h)
        assert r.status_code == 200, (path, r.json)
        assert kind in r.json["events"], (path, r.json)
        template = path.replace("/1/", "/{counter}/").replace("/3/", "/{counter}/")
        conforms(spec, template, "post", r)


def test_supervisor_commands(app, client, spec):
    h = login(client, "giamsat", "demo-giamsat")
    client.post("/api/v1/tickets", json={"field": "KN"}, headers=bearer(KIOSK))
    client.post("/api/v1/tickets", json={"field": "KN"}, headers=bearer(KIOSK))
    r = client.post("/api/v1/counters/9/open", headers=h)
    assert r.status_code == 200
    r = client.put("/api/v1/counters/9/officer", json={"officer": "ngothilan"}, headers=h)
    assert r.status_code == 200 and r.json["counter"]["officer"] == "ngothilan"
    conforms(spec, "/api/v1/counters/{counter}/officer", "put", r)
    r = client.put("/api/v1/counters/9/fields", json={"fields": ["KN", "TG"]}, headers=h)
    assert r.status_code == 200 and r.json["counter"]["fields"] == ["KN", "TG"]
    conforms(spec, "/api/v1/counters/{counter}/fields", "put", r)
    r = client.post("/api/v1/tickets/2/cancel", headers=h)
    assert r.status_code == 200 and r.json["events"] == ["ticket_cancelled"]
    r = client.post("/api/v1/counters/9/call-next", headers=h)
    assert r.json["ticket"]["code"] == "T001"
    r = client.delete("/api/v1/counters/9/officer", headers=h)
    assert r.status_code == 200 and r.json["counter"]["has_pending_officer"]  # waits for the citizen
    conforms(spec, "/api/v1/counters/{counter}/officer", "delete", r)
    with app.extensions["motcua"].store.engine.connect() as conn:
        from sqlalchemy import text

        actions = [row[0] for row in conn.execute(text("SELECT action FROM audit WHERE actor = 'giamsat'"))]
    assert actions == ["issue_ticket", "issue_ticket", "open_counter", "assign_officer", "set_counter_fields",
                       "cancel", "call_next", "unassign_officer"][2:]


@pytest.mark.parametrize("who, method, path, body, status", [
    ("anonymous", "post", "/api/v1/counters/1/call-next", None, 401),
    ("display", "post", "/api/v1/counters/1/call-next", None, 403),
    ("display", "post", "/api/v1/tickets", {"field": "DD"}, 403),
    ("dispenser", "post", "/api/v1/counters/1/call-next", None, 403),
    ("buttons2", "post", "/api/v1/counters/1/call-next", None, 403),
    ("buttons1", "put", "/api/v1/counters/1/fields", {"fields": ["DD"]}, 403),
    ("officer", "post", "/api/v1/counters/2/call-next", None, 403),
    ("officer", "put", "/api/v1/counters/1/officer", {"officer": "ngothilan"}, 403),
    ("officer", "post", "/api/v1/tickets/1/cancel", None, 403),
    ("badtoken", "post", "/api/v1/tickets", {"field": "DD"}, 401),
    ("anonymous", "get", "/api/v1/tickets", None, 401),
    ("anonymous", "get", "/api/v1/events", None, 401),
])
def test_wrong_role_is_refused_and_changes_nothing(app, client, spec, who, method, path, body, status):
    client.post("/api/v1/tickets", json={"field": "DD"}, headers=bearer(KIOSK))
    headers = {
        "anonymous": {}, "display": bearer(DISPLAY), "dispenser": bearer(KIOSK), "buttons1": bearer(BUTTONS_1),
        "buttons2": bearer(BUTTONS_2), "badtoken": bearer("not-a-real-token-at-all"),
    }.get(who)
    if who == "officer":
        headers = login(client, "canbo1", "demo-canbo")
    before = state(app)
    call = getattr(client, method)
    r = call(path, json=body, headers=headers) if body else call(path, headers=headers)
    assert r.status_code == status, r.json
    assert r.json["error"] in ("unauthorized", "forbidden") and r.json["message"]
    assert state(app) == before


def test_officer_acts_at_own_counter_with_csrf(app, client):
    client.post("/api/v1/tickets", json={"field": "DD"}, headers=bearer(KIOSK))
    h = login(client, "canbo1", "demo-canbo")
    before = state(app)
    r = client.post("/api/v1/counters/1/call-next")  # cookie but no CSRF header
    assert r.status_code == 403 and "CSRF" in r.json["message"]
    r = client.post("/api/v1/counters/1/call-next", headers={"X-CSRF-Token": "forged"})
    assert r.status_code == 403
    assert state(app) == before
    r = client.post("/api/v1/counters/1/call-next", headers=h)
    assert r.status_code == 200 and r.json["ticket"]["officer"] == "nguyenvanan"
    assert client.post("/api/v1/auth/logout", headers=h).status_code == 200
    assert client.post("/api/v1/counters/1/finish", headers=h).status_code == 401


def test_bad_login(client):
    r = client.post("/api/v1/auth/login", json={"username": "canbo1", "password": "wrong"})
    assert r.status_code == 401 and r.json["error"] == "bad_login"
    r = client.post("/api/v1/auth/login", json={"username": "nobody", "password": "x"})
    assert r.status_code == 401


def test_idempotency_key(app, client):
    h = bearer(BUTTONS_1) | {"Idempotency-Key": "press-0001"}
    for _ in range(3):
        client.post("/api/v1/tickets", json={"field": "DD"}, headers=bearer(KIOSK))
    first = client.post("/api/v1/counters/1/call-next", headers=h)
    client.post("/api/v1/counters/1/finish", headers=bearer(BUTTONS_1))
    again = client.post("/api/v1/counters/1/call-next", headers=h)
    assert again.json == first.json and again.status_code == 200
    snap = client.get("/api/v1/snapshot").json
    assert snap["waiting"]["DD"] == 2  # one call only
    # The same key from another device is a different request.
    other = client.post("/api/v1/tickets", json={"field": "DD"}, headers=bearer(KIOSK) | {"Idempotency-Key": "press-0001"})
    assert other.status_code == 201 and other.json["ticket"]["code"] == "A004"
    assert client.post("/api/v1/tickets", json={"field": "DD"},
                       headers=bearer(KIOSK) | {"Idempotency-Key": "x" * 65}).status_code == 400


def test_unknown_ids_and_impossible_transitions(app, client, spec):
    h = bearer(BUTTONS_1)
    client.post("/api/v1/tickets", json={"field": "HT"}, headers=bearer(KIOSK))
    cases = [
        ("/api/v1/counters/77/call-next", None, 403),  # the box does not act for counter 77
        ("/api/v1/counters/1/finish", None, 409),
        ("/api/v1/counters/1/call-next", None, 409),
        ("/api/v1/counters/1/call", {"ticket": 999}, 404),
        ("/api/v1/counters/1/call", {"ticket": "1"}, 400),
        ("/api/v1/counters/1/transfer", {"field": "ZZ"}, 404),
        ("/api/v1/counters/1/recall", {"unexpected": True}, 400),
    ]
    before = state(app)
    for path, body, status in cases:
        r = client.post(path, json=body, headers=h) if body is not None else client.post(path, headers=h)
        assert r.status_code == status, (path, r.json)
        assert r.json["message"]
        template = path.replace("/77/", "/{counter}/").replace("/1/", "/{counter}/")
        conforms(spec, template, "post", r)
    assert state(app) == before
    sup = bearer(BUTTONS_1)
    assert client.post("/api/v1/counters/abc/call-next", headers=sup).status_code == 404
    assert client.get("/api/v1/counters/1/call-next").status_code == 405


def test_queries_conform(client, spec):
    r = client.post("/api/v1/tickets", json={"field": "XD"}, headers=bearer(KIOSK))
    tracking = r.json["ticket"]["tracking_id"]
    for path, template in [
        ("/api/v1/health", "/api/v1/health"),
        ("/api/v1/centre", "/api/v1/centre"),
        ("/api/v1/snapshot", "/api/v1/snapshot"),
        (f"/api/v1/track/{tracking}", "/api/v1/track/{tracking_id}"),
        ("/api/v1/track/nope", "/api/v1/track/{tracking_id}"),
        ("/api/v1/me", "/api/v1/me"),
    ]:
        r = client.get(path)
        conforms(spec, template, "get", r)
    status = client.get(f"/api/v1/track/{tracking}").json
    assert status["code"] == "E001" and status["field_name"] == "Xây dựng" and status["people_ahead"] == 0
    r = client.get("/api/v1/tickets?state=waiting", headers=bearer(DISPLAY))
    assert r.status_code == 200 and [t["code"] for t in r.json["tickets"]] == ["E001"]
    conforms(spec, "/api/v1/tickets", "get", r)
    r = client.get("/api/v1/events?since=0", headers=bearer(DISPLAY))
    assert [e["kind"] for e in r.json["events"]] == ["day_started", "ticket_issued"]
    conforms(spec, "/api/v1/events", "get", r)
    assert client.get("/api/v1/events?since=x", headers=bearer(DISPLAY)).status_code == 400


def test_openapi_lists_every_endpoint(client, spec):
    served = client.get("/api/openapi.json").json
    assert served == spec
    assert served["openapi"].startswith("3.")
    for ep in ENDPOINTS:
        path = "/api/v1" + ep.path.replace("<int:", "{").replace("<", "{").replace(">", "}")
        assert ep.method.lower() in served["paths"][path]
    jsonschema.Draft202012Validator.check_schema(served["components"]["schemas"]["IssueBody"])


def test_security_headers(client):
    r = client.get("/api/v1/health")
    assert r.headers["X-Content-Type-Options"] == "nosniff"
    assert "default-src 'self'" in r.headers["Content-Security-Policy"]
