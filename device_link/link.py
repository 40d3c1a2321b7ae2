"""One device's link to the hall server: Socket.IO for live state and commands, REST for the rest.

Every Raspberry Pi program (dispenser, button box, wall board, rating box) holds one
:class:`DeviceLink`::

    link = DeviceLink("http://192.168.1.10:8080", token, name="buttons",
                      on_snapshot=view.load, on_event=view.apply, on_connection=show_online)
    link.start()                         # connects in the background, comes back by itself
    answer = link.command("call_next", {"counter": 1}, timeout=4.0)
    answer.ok, answer.body["ticket"]["code"]          # (True, 'A012')
    link.stop()

**Connection.** A background thread connects with ``auth={"token": TOKEN}`` and, whenever
the connection fails, is refused or is lost, tries again after an exponential back-off with
jitter (:class:`~device_link.backoff.Backoff`), for as long as the link runs, including a
first connection to a server that is not up yet. A refused token is logged once (not at
every retry) and retried every ``refused_delay`` seconds, as the hall file may be being
fixed. ``on_connection(True/False)`` tells the device when it is online or offline;
``on_problem(kind, detail)`` why an attempt failed (``"refused"`` or ``"unreachable"``).

**State.** ``snapshot`` and ``event`` messages go through a
:class:`~device_link.sequence.Sequencer`: ``on_snapshot`` and ``on_event`` are called one
at a time, in ``seq`` order; a short gap is held ``gap_hold`` seconds for the late event
before a snapshot is asked for. A device that finds it cannot follow an event calls
:meth:`DeviceLink.resync`.

**Commands.** :meth:`DeviceLink.command` sends a ``command`` only if the link is up when it
is asked for (otherwise :class:`Offline`, at once: nothing is kept to send later). It
carries a ``request_id`` (the same on every retry, so the server acts once) and a
``deadline`` (wall-clock Unix time) with ``ttl_ms``: the server must not act on it after
the deadline (docs/protocol.md). An unanswered attempt is sent again with the same id,
waiting twice as long each time; a long silence drops the connection (a dead link that
does not know it yet: ``silence_limit``, or half the time to the deadline if shorter) and the
retry goes out on the next one. At the deadline
:class:`NoAnswer` is raised and nothing more is sent.

Other server messages (``print``, ``notice``) go to ``handlers``; :meth:`DeviceLink.emit`
sends ``device_status``, ``print_result``; :meth:`DeviceLink.rest` calls ``/api/v1`` with the
device token.
"""

from __future__ import annotations

import logging
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import requests
import socketio

from .backoff import Backoff
from .sequence import Sequencer

__all__ = ["Answer", "DeviceLink", "NoAnswer", "Offline", "Refused", "new_request_id"]

log = logging.getLogger(__name__)

#: Attempts are not sent with less than this left before the deadline (seconds).
MIN_ATTEMPT = 0.02


class Offline(Exception):
    """The server cannot be reached now; nothing was sent."""


class Refused(Offline):
    """The server answered, and refused this device's token."""


class NoAnswer(Exception):
    """Sent, but not answered before its deadline; it will not be sent again (and the
    server will not act on it after the deadline)."""


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
        return None if self.ok else str(self.body.get("error", "error"))

    @property
    def message(self) -> str:
        return str(self.body.get("message", ""))


def new_request_id() -> str:
    """A unique id for one press (the server keeps it to answer retries with the first answer)."""
    return uuid.uuid4().hex


class _Pending:
    """One attempt waiting for its acknowledgement (or for the connection to drop)."""

    def __init__(self):
        self.event = threading.Event()
        self.answer: Any = None

    def acked(self, *args) -> None:
        self.answer = args[0] if args else None
        self.event.set()

    def drop(self) -> None:
        self.event.set()


