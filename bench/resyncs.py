"""Snapshot requests (resyncs) per minute per wall board, in a busy hall of 100 counters.

    python -m bench.resyncs                       # 60 s, 8 boards with the gap hold, 8 without
    python -m bench.resyncs --seconds 120 --boards 10

A real server (``python -m hall_server serve``, one process, SQLite) runs the benchmark hall of
:mod:`bench.halls` (100 counters, 20 display tokens). Boards connect through
:mod:`device_link` exactly as ``motcua board`` does (:class:`display_board.client.BoardClient`
feeding a :class:`display_board.board.Board`, without the window). Half of them hold a short gap
for the late event (``gap_hold`` 0.75 s, the default); the other half ask for a snapshot at the
first gap (``gap_hold`` 0, what the boards did before device_link). Meanwhile the hall is busy:
kiosks issue tickets and the 100 counters finish and call next over REST, with the device
tokens, from several threads: ``--rate`` counter turns per second (each turn: a ticket issued, the
counter's citizen finished, the next one called), 4/s by default, about 16 events/s: some 20 times
what a 100-counter hall makes at its busiest (a citizen every 9 minutes per counter), in bursts of
two or three events a few milliseconds apart, which is when python-socketio's threads reorder them.

Counted per board: snapshot requests sent (``resync``), and for the held boards how many gaps
closed by themselves within the hold (events python-socketio handed over out of order). Every
board must end at the server's last ``seq``. Result: ``bench/results/resyncs.json`` (with the
machine, ``os.getloadavg()`` at start and end, the date); the figure is in docs/performance.md.
"""

from __future__ import annotations

import argparse
import json
import tempfile
import threading
import time
from pathlib import Path

import requests

from bench.halls import big_hall, box_token
from bench.record import begin, write_result
from display_board.board import Board
from display_board.client import BoardClient
from hall_server.testing import LiveServer

KIOSK = "bench-kiosk-token-0000"
COUNTERS = 100


def display_token(n: int) -> str:
    return f"bench-display-token-{n:04d}"


def drive(server: LiveServer, stop: threading.Event, counters: range, fields: list[str], counts: dict,
          lock: threading.Lock, period: float) -> None:
    """One worker: for each of its counters in turn, every ``period`` seconds, issue a ticket,
    finish the current citizen and call the next."""
    http = requests.Session()
    i = 0
    next_at = time.monotonic()
    while not stop.wait(max(0.0, next_at - time.monotonic())):
        next_at += period
        number = counters[i % len(counters)]
        i += 1
        headers = {"Authorization": f"Bearer {box_token(number, COUNTERS)}"}
        field = fields[(number - 1) % len(fields)]
        done = 0
        try:
            r = http.post(server.url + "/api/v1/tickets", json={"field": field},
                          headers={"Authorization": f"Bearer {KIOSK}"}, timeout=10)
            done += r.status_code == 201
            http.post(f"{server.url}/api/v1/counters/{number}/finish", headers=headers, timeout=10)
            r = http.post(f"{server.url}/api/v1/counters/{number}/call-next", headers=headers, timeout=10)
            done += r.ok
        except requests.RequestException:
            time.sleep(0.05)
        with lock:
            counts["commands"] += 3
            counts["ok"] += done


