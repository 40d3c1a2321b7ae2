"""Run the hall server under gunicorn's gthread worker (never the Werkzeug dev server).

One worker process per centre database (the engine is in memory); threads serve requests
and hold websockets, so ``threads`` must exceed the number of live Socket.IO clients.
Several processes share PostgreSQL and Redis (``--redis``): see docs/deploy-province.md.
"""

from __future__ import annotations

import gc
import logging
import sys

from gunicorn.app.base import BaseApplication


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


class HallApplication(BaseApplication):
    def __init__(self, app_factory, options: dict):
        self.app_factory = app_factory
        self.options = options
        super().__init__()

    def load_config(self):
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self):
        # Many threads hold websockets; a shorter GIL switch interval keeps the fan-out of a
        # call to the displays from waiting behind them (tail latency, docs/performance.md).
        sys.setswitchinterval(0.001)
        app = self.app_factory()
        # Everything built at start-up lives for the whole run: keep it out of the
        # collector's way so a full collection never stalls a call.
        gc.collect()
        gc.freeze()
        return app


def run_gunicorn(halls, *, db: str, host: str, port: int, threads: int = 256,
                 message_queue: str | None = None, province=None) -> None:
    """Serve one centre at ``/``, or several under ``/c/<id>/`` (with ``/province/``)."""
    from . import create_app

    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    multi = len(halls) > 1 or province is not None

    def ready(server):
        for hall in halls:
            print(banner(hall, host, port, db, f"/c/{hall.id}" if multi else ""), flush=True)
        if multi:
            print(f"  Province view      http://{host}:{port}/province/", flush=True)

    def factory():
        if multi:
            from .province import create_province_app

            return create_province_app(halls, db, province=province, message_queue=message_queue)
        return create_app(halls[0], db, message_queue=message_queue)

    options = {
        "bind": f"[{host}]:{port}" if ":" in host else f"{host}:{port}",
        "workers": 1,
        "worker_class": "gthread",
        "threads": threads,
        "timeout": 60,
        "graceful_timeout": 5,
        "keepalive": 5,
        "when_ready": ready,
        "errorlog": "-",
        "loglevel": "warning",
        "proc_name": "motcua-" + "-".join(h.id for h in halls)[:40],
    }
    HallApplication(factory, options).run()
    sys.exit(0)