class DeviceLink:
    """A device's connection to the hall server, kept up by a background thread (module docs).

    Callbacks: ``on_snapshot(snapshot)``, ``on_event(event)`` (in order, one at a time);
    ``on_connection(up)`` (the link's thread; ``up=True`` once per connection, before
    commands are waited for, ``False`` when it ends); ``on_problem(kind, detail)`` (each
    failed attempt whose reason differs from the last); ``before_connect()`` runs before
    each attempt (an exception makes the attempt fail as ``unreachable``, :class:`Refused` as
``refused``); ``handlers``:
    other server messages by name, e.g. ``{"print": job_arrived}``.
    """

    def __init__(self, server: str, token: str, *, name: str = "device",
                 on_snapshot: Callable[[dict], object] | None = None,
                 on_event: Callable[[dict], object] | None = None,
                 on_connection: Callable[[bool], object] | None = None,
                 on_problem: Callable[[str, str], object] | None = None,
                 before_connect: Callable[[], object] | None = None,
                 handlers: Mapping[str, Callable[..., object]] | None = None,
                 reconnect_min: float = 0.5, reconnect_max: float = 10.0, backoff: Backoff | None = None,
                 refused_delay: float | None = None, connect_timeout: float = 5.0,
                 gap_hold: float = 0.75, resync_retry: float = 3.0, silence_limit: float = 1.5):
        if not isinstance(token, str) or not token.strip():
            raise ValueError("a device token is needed (this device's token in the hall file)")
        self.server = server.rstrip("/")
        self.url = self.server
        self.token = token.strip()
        self.name = name
        self.on_snapshot = on_snapshot
        self.on_event = on_event
        self.on_connection = on_connection
        self.on_problem = on_problem
        self.before_connect = before_connect
        self.handlers = dict(handlers or {})
        self.backoff = backoff or Backoff(reconnect_min, max(reconnect_max, reconnect_min))
        self.refused_delay = refused_delay if refused_delay is not None else self.backoff.maximum
        self.connect_timeout = connect_timeout
        self.silence_limit = silence_limit
        self.sequencer = Sequencer(self._deliver_snapshot, self._deliver_event, self._ask_snapshot,
                                   gap_hold=gap_hold, resync_retry=resync_retry)
        self._client: socketio.Client | None = None
        self._up = threading.Event()
        self._ready = threading.Event()
        self._synced = threading.Event()
        self._down = threading.Event()  # the current connection's "it is over" flag
        self._stop = threading.Event()
        self._lock = threading.Lock()   # guards _client and _pending; serialises emits
        self._pending: set[_Pending] = set()
        self._thread: threading.Thread | None = None
        self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {self.token}"
        #: Why the last attempt failed: None, "refused" or "unreachable".
        self.problem: str | None = None
        self._lost_reason = "dropped"
        self._last_problem: tuple[str, str] | None = None
        #: Connections made so far (the first one included).
        self.connections = 0

    # ------------------------------------------------------------------ life cycle
    def start(self) -> DeviceLink:
        """Start connecting in the background (returns at once)."""
        if self._thread is None:
            self._stop.clear()
            self._thread = threading.Thread(target=self._run, name=f"{self.name}-link", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect and stop reconnecting."""
        self._stop.set()
        with self._lock:
            self._down.set()
            for pending in self._pending:
                pending.drop()
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._http.close()

    def __enter__(self) -> DeviceLink:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    @property
    def connected(self) -> bool:
        """True while the server has accepted this device."""
        return self._up.is_set()

    @property
    def synced(self) -> bool:
        """True while connected with this connection's snapshot received."""
        return self._synced.is_set()

    def wait_connected(self, timeout: float | None = None) -> bool:
        return self._up.wait(timeout)

    def wait_ready(self, timeout: float | None = None) -> bool:
        """Wait until connected and ``on_connection(True)`` has returned; False on timeout."""
        return self._ready.wait(timeout)

    def wait_synced(self, timeout: float | None = None) -> bool:
        """Wait until connected with a snapshot received; False on timeout."""
        return self._synced.wait(timeout)

    @property
    def snapshots(self) -> int:
        """Snapshots received (one per connection, plus one per resync)."""
        return self.sequencer.snapshots

    @property
    def resyncs(self) -> int:
        """Snapshots asked for (``resync`` sent)."""
        return self.sequencer.resyncs

    def drop(self, only=None) -> None:
        """End the current connection now (if it is still ``only``, when given); it comes back."""
        with self._lock:
            if only is None or self._client is only:
                self._down.set()

    # ------------------------------------------------------------------ messages
    def emit(self, event: str, data: Any = None) -> bool:
        """Send a message without waiting for an answer; False if the link is down."""
        with self._lock:
            client = self._client if self._up.is_set() else None
            if client is None:
                return False
            try:
                client.emit(event, data)
            except (socketio.exceptions.SocketIOError, OSError) as exc:
                log.info("%s not sent: %s", event, exc)
                return False
        return True

    def resync(self, reason: str = "asked") -> bool:
        """Ask the server for a fresh snapshot (unless one is on its way); True if asked."""
        return self.sequencer.request(reason)

    def command(self, name: str, args: dict, *, request_id: str | None = None, timeout: float = 4.0,
                deadline: float | None = None, attempt_timeout: float = 2.0) -> Answer:
        """Run an engine command on the server and return its :class:`Answer`.

        ``deadline`` is a :func:`time.monotonic` time (default: ``timeout`` seconds from now);
        the first attempt waits ``attempt_timeout`` for the answer, each next one twice as long.

        :raises Offline: the link was down when asked (nothing was sent).
        :raises NoAnswer: no answer before the deadline (the server will not act after it).
        """
        request_id = request_id or new_request_id()
        give_up = deadline if deadline is not None else time.monotonic() + timeout
        if not self._up.is_set():
            raise Offline(f"the hall server at {self.server} is unreachable")
        attempts = 0
        wait = attempt_timeout
        # Silence this long on one connection means it is dead: drop it, retry on the next one.
        drop_after = min(self.silence_limit, (give_up - time.monotonic()) / 2)
        silent, silent_on = 0.0, None
        while True:
            remaining = give_up - time.monotonic()
            if remaining < MIN_ATTEMPT or self._stop.is_set():
                raise NoAnswer(f"{name} was not answered in time (request {request_id}, {attempts} attempts)")
            payload = {"command": name, "args": args, "request_id": request_id,
                       "deadline": round(time.time() + remaining, 3), "ttl_ms": int(remaining * 1000)}
            pending = _Pending()
            with self._lock:
                client = self._client if self._up.is_set() else None
                if client is not None:
                    self._pending.add(pending)
                    try:
                        client.emit("command", payload, callback=pending.acked)
                        attempts += 1
                    except (socketio.exceptions.SocketIOError, OSError):
                        pending.drop()
            if client is not None:
                limit = min(wait, remaining)
                pending.event.wait(limit)
                with self._lock:
                    self._pending.discard(pending)
                answer = pending.answer
                if isinstance(answer, dict) and isinstance(answer.get("status"), int):
                    body = answer.get("body") if isinstance(answer.get("body"), dict) else {}
                    return Answer(answer["status"], body, request_id, attempts)
                if pending.answer is not None:
                    return Answer(500, {"error": "bad_answer", "message": f"unexpected answer {answer!r:.200}"},
                                  request_id, attempts)
                if not pending.event.is_set():
                    log.info("%s attempt %d (request %s): no answer within %.3g s", name, attempts, request_id,
                             limit)
                    wait *= 2
                    silent = (silent if silent_on is client else 0.0) + limit
                    silent_on = client
                    if silent < drop_after:
                        continue  # maybe only slow: ask again on the same connection
                    # Connected but silent for long: the link is probably dead without knowing it yet.
                    log.warning("no answer to %s (request %s) within %.1f s; reconnecting", name, request_id, silent)
                    self.drop(only=client)
            remaining = give_up - time.monotonic()
            if remaining < MIN_ATTEMPT or self._stop.is_set():
                continue  # raises NoAnswer above
            self._wait_for_new_connection(client, remaining)

    def rest(self, method: str, path: str, *, json: Any = None, timeout: float | None = None) -> tuple[int, Any]:
        """``METHOD /api/v1{path}`` with the device token: ``(status, decoded JSON or {})``.

        :raises Offline: no answer (network down, server not answering, not JSON).
        """
        try:
            response = self._http.request(method, f"{self.server}/api/v1{path}", json=json,
                                          timeout=timeout or self.connect_timeout)
            return response.status_code, (response.json() if response.content else {})
        except (requests.RequestException, ValueError) as exc:
            raise Offline(f"{method} {path} failed: {exc}") from None

    def get_json(self, path: str, timeout: float | None = None) -> Any:
        """``GET /api/v1{path}``'s JSON; :class:`Offline` for no answer or an error status
        (:class:`Refused` for 401)."""
        status, body = self.rest("GET", path, timeout=timeout)
        if status == 401:
            raise Refused(f"GET {path} answered 401: the token was refused")
        if status >= 400:
            raise Offline(f"GET {path} answered {status}: {str(body)[:200]}")
        return body

    # ------------------------------------------------------------------ the connection loop
    def _run(self) -> None:
        while not self._stop.is_set():
            connected_at = self._connect_once()
            if self._stop.is_set():
                break
            if connected_at is None:
                delay = self.refused_delay if self.problem == "refused" else self.backoff.next()
            else:
                log.warning("lost the connection to the hall server at %s (%s); reconnecting", self.server,
                            self._lost_reason)
                if time.monotonic() - connected_at > 5:
                    self.backoff.reset()  # it was a working link: try again soon
                delay = self.backoff.next()
            self._stop.wait(delay)

    def _connect_once(self) -> float | None:
        """One attempt; stays while connected. Returns when it connected (monotonic) or None."""
        if self.before_connect is not None:
            try:
                self.before_connect()
            except Refused as exc:
                self._failed("refused", str(exc))
                return None
            except Exception as exc:  # noqa: BLE001 - a failed preparation is a failed attempt
                self._failed("unreachable", str(exc))
                return None
        client, down, rejected = self._new_client()
        try:
            client.connect(self.server, auth={"token": self.token}, transports=["websocket"],
                           wait_timeout=self.connect_timeout)
        except (socketio.exceptions.ConnectionError, ValueError, OSError) as exc:
            if client.failed_namespaces:  # the server answered, and said no
                self._failed("refused", rejected[-1] if rejected else str(exc))
            else:
                self._failed("unreachable", str(exc))
            self._close_later(client)
            return None
        connected_at = time.monotonic()
        with self._lock:
            self._down = down
            if self._stop.is_set():
                down.set()
            self._client = client
            self._up.set()
            if self.sequencer.seq is not None:  # the snapshot came during connect()
                self._synced.set()
        self.connections += 1
        self._lost_reason = "dropped by this device"
        self.problem, self._last_problem = None, None
        log.info("connected to the hall server at %s%s", self.server, " again" if self.connections > 1 else "")
        self._notify(True)
        if self._up.is_set():
            self._ready.set()
        tick = max(0.01, min(0.1, self.sequencer.gap_hold / 4))
        while not down.wait(tick):
            self.sequencer.tick()
        with self._lock:
            self._up.clear()
            self._ready.clear()
            self._synced.clear()
            self._client = None
            for pending in self._pending:
                pending.drop()
        self.sequencer.reset()
        if self._stop.is_set():
            self._disconnect(client)
        else:
            # A dead peer can hold a websocket close for seconds: let it finish in the background.
            self._close_later(client)
        self._notify(False)
        return connected_at

    def _new_client(self) -> tuple[socketio.Client, threading.Event, list[str]]:
        client = socketio.Client(reconnection=False, handle_sigint=False, logger=False, engineio_logger=False)
        down = threading.Event()
        rejected: list[str] = []

        @client.on("snapshot")
        def _snapshot(data=None):
            if not down.is_set():
                self.sequencer.snapshot(data)

        @client.on("event")
        def _event(data=None):
            if not down.is_set():
                self.sequencer.event(data)

        @client.on("connect_error")
        def _connect_error(data=None):
            message = data.get("message") if isinstance(data, dict) else data
            rejected.append(str(message or "refused"))

        @client.on("disconnect")
        def _disconnect(*args):
            self._lost_reason = str(args[0]) if args else "?"
            down.set()

        for event, handler in self.handlers.items():
            client.on(event, self._guarded(handler, down))
        return client, down, rejected

    def _guarded(self, handler, down):
        def run(*args):
            if not down.is_set():
                self._guard(handler, *args)
        return run

    # ------------------------------------------------------------------ sequencer callbacks (under its lock)
    def _deliver_snapshot(self, snapshot: dict) -> None:
        if self.on_snapshot is not None:
            self._guard(self.on_snapshot, snapshot)
        with self._lock:
            if self._up.is_set():
                self._synced.set()

    def _deliver_event(self, event: dict) -> None:
        if self.on_event is not None:
            self._guard(self.on_event, event)

    def _ask_snapshot(self) -> None:
        log.info("asking for a fresh snapshot (last seq %s)", self.sequencer.seq)
        self.emit("resync")

    # ------------------------------------------------------------------ internals
    def _failed(self, kind: str, detail: str) -> None:
        """Log why an attempt failed, once per distinct reason (not at every retry)."""
        self.problem = kind
        if kind == "refused":
            text = "the hall server refused this device's token (check it against the hall file)"
            level = logging.ERROR
        else:
            text = f"cannot reach the hall server at {self.server}: {detail}"
            level = logging.WARNING
        if self._last_problem != (kind, detail):
            log.log(level, text)
            self._last_problem = (kind, detail)
            if self.on_problem is not None:
                self._guard(self.on_problem, kind, detail)

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

    @staticmethod
    def _disconnect(client) -> None:
        try:
            client.disconnect()
        except Exception:  # noqa: BLE001 - already closed
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
        except Exception:  # noqa: BLE001 - a handler's bug must not kill the link
            log.exception("handler %r failed", fn)

