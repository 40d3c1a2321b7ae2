"""Button press → every display has the call: latency with a crowded server.

100 counters (10 button boxes on Socket.IO), 20 displays and 500 phone trackers connected to
one server process, started as ``motcua serve`` starts it (uvicorn, Socket.IO on asyncio).
Each round, one counter presses Next over its box's socket; we time from the press to the
moment each of the 20 displays receives that call. All clients live in this process (asyncio),
sharing the 2 cores with the server.
"""

from __future__ import annotations

import asyncio
import json
import multiprocessing
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import aiohttp
import socketio

from hall_server.testing import LiveServer

from .halls import big_hall
from .record import write_result

COUNTERS, DISPLAYS, BOXES = 100, 20, 10
PHONES = int(os.environ.get("BENCH_PHONES", "500"))
# Seconds between presses. 0.2 s = 5 calls/s, five times the call rate of a 100-counter hall
# at its peak (a counter calls every few minutes); BENCH_PACE=0.02 is a stress test.
PACE = float(os.environ.get("BENCH_PACE", "0.2"))


async def main(rounds: int = 300) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-"))
    hall = big_hall(tmp / "hall.toml", COUNTERS, DISPLAYS, BOXES)
    # every client comes from 127.0.0.1: lift the per-address limit on new connections
    server = LiveServer(tmp, config=hall, extra_env={"MOTCUA_CONNECTS_PER_MINUTE": "1000000"}).start()
    try:
        return await _run(server, rounds)
    finally:
        server.stop()


async def _run(server: LiveServer, rounds: int) -> dict:
    async with aiohttp.ClientSession() as http:
        kiosk = {"Authorization": "Bearer bench-kiosk-token-0000"}
        tracking = []
        fields = ["DD", "HT", "CT", "KD", "XD", "LD", "MT", "NN", "GT", "GD", "YT", "VH", "TG", "NC", "BT", "KN"]
        for i in range(2 * rounds + PHONES):
            async with http.post(server.url + "/api/v1/tickets", json={"field": fields[i % 16]}, headers=kiosk) as r:
                tracking.append((await r.json())["ticket"]["tracking_id"])

    received: dict[int, list[float]] = {}
    connected = []

    async def connect(auth):
        client = socketio.AsyncClient(reconnection=False)
        await client.connect(server.url, auth=auth, transports=["websocket"], wait_timeout=30)
        connected.append(client)
        return client

    for d in range(DISPLAYS):
        client = await connect({"token": f"bench-display-token-{d:04d}"})

        @client.on("event")
        async def on_event(event):
            if event["kind"] == "ticket_called":
                received.setdefault(event["data"]["ticket"]["id"], []).append(time.perf_counter())

    # Phones run in their own process, as real phones would: their traffic loads the server,
    # not the loop that times the displays.
    ctx = multiprocessing.get_context("spawn")
    ready, stop = ctx.Event(), ctx.Event()
    phones = ctx.Process(target=_phones, args=(server.url, tracking[len(tracking) - PHONES:], ready, stop))
    phones.start()
    if not ready.wait(120):
        raise RuntimeError("phones did not connect")
    boxes = [await connect({"token": f"bench-box-token-{b:04d}"}) for b in range(BOXES)]
    await asyncio.sleep(1.0)

    latencies: list[float] = []
    acks: list[float] = []
    missing = 0
    for i in range(rounds):
        counter = (i % COUNTERS) + 1
        box = boxes[(counter - 1) // (COUNTERS // BOXES)]
        await box.call("command", {"command": "finish", "args": {"counter": counter}}, timeout=10)
        t0 = time.perf_counter()
        answer = await box.call("command", {"command": "call_next", "args": {"counter": counter},
                                            "request_id": f"r{i}"}, timeout=10)
        acks.append((time.perf_counter() - t0) * 1000)
        if answer["status"] != 200:
            raise RuntimeError(answer)
        tid = answer["body"]["ticket"]["id"]
        deadline = time.perf_counter() + 5
        while len(received.get(tid, ())) < DISPLAYS and time.perf_counter() < deadline:
            await asyncio.sleep(0.0005)
        got = received.get(tid, [])
        missing += DISPLAYS - len(got)
        latencies.extend((t - t0) * 1000 for t in got)
        await asyncio.sleep(PACE)
    for client in connected:
        await client.disconnect()
    stop.set()
    phones.join(30)
    latencies.sort()
    q = statistics.quantiles(latencies, n=100)
    return {
        "benchmark": "call_latency",
        "counters": COUNTERS, "displays": DISPLAYS, "phones": PHONES, "rounds": rounds, "pace_s": PACE,
        "deliveries": len(latencies), "missing_deliveries": missing,
        "p50_ms": round(q[49], 2), "p90_ms": round(q[89], 2), "p99_ms": round(q[98], 2),
        "max_ms": round(latencies[-1], 2),
        "ack_p50_ms": round(statistics.median(acks), 2),
        "ack_p99_ms": round(statistics.quantiles(acks, n=100)[98], 2),
    }


def _phones(url: str, tracking: list[str], ready, stop) -> None:
    async def run():
        clients, updates = [], [0]
        sem = asyncio.Semaphore(50)

        async def phone(tid):
            async with sem:
                client = socketio.AsyncClient(reconnection=False)
                client.on("ticket", lambda data: updates.__setitem__(0, updates[0] + 1))
                await client.connect(url, auth={"track": tid}, transports=["websocket"], wait_timeout=30)
                clients.append(client)

        await asyncio.gather(*(phone(t) for t in tracking))
        ready.set()
        while not stop.is_set():
            await asyncio.sleep(0.2)
        for client in clients:
            await client.disconnect()

    asyncio.run(run())


if __name__ == "__main__":
    result = asyncio.run(main(int(sys.argv[1]) if len(sys.argv) > 1 else 300))
    print(json.dumps(result, indent=2))
    write_result("call_latency", result)
