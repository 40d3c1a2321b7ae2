"""Many centres on one server: nothing of one centre is visible or actionable from another."""

import re
import time

import pytest
import requests
import socketio

from hall_server.config import DEMO_HALL
from hall_server.testing import BUTTONS_1, DISPLAY, KIOSK, LiveServer
from hall_server.web.api import ENDPOINTS

B_TOKEN = "second-centre-{}-token-0001"


def second_hall(path):
    """The demo hall as another centre: its own id, device tokens and staff usernames."""
    text = DEMO_HALL.read_text(encoding="utf-8")
    text = text.replace('id = "demo"', 'id = "hoabinh"', 1).replace("xã Hòa An", "xã Hòa Bình")
    text = re.sub(r'token = "demo-([a-z0-9-]+)-token-change-me"', lambda m: f'token = "{B_TOKEN.format(m.group(1))}"', text)
    text = re.sub(r'username = "([a-z0-9]+)"', r'username = "hb_\1"', text)
    path.write_text(text, encoding="utf-8")
    return path


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    d = tmp_path_factory.mktemp("centres")
    province = d / "province.toml"
    from argon2 import PasswordHasher

    province.write_text(
        'name = "Tỉnh Demo"\n[[staff]]\nusername = "tinh"\nrole = "admin"\n'
        f'password_hash = "{PasswordHasher().hash("demo-tinh")}"\n', encoding="utf-8")
    with LiveServer(d, config=[DEMO_HALL, second_hall(d / "b.toml")], province=province) as srv:
        yield srv


def url(server, centre, path):
    return f"{server.url}/c/{centre}{path}"


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def test_each_centre_numbers_its_own_tickets(server):
    a = requests.post(url(server, "demo", "/api/v1/tickets"), json={"field": "DD"}, headers=bearer(KIOSK)).json()
    b = requests.post(url(server, "hoabinh", "/api/v1/tickets"), json={"field": "DD"},
                      headers=bearer(B_TOKEN.format("kiosk-1"))).json()
    assert a["ticket"]["code"] == b["ticket"]["code"] == "A001"
    assert requests.get(url(server, "hoabinh", f"/api/v1/track/{a['ticket']['tracking_id']}")).status_code == 404
    snap_b = requests.get(url(server, "hoabinh", "/api/v1/snapshot")).json()
    assert snap_b["centre"] == "hoabinh" and snap_b["waiting"]["DD"] == 1
    assert requests.get(url(server, "hoabinh", "/api/v1/centre")).json()["name"].endswith("Hòa Bình")


@pytest.mark.parametrize("ep", [e for e in ENDPOINTS if e.command is not None and e.path != "/tickets"],
                         ids=lambda e: f"{e.method} {e.path}")
def test_a_centres_device_cannot_act_in_another(server, ep):
    path = "/api/v1" + ep.path.replace("<int:counter>", "1").replace("<int:ticket>", "1")
    body = {"/counters/<int:counter>/call": {"ticket": 1}, "/counters/<int:counter>/transfer": {"field": "HT"},
            "/counters/<int:counter>/officer": {"officer": "lethucuc"},
            "/counters/<int:counter>/fields": {"fields": ["DD"]}}.get(ep.path) if ep.method != "DELETE" else None
    before = requests.get(url(server, "hoabinh", "/api/v1/snapshot")).json()["seq"]
    r = requests.request(ep.method, url(server, "hoabinh", path), json=body, headers=bearer(BUTTONS_1))
    assert r.status_code == 401 and r.json()["error"] == "unauthorized"
    assert requests.get(url(server, "hoabinh", "/api/v1/snapshot")).json()["seq"] == before


def test_staff_of_one_centre_cannot_act_in_another(server):
    s = requests.Session()
    login = s.post(url(server, "demo", "/api/v1/auth/login"), json={"username": "giamsat", "password": "demo-giamsat"})
    assert login.status_code == 200
    csrf = {"X-CSRF-Token": login.json()["csrf_token"]}
    assert s.post(url(server, "demo", "/api/v1/counters/9/open"), headers=csrf).status_code == 200
    # The same browser at the other centre is nobody there, and the other centre's logins differ.
    assert s.get(url(server, "hoabinh", "/api/v1/me")).json()["role"] == "anonymous"
    assert s.post(url(server, "hoabinh", "/api/v1/counters/9/open"), headers=csrf).status_code == 401
    assert s.post(url(server, "hoabinh", "/api/v1/auth/login"),
                  json={"username": "giamsat", "password": "demo-giamsat"}).status_code == 401
    # A stolen session cookie of centre A is not valid at centre B either.
    cookie = s.cookies.get("motcua_demo")
    r = requests.post(url(server, "hoabinh", "/api/v1/counters/9/open"), headers=csrf,
                      cookies={"motcua_hoabinh": cookie})
    assert r.status_code == 401


def test_events_stay_in_their_centre(server):
    a_sio = socketio.Client(reconnection=False)
    b_sio = socketio.Client(reconnection=False)
    got = {"a": [], "b": []}
    a_sio.on("event", lambda e: got["a"].append(e))
    b_sio.on("event", lambda e: got["b"].append(e))
    a_sio.connect(server.url, auth={"token": DISPLAY}, socketio_path="/c/demo/socket.io", transports=["websocket"])
    b_sio.connect(server.url, auth={"token": B_TOKEN.format("display-1")}, socketio_path="/c/hoabinh/socket.io",
                  transports=["websocket"])
    try:
        with pytest.raises(socketio.exceptions.ConnectionError):  # A's display token means nothing at B
            socketio.Client(reconnection=False).connect(server.url, auth={"token": DISPLAY},
                                                        socketio_path="/c/hoabinh/socket.io",
                                                        transports=["websocket"], wait_timeout=5)
        requests.post(url(server, "demo", "/api/v1/tickets"), json={"field": "HT"}, headers=bearer(KIOSK))
        deadline = time.monotonic() + 3
        while not got["a"] and time.monotonic() < deadline:
            time.sleep(0.05)
        time.sleep(0.5)
        assert got["a"] and got["a"][-1]["data"]["ticket"]["field"] == "HT"
        assert got["b"] == []
    finally:
        a_sio.disconnect()
        b_sio.disconnect()


def test_pages_know_their_centre_prefix(server):
    html = requests.get(url(server, "hoabinh", "/kiosk")).text
    assert '"base": "/c/hoabinh"' in html and "xã Hòa Bình" in html
    assert 'href="/c/hoabinh/static/app.css' in html or "/c/hoabinh/static/" in html


def test_province_admin_sees_every_centre(server):
    s = requests.Session()
    assert s.get(server.url + "/province/api/report").status_code == 401
    bad = s.post(server.url + "/province/", data={"username": "tinh", "password": "wrong"})
    assert bad.status_code == 401
    assert s.post(server.url + "/province/", data={"username": "tinh", "password": "demo-tinh"}).status_code == 200
    report = s.get(server.url + "/province/api/report").json()
    by_centre = {c["centre"]: c for c in report["centres"]}
    assert set(by_centre) == {"demo", "hoabinh"}
    assert by_centre["demo"]["issued"] >= 1 and by_centre["hoabinh"]["issued"] >= 1
    assert s.get(server.url + "/province/api/report?from=2026-13-01").status_code == 400
    # A centre's supervisor is not a province admin.
    other = requests.Session()
    assert other.post(server.url + "/province/", data={"username": "giamsat", "password": "demo-giamsat"}).status_code == 401
