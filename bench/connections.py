"""Many idle Socket.IO connections on one hall server process (issue 14): does it keep serving?

    .venv/bin/python -m bench.connections [--variant asgi|gevent|threading] [--trackers 10000]
                                          [--displays 20] [--boxes 100] [--calls 300] ...
    .venv/bin/python -m bench.connections --trackers 300          # smoke run, under a minute
    .venv/bin/python -m bench.connections --table                 # markdown table of every saved run

One server process is started the way users start it (``python -m hall_server serve --config
HALL --db sqlite:///… --host 127.0.0.1 --port P``) on a generated 100-counter hall
(bench/halls.py, one button box per counter). Then, in order:

1. **tickets**: ``trackers + calls + 200`` tickets are issued *in-process*, through
   ``HallService`` (the variant's own code, 16 threads so group commit batches them) against the
   same SQLite file, *before* the server starts. Tracker ``i`` follows tracking id
   ``bench-t{i:06d}``; the first tickets are the oldest, so the calls below call tracked tickets.
2. **devices**: 20 displays (``{"token": DISPLAY}``) and 100 button boxes connect.
3. **trackers**: the idle mass connects from separate generator process(es) (one per 10,000
   trackers by default, ``--generators``): raw Engine.IO 4 over the ``websockets`` library, one
   asyncio loop each — open packet ``0{…}``, Socket.IO CONNECT ``40{"track": ID}``, then
   ``40{"sid"…}`` or ``44{…}`` (refused); every ping ``2`` is answered ``3``. The clients offer
   permessage-deflate as browsers do (``--no-deflate`` to not).
4. **memory**: server RSS (the process and its children, psutil) before any connection and at
   full load; per connection = (full − base) / connections.
5. **health**: ``GET /api/v1/health`` ``--health-requests`` times, *sequentially* over one
   keep-alive aiohttp session (5 s timeout each; the phase gives up after 5 failures in a row).
6. **calls**: ``--calls`` rounds at ``--pace`` (0.2 s: ~5 calls/s): a box sends ``finish`` then
   ``call_next`` for its counter over its socket (``42<id>["command",…]`` → ``43<id>[…]``); we
   time from sending ``call_next`` to each display's ``ticket_called`` event (p50/p90/p99/max)
   and count deliveries that did not arrive within 5 s (missing). Then, 2 s later, the
   generators count the trackers of the called tickets that received a ``ticket`` message
   showing it called (or later).
7. **issue**: ``POST /api/v1/tickets`` from 16 concurrent keep-alive aiohttp clients (kiosk token)
   for ``--issue-seconds``, everything still connected; tickets/s and duplicate numbers in the
   answers and (after the server stops) in the database.
8. **past the cap**: only when ``serve --help`` offers ``--max-connections`` (the server is
   started with ``--max-connections`` = trackers + ``--cap-slack``: the cap counts public
   connections, devices have a reserve above it): open ``--past-cap`` more tracker connections
   and time each refusal (target ≤ 100 ms), then show a display still connects. Skipped, with a
   message, otherwise. A server that limits connects per address (``--connects-per-minute``)
   gets 1,000,000: every bench client comes from 127.0.0.1.

Variants: ``asgi`` (default) runs this working tree with .venv (``--ref COMMIT`` runs that commit
instead, from ``git archive``); ``threading`` runs commit 3034b9d (Flask-SocketIO threading under
gunicorn gthread, before issue 14) as it is; ``gevent`` runs 3034b9d with
``bench/variants/gevent.patch``. Both old-commit variants get a venv of their own
(/tmp/motcua-NAME-venv, ``pip install -e TREE[postgres,redis]`` plus gevent for gevent, built here):
the product's .venv follows the working tree, which no longer has Flask-SocketIO or gunicorn. Trees are unpacked with ``git archive`` into
/tmp/motcua-variant-NAME (nothing is added to this repository's worktree list).

Results are merged into ``bench/results/connections-<variant>.json`` under the tracker count,
with the load average at every phase: the machine has 2 cores shared with the clients (and,
often, other people's work).
"""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import json
import math
import multiprocessing
import os
import resource
import shutil
import signal
import socket
import sqlite3
import statistics
import subprocess
import tempfile
import time
from collections import Counter
from datetime import datetime, timezone
from pathlib import Path

import aiohttp
import psutil
import websockets
from websockets.exceptions import ConnectionClosed, InvalidHandshake, InvalidStatus

ROOT = Path(__file__).resolve().parent.parent
RESULTS = ROOT / "bench" / "results"
VARIANTS = ROOT / "bench" / "variants"
BASE_COMMIT = "3034b9d"  # the server before issue 14 (Flask-SocketIO threading mode, gunicorn gthread)
VENV_EXTRAS = {"threading": [], "gevent": ["gevent"], "gevent-estimator": ["gevent"]}  # variants with a venv of their own
VENV_OF = {"gevent-estimator": "gevent"}  # same packages: share the venv
FIELDS = ["DD", "HT", "CT", "KD", "XD", "LD", "MT", "NN", "GT", "GD", "YT", "VH", "TG", "NC", "BT", "KN"]
KIOSK = "bench-kiosk-token-0000"
COUNTERS = 100


def display_token(d: int) -> str:
    return f"bench-display-token-{d:04d}"


def tracking_id(i: int) -> str:
    return f"bench-t{i:06d}"


def loadavg() -> list[float]:
    return [round(x, 2) for x in os.getloadavg()]


def pct(values: list[float], p: int) -> float | None:
    if not values:
        return None
    if len(values) == 1:
        return round(values[0], 2)
    return round(statistics.quantiles(values, n=100, method="inclusive")[p - 1], 2)


def raise_nofile(needed: int = 0) -> tuple[int, int]:
    """Soft limit up to the hard limit; as root, the hard limit too when ``needed`` is above it."""
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = hard
    if needed > hard and os.geteuid() == 0:
        target = needed
    try:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, target))
    except (ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)


