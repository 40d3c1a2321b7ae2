"""Several server processes on one PostgreSQL database, fanning out events through Redis."""

import os
import threading
import time
from collections import Counter

import pytest
import requests

from hall_server.testing import BUTTONS_1, BUTTONS_2, DISPLAY, KIOSK, LiveServer

from .conftest import need
from .test_live import Listener

REDIS_URL = os.environ.get("MOTCUA_REDIS_URL", "redis://127.0.0.1:6379/0")

pytestmark = [pytest.mark.postgres, pytest.mark.redis]


def redis_problem():
    try:
        import redis

        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=2).ping()
        return None
    except Exception as exc:
        return f"Redis not reachable at {REDIS_URL}: {exc}"


@pytest.fixture
def cluster(pg_url, tmp_path):
    problem = redis_problem()
    need(problem is None, problem or "")
    servers = []
    for i in range(3):
        d = tmp_path / f"p{i}"
        d.mkdir()
        servers.append(LiveServer(d, db=pg_url, redis=REDIS_URL, threads=64))
    servers[0].start()  # the first runs the migrations alone
    for server in servers[1:]:
        server.start()
    yield servers
    for server in servers:
        server.stop()


def post(server, path, token, json=None, key=None):
    headers = {"Authorization": f"Bearer {token}"}
    if key:
        headers["Idempotency-Key"] = key
    return requests.post(server.url + path, json=json, headers=headers, timeout=10)


def test_a_display_on_one_process_sees_a_call_made_through_another(cluster):
    a, b, c = cluster
    display = Listener(a.url, {"token": DISPLAY})
    try:
        seq = display.next("snapshot")["seq"]
        issued = post(c, "/api/v1/tickets", KIOSK, {"field": "HT"}).json()["ticket"]
        called = post(b, "/api/v1/counters/3/call-next", BUTTONS_1).json()
        assert called["ticket"]["code"] == issued["code"] == "B001"
        events = []
        while not events or events[-1]["kind"] != "ticket_called":
            events.append(display.next("event"))
        assert events[-1]["data"]["ticket"]["code"] == "B001"
        assert [e["seq"] for e in events] == [seq + 1 + i for i in range(len(events))]
        # Reads on any process see the same hall.
        snaps = [requests.get(s.url + "/api/v1/snapshot", timeout=5).json() for s in cluster]
        assert len({s["seq"] for s in snaps}) == 1
        assert all(s["counters"][2]["current"]["code"] == "B001" for s in snaps)
    finally:
        display.close()


def test_concurrent_issues_and_calls_across_processes(cluster):
    answers, calls, errors = [], [], []
    lock = threading.Lock()

    def issuer(k):
        for i in range(25):
            server = cluster[(k + i) % 3]
            r = post(server, "/api/v1/tickets", KIOSK, {"field": "DD" if i % 2 else "CT"}, key=f"i{k}-{i}")
            with lock:
                (answers if r.status_code == 201 else errors).append(r.json())

    threads = [threading.Thread(target=issuer, args=(k,)) for k in range(8)]  # 200 issues
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert not errors and len(answers) == 200
    codes = [a["ticket"]["code"] for a in answers]
    assert len(set(codes)) == 200, [c for c, n in Counter(codes).items() if n > 1]

    def officer(counter, token):
        for i in range(5):
            server = cluster[(counter + i) % 3]
            post(server, f"/api/v1/counters/{counter}/finish", token)
            r = post(server, f"/api/v1/counters/{counter}/call-next", token, key=f"c{counter}-{i}")
            if r.status_code == 200 and r.json().get("ticket"):
                with lock:
                    calls.append(r.json()["ticket"]["id"])

    # Counters 1, 2 (DD), 3, 4, 10 (CT) … ten counters pressing at once through three processes.
    threads = [threading.Thread(target=officer, args=(n, BUTTONS_1 if n <= 5 else BUTTONS_2)) for n in range(1, 11)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert len(calls) == len(set(calls)) >= 20  # no ticket handed to two counters


def test_a_retry_through_another_process_acts_once(cluster):
    a, b, _ = cluster
    post(a, "/api/v1/tickets", KIOSK, {"field": "KD"})
    post(a, "/api/v1/tickets", KIOSK, {"field": "KD"})
    first = post(a, "/api/v1/counters/5/call-next", BUTTONS_1, key="press-77")
    again = post(b, "/api/v1/counters/5/call-next", BUTTONS_1, key="press-77")
    assert again.json() == first.json()
    assert requests.get(b.url + "/api/v1/snapshot", timeout=5).json()["waiting"]["KD"] == 1


def test_killing_one_process_loses_nothing(cluster):
    a, b, c = cluster
    issued, stop = [], threading.Event()

    def kiosk():
        i = 0
        while not stop.is_set():
            for server in (a, b, c):
                key = f"k-{i}"
                for target in (server, b):  # on failure, retry the same request through b
                    try:
                        r = post(target, "/api/v1/tickets", KIOSK, {"field": "GT"}, key=key)
                        issued.append(r.json()["ticket"]["code"])
                        break
                    except requests.RequestException:
                        continue
                i += 1

    t = threading.Thread(target=kiosk)
    t.start()
    time.sleep(1.0)
    c.kill()  # SIGKILL in the middle of the load
    time.sleep(1.0)
    stop.set()
    t.join()
    snap = requests.get(b.url + "/api/v1/snapshot", timeout=5).json()
    assert len(issued) == len(set(issued))
    assert snap["waiting"]["GT"] == len(issued)  # every ticket a citizen was given exists
    # A display on a surviving process still gets live calls.
    display = Listener(a.url, {"token": DISPLAY})
    try:
        display.next("snapshot")
        called = post(b, "/api/v1/counters/5/call-next", BUTTONS_1).json()["ticket"]
        event = display.next("event")
        while event["kind"] != "ticket_called":
            event = display.next("event")
        assert event["data"]["ticket"]["code"] == called["code"]
    finally:
        display.close()
