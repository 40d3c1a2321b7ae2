"""An app built in the test process, served for real: uvicorn and its Socket.IO server on a
loopback port, in a thread (for tests that need both the app's test clock and live sockets).

    with ThreadServer(app) as server:
        client = socketio.Client(); client.connect(server.url, auth={"token": DISPLAY})
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time

import uvicorn

from hall_server.web.asgi import build_asgi


class ThreadServer:
    def __init__(self, app, workers: int = 8):
        self.app = app
        self.live = app.extensions["motcua"].live
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            self.port = s.getsockname()[1]
        config = uvicorn.Config(build_asgi(app, {"": self.live}, workers=workers), host="127.0.0.1", port=self.port,
                                lifespan="off", log_level="warning", loop="asyncio", ws="websockets-sansio")
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=lambda: asyncio.run(self._main()), name="asgi-test-server", daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    async def _main(self) -> None:
        self.live.bind(asyncio.get_running_loop())
        await self.server.serve()

    def __enter__(self) -> ThreadServer:
        self.thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("the test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc) -> None:
        self.server.should_exit = True
        self.thread.join(10)


class Inbox:
    """Every message a python-socketio client receives, by event name, in order."""

    def __init__(self, client, *names: str):
        self.messages: list[tuple[str, object]] = []
        self._lock = threading.Condition()
        for name in names:
            client.on(name, self._keep(name))

    def _keep(self, name):
        def handler(data=None):
            with self._lock:
                self.messages.append((name, data))
                self._lock.notify_all()

        return handler

    def take(self, name: str, wait: float = 0.0, count: int = 1) -> list:
        """The messages named ``name`` received so far (waiting up to ``wait`` s for ``count``), then forget them."""
        deadline = time.monotonic() + wait
        with self._lock:
            while sum(n == name for n, _ in self.messages) < count and time.monotonic() < deadline:
                self._lock.wait(deadline - time.monotonic())
            out = [data for n, data in self.messages if n == name]
            self.messages = [(n, d) for n, d in self.messages if n != name]
        return out