# ------------------------------------------------------------------ light Engine.IO client
async def sio_open(url: str, auth: dict, timeout: float, deflate: bool):
    """Open one Socket.IO connection over a raw websocket.

    Returns (outcome, ws or None, messages received before the CONNECT answer, seconds).
    outcome: ok | refused (44) | http_<status> | timeout | closed | error:<type>.
    """
    t0 = time.perf_counter()
    ws = None
    try:
        async with asyncio.timeout(timeout):
            ws = await websockets.connect(url, compression="deflate" if deflate else None, proxy=None,
                                          open_timeout=None, ping_interval=None, ping_timeout=None,
                                          close_timeout=1, max_size=None, user_agent_header=None)
            first = await ws.recv()
            if not first.startswith("0"):
                raise RuntimeError(f"expected an Engine.IO open packet, got {first[:60]!r}")
            await ws.send("40" + json.dumps(auth))
            early = []
            while True:
                msg = await ws.recv()
                if msg == "2":
                    await ws.send("3")
                elif msg.startswith("40"):
                    return "ok", ws, early, time.perf_counter() - t0
                elif msg.startswith("44"):
                    await ws.close()
                    return "refused", None, early, time.perf_counter() - t0
                else:
                    early.append(msg)
    except InvalidStatus as exc:
        outcome = f"http_{exc.response.status_code}"
    except TimeoutError:
        outcome = "timeout"
    except ConnectionClosed:
        outcome = "closed"
    except (InvalidHandshake, OSError, RuntimeError) as exc:
        outcome = f"error:{type(exc).__name__}"
    if ws is not None:
        try:
            await asyncio.wait_for(ws.close(), 1)
        except Exception:
            pass
    return outcome, None, [], time.perf_counter() - t0


# ------------------------------------------------------------------ tracker generator process
def _generator_main(url: str, ids: list[str], opts: dict, pipe) -> None:
    raise_nofile(len(ids) + 1000)
    try:
        asyncio.run(_generator(url, ids, opts, pipe))
    except KeyboardInterrupt:
        pass


async def _generator(url: str, ids: list[str], opts: dict, pipe) -> None:
    loop = asyncio.get_running_loop()
    sem = asyncio.Semaphore(opts["concurrency"])
    outcomes: Counter = Counter()
    times: list[float] = []
    by_code: dict[str, list] = {}  # ticket code -> a [messages, saw it called or later] per tracker
    stats = {"ticket_messages": 0, "pongs": 0, "dropped_after_connect": 0}
    open_ws = []
    pending = [len(ids)]
    all_tried = asyncio.Event()

    def on_message(msg: str, rec: list | None) -> list | None:
        if msg.startswith('42["ticket"'):
            stats["ticket_messages"] += 1
            data = json.loads(msg[2:])[1]
            if rec is None:
                rec = [0, False]
                by_code.setdefault(data["code"], []).append(rec)
            rec[0] += 1
            if data.get("state") not in (None, "waiting"):
                rec[1] = True
        return rec

    async def tracker(tid: str):
        async with sem:
            outcome, ws, early, seconds = await sio_open(url, {"track": tid}, opts["timeout"], opts["deflate"])
        outcomes[outcome] += 1
        times.append(seconds)
        pending[0] -= 1
        if pending[0] == 0:
            all_tried.set()
        if ws is None:
            return
        open_ws.append(ws)
        rec = None
        for msg in early:
            rec = on_message(msg, rec)
        try:
            async for msg in ws:
                if msg == "2":
                    await ws.send("3")
                    stats["pongs"] += 1
                else:
                    rec = on_message(msg, rec)
        except ConnectionClosed:
            pass
        if not closing:
            stats["dropped_after_connect"] += 1

    closing = False
    t0 = time.perf_counter()
    tasks = [asyncio.create_task(tracker(t)) for t in ids]
    await all_tried.wait()
    elapsed = time.perf_counter() - t0
    times.sort()
    pipe.send({"outcomes": dict(outcomes), "seconds": round(elapsed, 2),
               "connect_p50_ms": pct([t * 1000 for t in times], 50), "connect_p99_ms": pct([t * 1000 for t in times], 99),
               "connect_max_ms": round(times[-1] * 1000, 1) if times else None})
    while True:
        command = await loop.run_in_executor(None, pipe.recv)
        if command[0] == "stats":
            called = command[1]
            tracked = [rec for c in called for rec in by_code.get(c, ())]
            pipe.send(stats | {"connected_now": outcomes["ok"] - stats["dropped_after_connect"],
                               "trackers_with_any_message": sum(len(recs) for recs in by_code.values()),
                               "called_tracked": len(tracked), "called_tracked_updated": sum(1 for r in tracked if r[1])})
        elif command[0] == "close":
            closing = True
            await asyncio.gather(*(asyncio.wait_for(ws.close(), 2) for ws in open_ws), return_exceptions=True)
            for task in tasks:
                task.cancel()
            pipe.send("closed")
            return


# ------------------------------------------------------------------ devices (in the main process)
class Device:
    """A display or button box: reads every packet, answers pings, resolves acks, records calls."""

    def __init__(self, ws, received: dict | None = None):
        self.ws = ws
        self.received = received  # ticket id -> [perf_counter of each display's ticket_called]
        self.acks: dict[int, asyncio.Future] = {}
        self.next_ack = 0
        self.last_seq = None
        self.gaps = 0
        self.dropped = False
        self.task = asyncio.create_task(self._read())

    def _handle(self, msg: str) -> None:
        if msg.startswith('42["event"'):
            event = json.loads(msg[2:])[1]
            if self.last_seq is not None and event["seq"] > self.last_seq + 1:
                self.gaps += 1
            self.last_seq = event["seq"] if self.last_seq is None else max(self.last_seq, event["seq"])
            if event["kind"] == "ticket_called" and self.received is not None:
                self.received.setdefault(event["data"]["ticket"]["id"], []).append(time.perf_counter())
        elif msg.startswith('42["snapshot"'):
            self.last_seq = json.loads(msg[2:])[1]["seq"]
        elif msg.startswith("43"):
            i = 2
            while msg[i].isdigit():
                i += 1
            future = self.acks.pop(int(msg[2:i]), None)
            if future is not None and not future.done():
                future.set_result(json.loads(msg[i:])[0])

    async def _read(self):
        try:
            async for msg in self.ws:
                if msg == "2":
                    await self.ws.send("3")
                else:
                    self._handle(msg)
        except ConnectionClosed:
            pass
        self.dropped = True

    async def call(self, data: dict, timeout: float) -> dict:
        self.next_ack += 1
        future = asyncio.get_running_loop().create_future()
        self.acks[self.next_ack] = future
        await self.ws.send(f"42{self.next_ack}" + json.dumps(["command", data]))
        return await asyncio.wait_for(future, timeout)

    async def close(self):
        try:
            await asyncio.wait_for(self.ws.close(), 2)
        except Exception:
            pass
        self.task.cancel()


