"""Counter button box: press → server acknowledgement latency, and the box's memory.

A real ButtonBox on gpiozero MockFactory pins talks to a LiveServer (gunicorn, demo hall,
SQLite) on loopback. Each round releases counter 1's Next button (a short press calls on
release) and then presses Finish; we time from the pin change to the moment the box has the
server's acknowledgement. Then a real box process (``motcua buttons``, then
``python -m counter_buttons``; GPIOZERO_PIN_FACTORY=mock, the example config) is started
against the same server and its RSS is read once it is connected.

    python -m bench.buttons_latency            # 300 rounds
"""

from __future__ import annotations

import json
import os
import platform
import queue
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests
from gpiozero.pins.mock import MockFactory

import counter_buttons
from counter_buttons.box import ButtonBox
from counter_buttons.config import parse_box
from hall_server.testing import BUTTONS_1, KIOSK, LiveServer

from .record import write_result

ROOT = Path(counter_buttons.__file__).resolve().parent.parent
BOX = {"counters": [{"number": 1, "next": 17, "recall": 27, "no_show": 22, "finish": 23, "led": 24}]}


def pct(values, p):
    values = sorted(values)
    return values[min(len(values) - 1, round(p / 100 * (len(values) - 1)))]


def rss_of_cli(server, entry: list[str]) -> dict:
    env = os.environ | {"GPIOZERO_PIN_FACTORY": "mock", "MOTCUA_SERVER": server.url, "MOTCUA_DEVICE_TOKEN": BUTTONS_1}
    proc = subprocess.Popen([sys.executable, "-m", *entry, "--config",
                             str(ROOT / "config" / "buttons.example.toml")], env=env, cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        deadline = time.monotonic() + 20
        seen = []
        for line in proc.stdout:
            seen.append(line)
            if "connected to" in line or time.monotonic() > deadline:
                break
        time.sleep(2)
        if proc.poll() is not None:
            raise RuntimeError(f"motcua buttons exited with {proc.returncode}: {''.join(seen)}{proc.stdout.read()}")
        status = Path(f"/proc/{proc.pid}/status").read_text()
        fields = {k: v.strip() for k, v in (row.split(":", 1) for row in status.splitlines() if ":" in row)}
        return {"rss_kib": int(fields["VmRSS"].split()[0]), "threads": int(fields["Threads"])}
    finally:
        proc.terminate()
        proc.wait(10)


def main(rounds: int = 300) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-buttons-"))
    server = LiveServer(tmp).start()
    factory = MockFactory()
    answers: queue.Queue = queue.Queue()
    box = ButtonBox(parse_box(BOX), server.url, BUTTONS_1, pin_factory=factory,
                    on_answer=lambda *a: answers.put((time.monotonic(), a)))
    try:
        box.start()
        while box.state(1) != "ready":
            time.sleep(0.01)
        kiosk = {"Authorization": f"Bearer {KIOSK}"}
        for _ in range(rounds):
            requests.post(server.url + "/api/v1/tickets", json={"field": "DD"}, headers=kiosk, timeout=5)
        times = {"call_next": [], "finish": []}
        nxt, fin = factory.pin(17), factory.pin(23)
        for _ in range(rounds):
            nxt.drive_low()
            t0 = time.monotonic()
            nxt.drive_high()  # Next acts on release
            t1, (_, command, answer, _) = answers.get(timeout=10)
            assert command == "call_next" and answer.ok, answer
            times["call_next"].append((t1 - t0) * 1000)
            t0 = time.monotonic()
            fin.drive_low()
            t1, (_, command, answer, _) = answers.get(timeout=10)
            fin.drive_high()
            assert command == "finish" and answer.ok, answer
            times["finish"].append((t1 - t0) * 1000)
        rss = {"motcua buttons": rss_of_cli(server, ["hall_server", "buttons"]),
               "python -m counter_buttons": rss_of_cli(server, ["counter_buttons"])}
    finally:
        box.close()
        server.stop()
    both = times["call_next"] + times["finish"]
    return {
        "what": "press (pin change on MockFactory) -> server acknowledgement received by the box, loopback",
        "machine": f"{platform.machine()} {os.cpu_count()} cpus, Python {platform.python_version()}",
        "rounds": rounds,
        **{f"{k}_ms": {"p50": round(pct(v, 50), 2), "p99": round(pct(v, 99), 2), "max": round(max(v), 2),
                       "mean": round(statistics.fmean(v), 2)} for k, v in (*times.items(), ("all", both))},
        "process_after_connecting": rss,
    }


if __name__ == "__main__":
    result = main(int(sys.argv[1]) if len(sys.argv) > 1 else 300)
    print(json.dumps(result, indent=2))
    write_result("buttons_latency", result)
