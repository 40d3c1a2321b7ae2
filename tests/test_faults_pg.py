"""PostgreSQL unreachable in the middle of the day: clear 503 answers, nothing half-done,
and the hall carries on by itself when the database is back."""

import socket
import threading

import pytest

from hall_server.config import DEMO_HALL, load_hall
from hall_server.testing import KIOSK
from hall_server.web import create_app

pytestmark = pytest.mark.postgres


class Cable:
    """A TCP relay to PostgreSQL that can be unplugged (every connection cut) and plugged back."""

    def __init__(self, target=("127.0.0.1", 5432)):
        self.target = target
        self.port = None
        self.conns: list[socket.socket] = []
        self.server = None

    def plug(self):
        self.server = socket.socket()
        self.server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.server.bind(("127.0.0.1", self.port or 0))
        self.port = self.server.getsockname()[1]
        self.server.listen(50)
        threading.Thread(target=self._accept, args=(self.server,), daemon=True).start()

    def unplug(self):
        try:
            self.server.shutdown(socket.SHUT_RDWR)  # wakes the thread blocked in accept()
        except OSError:
            pass
        self.server.close()
        for c in self.conns:
            try:
                c.shutdown(socket.SHUT_RDWR)
                c.close()
            except OSError:
                pass
        self.conns.clear()

    def _accept(self, server):
        while True:
            try:
                client, _ = server.accept()
            except OSError:
                return
            upstream = socket.create_connection(self.target)
            self.conns += [client, upstream]
            for a, b in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(a, b), daemon=True).start()

    @staticmethod
    def _pipe(a, b):
        try:
            while data := a.recv(65536):
                b.sendall(data)
        except OSError:
            pass
        finally:
            for s in (a, b):
                try:
                    s.close()
                except OSError:
                    pass


def test_database_unreachable_then_back(pg_url, tmp_path, monkeypatch):
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    cable = Cable()
    cable.plug()
    url = pg_url.replace("127.0.0.1:5432", f"127.0.0.1:{cable.port}")
    app = create_app(load_hall(DEMO_HALL), url, secret_key="s")
    client = app.test_client()
    kiosk = {"Authorization": f"Bearer {KIOSK}"}
    assert client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk).json["ticket"]["code"] == "A001"
    cable.unplug()
    r = client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk)
    assert r.status_code == 503 and r.json["error"] == "storage_unavailable"
    assert client.get("/api/v1/snapshot").status_code == 503  # no stale answers either
    cable.plug()
    r = client.post("/api/v1/tickets", json={"field": "DD"}, headers=kiosk)
    assert r.status_code == 201 and r.json["ticket"]["code"] == "A002"  # nothing lost, nothing reused
    assert client.get("/api/v1/snapshot").json["waiting"]["DD"] == 2
    cable.unplug()