# ------------------------------------------------------------------ variants and the server
def build_variant(name: str, ref: str | None) -> tuple[Path, Path, str]:
    """(python, working directory, description) for a variant; builds trees and venvs as needed."""
    venv_python = ROOT / ".venv" / "bin" / "python"
    if name == "asgi" and ref is None:
        head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--", "hall_server"], cwd=ROOT,
                               capture_output=True, text=True).stdout.strip()
        return venv_python, ROOT, f"working tree at {head}" + (" (hall_server/ has uncommitted changes)" if dirty else "")
    commit = ref or BASE_COMMIT
    patch = VARIANTS / f"{name}.patch"
    patch_text = patch.read_text() if patch.exists() else ""
    tree = Path(f"/tmp/motcua-variant-{name}")
    stamp = hashlib.sha256((commit + "\n" + patch_text).encode()).hexdigest()
    if not (tree / ".variant-stamp").exists() or (tree / ".variant-stamp").read_text() != stamp:
        print(f"building {tree} from {commit}" + (f" + {patch.relative_to(ROOT)}" if patch_text else ""), flush=True)
        shutil.rmtree(tree, ignore_errors=True)
        tree.mkdir(parents=True)
        archive = subprocess.run(["git", "archive", commit], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        if patch_text:
            subprocess.run(["git", "apply", "--verbose", str(patch)], cwd=tree, check=True)
        (tree / ".variant-stamp").write_text(stamp)
    python = venv_python
    if name in VENV_EXTRAS:
        # Its own venv: the product's .venv follows the working tree (which no longer has
        # Flask-SocketIO or gunicorn once the ASGI layer lands), and gevent stays out of it.
        venv = Path(f"/tmp/motcua-{VENV_OF.get(name, name)}-venv")
        python = venv / "bin" / "python"
        check = [str(python), "-c", "import flask_socketio, gunicorn, hall_server; " + "".join(
            f"import {m}; " for m in VENV_EXTRAS[name]) + "print(hall_server.__file__)"]
        ok = python.exists() and subprocess.run(check, cwd=tree, capture_output=True, text=True).returncode == 0
        if not ok:
            print(f"building {venv} (pip install -e {tree}[postgres,redis] {' '.join(VENV_EXTRAS[name])})", flush=True)
            subprocess.run(["python3", "-m", "venv", str(venv)], check=True)
            subprocess.run([str(venv / "bin" / "pip"), "install", "-q", "-e", f"{tree}[postgres,redis]",
                            *VENV_EXTRAS[name]], check=True)
    full = subprocess.run(["git", "rev-parse", "--short", commit], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    return python, tree, f"commit {full}" + (f" + bench/variants/{name}.patch" if patch_text else "") + f", {python}"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


ISSUE_SCRIPT = r"""
import sys, time
from concurrent.futures import ThreadPoolExecutor
from hall_server.config import load_hall
from hall_server.engine import IssueTicket
from hall_server.service import HallService
from hall_server.store import Store

hall, db, n, fields = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4].split(",")
service = HallService(load_hall(hall), Store(db))
t0 = time.perf_counter()

def issue(i):
    out = service.execute(IssueTicket(field=fields[i % len(fields)], tracking_id=f"bench-t{i:06d}"),
                          request_id=f"pre-{i}")
    if not out.ok:
        raise RuntimeError(f"ticket {i}: {out.body}")

with ThreadPoolExecutor(16) as pool:
    list(pool.map(issue, range(n)))
print(f"{time.perf_counter() - t0:.2f}")
service.store.close()
"""


class Server:
    def __init__(self, python: Path, cwd: Path, tmp: Path, hall: Path, extra: list[str]):
        self.python, self.cwd, self.tmp, self.hall, self.extra = python, cwd, tmp, hall, extra
        self.port = free_port()
        self.db = f"sqlite:///{tmp / 'hall.db'}"
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc: subprocess.Popen | None = None

    def env(self) -> dict:
        return os.environ | {"MOTCUA_INSTANCE": str(self.tmp / "instance"), "MOTCUA_SECRET_KEY": "bench-secret",
                             "PYTHONUNBUFFERED": "1"}

    def help_text(self) -> str:
        out = subprocess.run([str(self.python), "-m", "hall_server", "serve", "--help"], cwd=self.cwd, env=self.env(),
                             capture_output=True, text=True, timeout=60)
        return out.stdout

    def issue_tickets(self, n: int) -> float:
        out = subprocess.run([str(self.python), "-c", ISSUE_SCRIPT, str(self.hall), self.db, str(n), ",".join(FIELDS)],
                             cwd=self.cwd, env=self.env(), capture_output=True, text=True, timeout=600)
        if out.returncode != 0:
            raise RuntimeError(f"issuing tickets failed: {out.stderr[-3000:]}")
        return float(out.stdout.strip().splitlines()[-1])

    @property
    def command(self) -> list[str]:
        return [str(self.python), "-m", "hall_server", "serve", "--config", str(self.hall), "--db", self.db,
                "--host", "127.0.0.1", "--port", str(self.port), *self.extra]

    def start(self, timeout: float = 60) -> float:
        import requests

        self.log = open(self.tmp / "server.log", "ab")
        t0 = time.perf_counter()
        self.proc = subprocess.Popen(self.command, cwd=self.cwd, env=self.env(), stdout=self.log,
                                     stderr=subprocess.STDOUT, start_new_session=True)
        while time.perf_counter() - t0 < timeout:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.read_log()[-3000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return time.perf_counter() - t0
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout}s: {self.read_log()[-3000:]}")

    def read_log(self) -> str:
        return (self.tmp / "server.log").read_text(errors="replace")

    def processes(self) -> list[psutil.Process]:
        root = psutil.Process(self.proc.pid)
        return [root, *root.children(recursive=True)]

    def worker(self) -> psutil.Process:
        """The process that holds the connections: the biggest in the tree (gunicorn's worker)."""
        return max(self.processes(), key=lambda p: p.memory_info().rss)

    def rss_mb(self) -> dict:
        procs = self.processes()
        total = sum(p.memory_info().rss for p in procs)
        return {"total_mb": round(total / 2**20, 1), "worker_mb": round(self.worker().memory_info().rss / 2**20, 1),
                "processes": len(procs), "fds_worker": self.worker().num_fds()}

    def stop(self) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)


# ------------------------------------------------------------------ phases
async def connect_devices(ws_url: str, args, received: dict) -> tuple[list, list, dict]:
    sem = asyncio.Semaphore(args.concurrency)
    outcomes: Counter = Counter()
    times: list[float] = []
    outcomes_ext: dict = {}

    async def one(auth, record):
        async with sem:
            outcome, ws, early, seconds = await sio_open(ws_url, auth, args.timeout, args.deflate)
        outcomes[outcome] += 1
        times.append(seconds * 1000)
        if ws is None:
            return None
        if "extensions" not in outcomes_ext:
            outcomes_ext["extensions"] = ws.response.headers.get("Sec-WebSocket-Extensions") or "none"
        device = Device(ws, received if record else None)
        for msg in early:
            device._handle(msg)
        return device

    t0 = time.perf_counter()
    displays = await asyncio.gather(*(one({"token": display_token(d)}, True) for d in range(args.displays)))
    boxes = await asyncio.gather(*(one({"token": f"bench-box-token-{b:04d}"}, False) for b in range(args.boxes)))
    return displays, boxes, {"outcomes": dict(outcomes), "seconds": round(time.perf_counter() - t0, 2),
                             "connect_p50_ms": pct(times, 50), "connect_max_ms": round(max(times), 1) if times else None,
                             "websocket_extensions_negotiated": outcomes_ext.get("extensions")}


async def health_phase(url: str, n: int) -> dict:
    lat, errors, streak = [], Counter(), 0
    t0 = time.perf_counter()
    async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
        for _ in range(n):
            t = time.perf_counter()
            try:
                async with http.get(url + "/api/v1/health") as r:
                    await r.read()
                    if r.status != 200:
                        raise RuntimeError(f"status {r.status}")
                lat.append((time.perf_counter() - t) * 1000)
                streak = 0
            except (aiohttp.ClientError, TimeoutError, RuntimeError) as exc:
                errors[type(exc).__name__ if not isinstance(exc, RuntimeError) else str(exc)] += 1
                streak += 1
                if streak >= 5:
                    break
            if time.perf_counter() - t0 > 120:
                break
    return {"requests": len(lat) + sum(errors.values()), "ok": len(lat), "errors": dict(errors),
            "gave_up": streak >= 5, "mode": "sequential, one keep-alive aiohttp session, 5 s timeout",
            "p50_ms": pct(lat, 50), "p99_ms": pct(lat, 99), "max_ms": round(max(lat), 2) if lat else None}


async def calls_phase(displays: list, boxes: list, received: dict, args) -> dict:
    live_displays = [d for d in displays if d is not None]
    per_box = COUNTERS // len(boxes)  # bench/halls.py: box b has counters b * per_box + 1 …
    usable = [(b * per_box + k + 1, box) for k in range(per_box) for b, box in enumerate(boxes) if box is not None]
    if not live_displays or not usable:
        return {"skipped": f"{len(live_displays)} displays and {len(usable)} boxes connected"}
    n_displays = len(live_displays)
    latencies, acks, called_codes = [], [], []
    missing, errors, streak, nothing = 0, Counter(), 0, 0
    rounds_done = 0
    phase_end = time.perf_counter() + args.calls_deadline
    stopped_early = None
    for i in range(args.calls):
        if time.perf_counter() > phase_end:
            stopped_early = f"calls phase deadline ({args.calls_deadline:g} s) reached after {i} rounds"
            break
        counter, box = usable[i % len(usable)]
        try:
            await box.call({"command": "finish", "args": {"counter": counter}}, args.timeout)
            t0 = time.perf_counter()
            answer = await box.call({"command": "call_next", "args": {"counter": counter},
                                     "request_id": f"bench-call-{i}"}, args.timeout)
            acks.append((time.perf_counter() - t0) * 1000)
            streak = 0
        except (TimeoutError, ConnectionClosed) as exc:
            errors[type(exc).__name__] += 1
            streak += 1
            if streak >= 5:
                break
            continue
        rounds_done += 1
        if answer["status"] != 200:
            if answer["body"].get("error") == "nothing_waiting":
                nothing += 1
                continue
            errors[f"{answer['status']} {answer['body'].get('error')}"] += 1
            continue
        ticket = answer["body"]["ticket"]
        called_codes.append(ticket["code"])
        deadline = time.perf_counter() + 5
        while len(received.get(ticket["id"], ())) < n_displays and time.perf_counter() < deadline:
            await asyncio.sleep(0.0005)
        got = received.get(ticket["id"], [])[:n_displays]
        missing += n_displays - len(got)
        latencies.extend((t - t0) * 1000 for t in got)
        await asyncio.sleep(args.pace)
    latencies.sort()
    if streak >= 5:
        stopped_early = "5 failed calls in a row"
    return {"rounds": rounds_done, "calls_ok": len(called_codes), "nothing_waiting": nothing, "errors": dict(errors),
            "stopped_early": stopped_early,
            "displays": n_displays, "boxes": len(usable), "pace_s": args.pace,
            "deliveries": len(latencies), "missing_deliveries": missing,
            "p50_ms": pct(latencies, 50), "p90_ms": pct(latencies, 90), "p99_ms": pct(latencies, 99),
            "max_ms": round(latencies[-1], 2) if latencies else None,
            "ack_p50_ms": pct(acks, 50), "ack_p99_ms": pct(acks, 99),
            "display_seq_gaps": sum(d.gaps for d in live_displays),
            "displays_dropped": sum(d.dropped for d in live_displays),
            "_called_codes": called_codes}


async def issue_phase(url: str, seconds: float, clients: int) -> dict:
    answers, errors = [], Counter()
    stop = time.perf_counter() + seconds
    headers = {"Authorization": f"Bearer {KIOSK}"}

    async def client(k: int):
        async with aiohttp.ClientSession(timeout=aiohttp.ClientTimeout(total=5)) as http:
            i = 0
            while time.perf_counter() < stop:
                try:
                    async with http.post(url + "/api/v1/tickets", json={"field": FIELDS[(k + i) % 16]},
                                         headers=headers | {"Idempotency-Key": f"issue-{k}-{i}"}) as r:
                        if r.status != 201:
                            errors[f"status {r.status}"] += 1
                        else:
                            answers.append((await r.json())["ticket"])
                except (aiohttp.ClientError, TimeoutError) as exc:
                    errors[type(exc).__name__] += 1
                i += 1

    t0 = time.perf_counter()
    await asyncio.gather(*(client(k) for k in range(clients)))
    elapsed = time.perf_counter() - t0
    codes = [(a["issue_field"], a["code"], a["service_day"]) for a in answers]
    return {"clients": clients, "seconds": round(elapsed, 1), "tickets": len(answers), "errors": dict(errors),
            "tickets_per_s": round(len(answers) / elapsed, 1),
            "duplicate_numbers_in_answers": len(codes) - len(set(codes))}


async def cap_phase(ws_url: str, args, received: dict, below_cap: int = 0) -> dict:
    """``below_cap``: trackers that failed to connect earlier; as many more are opened first, so the
    last ``--past-cap`` attempts are past the cap."""
    refusals, outcomes = [], Counter()
    extra = []
    for k in range(args.past_cap + min(below_cap, 5000)):
        outcome, ws, _, seconds = await sio_open(ws_url, {"track": tracking_id(k % args.tickets)}, args.timeout, args.deflate)
        outcomes[outcome] += 1
        if ws is not None:
            extra.append(ws)
        else:
            refusals.append(seconds * 1000)
    t0 = time.perf_counter()
    outcome, ws, early, seconds = await sio_open(ws_url, {"token": display_token(0)}, args.timeout, args.deflate)
    snapshot = any(m.startswith('42["snapshot"') for m in early)
    if ws is not None and not snapshot:
        try:
            async with asyncio.timeout(30):
                while not snapshot:
                    msg = await ws.recv()
                    if msg == "2":
                        await ws.send("3")
                    snapshot = msg.startswith('42["snapshot"')
        except (TimeoutError, ConnectionClosed):
            pass
    snapshot_ms = round((time.perf_counter() - t0) * 1000, 1) if snapshot else None
    for w in extra + ([ws] if ws is not None else []):
        await w.close()
    return {"extra_trackers": args.past_cap + min(below_cap, 5000), "below_cap_before": below_cap,
            "outcomes": dict(outcomes),
            "refusal_p50_ms": pct(refusals, 50), "refusal_max_ms": round(max(refusals), 1) if refusals else None,
            "display_past_cap": outcome, "display_got_snapshot": snapshot, "display_connect_ms": round(seconds * 1000, 1),
            "display_snapshot_ms": snapshot_ms}


def profile(server: Server, seconds: int, out: Path) -> dict:
    """py-spy dump + record of the worker while the calls run (in a thread of this process)."""
    spy = shutil.which("py-spy") or str(ROOT / ".venv" / "bin" / "py-spy")
    if not Path(spy).exists():
        return {"skipped": "py-spy is not installed (.venv/bin/pip install py-spy)"}
    pid = str(server.worker().pid)
    dump = subprocess.run([spy, "dump", "--pid", pid], capture_output=True, text=True, timeout=60)
    (out / "py-spy-dump.txt").write_text(dump.stdout + dump.stderr)
    raw = out / "py-spy.txt"
    rec = subprocess.run([spy, "record", "--pid", pid, "--duration", str(seconds), "--rate", "50", "--format", "raw",
                          "--nonblocking", "--output", str(raw)], capture_output=True, text=True, timeout=seconds + 60)
    if not raw.exists():
        return {"skipped": f"py-spy record failed: {rec.stderr[-500:]}"}
    own, incl, total = Counter(), Counter(), 0
    for line in raw.read_text().splitlines():
        stack, _, count = line.rpartition(" ")
        frames = stack.split(";")
        n = int(count)
        total += n
        own[frames[-1]] += n
        for f in set(frames):
            incl[f] += n
    return {"samples": total, "rate_hz": 50, "seconds": seconds, "raw": str(raw), "dump": str(out / "py-spy-dump.txt"),
            "top_self": [[f, round(100 * n / total, 1)] for f, n in own.most_common(15)] if total else [],
            "top_inclusive": [[f, round(100 * n / total, 1)] for f, n in incl.most_common(25)] if total else []}


# ------------------------------------------------------------------ the run
async def run(args) -> dict:
    started = datetime.now(timezone.utc)
    phases: dict = {}
    result: dict = {
        "benchmark": "connections", "variant": args.variant, "date_utc": started.isoformat(timespec="seconds"),
        "params": {k: v for k, v in vars(args).items() if k not in ("table",)},
        "machine": machine(), "loadavg_start": loadavg(), "phases": phases,
    }
    needed = args.trackers + args.displays + args.boxes + args.past_cap + 2000
    result["nofile_limit"] = raise_nofile(needed)
    if result["nofile_limit"][0] < needed:
        print(f"WARNING: open-files limit {result['nofile_limit'][0]} (hard limit, not raisable here) is below the "
              f"~{needed} this run needs: the server inherits it, connections past it fail with EMFILE", flush=True)
    python, cwd, description = build_variant(args.variant, args.ref)
    result["server_code"] = description
    tmp = Path(tempfile.mkdtemp(prefix=f"motcua-conn-{args.variant}-"))
    from .halls import big_hall

    hall = big_hall(tmp / "hall.toml", COUNTERS, args.displays, args.boxes)
    extra = list(args.server_args.split()) if args.server_args else []
    server = Server(python, cwd, tmp, hall, extra)
    help_text = server.help_text()
    cap_supported = "--max-connections" in help_text
    planned = args.trackers + args.displays + args.boxes
    cap = args.trackers + args.cap_slack  # the cap counts public connections; devices have a reserve above it
    if cap_supported:
        server.extra += ["--max-connections", str(cap)]
    if "--connects-per-minute" in help_text:
        # Every bench client comes from 127.0.0.1; real phones come from many addresses.
        server.extra += ["--connects-per-minute", "1000000"]
    n_tickets = args.tickets + args.calls + 200
    seconds = server.issue_tickets(n_tickets)
    phases["tickets"] = {"issued": n_tickets, "followed": args.tickets, "trackers_per_ticket": round(args.trackers / args.tickets, 2), "how": "in-process HallService (the variant's code, 16 threads) "
                         "against the same SQLite file, before the server started", "seconds": seconds}
    print(f"[{args.variant}] {n_tickets} tickets issued in-process through HallService before the server "
          f"started ({seconds:.1f} s)", flush=True)
    result["server_command"] = " ".join(server.command)
    generators: list = []
    devices: list = []
    try:
        phases["start"] = {"seconds": round(server.start(), 2), "loadavg": loadavg()}
        await asyncio.sleep(1)
        rss_base = server.rss_mb()
        phases["memory_base"] = rss_base | {"loadavg": loadavg()}
        ws_url = f"ws://127.0.0.1:{server.port}/socket.io/?EIO=4&transport=websocket"
        received: dict = {}

        # devices, then the idle mass
        t0 = time.perf_counter()
        displays, boxes, phases["devices"] = await connect_devices(ws_url, args, received)
        devices = [d for d in displays + boxes if d is not None]
        phases["devices"]["loadavg"] = loadavg()
        print(f"[{args.variant}] devices {phases['devices']['outcomes']} in {phases['devices']['seconds']} s", flush=True)
        n_gen = args.generators or max(1, math.ceil(args.trackers / 10_000))
        ids = [tracking_id(i % args.tickets) for i in range(args.trackers)]
        ctx = multiprocessing.get_context("spawn")
        opts = {"concurrency": max(1, args.concurrency // n_gen), "timeout": args.timeout, "deflate": args.deflate}
        t1 = time.perf_counter()
        for g in range(n_gen):
            parent, child = ctx.Pipe()
            proc = ctx.Process(target=_generator_main, args=(ws_url, ids[g::n_gen], opts, child), daemon=True)
            proc.start()
            generators.append((proc, parent))
        loop = asyncio.get_running_loop()
        reports = []
        for proc, pipe in generators:
            ready = await loop.run_in_executor(None, pipe.poll, args.connect_deadline)
            reports.append(pipe.recv() if ready else {"outcomes": {"generator_deadline": 1}})
        tracker_outcomes = sum((Counter(r["outcomes"]) for r in reports), Counter())
        phases["trackers"] = {"generators": n_gen, "concurrency_per_generator": opts["concurrency"],
                              "outcomes": dict(tracker_outcomes), "seconds": round(time.perf_counter() - t1, 2),
                              "per_generator": reports, "loadavg": loadavg()}
        connected = tracker_outcomes["ok"] + phases["devices"]["outcomes"].get("ok", 0)
        phases["connect_all"] = {"seconds": round(time.perf_counter() - t0, 2), "connected": connected,
                                 "planned": planned, "target_s": 60}
        print(f"[{args.variant}] trackers {dict(tracker_outcomes)} in {phases['trackers']['seconds']} s "
              f"({n_gen} generator process(es)); all connections {phases['connect_all']['seconds']} s", flush=True)
        await asyncio.sleep(3)
        rss_full = server.rss_mb()
        per_conn_kb = round((rss_full["total_mb"] - rss_base["total_mb"]) * 1024 / connected, 1) if connected else None
        phases["memory_full"] = rss_full | {"connections": connected, "per_connection_kb": per_conn_kb,
                                            "loadavg": loadavg()}

        phases["health"] = await health_phase(server.url, args.health_requests) | {"loadavg": loadavg()}
        print(f"[{args.variant}] health {phases['health']}", flush=True)

        prof_task = None
        if args.profile:
            prof_dir = tmp
            prof_task = loop.run_in_executor(None, profile, server, args.profile, prof_dir)
        phases["calls"] = await calls_phase(displays, boxes, received, args)
        called = phases["calls"].pop("_called_codes", [])
        phases["calls"]["loadavg"] = loadavg()
        print(f"[{args.variant}] calls {phases['calls']}", flush=True)
        if prof_task is not None:
            phases["profile"] = await prof_task
        await asyncio.sleep(2)  # tracker updates are coalesced (0.25 s) off the command path
        stats = []
        for proc, pipe in generators:
            if proc.is_alive():
                pipe.send(("stats", called))
                if await loop.run_in_executor(None, pipe.poll, 30):
                    stats.append(pipe.recv())
        phases["trackers_after_calls"] = {
            "called_tickets": len(called),
            "called_tracked": sum(s["called_tracked"] for s in stats),
            "called_tracked_updated": sum(s["called_tracked_updated"] for s in stats),
            "ticket_messages": sum(s["ticket_messages"] for s in stats),
            "trackers_still_connected": sum(s["connected_now"] for s in stats),
            "dropped_after_connect": sum(s["dropped_after_connect"] for s in stats),
            "pongs_sent": sum(s["pongs"] for s in stats), "loadavg": loadavg(),
        }
        print(f"[{args.variant}] trackers after calls {phases['trackers_after_calls']}", flush=True)

        if args.issue_seconds > 0:
            phases["issue"] = await issue_phase(server.url, args.issue_seconds, 16) | {"loadavg": loadavg()}
            print(f"[{args.variant}] issue {phases['issue']}", flush=True)
        phases["memory_end"] = server.rss_mb() | {"loadavg": loadavg()}

        if not args.past_cap:
            phases["past_cap"] = {"skipped": "--past-cap 0"}
        elif not cap_supported:
            phases["past_cap"] = {"skipped": "n/a: this server has no --max-connections (serve --help)"}
            print(f"[{args.variant}] past the cap: n/a (no --max-connections in serve --help)", flush=True)
        else:
            below = args.trackers - phases["trackers_after_calls"]["trackers_still_connected"]
            phases["past_cap"] = await cap_phase(ws_url, args, received, max(below, 0)) | {
                "max_connections": cap, "loadavg": loadavg()}
            print(f"[{args.variant}] past the cap {phases['past_cap']}", flush=True)
        alive = server.proc.poll() is None
        phases["server_alive_at_end"] = alive
    finally:
        # The server goes first, so the clients' sockets close passively (no TIME_WAIT eats ports).
        log = server.read_log() if server.proc else ""
        log_tail = log[-4000:]
        result["server_log_counts"] = {word: log.count(word) for word in
                                       ("Traceback", "ERROR", "CRITICAL", "WORKER TIMEOUT", "RecursionError",
                                        "Too many open files")}
        server.stop()
        for device in devices:
            await device.close()
        for proc, pipe in generators:
            if proc.is_alive():
                try:
                    pipe.send(("close",))
                    await loop.run_in_executor(None, pipe.poll, 20)
                except (BrokenPipeError, OSError):
                    pass
            proc.join(10)
            if proc.is_alive():
                proc.kill()
    if "issue" in phases:
        db = sqlite3.connect(tmp / "hall.db")
        rows = db.execute("SELECT issue_field, number, service_day FROM tickets").fetchall()
        phases["issue"]["duplicate_numbers_in_db"] = len(rows) - len(set(rows))
        phases["issue"]["rows_in_db"] = len(rows)
    result["server_log_tail"] = log_tail[-1500:]
    result["loadavg_end"] = loadavg()
    result["tmp"] = str(tmp)
    if not args.keep:
        shutil.rmtree(tmp, ignore_errors=True)
    return result


def machine() -> dict:
    from .record import machine as record_machine

    return record_machine() | {"memory_gib": round(psutil.virtual_memory().total / 2**30, 1)}


def summary(r: dict) -> str:
    p = r["phases"]
    lines = [f"== connections, variant {r['variant']} ({r['server_code']}), {r['params']['trackers']} trackers + "
             f"{r['params']['displays']} displays + {r['params']['boxes']} boxes; load {r['loadavg_start']} → {r['loadavg_end']}"]
    ca = p.get("connect_all", {})
    lines.append(f"connect: {ca.get('connected')}/{ca.get('planned')} in {ca.get('seconds')} s "
                 f"(devices {p.get('devices', {}).get('outcomes')}, trackers {p.get('trackers', {}).get('outcomes')})")
    if "memory_full" in p:
        lines.append(f"memory: base {p['memory_base']['total_mb']} MB, full {p['memory_full']['total_mb']} MB, "
                     f"{p['memory_full']['per_connection_kb']} KB per connection")
    h = p.get("health", {})
    lines.append(f"health: p50 {h.get('p50_ms')} ms, p99 {h.get('p99_ms')} ms, {h.get('ok')}/{h.get('requests')} ok"
                 + (f", errors {h['errors']}" if h.get("errors") else ""))
    c = p.get("calls", {})
    if "skipped" in c:
        lines.append(f"calls: skipped ({c['skipped']})")
    elif c:
        lines.append(f"call → display: p50 {c['p50_ms']} p90 {c['p90_ms']} p99 {c['p99_ms']} max {c['max_ms']} ms, "
                     f"{c['missing_deliveries']} missing of {c['deliveries'] + c['missing_deliveries']}"
                     + (f", errors {c['errors']}" if c.get("errors") else ""))
    t = p.get("trackers_after_calls", {})
    if t:
        lines.append(f"trackers of called tickets updated: {t['called_tracked_updated']}/{t['called_tracked']}; "
                     f"still connected {t['trackers_still_connected']}, dropped {t['dropped_after_connect']}")
    i = p.get("issue")
    if i:
        lines.append(f"issue over HTTP (16 clients): {i['tickets_per_s']} tickets/s, duplicates "
                     f"{i['duplicate_numbers_in_answers']} in answers, {i.get('duplicate_numbers_in_db')} in db"
                     + (f", errors {i['errors']}" if i.get("errors") else ""))
    cap = p.get("past_cap", {})
    lines.append("past the cap: " + (cap["skipped"] if "skipped" in cap else
                                     f"refusal p50 {cap['refusal_p50_ms']} max {cap['refusal_max_ms']} ms "
                                     f"{cap['outcomes']}; display {cap['display_past_cap']}, snapshot {cap['display_got_snapshot']}"))
    return "\n".join(lines)


def save(r: dict) -> Path:
    """Merge this run into bench/results/connections-<variant>.json (one entry per tracker count);
    the top-level record (bench/record.py) is that of the latest run, each run keeps its own."""
    from .record import write_result

    name = f"connections-{r['variant']}"
    path = RESULTS / f"{name}.json"
    runs = json.loads(path.read_text()).get("runs", {}) if path.exists() else {}
    runs[run_key(r["params"])] = r
    runs = dict(sorted(runs.items(), key=lambda kv: (kv[0].partition("@")[2],
                                                     *(int(x) for x in kv[0].partition("@")[0].split("/")))))
    return write_result(name, {"variant": r["variant"], "latest_run": run_key(r["params"]), "runs": runs})


def run_key(params: dict) -> str:
    """"10000" (one ticket per tracker) or "10000/1000" (10,000 trackers following 1,000 tickets)."""
    trackers, tickets = params["trackers"], params.get("tickets") or params["trackers"]
    key = str(trackers) if tickets == trackers else f"{trackers}/{tickets}"
    return key + (f"@{params['label']}" if params.get("label") else "")


def table() -> str:
    """Every saved run as one markdown table (docs/decisions/0001-live-layer-figures.md)."""
    head = ("| variant (code) | trackers (/ tickets) | connected / planned | connect s | health p50 / p99 ms "
            "| call→display p50 / p99 / max ms | missing / deliveries | trackers updated / called "
            "| dropped after connect | RSS base → full MB | KB / conn | issue tickets/s | past the cap: refusal p50 / max ms "
            "| load start → end |")
    rows = [head, "|" + "---|" * 14]
    for variant in ("threading", "gevent", "gevent-estimator", "asgi"):
        path = RESULTS / f"connections-{variant}.json"
        if not path.exists():
            continue
        for key, r in json.loads(path.read_text())["runs"].items():
            p = r["phases"]
            ca, h, c, t = p.get("connect_all", {}), p.get("health", {}), p.get("calls", {}), p.get("trackers_after_calls", {})
            i = p.get("issue", {})
            if "skipped" in c or not c.get("deliveries"):
                calls = "skipped" if "skipped" in c else f"none ({c.get('calls_ok', 0)} of {r['params']['calls']} calls made)"
                missing = "–" if "skipped" in c else f"{c.get('missing_deliveries')} / {c.get('missing_deliveries')}"
            else:
                calls = f"{c.get('p50_ms')} / {c.get('p99_ms')} / {c.get('max_ms')}"
                missing = f"{c.get('missing_deliveries')} / {c.get('deliveries', 0) + c.get('missing_deliveries', 0)}"
                if c.get("errors") or c.get("stopped_early"):
                    calls += f" ({c['calls_ok']} of {r['params']['calls']} calls made)"
            health = (f"{h.get('p50_ms')} / {h.get('p99_ms')}" if h.get("ok") else "–") + (
                f" ({h['ok']}/{h['requests']} ok)" if h.get("errors") else "")
            dropped = f"{t.get('dropped_after_connect', '–')} trackers, {c.get('displays_dropped', '–')} displays"
            issue = i.get("tickets_per_s", "–")
            if i.get("errors"):
                issue = f"{issue} ({sum(i['errors'].values())} errors)"
            cap = p.get("past_cap", {})
            if "skipped" in cap:
                cap_text = "n/a"
            else:
                cap_text = f"{cap.get('refusal_p50_ms')} / {cap.get('refusal_max_ms')}; display {cap.get('display_past_cap')}"
                if cap.get("display_past_cap") == "ok":
                    cap_text += (f", snapshot after {cap['display_snapshot_ms']} ms" if cap.get("display_snapshot_ms")
                                 else (" with snapshot" if cap.get("display_got_snapshot") else
                                       f", no snapshot in {30 if 'display_snapshot_ms' in cap else 5} s"))
                if set(cap.get("outcomes", {})) - {"refused"}:
                    cap_text += f" {cap['outcomes']}"
            code = r["server_code"].split(",")[0].replace("commit ", "").replace(" + bench/variants/", "+")
            rows.append(
                f"| {variant} ({code}) | {key.replace('@', ' · ')} | {ca.get('connected')} / {ca.get('planned')} | {ca.get('seconds')} | {health} "
                f"| {calls} | {missing} | {t.get('called_tracked_updated', '–')} / {t.get('called_tracked', '–')} "
                f"| {dropped} | {p.get('memory_base', {}).get('total_mb')} → {p.get('memory_full', {}).get('total_mb')} "
                f"| {p.get('memory_full', {}).get('per_connection_kb')} | {issue} | {cap_text} "
                f"| {r['loadavg_start'][0]} → {r['loadavg_end'][0]} |")
    return "\n".join(rows)


def main() -> None:
    ap = argparse.ArgumentParser(prog="python -m bench.connections", description=__doc__.split("\n\n")[0])
    ap.add_argument("--variant", choices=["asgi", "gevent", "threading", "gevent-estimator"], default="asgi",
                    help="gevent-estimator: gevent + the bounded-cost wait estimates of 3dac3f8/9e318e5, ported")
    ap.add_argument("--ref", default=None, help="asgi only: run this commit (git archive) instead of the working tree")
    ap.add_argument("--trackers", type=int, default=10_000)
    ap.add_argument("--tickets", type=int, default=None,
                    help="distinct tickets the trackers follow (default: one each); tracker i follows ticket i mod N")
    ap.add_argument("--displays", type=int, default=20)
    ap.add_argument("--boxes", type=int, default=100, help="button boxes, one counter each (at most 100)")
    ap.add_argument("--calls", type=int, default=None, help="call rounds (default 300; 60 below 1,000 trackers)")
    ap.add_argument("--pace", type=float, default=0.2, help="seconds between calls")
    ap.add_argument("--calls-deadline", type=float, default=180, help="the calls phase stops after this many seconds")
    ap.add_argument("--health-requests", type=int, default=500)
    ap.add_argument("--issue-seconds", type=float, default=None, help="HTTP issue phase length (default 20; 5 below 1,000)")
    ap.add_argument("--past-cap", type=int, default=20, help="connections opened past --max-connections (0: skip)")
    ap.add_argument("--cap-slack", type=int, default=0, help="--max-connections = planned connections + this")
    ap.add_argument("--generators", type=int, default=0, help="tracker generator processes (default 1 per 10,000)")
    ap.add_argument("--concurrency", type=int, default=256, help="connections being opened at once (all generators)")
    ap.add_argument("--timeout", type=float, default=10, help="seconds for one connection or one acknowledgement")
    ap.add_argument("--connect-deadline", type=float, default=600, help="seconds to wait for the trackers to connect")
    ap.add_argument("--no-deflate", dest="deflate", action="store_false", help="do not offer permessage-deflate")
    ap.add_argument("--server-args", default="", help="extra arguments for serve, e.g. '--threads 2000'")
    ap.add_argument("--profile", type=int, default=0, metavar="SECONDS",
                    help="py-spy dump and record the server worker for SECONDS during the calls")
    ap.add_argument("--label", default="", help="saved under TRACKERS@LABEL, beside the unlabelled runs")
    ap.add_argument("--keep", action="store_true", help="keep the temporary directory (hall, db, server log, profile)")
    ap.add_argument("--no-save", action="store_true", help="do not write bench/results/connections-<variant>.json")
    ap.add_argument("--table", action="store_true", help="print the markdown table of every saved run and exit")
    args = ap.parse_args()
    if args.table:
        print(table())
        return
    if args.calls is None:
        args.calls = 300 if args.trackers >= 1000 else 60
    if args.issue_seconds is None:
        args.issue_seconds = 20 if args.trackers >= 1000 else 5
    args.boxes = min(args.boxes, COUNTERS)
    args.tickets = min(args.tickets or args.trackers, args.trackers) or 1
    result = asyncio.run(run(args))
    print(summary(result))
    if not args.no_save:
        print(f"saved {save(result).relative_to(ROOT)}")


if __name__ == "__main__":
    main()
