"""Socket.IO fuzzed with hypothesis: any event name and payload gets an error answer,
the server stays up and the hall is unchanged."""

import pytest
import requests
import socketio
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from hall_server.testing import BUTTONS_1, KIOSK, LiveServer

json_values = st.recursive(
    st.none() | st.booleans() | st.integers(-2**40, 2**40) | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=12), inner, max_size=4),
    max_leaves=12,
)
names = st.sampled_from(["command", "resync", "device_status", "print_result", "connect", "disconnect"]) | st.text(
    min_size=1, max_size=20)
commands = st.fixed_dictionaries(
    {"command": st.sampled_from(["call_next", "issue_ticket", "transfer", "cancel", "explode"]) | st.text(max_size=10)},
    optional={"args": json_values, "request_id": json_values},
)


@pytest.fixture(scope="module")
def box(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("fuzz")) as server:
        requests.post(server.url + "/api/v1/tickets", json={"field": "DD"},
                      headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5)
        client = socketio.Client(reconnection=False)
        client.connect(server.url, auth={"token": BUTTONS_1}, transports=["websocket"])
        yield server, client
        client.disconnect()


def hall(server):
    snap = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()
    snap.pop("server_time", None)
    return snap


@settings(max_examples=150, deadline=None, suppress_health_check=list(HealthCheck))
@given(name=names, payload=json_values | commands)
def test_any_message_gets_an_answer_and_changes_nothing(box, name, payload):
    server, client = box
    if name in ("connect", "disconnect", "message"):
        return  # reserved by Socket.IO itself, not events a client may send
    before = hall(server)
    answer = client.call(name, payload, timeout=5)
    assert isinstance(answer, dict) and "status" in answer
    if name == "resync":
        assert answer["status"] == 200 and answer["body"]["seq"] == before["seq"]
        return
    if answer["status"] < 400:
        return  # hypothesis found a valid command: it may change the hall, that is its job
    assert answer["body"]["error"] and answer["body"]["message"]
    assert hall(server) == before
    assert client.connected
