"""The live layer under many connections, at its cap, and against abuse — on a real server process.

The server runs exactly as ``motcua serve`` runs it (uvicorn, Socket.IO on asyncio); clients are
real Socket.IO clients (python-socketio, asyncio and threaded) on loopback.
"""

from __future__ import annotations

import asyncio
import time

import pytest
import requests
import socketio

from .live import BUTTONS_1, DISPLAY, KIOSK, LiveServer

pytestmark = pytest.mark.slow

OVERLOADED_VI = "Hệ thống đang quá tải, vui lòng thử lại sau"


async def _open_many(url: str, n: int, auth: dict | None = None) -> tuple[list, list]:
    """Open ``n`` public connections at once; return (connected clients, refusal errors)."""
    clients, refused = [], []

    async def one():
        client = socketio.AsyncClient(reconnection=False)
        try:
            await client.connect(url, auth=auth or {}, transports=["websocket"], wait_timeout=20)
            clients.append(client)
        except socketio.exceptions.ConnectionError as exc:
            refused.append(exc)

    await asyncio.gather(*(one() for _ in range(n)))
    return clients, refused


async def _close(clients) -> None:
    await asyncio.gather(*(c.disconnect() for c in clients))


def _display(url: str):
    display = socketio.Client(reconnection=False)
    events: list[dict] = []
    display.on("event", events.append)
    display.connect(url, auth={"token": DISPLAY}, transports=["websocket"], wait_timeout=10)
    return display, events


def _wait_for(events: list, kind: str, timeout: float = 5.0) -> dict | None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for ev in events:
            if ev.get("kind") == kind:
                return ev
        time.sleep(0.01)
    return None


def test_more_connections_than_threads_leave_the_hall_working(tmp_path):
    """300 open connections (the old server stalled at 63): health, a button press and the display all work."""
    env = {"MOTCUA_CONNECTS_PER_MINUTE": "10000"}
    with LiveServer(tmp_path, threads=8, extra_env=env) as server:
        async def scenario():
            clients, refused = await _open_many(server.url, 300)
            assert len(clients) == 300 and not refused
            loop = asyncio.get_running_loop()
            try:
                display, events = await loop.run_in_executor(None, _display, server.url)
                started = time.monotonic()
                health = await loop.run_in_executor(None, lambda: requests.get(server.url + "/api/v1/health", timeout=5))
                assert health.ok and time.monotonic() - started < 1.0
                issued = await loop.run_in_executor(None, lambda: requests.post(
                    server.url + "/api/v1/tickets", json={"field": "DD"},
                    headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5))
                assert issued.status_code == 201
                called = await loop.run_in_executor(None, lambda: requests.post(
                    server.url + "/api/v1/counters/1/call-next", headers={"Authorization": f"Bearer {BUTTONS_1}"},
                    timeout=5))
                assert called.status_code == 200, called.text
                ev = await loop.run_in_executor(None, _wait_for, events, "ticket_called")
                assert ev is not None and ev["data"]["ticket"]["code"] == issued.json()["ticket"]["code"]
                await loop.run_in_executor(None, display.disconnect)
            finally:
                await _close(clients)

        asyncio.run(scenario())


