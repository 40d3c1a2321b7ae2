"""One Socket.IO link from a device to the hall server: connect, reconnect, send commands.

    link = HallLink("http://192.168.1.10:8080", token,
                    on_snapshot=view.load, on_event=view.apply, on_connection=print)
    link.start()                                    # connects in the background, reconnects by itself
    answer = link.command("call_next", {"counter": 1})
    answer.ok, answer.body["ticket"]["code"]        # (True, 'A012')
    link.stop()

A command is sent only if the link is up when it is asked for; otherwise :class:`Offline`
is raised at once and nothing is kept to send later. Once sent, it carries a unique
``request_id``: if the answer is lost (the connection drops, or the server stays silent
for ``attempt_timeout``) the same command with the same id is sent again as soon as the
link is back, until ``window`` seconds after the first attempt. The server remembers
request ids, so a retry never acts twice; after the window :class:`NoAnswer` is raised
and nothing more is sent.
"""

from __future__ import annotations

import logging
import random
import threading
import time
import uuid
from dataclasses import dataclass
from typing import Callable

import socketio

log = logging.getLogger(__name__)


class Offline(Exception):
    """The server cannot be reached now; the command was not sent."""


class NoAnswer(Exception):
    """The command was sent but not answered within its window; it will not be sent again."""


@dataclass(frozen=True)
class Answer:
    """The server's acknowledgement of a command: HTTP-like ``status`` and JSON ``body``."""

    status: int
    body: dict
    request_id: str
    attempts: int = 1

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def error(self) -> str | None:
        return None if self.ok else self.body.get("error", "error")

    @property
    def message(self) -> str:
        return self.body.get("message", "") if isinstance(self.body, dict) else ""


def new_request_id() -> str:
    """A unique id for one press (the server keeps it to answer retries with the first answer)."""
    return uuid.uuid4().hex


class _Pending:
    """One attempt waiting for its acknowledgement (or for the connection to drop)."""

    def __init__(self):
        self.event = threading.Event()
        self.answer: dict | None = None

    def acked(self, *args) -> None:
        self.answer = args[0] if args else None
        self.event.set()

    def drop(self) -> None:
        self.event.set()


