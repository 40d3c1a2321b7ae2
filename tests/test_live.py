"""A real server on a loopback port and real Socket.IO clients."""

import queue
import threading
import time

import pytest
import requests
import socketio

from hall_server.testing import BUTTONS_1, DISPLAY, KIOSK, LiveServer


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("live")) as srv:
        yield srv


class Listener:
    """A Socket.IO client that records what it receives, in order."""

    def __init__(self, url, auth=None):
        self.client = socketio.Client(reconnection=False)
        self.inbox: queue.Queue = queue.Queue()
        for name in ("snapshot", "event", "ticket"):
            self.client.on(name, lambda data, name=name: self.inbox.put((name, data)))
        self.client.connect(url, auth=auth, transports=["websocket"], wait_timeout=5)

    def next(self, name=None, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            got = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            if name is None or got[0] == name:
                return got[1]

    def close(self):
        self.client.disconnect()


def post(server, path, token, json=None, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(server.url + path, json=json, headers=headers, timeout=5)


def test_display_gets_snapshot_then_numbered_events(server):
    display = Listener(server.url, {"token": DISPLAY})
    try:
        snap = display.next("snapshot")
        seq = snap["seq"]
        assert {c["number"] for c in snap["counters"]} == set(range(1, 11))
        issued = post(server, "/api/v1/tickets", KIOSK, {"field": "HT"}).json()["ticket"]
        called = post(server, "/api/v1/counters/3/call-next", BUTTONS_1).json()
        assert called["ticket"]["code"] == issued["code"]
        events = []
        while not events or events[-1]["kind"] != "ticket_called":
            events.append(display.next("event"))
        # Every event carries the next sequence number: none missing, none repeated.
        assert [e["seq"] for e in events] == list(range(seq + 1, seq + 1 + len(events)))
        last = events[-1]["data"]
        assert last["ticket"]["code"] == issued["code"] and last["counter"]["number"] == 3
        post(server, "/api/v1/counters/3/finish", BUTTONS_1)
    finally:
        display.close()


def test_a_duplicated_request_id_calls_once(server):
    box = socketio.Client(reconnection=False)
    box.connect(server.url, auth={"token": BUTTONS_1}, transports=["websocket"])
    try:
        for _ in range(2):
            post(server, "/api/v1/tickets", KIOSK, {"field": "CT"})
        press = {"command": "call_next", "args": {"counter": 4}, "request_id": "box1-press-42"}
        first = box.call("command", press, timeout=5)
        again = box.call("command", press, timeout=5)
        assert first["status"] == 200 and again == first
        snap = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()
        assert snap["waiting"]["CT"] == 1
        refused = box.call("command", {"command": "call_next", "args": {"counter": 4}}, timeout=5)
        assert refused["status"] == 409 and refused["body"]["error"] == "counter_busy"
        assert box.call("command", {"command": "finish", "args": {"counter": 4}}, timeout=5)["status"] == 200
        wrong = box.call("command", {"command": "call_next", "args": {"counter": 7}}, timeout=5)
        assert wrong["status"] == 403
    finally:
        box.disconnect()


@pytest.mark.parametrize("message, error", [
    ({"command": "explode"}, "unknown_command"),
    ("call_next", "bad_message"),
    ({"command": "call_next", "args": {"counter": "4"}}, "invalid_command"),
    ({"command": "call_next", "args": {}}, "invalid_command"),
    ({"command": "call_next", "args": {"counter": 4, "x": 1}}, "invalid_command"),
    ({"command": "call_next", "args": {"counter": 4}, "request_id": 5}, "invalid_command"),
])
def test_bad_socket_commands_get_an_error_and_change_nothing(server, message, error):
    box = socketio.Client(reconnection=False)
    box.connect(server.url, auth={"token": BUTTONS_1}, transports=["websocket"])
    try:
        def hall():
            snap = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()
            snap.pop("server_time")
            return snap

        before = hall()
        answer = box.call("command", message, timeout=5)
        assert answer["status"] == 400 and answer["body"]["error"] == error
        assert hall() == before
    finally:
        box.disconnect()


def test_public_clients_are_read_only_and_bad_tokens_refused(server):
    public = socketio.Client(reconnection=False)
    public.connect(server.url, transports=["websocket"])
    try:
        answer = public.call("command", {"command": "call_next", "args": {"counter": 1}}, timeout=5)
        assert answer["status"] == 401
        display = Listener(server.url, {"token": DISPLAY})
        answer = display.client.call("command", {"command": "call_next", "args": {"counter": 1}}, timeout=5)
        assert answer["status"] == 403
        display.close()
    finally:
        public.disconnect()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client(reconnection=False).connect(server.url, auth={"token": "wrong-token-wrong-token"},
                                                    transports=["websocket"], wait_timeout=5)


def test_tracker_follows_its_ticket_until_called(server):
    t = post(server, "/api/v1/tickets", KIOSK, {"field": "KD"}).json()["ticket"]
    post(server, "/api/v1/tickets", KIOSK, {"field": "KD"})
    phone = Listener(server.url, {"track": t["tracking_id"]})
    try:
        first = phone.next("ticket")
        assert first["code"] == t["code"] and first["state"] == "waiting" and first["people_ahead"] == 0
        post(server, "/api/v1/counters/5/call-next", BUTTONS_1)
        update = phone.next("ticket")
        assert update["state"] == "called" and update["counter"] == 5
        post(server, "/api/v1/counters/5/finish", BUTTONS_1)
    finally:
        phone.close()
    with pytest.raises(socketio.exceptions.ConnectionError):
        socketio.Client(reconnection=False).connect(server.url, auth={"track": "no-such-ticket"},
                                                    transports=["websocket"], wait_timeout=5)


def test_a_client_that_misses_events_resyncs(server):
    display = Listener(server.url, {"token": DISPLAY})
    try:
        display.next("snapshot")
        post(server, "/api/v1/tickets", KIOSK, {"field": "GT"})
        display.next("event")
        answer = display.client.call("resync", timeout=5)
        snap = display.next("snapshot")
        assert answer["body"]["seq"] == snap["seq"] and snap["waiting"]["GT"] >= 1
    finally:
        display.close()


def test_concurrent_presses_never_share_a_ticket(server):
    """Five counters press Next at once, many times: each ticket goes to exactly one counter."""
    for _ in range(30):
        post(server, "/api/v1/tickets", KIOSK, {"field": "DD"})
        post(server, "/api/v1/tickets", KIOSK, {"field": "CT"})
    called: list = []
    lock = threading.Lock()

    def officer(counter):
        for i in range(14):
            post(server, f"/api/v1/counters/{counter}/finish", BUTTONS_1)
            r = post(server, f"/api/v1/counters/{counter}/call-next", BUTTONS_1, key=f"c{counter}-{i}")
            if r.status_code == 200 and r.json().get("ticket"):
                with lock:
                    called.append(r.json()["ticket"]["id"])

    threads = [threading.Thread(target=officer, args=(n,)) for n in (1, 2, 3, 4)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert len(called) == len(set(called)) > 40
