"""Restart with a full day's log: 10,000 tickets issued, most of them called and finished, then
the hall is rebuilt from the database — how long until it serves again, and is it identical?

    python -m bench.restart
"""

import json
import tempfile
import time
from datetime import datetime, timedelta, timezone
from pathlib import Path

from bench.halls import big_hall
from hall_server.config import load_hall
from hall_server.engine import CallNext, Finish, IssueTicket
from hall_server.service import HallService
from hall_server.store import Store
from hall_server.testing import LiveServer

from .record import write_result

FIELDS = ["DD", "HT", "CT", "KD", "XD", "LD", "MT", "NN", "GT", "GD", "YT", "VH", "TG", "NC", "BT", "KN"]


def main(tickets: int = 10_000) -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-restart-"))
    config_path = big_hall(tmp / "hall.toml", counters=100)
    config = load_hall(config_path)
    url = f"sqlite:///{tmp / 'hall.db'}"
    now = [datetime(2026, 11, 26, 0, 30, tzinfo=timezone.utc)]
    service = HallService(config, Store(url), clock=lambda: now[0])
    t0 = time.perf_counter()
    for i in range(tickets):
        now[0] += timedelta(seconds=3)
        service.execute(IssueTicket(field=FIELDS[i % 16]))
        if i % 10 < 8:  # the counters keep up with most of the day
            k = (i % 100) + 1
            service.execute(Finish(counter=k))
            service.execute(CallNext(counter=k))
    fill = time.perf_counter() - t0
    expected = json.dumps(service.hall.state_dict(), default=str, sort_keys=True)
    service.store.close()

    t0 = time.perf_counter()
    store = Store(url)
    hall = store.load_hall(config)
    rebuild = time.perf_counter() - t0
    identical = json.dumps(hall.state_dict(), default=str, sort_keys=True) == expected
    store.close()

    # The whole server: process start, migrations check, rebuild, first answer.
    server = LiveServer(tmp, config=config_path, db=url)
    t0 = time.perf_counter()
    server.start()
    serving = time.perf_counter() - t0
    server.stop()
    return {"benchmark": "restart", "tickets": tickets, "fill_seconds": round(fill, 1),
            "rebuild_seconds": round(rebuild, 3), "identical": identical,
            "process_start_to_serving_seconds": round(serving, 2)}


if __name__ == "__main__":
    out = main()
    print(json.dumps(out, indent=2))
    write_result("restart", out)