class HallLink:
    """A device's Socket.IO connection, kept up in a background thread."""

    def __init__(self, url: str, token: str, *, on_snapshot: Callable[[dict], object] | None = None,
                 on_event: Callable[[dict], object] | None = None,
                 on_connection: Callable[[bool], object] | None = None,
                 reconnect_min: float = 0.5, reconnect_max: float = 10.0, connect_timeout: float = 5.0,
                 name: str = "device"):
        self.url = url
        self.token = token
        self.on_snapshot = on_snapshot
        self.on_event = on_event
        self.on_connection = on_connection
        self.reconnect_min = reconnect_min
        self.reconnect_max = max(reconnect_max, reconnect_min)
        self.connect_timeout = connect_timeout
        self.name = name
        self._client: socketio.Client | None = None
        self._up = threading.Event()
        self._down = threading.Event()  # the current connection's "it is over" flag
        self._stop = threading.Event()
        self._lock = threading.Lock()  # guards _client and _pending; serialises emits
        self._pending: set[_Pending] = set()
        self._thread: threading.Thread | None = None
        self._last_problem: str | None = None
        self.connections = 0  # how many times the link came up

    # ------------------------------------------------------------------ life cycle
    @property
    def connected(self) -> bool:
        return self._up.is_set()

    def start(self) -> "HallLink":
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name=f"{self.name}-link", daemon=True)
            self._thread.start()
        return self

    def wait_connected(self, timeout: float | None = None) -> bool:
        return self._up.wait(timeout)

    def stop(self, timeout: float = 5.0) -> None:
        self._stop.set()
        with self._lock:
            self._down.set()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None

    def drop(self, only=None) -> None:
        """End the current connection now (if it is still ``only``, when given); reconnect shortly."""
        with self._lock:
            if only is None or self._client is only:
                self._down.set()

    # ------------------------------------------------------------------ messages
    def emit(self, event: str, data=None) -> bool:
        """Send a message without waiting for an answer; False if the link is down."""
        with self._lock:
            client = self._client if self._up.is_set() else None
            if client is None:
                return False
            try:
                client.emit(event, data)
            except socketio.exceptions.SocketIOError:
                return False
        return True

    def command(self, name: str, args: dict, *, request_id: str | None = None, window: float = 4.0,
                attempt_timeout: float = 2.0) -> Answer:
        """Run an engine command on the server; see the module docstring for the retry rules."""
        request_id = request_id or new_request_id()
        payload = {"command": name, "args": args, "request_id": request_id}
        if not self._up.is_set():
            raise Offline(f"server {self.url} is unreachable")
        deadline = time.monotonic() + window
        attempts = 0
        while True:
            pending = _Pending()
            with self._lock:
                client = self._client if self._up.is_set() else None
                if client is not None:
                    self._pending.add(pending)
                    try:
                        client.emit("command", payload, callback=pending.acked)
                        attempts += 1
                    except socketio.exceptions.SocketIOError:
                        pending.drop()
            if client is not None:
                remaining = deadline - time.monotonic()
                pending.event.wait(max(0.0, min(attempt_timeout, remaining)))
                with self._lock:
                    self._pending.discard(pending)
                if isinstance(pending.answer, dict) and "status" in pending.answer:
                    return Answer(pending.answer["status"], pending.answer.get("body") or {}, request_id, attempts)
                if not pending.event.is_set():
                    # Connected but silent: the link is probably dead without knowing it yet.
                    log.warning("no answer to %s (request %s) within %.1f s; reconnecting",
                                name, request_id, attempt_timeout)
                    self.drop(only=client)
            remaining = deadline - time.monotonic()
            if remaining <= 0 or self._stop.is_set():
                raise NoAnswer(f"{name} was not answered within {window:.1f} s (request {request_id})")
            # Wait for the link to come back (a fresh connection), then send the same request again.
            self._wait_for_new_connection(client, remaining)

    # ------------------------------------------------------------------ internals
    def _wait_for_new_connection(self, old, timeout: float) -> None:
        deadline = time.monotonic() + timeout
        while not self._stop.is_set():
            with self._lock:
                if self._up.is_set() and self._client is not old:
                    return
            left = deadline - time.monotonic()
            if left <= 0:
                return
            time.sleep(min(0.02, left))

    def _run(self) -> None:
        delay = self.reconnect_min
        while not self._stop.is_set():
            client, down = self._new_client()
            try:
                client.connect(self.url, auth={"token": self.token}, transports=["websocket"],
                               wait_timeout=self.connect_timeout)
            except (socketio.exceptions.ConnectionError, ValueError) as exc:
                self._problem(client, exc)
                self._close_later(client)
                wait = delay * random.uniform(0.75, 1.25)
                delay = min(delay * 2, self.reconnect_max)
                self._stop.wait(wait)
                continue
            delay = self.reconnect_min
            with self._lock:
                self._down = down
                if self._stop.is_set():
                    down.set()
                self._client = client
                self._up.set()
            self.connections += 1
            log.info("connected to %s%s", self.url, " again" if self._last_problem or self.connections > 1 else "")
            self._last_problem = None
            self._notify(True)
            down.wait()
            with self._lock:
                self._up.clear()
                self._client = None
                for pending in self._pending:
                    pending.drop()
            if self._stop.is_set():
                self._disconnect(client)
                self._notify(False)
                break
            # A dead peer can hold a websocket close for seconds: let it finish in the background.
            self._close_later(client)
            self._notify(False)
            log.warning("lost the connection to %s; reconnecting", self.url)
            self._stop.wait(self.reconnect_min * random.uniform(0.5, 1.0))

    def _new_client(self) -> tuple[socketio.Client, threading.Event]:
        client = socketio.Client(reconnection=False, logger=False, engineio_logger=False)
        down = threading.Event()
        rejected: list[str] = []
        client.rejected = rejected  # type: ignore[attr-defined]

        @client.on("snapshot")
        def _snapshot(data):
            if self.on_snapshot is not None and not down.is_set():
                self._guard(self.on_snapshot, data)

        @client.on("event")
        def _event(data):
            if self.on_event is not None and not down.is_set():
                self._guard(self.on_event, data)

        @client.on("connect_error")
        def _connect_error(data=None):
            message = data.get("message") if isinstance(data, dict) else data
            rejected.append(str(message))

        @client.on("disconnect")
        def _disconnect(*_):
            down.set()

        return client, down

    def _problem(self, client, exc: Exception) -> None:
        """Log why a connection attempt failed, once per distinct reason (not at every retry)."""
        reasons = getattr(client, "rejected", [])
        if any("rejected" in r.lower() for r in reasons):
            level, problem = logging.ERROR, "the server refused this device's token (check it against the hall file)"
        else:
            level, problem = logging.WARNING, f"cannot reach {self.url}: {exc}"
        if problem != self._last_problem:
            log.log(level, problem)
            self._last_problem = problem

    @staticmethod
    def _disconnect(client) -> None:
        try:
            client.disconnect()
        except Exception:  # already closed
            pass

    def _close_later(self, client) -> None:
        threading.Thread(target=self._disconnect, args=(client,), name=f"{self.name}-close", daemon=True).start()

    def _notify(self, up: bool) -> None:
        if self.on_connection is not None:
            self._guard(self.on_connection, up)

    @staticmethod
    def _guard(fn, *args) -> None:
        try:
            fn(*args)
        except Exception:  # a handler's bug must not kill the socket thread
            log.exception("handler %r failed", fn)
