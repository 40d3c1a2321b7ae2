"""Run the hall server: uvicorn serving one ASGI app (never the Werkzeug dev server).

One process per centre database (the engine is in memory). Socket.IO runs on the process's
asyncio loop, so an open websocket costs memory, not a thread; HTTP requests (Flask) and the
blocking part of socket messages run in bounded thread pools (``threads`` each).
Several processes share PostgreSQL and Redis (``--redis``): see docs/deploy-province.md.
Why this design: docs/decisions/0001-live-layer.md.
"""

from __future__ import annotations

import asyncio
import gc
import logging
import sys


def banner(config, host: str, port: int, db: str, mount: str = "") -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host
    base = f"http://{shown}:{port}{mount}"
    lines = [
        f"MotCua Queue — {config.centre.name}",
        f"  database: {db}",
        f"  Landing page       {base}/",
        f"  Kiosk (take a number) {base}/kiosk",
        f"  Counter terminal   {base}/counter",
        f"  Display board      {base}/display",
        f"  Supervisor console {base}/supervisor   (reports: {base}/reports)",
        f"  Book an appointment {base}/booking",
        f"  API (OpenAPI)      {base}/api/openapi.json",
    ]
    if config.staff:
        lines.append("  Logins in this hall file:")
        for staff in config.staff.values():
            seat = f" (officer {staff.officer})" if staff.officer else ""
            lines.append(f"    {staff.username:<10} role {staff.role}{seat}")
        if "admin" in config.staff and config.id == "demo":
            lines.append("    demo passwords: admin/demo-admin, giamsat/demo-giamsat, canbo1..canbo10/demo-canbo")
    lines.append("Stop with Ctrl-C.")
    return "\n".join(lines)



def open_files_warning(capacity) -> str | None:
    """Raise the open-files limit for the connection cap; a warning when it stays too low."""
    from .live import open_files_limit

    wanted = capacity.ceiling + 256  # every connection is a file; keep some for the database and logs
    soft, hard = open_files_limit(wanted)
    if soft < wanted:
        return (f"WARNING: the open-files limit is {soft} (hard limit {hard}), below the {capacity.ceiling} live "
                f"connections this process accepts (--max-connections {capacity.max_connections} + "
                f"--reserved-connections {capacity.reserved}): connections past ~{max(soft - 256, 0)} will fail. "
                "Raise it (systemd: LimitNOFILE=65536, see deploy/motcua.service; a shell: ulimit -n 65536) "
                "or lower --max-connections.")
    return None


def build(halls, *, db: str, threads: int = 32, message_queue: str | None = None, province=None, capacity=None):
    """The WSGI app (one centre, or several under /c/<id>/) and the ASGI app that serves it with its sockets."""
    from . import create_app
    from .asgi import build_asgi

    multi = len(halls) > 1 or province is not None
    if multi:
        from .province import create_province_app

        wsgi = create_province_app(halls, db, province=province, message_queue=message_queue, capacity=capacity,
                                   live_workers=threads)
        apps = wsgi.centre_apps
    else:
        wsgi = create_app(halls[0], db, message_queue=message_queue, capacity=capacity, live_workers=threads)
        apps = {"": wsgi}
    lives = {prefix: app.extensions["motcua"].live for prefix, app in apps.items()}
    return wsgi, lives, build_asgi(wsgi, lives, workers=threads)


def run_server(halls, *, db: str, host: str, port: int, threads: int = 32, message_queue: str | None = None,
               province=None, capacity=None) -> None:
    """Serve one centre at ``/``, or several under ``/c/<id>/`` (with ``/province/``), until Ctrl-C or SIGTERM."""
    import uvicorn

    from .live import Capacity

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    logging.getLogger("socketio").setLevel(logging.WARNING)
    logging.getLogger("engineio").setLevel(logging.WARNING)
    capacity = capacity or Capacity()
    warning = open_files_warning(capacity)
    if warning:
        print(warning, file=sys.stderr, flush=True)
    multi = len(halls) > 1 or province is not None
    _wsgi, lives, asgi = build(halls, db=db, threads=threads, message_queue=message_queue, province=province,
                               capacity=capacity)
    # Everything built at start-up lives for the whole run: keep it out of the collector's way
    # so a full collection never stalls a call.
    gc.collect()
    gc.freeze()
    config = uvicorn.Config(
        asgi, host=host, port=port, loop="uvloop", http="httptools", ws="websockets-sansio", lifespan="off",
        log_level="warning", access_log=False, backlog=4096, timeout_keep_alive=5, timeout_graceful_shutdown=5,
        ws_max_size=64 * 1024, ws_ping_interval=None, server_header=False,
    )
    server = uvicorn.Server(config)

    async def main() -> None:
        loop = asyncio.get_running_loop()
        for live in lives.values():
            live.bind(loop)

        async def announce() -> None:
            while not server.started:
                if server.should_exit:
                    return
                await asyncio.sleep(0.05)
            for hall in halls:
                print(banner(hall, host, port, db, f"/c/{hall.id}" if multi else ""), flush=True)
            if multi:
                print(f"  Province view      http://{host}:{port}/province/", flush=True)

        loop.create_task(announce())
        await server.serve()

    asyncio.run(main())
    from ..background import stopping

    stopping.set()
    sys.exit(0 if server.started else 1)