def run(seconds: float, boards: int, workers: int, rate: float) -> dict:
    import tomllib

    with tempfile.TemporaryDirectory() as tmp:
        hall = big_hall(Path(tmp) / "hall.toml", counters=COUNTERS, displays=max(20, 2 * boards))
        fields = [f["code"] for f in tomllib.loads(hall.read_text(encoding="utf-8"))["fields"]]
        with LiveServer(Path(tmp), config=hall, threads=64) as server:
            clients = []
            for n in range(2 * boards):
                hold = 0.75 if n < boards else 0.0
                client = BoardClient(server.url, display_token(n), Board(), gap_hold=hold)
                clients.append((hold, client.start()))
            for _, client in clients:
                assert client.wait_online(20), "a board did not come online"
            # The day's first ticket starts the service day (day_started: every board asks for a
            # snapshot once, by design); start it before measuring.
            requests.post(server.url + "/api/v1/tickets", json={"field": fields[0]},
                          headers={"Authorization": f"Bearer {KIOSK}"}, timeout=10)
            time.sleep(2)
            base = {id(c): (c.link.resyncs, c.link.sequencer.gaps_filled) for _, c in clients}
            stop, lock = threading.Event(), threading.Lock()
            counts = {"commands": 0, "ok": 0}
            share = COUNTERS // workers
            threads = [threading.Thread(target=drive, args=(server, stop, range(w * share + 1, (w + 1) * share + 1),
                                                           fields, counts, lock, workers / rate), daemon=True)
                       for w in range(workers)]
            begin()
            started = time.monotonic()
            seq0 = requests.get(server.url + "/api/v1/health", timeout=10).json()["seq"]
            for t in threads:
                t.start()
            time.sleep(seconds)
            stop.set()
            for t in threads:
                t.join(15)
            elapsed = time.monotonic() - started
            last = requests.get(server.url + "/api/v1/health", timeout=10).json()["seq"]
            deadline = time.monotonic() + 15
            while time.monotonic() < deadline and any(c.board.last_seq != last for _, c in clients):
                time.sleep(0.05)
            caught_up = sum(c.board.last_seq == last for _, c in clients)
            rows = []
            for hold, c in clients:
                r0, g0 = base[id(c)]
                rows.append({"gap_hold_s": hold, "resyncs": c.link.resyncs - r0,
                             "gaps_filled_while_held": c.link.sequencer.gaps_filled - g0,
                             "reasons": dict(c.link.sequencer.reasons), "connections": c.connections})
            for _, c in clients:
                c.stop()
            trouble = [line for line in server.read_log().splitlines()
                       if any(w in line for w in ("WARNING", "ERROR", "Traceback", "disconnect"))]
            if trouble:
                print("server log:", *trouble[-15:], sep="\n  ")
    minutes = elapsed / 60

    def per_minute(hold):
        values = [r["resyncs"] / minutes for r in rows if r["gap_hold_s"] == hold]
        return {"mean": round(sum(values) / len(values), 2), "max": round(max(values), 2)}

    return {
        "what": ("snapshot requests (resync) per minute per wall board, 100-counter hall busy over REST,"
                 " one server process"),
        "seconds": round(elapsed, 1),
        "counter_turns_per_second": rate,
        "boards_per_variant": boards,
        "events": last - seq0,
        "events_per_second": round((last - seq0) / elapsed, 1),
        "commands": counts["commands"],
        "boards_caught_up": f"{caught_up}/{len(clients)}",
        "resyncs_per_minute_per_board": {"gap_hold_0.75s": per_minute(0.75), "gap_hold_0 (before device_link)":
                                         per_minute(0.0)},
        "gaps_filled_while_held_per_minute_per_board": round(
            sum(r["gaps_filled_while_held"] for r in rows if r["gap_hold_s"]) / boards / minutes, 2),
        "boards": rows,
    }


def main(argv=None) -> dict:
    import logging

    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(threadName)s %(name)s: %(message)s")
    parser = argparse.ArgumentParser(prog="python -m bench.resyncs", description=__doc__.split("\n\n")[0])
    parser.add_argument("--seconds", type=float, default=60.0)
    parser.add_argument("--boards", type=int, default=8, help="boards per variant (with and without the hold)")
    parser.add_argument("--workers", type=int, default=10, help="threads driving the counters")
    parser.add_argument("--rate", type=float, default=4.0,
                        help="counter turns per second over the hall (each: issue, finish, call next: ~4 events)")
    args = parser.parse_args(argv)
    result = run(args.seconds, args.boards, args.workers, args.rate)
    print(json.dumps({k: v for k, v in result.items() if k != "boards"}, indent=2, ensure_ascii=False))
    write_result("resyncs", result)
    return result


if __name__ == "__main__":
    main()
