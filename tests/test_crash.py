"""Killed mid-morning with nothing lost (the short version; bench/crash.py runs the long one)."""

from hall_server.testing import LiveServer
from hall_server.testing.crash import check, run


def test_sigkill_during_a_busy_morning_loses_nothing(tmp_path):
    server = LiveServer(tmp_path).start()
    try:
        ledger = run(server, kills=4, seed=11)
        figures = check(server, ledger)
    finally:
        server.stop()
    assert figures["tickets_issued"] > 20 and figures["calls_acknowledged"] > 5