def test_past_the_cap_public_connections_are_refused_at_once_and_devices_still_connect(tmp_path):
    env = {"MOTCUA_MAX_CONNECTIONS": "20", "MOTCUA_RESERVED_CONNECTIONS": "3", "MOTCUA_CONNECTS_PER_MINUTE": "10000"}
    with LiveServer(tmp_path, extra_env=env) as server:
        async def scenario():
            clients, refused = await _open_many(server.url, 20)
            assert len(clients) == 20 and not refused
            phones_heard: list = []
            for client in clients[:5]:
                client.on("event", phones_heard.append)
            try:
                late = socketio.AsyncClient(reconnection=False)
                reasons: list = []
                late.on("connect_error", reasons.append)
                started = time.monotonic()
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await late.connect(server.url, transports=["websocket"], wait_timeout=5)
                took = time.monotonic() - started
                assert reasons == [{"message": "overloaded", "data": {"message": OVERLOADED_VI, "retry_after": 5}}]
                assert took < 1.0  # refused at once, never a hang (the benchmark measures it: ≤ 100 ms)
                loop = asyncio.get_running_loop()
                # a display and a button box use the reserve; the box's press reaches the display and the phones
                display, events = await loop.run_in_executor(None, _display, server.url)
                box = socketio.AsyncClient(reconnection=False)
                await box.connect(server.url, auth={"token": BUTTONS_1}, transports=["websocket"], wait_timeout=5)
                await loop.run_in_executor(None, lambda: requests.post(
                    server.url + "/api/v1/tickets", json={"field": "DD"}, headers={"Authorization": f"Bearer {KIOSK}"},
                    timeout=5))
                answer = await box.call("command", {"command": "call_next", "args": {"counter": 1},
                                                    "request_id": "cap-1"}, timeout=5)
                assert answer["status"] == 200, answer
                assert await loop.run_in_executor(None, _wait_for, events, "ticket_called") is not None
                assert await loop.run_in_executor(None, _wait_for, phones_heard, "ticket_called") is not None
                # the reserve is for devices and staff only, and it too has an end
                extra = socketio.AsyncClient(reconnection=False)
                with pytest.raises(socketio.exceptions.ConnectionError):
                    await extra.connect(server.url, transports=["websocket"], wait_timeout=5)
                await box.disconnect()
                await loop.run_in_executor(None, display.disconnect)
                # when phones leave, new ones get in again
                await clients.pop().disconnect()
                await asyncio.sleep(0.3)
                again = socketio.AsyncClient(reconnection=False)
                await again.connect(server.url, transports=["websocket"], wait_timeout=5)
                clients.append(again)
            finally:
                await _close(clients)

        asyncio.run(scenario())


