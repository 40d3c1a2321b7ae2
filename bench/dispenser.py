"""The Raspberry Pi dispenser: its memory, and how fast a press becomes a printed ticket.

Run: ``python -m bench.dispenser`` (figures in bench/results/dispenser.json and docs/pi/dispenser.md).

1. **Memory.** The real program (``python -m ticket_printer`` and ``motcua printer``) runs as a
   subprocess against a LiveServer and the fake network printer, with buttons and LED on
   gpiozero's mock pins (``GPIOZERO_PIN_FACTORY=mock``). Its resident memory (psutil RSS) is
   read once connected and idle, and sampled while it prints tickets pushed from the touch-screen
   path; the peak is reported. Target: under 60 MB.
2. **Touch → printed.** ``POST /api/v1/tickets`` with the dispenser's token (what the kiosk page
   does) until the fake printer has the whole ticket (its connection closed after the cut).
3. **Press → printed.** A :class:`~ticket_printer.dispenser.Dispenser` in this process, a button
   press on a mock pin until the whole ticket is at the fake printer: printer status check,
   ``issue_ticket`` over Socket.IO, rendering at 576 dots, sending, closing.

Tickets are 576 dots wide (80 mm paper). The press guard is off so presses can follow each other.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from hall_server.testing import KIOSK, LiveServer
from ticket_printer.testing import FakePrinter

from .record import write_result

ROOT = Path(__file__).resolve().parent.parent
PRESSES = int(os.environ.get("BENCH_PRESSES", "50"))
WIDTH = 576
DD_PIN, LED_PIN = 17, 22


def _device_file(path: Path, server: LiveServer, fake: FakePrinter) -> Path:
    path.write_text(
        f'server = "{server.url}"\n'
        f'[printer]\nkind = "network"\nhost = "127.0.0.1"\nport = {fake.port}\nwidth_px = {WIDTH}\n'
        f'[led]\npin = {LED_PIN}\n'
        f'[[buttons]]\npin = {DD_PIN}\nfield = "DD"\n[[buttons]]\npin = 18\nfield = "HT"\n'
        '[priority]\npin = 27\ncode = "elderly"\nled_pin = 23\n'
        '[timing]\npress_guard = 0.0\nidle_poll = 3600\n', encoding="utf-8")
    return path


def _percentiles(values: list[float]) -> dict:
    ordered = sorted(values)
    q = statistics.quantiles(ordered, n=100, method="inclusive")
    return {"p50_ms": round(q[49], 1), "p99_ms": round(q[98], 1), "max_ms": round(ordered[-1], 1)}


def _wait_printed(fake: FakePrinter, connections: int, timeout: float = 10.0) -> None:
    if not fake.wait_closed(connections=connections, timeout=timeout):
        raise RuntimeError("the ticket did not reach the printer")


def measure_process(server: LiveServer, fake: FakePrinter, device_file: Path, command: list[str]) -> dict:
    """RSS of the real program: idle, and peak while printing PRESSES touch-screen tickets."""
    env = os.environ | {"GPIOZERO_PIN_FACTORY": "mock", "MOTCUA_DEVICE_TOKEN": KIOSK, "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(command + ["--config", str(device_file)], cwd=ROOT, env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    connected = threading.Event()

    def read_log():
        for line in proc.stderr:
            if "connected to the hall server" in line:
                connected.set()

    threading.Thread(target=read_log, daemon=True).start()
    try:
        if not connected.wait(30):
            raise RuntimeError("the dispenser did not connect")
        time.sleep(1.0)
        ps = psutil.Process(proc.pid)
        idle = ps.memory_info().rss
        peak = idle
        latencies = []
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {KIOSK}"
        for _ in range(PRESSES):
            fake.clear()
            start = time.perf_counter()
            response = session.post(server.url + "/api/v1/tickets", json={"field": "HT"}, timeout=10)
            response.raise_for_status()
            _wait_printed(fake, 1)
            latencies.append((time.perf_counter() - start) * 1000)
            if fake.cuts != 1:
                raise RuntimeError("the fake printer did not get exactly one ticket")
            peak = max(peak, ps.memory_info().rss)
        return {"rss_idle_mb": round(idle / 1e6, 1), "rss_peak_mb": round(peak / 1e6, 1),
                "touch_to_printed": _percentiles(latencies), "tickets": len(latencies)}
    finally:
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()


def measure_presses(server: LiveServer, fake: FakePrinter, device_file: Path) -> dict:
    """Press → whole ticket at the printer, in this process, on mock pins."""
    from gpiozero import Device
    from gpiozero.pins.mock import MockFactory

    from ticket_printer.config import load_device_config
    from ticket_printer.dispenser import Dispenser

    Device.pin_factory = MockFactory()
    pin = Device.pin_factory.pin(DD_PIN)
    dispenser = Dispenser(load_device_config(device_file, token=KIOSK)).start()
    try:
        if not dispenser.wait_ready(30):
            raise RuntimeError("the dispenser did not connect")
        latencies = []
        for _ in range(PRESSES):
            fake.clear()
            start = time.perf_counter()
            pin.drive_low()
            pin.drive_high()
            _wait_printed(fake, 2)  # the status check, then the ticket
            latencies.append((time.perf_counter() - start) * 1000)
            if fake.cuts != 1:
                raise RuntimeError("the fake printer did not get exactly one ticket")
            while dispenser._press_busy:  # the worker's bookkeeping after the print
                time.sleep(0.001)
        return {"press_to_printed": _percentiles(latencies), "presses": len(latencies)}
    finally:
        dispenser.stop()
        Device.pin_factory.reset()


def main() -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-dispenser-"))
    server = LiveServer(tmp).start()
    fake = FakePrinter().start()
    try:
        device_file = _device_file(tmp / "dispenser.toml", server, fake)
        result = {"benchmark": "dispenser", "width_px": WIDTH, "tickets_per_run": PRESSES}
        result["python_m_ticket_printer"] = measure_process(
            server, fake, device_file, [sys.executable, "-m", "ticket_printer"])
        result["motcua_printer"] = measure_process(
            server, fake, device_file, [sys.executable, "-m", "hall_server", "printer"])
        result |= measure_presses(server, fake, device_file)
        result["aiohttp_installed"] = _installed("aiohttp")
        result["machine"] = f"{platform.machine()}  cores={os.cpu_count()}"
        result["load_average_1min"] = round(os.getloadavg()[0], 2)
        result["python"] = platform.python_version()
        return result
    finally:
        fake.stop()
        server.stop()


def _installed(module: str) -> bool:
    import importlib.util

    return importlib.util.find_spec(module) is not None


if __name__ == "__main__":
    figures = main()
    print(json.dumps(figures, indent=2, ensure_ascii=False))
    write_result("dispenser", figures)
