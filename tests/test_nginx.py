"""deploy/nginx-motcua.conf in front of two server processes: websockets pass, a killed process
is survived: its clients reconnect through the other and resync."""

import queue
import shutil
import subprocess
import time

import pytest
import requests
import socketio

from hall_server.testing import BUTTONS_1, DISPLAY, KIOSK, LiveServer, free_port

from .conftest import ROOT, need
from .test_multiprocess import REDIS_URL, redis_problem

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


@pytest.fixture
def proxied(pg_url, tmp_path):
    need(shutil.which("nginx") is not None, "nginx is not installed (apt-get install nginx-light)")
    problem = redis_problem()
    need(problem is None, problem or "")
    servers = [LiveServer(tmp_path / f"p{i}", db=pg_url, redis=REDIS_URL,
                          extra_env={"MOTCUA_BEHIND_PROXY": "1"}) for i in range(2)]
    for i, server in enumerate(servers):
        (tmp_path / f"p{i}").mkdir()
        server.start()
    port = free_port()
    site = (ROOT / "deploy" / "nginx-motcua.conf").read_text()
    site = site.replace("listen 80;", f"listen 127.0.0.1:{port};")
    site = site.replace("server 127.0.0.1:8081", f"server 127.0.0.1:{servers[0].port}")
    site = site.replace("server 127.0.0.1:8082", f"server 127.0.0.1:{servers[1].port}")
    site = "\n".join(line for line in site.splitlines() if "127.0.0.1:8083" not in line)
    conf = tmp_path / "nginx.conf"
    conf.write_text(
        f"worker_processes 1;\npid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/nginx-error.log;\n"
        "events { worker_connections 1024; }\n"
        f"http {{\naccess_log off;\nclient_body_temp_path {tmp_path};\nproxy_temp_path {tmp_path};\n{site}\n}}\n"
    )
    nginx = subprocess.Popen(["nginx", "-c", str(conf), "-p", str(tmp_path), "-g", "daemon off;"])
    url = f"http://127.0.0.1:{port}"
    for _ in range(50):
        try:
            if requests.get(url + "/api/v1/health", timeout=1).ok:
                break
        except requests.RequestException:
            time.sleep(0.1)
    yield url, servers
    nginx.terminate()
    nginx.wait(10)
    for server in servers:
        server.stop()


def test_clients_survive_a_killed_process(proxied):
    url, servers = proxied
    inbox: queue.Queue = queue.Queue()
    display = socketio.Client(reconnection=True, reconnection_delay=0.2, reconnection_delay_max=1)
    display.on("snapshot", lambda s: inbox.put(("snapshot", s)))
    display.on("event", lambda e: inbox.put(("event", e)))
    display.connect(url, auth={"token": DISPLAY}, transports=["websocket"])

    def wait_for(kind, pred=lambda d: True, timeout=15):
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                got = inbox.get(timeout=0.2)
            except queue.Empty:
                continue
            if got[0] == kind and pred(got[1]):
                return got[1]
        raise AssertionError(f"no {kind} within {timeout}s")

    presses = iter(range(10**6))

    def send(path, token, json=None):
        """As devices do: retry a failed request with the same Idempotency-Key (nginx never
        replays a POST by itself, since it cannot know that a retry is safe)."""
        key = f"press-{next(presses)}"
        for _ in range(60):  # nginx rests a failed process for fail_timeout (5 s) before trying it again
            r = requests.post(url + path, json=json, timeout=10,
                              headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            if r.status_code < 500:
                return r.json()
            time.sleep(0.25)
        raise AssertionError(f"{path} kept failing: {r.status_code}")

    def call_through_proxy():
        send("/api/v1/tickets", KIOSK, {"field": "HT"})
        send("/api/v1/counters/3/finish", BUTTONS_1)
        return send("/api/v1/counters/3/call-next", BUTTONS_1)["ticket"]["code"]

    try:
        wait_for("snapshot")
        code = call_through_proxy()
        wait_for("event", lambda e: e["kind"] == "ticket_called" and e["data"]["ticket"]["code"] == code)
        # Kill each process in turn: the display is on one of them, so it must move at least once.
        snapshots = 1
        for victim in (0, 1):
            servers[victim].kill()
            time.sleep(0.3)
            code = call_through_proxy()  # nginx sends the requests to the surviving process
            deadline = time.monotonic() + 20
            in_sync = False
            while not in_sync and time.monotonic() < deadline:
                try:
                    kind, data = inbox.get(timeout=0.2)
                except queue.Empty:
                    continue
                if kind == "snapshot":
                    snapshots += 1
                    current = data["counters"][2]["current"]
                    in_sync = current is not None and current["code"] == code
                else:
                    in_sync = data["kind"] == "ticket_called" and data["data"]["ticket"]["code"] == code
            assert in_sync, f"the display never showed {code} after process {victim} was killed"
            servers[victim].start()
        assert snapshots >= 2  # it reconnected and resynced at least once
    finally:
        display.disconnect()