def test_new_connections_per_address_are_limited(tmp_path):
    with LiveServer(tmp_path, extra_env={"MOTCUA_CONNECTS_PER_MINUTE": "5"}) as server:
        statuses = [requests.get(server.url + "/socket.io/?EIO=4&transport=polling", timeout=5).status_code
                    for _ in range(7)]
        assert statuses[:5] == [200] * 5
        assert statuses[5:] == [429, 429]
        refusal = requests.get(server.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
        assert refusal.json()["error"] == "rate_limited"
        assert requests.get(server.url + "/api/v1/health", timeout=5).ok  # the rest of the server is not limited


def test_anonymous_socket_commands_have_the_rest_rate_limit_and_devices_do_not(tmp_path):
    with LiveServer(tmp_path) as server:
        public = socketio.Client(reconnection=False)
        public.connect(server.url, transports=["websocket"], wait_timeout=10)
        answers = [public.call("command", {"command": "issue_ticket", "args": {"field": "HT"}}, timeout=5)
                   for _ in range(21)]
        public.disconnect()
        assert [a["status"] for a in answers[:20]] == [201] * 20
        assert answers[20]["status"] == 429 and answers[20]["body"]["error"] == "rate_limited"
        kiosk = socketio.Client(reconnection=False)
        kiosk.connect(server.url, auth={"token": KIOSK}, transports=["websocket"], wait_timeout=10)
        answers = [kiosk.call("command", {"command": "issue_ticket", "args": {"field": "HT"}}, timeout=5)
                   for _ in range(25)]
        kiosk.disconnect()
        assert {a["status"] for a in answers} == {201}
        waiting = requests.get(server.url + "/api/v1/tickets?state=waiting", headers={"Authorization": f"Bearer {KIOSK}"},
                               timeout=5).json()["tickets"]
        assert len(waiting) == 45  # the refused one changed nothing


def test_reserved_event_names_from_a_client_are_refused_and_change_nothing(tmp_path):
    with LiveServer(tmp_path) as server:
        box = socketio.Client(reconnection=False)
        box.connect(server.url, auth={"token": BUTTONS_1}, transports=["websocket"], wait_timeout=10)
        for name in ("disconnect", "connect"):
            answer = box.call(name, {"x": 1}, timeout=5)
            assert answer["status"] == 400 and answer["body"]["error"] == "reserved_event", answer
        time.sleep(0.3)
        alerts = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()["alerts"]
        assert not [a for a in alerts if a["id"] == "offline:buttons-1"], alerts  # no false "device offline"
        assert box.call("resync", timeout=5)["status"] == 200  # still connected, still served
        box.disconnect()
        time.sleep(0.5)
        alerts = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()["alerts"]
        assert [a for a in alerts if a["id"] == "offline:buttons-1"], "a real disconnect raises the device-offline alert"


def test_serve_says_when_the_open_files_limit_is_below_the_connection_cap(tmp_path):
    import resource
    import subprocess
    import sys

    from hall_server.testing import free_port

    def low_limit():
        resource.setrlimit(resource.RLIMIT_NOFILE, (1024, 1024))

    port = free_port()
    proc = subprocess.Popen([sys.executable, "-m", "hall_server", "serve", "--db", f"sqlite:///{tmp_path / 'h.db'}",
                             "--port", str(port), "--max-connections", "5000"],
                            preexec_fn=low_limit, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                            env={**__import__("os").environ, "MOTCUA_INSTANCE": str(tmp_path / "instance")})
    try:
        lines = []
        for line in proc.stdout:
            lines.append(line)
            if "Stop with Ctrl-C" in line:
                break
        out = "".join(lines)
        assert "the open-files limit is 1024 (hard limit 1024), below the 5500 live connections" in out, out
        assert "LimitNOFILE" in out
    finally:
        proc.terminate()
        proc.wait(10)


def test_phones_far_back_are_told_at_a_calm_pace_and_state_changes_at_once(tmp_path):
    """A call moves everyone in the field up by one: the citizen near the front sees it at once, the
    one 25th in line later (their phone would otherwise redraw on every call), and a call of their
    own ticket reaches them at once."""
    with LiveServer(tmp_path) as server:
        headers = {"Authorization": f"Bearer {KIOSK}"}
        box = {"Authorization": f"Bearer {BUTTONS_1}"}
        for n in (1, 2):  # only counter 1 calls Đất đai (DD)
            requests.post(server.url + f"/api/v1/counters/{n}/pause", headers=box, timeout=5)
        requests.post(server.url + "/api/v1/counters/1/resume", headers=box, timeout=5)
        tickets = [requests.post(server.url + "/api/v1/tickets", json={"field": "DD"}, headers=headers,
                                 timeout=5).json()["ticket"] for _ in range(27)]
        phones = {}
        for who, ticket in (("near", tickets[2]), ("far", tickets[26])):
            phone = socketio.Client(reconnection=False)
            heard: list = []
            phone.on("ticket", heard.append)
            phone.connect(server.url, auth={"track": ticket["tracking_id"]}, transports=["websocket"],
                          wait_timeout=10)
            phones[who] = (phone, heard)
        try:
            assert _wait_for_status(phones["near"][1], lambda s: s["people_ahead"] == 2)
            assert _wait_for_status(phones["far"][1], lambda s: s["people_ahead"] == 26)
            requests.post(server.url + "/api/v1/counters/1/call-next", headers=box, timeout=5)
            assert _wait_for_status(phones["near"][1], lambda s: s["people_ahead"] == 1, timeout=2)
            time.sleep(1.5)
            assert [s["people_ahead"] for s in phones["far"][1]] == [26]  # not yet: 25 can wait a while
            # call everyone before the far ticket: its own call reaches it at once
            for _ in range(26):
                requests.post(server.url + "/api/v1/counters/1/finish", headers=box, timeout=5)
                requests.post(server.url + "/api/v1/counters/1/call-next", headers=box, timeout=5)
            started = time.monotonic()
            assert _wait_for_status(phones["far"][1], lambda s: s["state"] == "called", timeout=3)
            assert time.monotonic() - started < 2.0
        finally:
            for phone, _ in phones.values():
                phone.disconnect()


def _wait_for_status(heard: list, check, timeout: float = 5.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if heard and check(heard[-1]):
            return True
        time.sleep(0.02)
    return False
