"""Ticket issue throughput with durable commits, and proof of no duplicates under concurrency.

Two measurements:

* ``service``: HallService.execute(IssueTicket) in one process, one thread (engine + SQLite
  commit with synchronous=FULL per ticket): the ceiling of the design.
* ``http``: POST /api/v1/tickets to a real server process (``motcua serve``) from 16 concurrent
  keep-alive clients (another process on the same 2 cores), for a fixed time; then every
  issued number is checked for duplicates, in the answers and in the database.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import tempfile
import time
from pathlib import Path

import aiohttp

from hall_server.config import DEMO_HALL, load_hall
from hall_server.engine import IssueTicket
from hall_server.service import HallService
from hall_server.store import Store
from hall_server.testing import KIOSK, LiveServer

from .record import write_result

FIELDS = ["DD", "HT", "CT", "KD", "XD", "LD", "MT", "NN", "GT", "GD", "YT", "VH", "TG", "NC", "BT", "KN"]


def service_rate(n: int = 3000) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    service = HallService(load_hall(DEMO_HALL), Store(f"sqlite:///{tmp / 'hall.db'}"))
    t0 = time.perf_counter()
    for i in range(n):
        service.execute(IssueTicket(field=FIELDS[i % 16], tracking_id=f"b{i}"), request_id=f"r{i}")
    elapsed = time.perf_counter() - t0
    service.store.close()
    return {"tickets": n, "seconds": round(elapsed, 2), "tickets_per_s": round(n / elapsed)}


async def _http(url: str, seconds: float, clients: int) -> list[dict]:
    answers: list[dict] = []
    stop = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {KIOSK}"}

    async def client(k: int):
        async with aiohttp.ClientSession() as http:
            i = 0
            while time.perf_counter() < stop:
                body = {"field": FIELDS[(k + i) % 16]}
                async with http.post(url + "/api/v1/tickets", json=body,
                                     headers=headers | {"Idempotency-Key": f"c{k}-{i}"}) as r:
                    if r.status != 201:
                        raise RuntimeError(f"{r.status}: {await r.text()}")
                    answers.append((await r.json())["ticket"])
                i += 1

    await asyncio.gather(*(client(k) for k in range(clients)))
    return answers


def http_rate(seconds: float = 20, clients: int = 16) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    with LiveServer(tmp) as server:
        t0 = time.perf_counter()
        answers = asyncio.run(_http(server.url, seconds, clients))
        elapsed = time.perf_counter() - t0
    db = sqlite3.connect(tmp / "hall.db")
    rows = db.execute("SELECT issue_field, number, service_day FROM tickets").fetchall()
    codes = [(a["issue_field"], a["code"], a["service_day"]) for a in answers]
    return {
        "clients": clients, "seconds": round(elapsed, 1), "tickets": len(answers),
        "tickets_per_s": round(len(answers) / elapsed),
        "duplicate_numbers_in_answers": len(codes) - len(set(codes)),
        "duplicate_numbers_in_db": len(rows) - len(set(rows)),
        "rows_in_db": len(rows),
    }


def main() -> dict:
    result = {
        "benchmark": "issue_throughput",
        "service": service_rate(),
        "http": http_rate(),
    }
    return result


if __name__ == "__main__":
    out = main()
    print(json.dumps(out, indent=2))
    write_result("issue_throughput", out)
