"""A busy morning with the server killed (SIGKILL) at random moments, and a ledger that proves
nothing was lost. Used by tests/test_crash.py (short) and bench/crash.py (long).

Clients are real: a dispenser and counters over REST with request ids (a failed request is
retried with the same id, as devices do), and a display over Socket.IO that reconnects by itself.
"""

from __future__ import annotations

import random
import threading
import time
from collections import defaultdict
from dataclasses import dataclass, field

import requests
import socketio

from . import BUTTONS_1, DISPLAY, KIOSK, LiveServer

FIELDS = ["DD", "HT", "CT", "KD", "XD"]
COUNTERS = [1, 2, 3, 4, 5]


@dataclass
class Ledger:
    issued: dict[int, str] = field(default_factory=dict)  # ticket id -> code, as the dispenser was told
    calls: list[tuple[int, int]] = field(default_factory=list)  # (ticket id, counter) acknowledged
    resync_seconds: list[float] = field(default_factory=list)
    kills: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)


def _send(url_of, path, token, key, json=None, stop=None):
    """POST until the server answers (retrying with the same Idempotency-Key)."""
    while True:
        try:
            r = requests.post(url_of() + path, json=json, timeout=5,
                              headers={"Authorization": f"Bearer {token}", "Idempotency-Key": key})
            if r.status_code < 500:
                return r
        except requests.RequestException:
            pass
        if stop is not None and stop.is_set():
            return None
        time.sleep(0.1)


def run(server: LiveServer, kills: int = 5, seed: int = 1, up_seconds=(0.4, 1.2)) -> Ledger:
    rng = random.Random(seed)
    ledger = Ledger()
    stop = threading.Event()
    url_of = lambda: server.url  # noqa: E731

    def dispenser():
        i = 0
        while not stop.is_set():
            r = _send(url_of, "/api/v1/tickets", KIOSK, f"d-{i}", {"field": FIELDS[i % len(FIELDS)]}, stop)
            if r is not None and r.status_code == 201:
                t = r.json()["ticket"]
                with ledger.lock:
                    ledger.issued[t["id"]] = t["code"]
            i += 1
            time.sleep(0.02)

    def counter(n):
        i = 0
        while not stop.is_set():
            _send(url_of, f"/api/v1/counters/{n}/finish", BUTTONS_1, f"f{n}-{i}", stop=stop)
            r = _send(url_of, f"/api/v1/counters/{n}/call-next", BUTTONS_1, f"c{n}-{i}", stop=stop)
            if r is not None and r.status_code == 200 and r.json().get("ticket"):
                with ledger.lock:
                    ledger.calls.append((r.json()["ticket"]["id"], n))
            i += 1
            time.sleep(0.05)

    snapshots = []
    display = socketio.Client(reconnection=True, reconnection_delay=0.1, reconnection_delay_max=0.5)
    display.on("snapshot", lambda s: snapshots.append((time.monotonic(), s["seq"])))
    display.connect(server.url, auth={"token": DISPLAY}, transports=["websocket"])
    threads = [threading.Thread(target=dispenser)] + [threading.Thread(target=counter, args=(n,)) for n in COUNTERS]
    for t in threads:
        t.start()
    try:
        for _ in range(kills):
            time.sleep(rng.uniform(*up_seconds))
            server.kill()
            ledger.kills += 1
            time.sleep(rng.uniform(0.1, 0.4))
            server.start()
            back = time.monotonic()  # the server answers again: the clock for "back in sync" starts
            deadline = time.monotonic() + 10
            while time.monotonic() < deadline and not any(t >= back for t, _ in snapshots):
                time.sleep(0.05)
            after = [t for t, _ in snapshots if t >= back]  # the display's first snapshot after the restart
            ledger.resync_seconds.append(round(after[0] - back, 2) if after else float("inf"))
        time.sleep(0.5)
    finally:
        stop.set()
        for t in threads:
            t.join(30)
        display.disconnect()
    return ledger


def check(server: LiveServer, ledger: Ledger) -> dict:
    """The proofs: every issued ticket exists, no number twice, no ticket called by two counters,
    every acknowledged call is stored. Returns figures; raises AssertionError on a violation."""
    headers = {"Authorization": f"Bearer {DISPLAY}"}
    tickets = requests.get(server.url + "/api/v1/tickets", headers=headers, timeout=10).json()["tickets"]
    stored = {t["id"]: t for t in tickets}
    missing = [tid for tid in ledger.issued if tid not in stored]
    assert not missing, f"tickets handed out but not stored: {missing}"
    assert all(stored[tid]["code"] == code for tid, code in ledger.issued.items())
    codes = [(t["issue_field"], t["code"]) for t in tickets]
    assert len(codes) == len(set(codes)), "a number was handed out twice"
    events = []
    since = 0
    while True:
        batch = requests.get(server.url + f"/api/v1/events?since={since}", headers=headers, timeout=10).json()["events"]
        if not batch:
            break
        events += batch
        since = batch[-1]["seq"]
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1)), "the event log has a hole"
    called_at = defaultdict(set)
    for e in events:
        if e["kind"] == "ticket_called":
            called_at[e["data"]["ticket"]["id"]].add(e["data"]["counter"]["number"])
    doubles = {tid: c for tid, c in called_at.items() if len(c) > 1}
    assert not doubles, f"tickets called by two counters: {doubles}"
    lost = [(tid, n) for tid, n in ledger.calls if n not in called_at.get(tid, set())]
    assert not lost, f"acknowledged calls not in the log: {lost}"
    assert max(ledger.resync_seconds) <= 5, f"a display took too long to resync: {ledger.resync_seconds}"
    return {"kills": ledger.kills, "tickets_issued": len(ledger.issued), "calls_acknowledged": len(ledger.calls),
            "events": len(events), "max_resync_s": max(ledger.resync_seconds),
            "mean_resync_s": round(sum(ledger.resync_seconds) / len(ledger.resync_seconds), 2)}
