"""Province scale: throughput with 1, 2 and 3 server processes, and a province-sized day.

* ``processes``: POST /api/v1/tickets from 16 concurrent clients spread over N processes
  (PostgreSQL + Redis), 10 s each, N = 1, 2, 3; plus call → display latency with the display on
  process 1 and the calls made through the last process.
* ``day``: 100 centres × 20 counters (2,000 counters), 30,000 tickets issued, called and finished
  through the real service layer on PostgreSQL, in compressed time (as fast as it goes).

    python -m bench.province          # needs PostgreSQL at 127.0.0.1:5432 and Redis at :6379
"""

from __future__ import annotations

import asyncio
import json
import os
import statistics
import tempfile
import time
import uuid
from datetime import datetime, timedelta, timezone
from pathlib import Path

import aiohttp
import socketio
from sqlalchemy import create_engine, text

from hall_server.config import parse_hall
from hall_server.engine import CallNext, Finish, IssueTicket
from hall_server.service import HallService
from hall_server.store import Store
from hall_server.testing import BUTTONS_1, DISPLAY, KIOSK, LiveServer

from .record import write_result

PG = os.environ.get("MOTCUA_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("MOTCUA_REDIS_URL", "redis://127.0.0.1:6379/0")
FIELDS = ["DD", "HT", "CT", "KD", "XD", "LD", "MT", "NN", "GT", "GD", "YT", "VH", "TG", "NC", "BT", "KN"]


def fresh_db() -> str:
    name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG.rsplit("/", 1)[0] + "/" + name


async def _issue_load(urls: list[str], seconds: float, clients: int = 16) -> int:
    done = 0
    stop = time.perf_counter() + seconds

    async def client(k):
        nonlocal done
        async with aiohttp.ClientSession() as http:
            i = 0
            while time.perf_counter() < stop:
                url = urls[(k + i) % len(urls)]
                async with http.post(url + "/api/v1/tickets", json={"field": FIELDS[i % 16]},
                                     headers={"Authorization": f"Bearer {KIOSK}", "Idempotency-Key": f"{k}-{i}"}) as r:
                    assert r.status == 201, await r.text()
                    done += 1
                i += 1

    await asyncio.gather(*(client(k) for k in range(clients)))
    return done


async def _latency(display_url: str, call_url: str, rounds: int = 40) -> list[float]:
    got: dict[int, float] = {}
    sio = socketio.AsyncClient()
    sio.on("event", lambda e: got.setdefault(e["data"]["ticket"]["id"], time.perf_counter())
           if e["kind"] == "ticket_called" else None)
    await sio.connect(display_url, auth={"token": DISPLAY}, transports=["websocket"])
    out = []
    async with aiohttp.ClientSession() as http:
        box = {"Authorization": f"Bearer {BUTTONS_1}"}
        for _ in range(rounds):
            await http.post(call_url + "/api/v1/counters/1/finish", headers=box)
            t0 = time.perf_counter()
            async with http.post(call_url + "/api/v1/counters/1/call-next", headers=box) as r:
                tid = (await r.json())["ticket"]["id"]
            while tid not in got and time.perf_counter() - t0 < 5:
                await asyncio.sleep(0.001)
            out.append((got.get(tid, float("inf")) - t0) * 1000)
            await asyncio.sleep(0.1)
    await sio.disconnect()
    return out


def processes() -> list[dict]:
    results = []
    for n in (1, 2, 3):
        db = fresh_db()
        tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
        servers = []
        for i in range(n):
            (tmp / f"p{i}").mkdir()
            servers.append(LiveServer(tmp / f"p{i}", db=db, redis=REDIS, threads=64).start())
        try:
            urls = [s.url for s in servers]
            t0 = time.perf_counter()
            issued = asyncio.run(_issue_load(urls, 10))
            rate = issued / (time.perf_counter() - t0)
            lat = sorted(asyncio.run(_latency(urls[0], urls[-1])))
            results.append({"processes": n, "issue_per_s": round(rate),
                            "call_to_display_p50_ms": round(lat[len(lat) // 2], 1),
                            "call_to_display_p99_ms": round(statistics.quantiles(lat, n=100)[98], 1)})
        finally:
            for s in servers:
                s.stop()
    return results


def province_day(centres: int = 100, counters: int = 20, tickets_per_centre: int = 300) -> dict:
    db = fresh_db()
    store = Store(db)
    demo_fields = [{"code": f, "name": f"Lĩnh vực {f}", "prefix": chr(ord("A") + i)} for i, f in enumerate(FIELDS)]
    services = []
    for c in range(centres):
        hall = parse_hall({
            "centre": {"id": f"c{c:03d}", "name": f"Trung tâm xã {c}"},
            "fields": demo_fields,
            "counters": [{"number": k + 1, "fields": [FIELDS[k % 16], FIELDS[(k + 1) % 16]], "officer": f"o{k}"}
                         for k in range(counters)],
            "officers": [{"id": f"o{k}", "name": f"Cán bộ {k}"} for k in range(counters)],
        })
        clock_at = [datetime(2026, 11, 26, 0, 30, tzinfo=timezone.utc)]
        services.append((HallService(hall, store, clock=lambda a=clock_at: a[0]), clock_at))
    commands = 0
    t0 = time.perf_counter()
    for i in range(tickets_per_centre):
        for service, clock_at in services:
            clock_at[0] += timedelta(seconds=5)
            service.execute(IssueTicket(field=FIELDS[i % 16]))
            k = (i % counters) + 1
            service.execute(Finish(counter=k))
            service.execute(CallNext(counter=k))
            commands += 3
    elapsed = time.perf_counter() - t0
    with store.engine.connect() as conn:
        stored = conn.execute(text("SELECT count(*) FROM tickets")).scalar()
        dup = conn.execute(text("SELECT count(*) FROM (SELECT centre_id, service_day, issue_field, number "
                                "FROM tickets GROUP BY 1, 2, 3, 4 HAVING count(*) > 1) d")).scalar()
    store.close()
    return {"centres": centres, "counters": centres * counters, "tickets": stored, "duplicate_numbers": dup,
            "commands": commands, "seconds": round(elapsed, 1), "commands_per_s": round(commands / elapsed)}


if __name__ == "__main__":
    out = {"benchmark": "province", "processes": processes(), "day": province_day()}
    print(json.dumps(out, indent=2))
    write_result("province", out)
