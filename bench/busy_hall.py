"""A busy hall, closed loop: 4 kiosks issuing and 8 counters calling and finishing, as fast as it goes.

Each kiosk client posts ``POST /api/v1/tickets`` (fields the 8 counters serve) and, as soon as it
is answered, the next one. Each counter client (counters 1–8 of the demo hall) posts
``call-next``; when it got a ticket it posts ``finish``, then ``call-next`` again; when nothing is
waiting (409) it waits 10 ms and tries again. Every request carries an ``Idempotency-Key``, as
the devices send one. Tickets/s counts tickets issued (201) in the measured window, commands/s
every answered command (including 409 ``nothing_waiting``, which is a committed transaction too).

After the run the database is checked: every ticket a kiosk was given exists, no number is used
twice, no ticket was called twice.

    python -m bench.busy_hall --db sqlite --processes 1 --seconds 20            # real servers, HTTP
    python -m bench.busy_hall --db postgres --processes 3 --seconds 20          # + Redis for N > 1
    python -m bench.busy_hall --db postgres --via service --seconds 20          # HallService, 12 threads
    python -m bench.busy_hall --roundtrips                                      # PostgreSQL round trips/command

``--via http`` (default) starts real servers with ``python -m hall_server serve`` (hall_server.testing.LiveServer)
and drives them from aiohttp clients in this process; ``--via service`` calls
``HallService.execute`` from 12 threads in this process (what the HTTP workers do), with
``shared`` set as the server sets it. ``--roundtrips`` runs commands one at a time through a TCP
relay in front of PostgreSQL that counts request → answer turns on the wire, so the figure is
what the driver really does, not what we assume it does.

Results go to ``bench/results/busy_hall-<db>-<via>-<N>p[-TAG].json`` with the machine, the load
average at start and end, and every figure.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from pathlib import Path

from sqlalchemy import create_engine, text

from .record import begin, write_result

PG = os.environ.get("MOTCUA_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
REDIS = os.environ.get("MOTCUA_REDIS_URL", "redis://127.0.0.1:6379/0")
KIOSKS, COUNTERS = 4, 8
# Fields served by counters 1–8 of config/demo_hall.toml.
FIELDS = ["DD", "XD", "MT", "HT", "CT", "KD", "GT", "LD", "NC", "BT", "GD", "YT", "VH", "NN", "TG"]
IDLE_WAIT = 0.010


def fresh_pg() -> str:
    name = f"motcua_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    admin.dispose()
    return PG.rsplit("/", 1)[0] + "/" + name


def drop_pg(url: str) -> None:
    name = url.rsplit("/", 1)[1]
    admin = create_engine(PG, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


def xact_commits(url: str) -> int:
    """Committed transactions of the database so far (PostgreSQL's own statistics)."""
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        conn.execute(text("SELECT pg_stat_clear_snapshot()"))
        n = conn.execute(text("SELECT xact_commit FROM pg_stat_database WHERE datname = current_database()")).scalar()
    eng.dispose()
    return int(n)


def cpu_seconds(pid: int) -> float:
    """User + system CPU time of a process (all its threads), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def pg_backends(url: str) -> list[int]:
    """Process ids of the PostgreSQL backends serving ``url``'s database (same machine)."""
    eng = create_engine(url, isolation_level="AUTOCOMMIT")
    with eng.connect() as conn:
        pids = conn.execute(text("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                                 "AND pid <> pg_backend_pid()")).scalars().all()
    eng.dispose()
    return list(pids)


class Tally:
    """What the clients saw, in the measured window."""

    def __init__(self):
        self.lock = threading.Lock()
        self.measuring = False
        self.issued: list[tuple] = []  # (issue_field, code, service_day) of every 201, whole run
        self.called: list[int] = []  # ticket ids of every call, whole run
        self.counts = Counter()  # in the window: "issue", "call", "finish", "idle" (409 nothing waiting)
        self.latency: dict[str, list[float]] = {"issue": [], "call": [], "finish": []}
        self.errors: list[str] = []

    commits_url: str | None = None  # PostgreSQL: count commits in the window too
    commits: int | None = None
    store = None  # in-process: count the store's group commits in the window
    writes: int | None = None

    server_pids: list[int] = []
    cpu: dict | None = None

    def _cpu(self) -> dict:
        backends = pg_backends(self.commits_url) if self.commits_url else []
        return {"servers": sum(cpu_seconds(p) for p in self.server_pids),
                "postgres": {p: cpu_seconds(p) for p in backends}, "client": sum(os.times()[:2])}

    def window_start(self) -> None:
        self._cpu0 = self._cpu()
        self._c0 = xact_commits(self.commits_url) if self.commits_url else None
        self._w0 = getattr(self.store, "group_commits", None)
        self.measuring = True

    def window_end(self) -> None:
        self.measuring = False
        cpu1 = self._cpu()
        pg = sum(v - self._cpu0["postgres"].get(p, 0.0) for p, v in cpu1["postgres"].items())
        self.cpu = {"servers_s": round(cpu1["servers"] - self._cpu0["servers"], 2),
                    "postgres_backends_s": round(pg, 2), "clients_s": round(cpu1["client"] - self._cpu0["client"], 2)}
        if self.commits_url:
            self.commits = xact_commits(self.commits_url) - self._c0
        if self._w0 is not None:
            self.writes = self.store.group_commits - self._w0

    def note(self, kind: str, ms: float) -> None:
        with self.lock:
            if self.measuring:
                self.counts[kind] += 1
                if kind in self.latency:
                    self.latency[kind].append(ms)


# ---------------------------------------------------------------------- HTTP clients
async def _http_clients(urls: list[str], warmup: float, seconds: float, tally: Tally) -> float:
    import aiohttp

    from hall_server.testing import BUTTONS_1, BUTTONS_2, KIOSK

    stop = asyncio.Event()

    async def kiosk(k: int, http):
        i = 0
        url = urls[k % len(urls)] + "/api/v1/tickets"
        while not stop.is_set():
            t0 = time.perf_counter()
            async with http.post(url, json={"field": FIELDS[(k * 7 + i) % len(FIELDS)]},
                                 headers={"Authorization": f"Bearer {KIOSK}", "Idempotency-Key": f"k{k}-{i}"}) as r:
                body = await r.json()
                if r.status != 201:
                    tally.errors.append(f"issue {r.status} {body}")
                    return
            tally.issued.append((body["ticket"]["issue_field"], body["ticket"]["code"], body["ticket"]["service_day"]))
            tally.note("issue", (time.perf_counter() - t0) * 1000)
            i += 1

    async def counter(n: int, http):
        base = urls[(KIOSKS + n) % len(urls)] + f"/api/v1/counters/{n}"
        headers = {"Authorization": f"Bearer {BUTTONS_1 if n <= 5 else BUTTONS_2}"}
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            async with http.post(base + "/call-next", headers=headers | {"Idempotency-Key": f"c{n}-{i}"}) as r:
                body = await r.json()
            i += 1
            if r.status == 409 and body.get("error") == "nothing_waiting":
                tally.note("idle", 0)
                await asyncio.sleep(IDLE_WAIT)
                continue
            if r.status != 200:
                tally.errors.append(f"call {r.status} {body}")
                return
            tally.called.append(body["ticket"]["id"])
            tally.note("call", (time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            async with http.post(base + "/finish", headers=headers | {"Idempotency-Key": f"c{n}-{i}"}) as r:
                body = await r.json()
            i += 1
            if r.status != 200:
                tally.errors.append(f"finish {r.status} {body}")
                return
            tally.note("finish", (time.perf_counter() - t0) * 1000)

    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        tasks = [asyncio.create_task(kiosk(k, http)) for k in range(KIOSKS)]
        tasks += [asyncio.create_task(counter(n, http)) for n in range(1, COUNTERS + 1)]
        await asyncio.sleep(warmup)
        tally.window_start()
        t0 = time.perf_counter()
        await asyncio.sleep(seconds)
        tally.window_end()
        elapsed = time.perf_counter() - t0
        stop.set()
        await asyncio.gather(*tasks)
    return elapsed


def run_http(db: str, processes: int, warmup: float, seconds: float, threads: int = 64) -> tuple[Tally, float, dict]:
    from hall_server.testing import LiveServer

    tmp = Path(tempfile.mkdtemp(prefix="motcua-busy-"))
    url = None if db == "sqlite" else fresh_pg()
    servers = []
    try:
        for i in range(processes):
            (tmp / f"p{i}").mkdir()
            redis = REDIS if (db == "postgres" and processes > 1) else None
            servers.append(LiveServer(tmp / f"p{i}", db=url or f"sqlite:///{tmp / 'hall.db'}", redis=redis,
                                      threads=threads).start())  # one by one: the first migrates
        tally = Tally()
        tally.commits_url = url
        tally.server_pids = [s.proc.pid for s in servers]
        elapsed = asyncio.run(_http_clients([s.url for s in servers], warmup, seconds, tally))
        extra = {}
    finally:
        for s in servers:
            s.stop()
    extra |= check_db(url or f"sqlite:///{tmp / 'hall.db'}", tally)
    if url:
        drop_pg(url)
    return tally, elapsed, extra


# ---------------------------------------------------------------------- in-process service
def run_service(db: str, warmup: float, seconds: float, url: str | None = None) -> tuple[Tally, float, dict]:
    from hall_server.config import DEMO_HALL, load_hall
    from hall_server.engine import CallNext, Finish, IssueTicket
    from hall_server.service import Actor, HallService
    from hall_server.store import Store

    tmp = Path(tempfile.mkdtemp(prefix="motcua-busy-"))
    own_db = url is None
    url = url or (f"sqlite:///{tmp / 'hall.db'}" if db == "sqlite" else fresh_pg())
    store = Store(url)
    service = HallService(load_hall(DEMO_HALL), store)
    service.shared = not url.startswith("sqlite")  # as create_app sets it
    kiosk_actor, box = Actor("kiosk-1", "dispenser"), Actor("buttons-1", "button_box")
    tally = Tally()
    stop = threading.Event()

    def kiosk(k: int):
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            out = service.execute(IssueTicket(field=FIELDS[(k * 7 + i) % len(FIELDS)]), request_id=f"k{k}-{i}",
                                  actor=kiosk_actor)
            if not out.ok:
                tally.errors.append(f"issue refused: {out.body}")
                return
            tk = out.body["ticket"]
            tally.issued.append((tk["issue_field"], tk["code"], tk["service_day"]))
            tally.note("issue", (time.perf_counter() - t0) * 1000)
            i += 1

    def counter(n: int):
        i = 0
        while not stop.is_set():
            t0 = time.perf_counter()
            out = service.execute(CallNext(counter=n), request_id=f"c{n}-{i}", actor=box)
            i += 1
            if out.error == "nothing_waiting":
                tally.note("idle", 0)
                time.sleep(IDLE_WAIT)
                continue
            if not out.ok:
                tally.errors.append(f"call refused: {out.body}")
                return
            tally.called.append(out.body["ticket"]["id"])
            tally.note("call", (time.perf_counter() - t0) * 1000)
            t0 = time.perf_counter()
            out = service.execute(Finish(counter=n), request_id=f"c{n}-{i}", actor=box)
            i += 1
            if not out.ok:
                tally.errors.append(f"finish refused: {out.body}")
                return
            tally.note("finish", (time.perf_counter() - t0) * 1000)

    threads = [threading.Thread(target=kiosk, args=(k,)) for k in range(KIOSKS)]
    threads += [threading.Thread(target=counter, args=(n,)) for n in range(1, COUNTERS + 1)]
    tally.commits_url = url if db == "postgres" else None
    tally.store = store if store.pipelined else None
    for th in threads:
        th.start()
    time.sleep(warmup)
    tally.window_start()
    t0 = time.perf_counter()
    time.sleep(seconds)
    tally.window_end()
    elapsed = time.perf_counter() - t0
    stop.set()
    for th in threads:
        th.join()
    extra = {}
    if tally.writes is not None:
        extra = {"write_transactions_in_window": tally.writes,
                 "commands_per_write_transaction": round(sum(tally.counts.values()) / max(1, tally.writes), 2)}
    store.close()
    extra |= check_db(url, tally)
    if db == "postgres" and own_db:
        drop_pg(url)
    return tally, elapsed, extra


# ---------------------------------------------------------------------- checks
def check_db(url: str, tally: Tally) -> dict:
    """Every ticket given out exists, once; no number twice; no ticket called twice."""
    eng = create_engine(url)
    with eng.connect() as conn:
        rows = conn.execute(text("SELECT issue_field, code, service_day FROM tickets")).all()
        dup_calls = conn.execute(text(
            "SELECT count(*) FROM (SELECT ticket_id FROM transitions WHERE to_state = 'called' "
            "AND from_state = 'waiting' GROUP BY centre_id, ticket_id HAVING count(*) > 1) d")).scalar()
    eng.dispose()
    stored = {(f, c, str(d)) for f, c, d in rows}
    given = [(f, c, str(d)) for f, c, d in tally.issued]
    return {
        "tickets_in_db": len(rows),
        "duplicate_numbers_in_db": len(rows) - len(stored),
        "duplicate_numbers_in_answers": len(given) - len(set(given)),
        "acknowledged_tickets_missing_from_db": len(set(given) - stored),
        "tickets_called_twice_in_db": dup_calls,
        "tickets_called_twice_in_answers": len(tally.called) - len(set(tally.called)),
    }


# ---------------------------------------------------------------------- round trips
class CountingRelay:
    """A TCP relay to PostgreSQL that counts request → answer turns and can add network latency.

    ``turns`` counts each switch from client-sending to server-answering; it over-counts when the
    driver sends more while the server already answers (pipeline mode). With ``delay`` every byte
    from the server reaches the client ``delay`` seconds late (a propagation delay: chunks do not
    queue behind each other), so elapsed time / delay is the number of times the client really
    waited for the server: the honest count of round trips.
    """

    def __init__(self, target=("127.0.0.1", 5432), delay: float = 0.0):
        self.target = target
        self.delay = delay
        self.turns = 0
        self._lock = threading.Lock()
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.server.listen(50)
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self):
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            for s in (client, upstream):
                s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            state = {"last": None}
            threading.Thread(target=self._pipe, args=(client, upstream, "up", state), daemon=True).start()
            threading.Thread(target=self._pipe, args=(upstream, client, "down", state), daemon=True).start()

    def _pipe(self, a, b, direction, state):
        import queue

        delayed = queue.Queue() if (direction == "down" and self.delay) else None
        if delayed is not None:
            def forward():
                while (item := delayed.get()) is not None:
                    due, data = item
                    if (wait := due - time.perf_counter()) > 0:
                        time.sleep(wait)
                    try:
                        b.sendall(data)
                    except OSError:
                        return
            threading.Thread(target=forward, daemon=True).start()
        try:
            while data := a.recv(65536):
                with self._lock:
                    if direction == "down" and state["last"] == "up":
                        self.turns += 1  # the client sent, now the server answers
                    state["last"] = direction
                if delayed is not None:
                    delayed.put((time.perf_counter() + self.delay, data))
                else:
                    b.sendall(data)
        except OSError:
            pass
        finally:
            if delayed is not None:
                delayed.put(None)
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass


def roundtrips(n: int = 20, delay: float = 0.02) -> dict:
    """Commands one at a time (no concurrency) through a relay adding ``delay`` of latency.

    Returns, per kind of command, the round trips (elapsed / delay, rounded) and the wire turns.
    """
    from hall_server.config import DEMO_HALL, load_hall
    from hall_server.engine import CallNext, Finish, IssueTicket
    from hall_server.service import Actor, HallService
    from hall_server.store import Store

    url = fresh_pg()
    relay = CountingRelay(delay=delay)
    store = Store(url.replace("127.0.0.1:5432", f"127.0.0.1:{relay.port}"))
    service = HallService(load_hall(DEMO_HALL), store)
    service.shared = True  # as the server does on PostgreSQL
    box = Actor("buttons-1", "button_box")
    turns: dict[str, list[int]] = {"issue": [], "call_next": [], "finish": [], "read": []}
    waits: dict[str, list[float]] = {k: [] for k in turns}

    def counted(kind, fn):
        t, t0 = relay.turns, time.perf_counter()
        fn()
        waits[kind].append((time.perf_counter() - t0) / delay)
        turns[kind].append(relay.turns - t)

    try:
        service.execute(IssueTicket(field="DD"), request_id="warm")  # the pool holds a connection
        # counted() calls each lambda at once; the default binds this iteration's i all the same
        for i in range(n):
            counted("issue", lambda i=i: service.execute(IssueTicket(field="DD"), request_id=f"i{i}", actor=box))
        for i in range(n):
            counted("call_next", lambda i=i: service.execute(CallNext(counter=1), request_id=f"c{i}", actor=box))
            counted("finish", lambda i=i: service.execute(Finish(counter=1), request_id=f"f{i}", actor=box))

        def read():
            with service.read():
                pass
        for _ in range(n):
            counted("read", read)
    finally:
        store.close()
        drop_pg(url)
    return {"delay_ms": delay * 1000, "commands_each": n,
            "round_trips": {k: round(statistics.median(v), 1) for k, v in waits.items()},
            "wire_turns": {k: round(sum(v) / len(v), 2) for k, v in turns.items()}}


def summarise(tally: Tally, elapsed: float, extra: dict) -> dict:
    c = tally.counts
    commands = c["issue"] + c["call"] + c["finish"] + c["idle"]

    def q(xs, p):
        return round(statistics.quantiles(xs, n=100)[p - 1], 1) if len(xs) >= 2 else None

    out = {
        "seconds": round(elapsed, 2),
        "tickets_per_s": round(c["issue"] / elapsed, 1),
        "commands_per_s": round(commands / elapsed, 1),
        "calls_per_s": round(c["call"] / elapsed, 1),
        "counts": dict(c),
        "latency_ms": {k: {"p50": q(v, 50), "p99": q(v, 99)} for k, v in tally.latency.items()},
        "errors": tally.errors[:5],
    }
    if tally.cpu is not None:
        out["cpu_seconds_in_window"] = tally.cpu
        if commands:
            out["server_cpu_ms_per_command"] = round(1000 * tally.cpu["servers_s"] / commands, 2)
            out["postgres_cpu_ms_per_command"] = round(1000 * tally.cpu["postgres_backends_s"] / commands, 2)
    if tally.commits is not None:
        # pg_stat_database counts every committed transaction of the database, reads included
        # (each autocommit sequence check and each pool pre-ping is one).
        out["db_commits_in_window"] = tally.commits
        out["commands_per_db_commit"] = round(commands / max(1, tally.commits), 2)
    return out | extra


def main(argv=None) -> dict:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", choices=["sqlite", "postgres"], default="sqlite")
    ap.add_argument("--processes", type=int, default=1)
    ap.add_argument("--seconds", type=float, default=20)
    ap.add_argument("--warmup", type=float, default=3)
    ap.add_argument("--via", choices=["http", "service"], default="http")
    ap.add_argument("--roundtrips", action="store_true", help="count PostgreSQL round trips per command and stop")
    ap.add_argument("--tag", default="", help="suffix for the results file (e.g. before, after)")
    args = ap.parse_args(argv)

    begin()
    record: dict = {"python": sys.version.split()[0]}
    if args.roundtrips:
        record |= {"roundtrips_per_command": roundtrips()}
        name = "busy_hall-roundtrips"
    else:
        if args.via == "service" and args.processes != 1:
            ap.error("--via service runs one process")
        runner = run_http if args.via == "http" else None
        if runner:
            tally, elapsed, extra = run_http(args.db, args.processes, args.warmup, args.seconds)
        else:
            tally, elapsed, extra = run_service(args.db, args.warmup, args.seconds)
        record |= {"db": args.db, "via": args.via, "processes": args.processes, "kiosks": KIOSKS,
                   "counters": COUNTERS} | summarise(tally, elapsed, extra)
        name = f"busy_hall-{args.db}-{args.via}-{args.processes}p"
    if args.tag:
        name += f"-{args.tag}"
    path = write_result(name, record)  # with the machine, the date and the load average at start and end
    print(path.read_text())
    return record


if __name__ == "__main__":
    main()
