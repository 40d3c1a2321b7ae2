"""Test harness for the hall server, for tests/ and bench/ (as Flask ships ``flask.testing``).

:class:`LiveServer` is a real hall server in a subprocess (``python -m hall_server serve``) on a
free loopback port, with the demo hall's device tokens below::

    with LiveServer(tmp_path) as server:
        requests.post(server.url + "/api/v1/tickets", json={"field": "DD"},
                      headers={"Authorization": f"Bearer {KIOSK}"})

:mod:`hall_server.testing.crash` is the SIGKILL crash harness (tests/test_crash.py, bench/crash.py).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from hall_server.config import DEMO_HALL

#: The repository (the server subprocess runs there).
ROOT = Path(__file__).resolve().parents[2]

__all__ = ["BUTTONS_1", "BUTTONS_2", "DISPLAY", "KIOSK", "LiveServer", "free_port"]

KIOSK = "demo-kiosk-1-token-change-me"
BUTTONS_1 = "demo-buttons-1-token-change-me"  # counters 1–5
BUTTONS_2 = "demo-buttons-2-token-change-me"  # counters 6–10
DISPLAY = "demo-display-1-token-change-me"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class LiveServer:
    def __init__(self, data_dir: Path, config: Path | list[Path] = DEMO_HALL, port: int | None = None,
                 db: str | None = None, threads: int | None = None, extra_env: dict | None = None,
                 redis: str | None = None, province: Path | None = None):
        self.data_dir = Path(data_dir)
        self.config = config
        self.port = port or free_port()
        self.db = db or f"sqlite:///{self.data_dir / 'hall.db'}"
        self.threads = threads
        self.extra_env = extra_env or {}
        self.redis = redis
        self.province = province
        self.proc: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self, timeout: float = 30) -> LiveServer:
        env = os.environ | {"MOTCUA_INSTANCE": str(self.data_dir / "instance"), "MOTCUA_SECRET_KEY": "test-secret",
                            "PYTHONUNBUFFERED": "1"} | self.extra_env
        self.log = open(self.data_dir / f"server-{self.port}.log", "ab")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "hall_server", "serve",
             *[arg for c in (self.config if isinstance(self.config, list) else [self.config])
               for arg in ("--config", str(c))], "--db", self.db,
             "--host", "127.0.0.1", "--port", str(self.port)]
            + (["--threads", str(self.threads)] if self.threads else [])
            + (["--redis", self.redis] if self.redis else [])
            + (["--province", str(self.province)] if self.province else []),
            cwd=ROOT, env=env, stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True,
        )
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"server exited with {self.proc.returncode}: {self.read_log()[-2000:]}")
            try:
                if requests.get(self.url + "/api/v1/health", timeout=1).ok:
                    return self
            except requests.RequestException:
                pass
            time.sleep(0.1)
        raise RuntimeError(f"server did not answer within {timeout}s: {self.read_log()[-2000:]}")

    def read_log(self) -> str:
        return (self.data_dir / f"server-{self.port}.log").read_text(errors="replace")

    def stop(self, sig=signal.SIGTERM) -> None:
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, sig)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(5)
        self.proc = None

    def kill(self) -> None:
        self.stop(signal.SIGKILL)

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.stop()
