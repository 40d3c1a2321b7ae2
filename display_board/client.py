"""The board's link to the hall server: REST for the centre, Socket.IO for the live hall.

    >>> board = Board()
    >>> client = BoardClient("http://10.0.0.2:8080", "display-token", board)   # doctest: +SKIP
    >>> client.start()                                                       # doctest: +SKIP
    >>> client.wait_online(10)                                               # doctest: +SKIP
    True

A background thread keeps the board connected: it fetches ``GET /api/v1/centre``
(names, officers, the announcement), connects with ``auth={"token": TOKEN}``, feeds
``snapshot``, ``event`` and ``notice`` messages to the :class:`~display_board.board.Board`
and emits ``resync`` when the board sees a gap (at most once per ``resync_spacing``
seconds while the gap stays open). When the link drops the board shows its offline
banner and the thread reconnects with exponential backoff and jitter
(:class:`Backoff`); the snapshot sent on every connection brings the board up to date.
A refused token is reported on the banner and retried slowly (the hall file may be
being fixed).
"""

from __future__ import annotations

import logging
import random
import threading
import time
from typing import Callable

import requests
import socketio

from .address import check_server_url
from .board import Board
from .texts import text

__all__ = ["BoardClient", "Backoff"]

log = logging.getLogger(__name__)


class Backoff:
    """Delays between reconnection attempts: ``initial`` doubling up to ``maximum``, ± ``jitter``.

    >>> b = Backoff(initial=0.5, maximum=4.0, jitter=0, random=lambda: 0.5)
    >>> [b.next() for _ in range(5)]
    [0.5, 1.0, 2.0, 4.0, 4.0]
    >>> b.reset(); b.next()
    0.5
    """

    def __init__(self, initial: float = 0.5, maximum: float = 10.0, *, jitter: float = 0.25,
                 random: Callable[[], float] = random.random):
        self.initial, self.maximum, self.jitter, self.random = initial, maximum, jitter, random
        self._next = initial

    def next(self) -> float:
        delay = min(self._next, self.maximum)
        self._next = min(self._next * 2, self.maximum)
        return delay * (1 + self.jitter * (2 * self.random() - 1))

    def reset(self) -> None:
        self._next = self.initial


class BoardClient:
    """Keeps ``board`` connected to the server at ``server`` (see the module docs).

    ``on_centre`` is called with the centre description after each fetch (the voice
    takes its announcement from it). ``timeout`` bounds each HTTP request and connection.
    """

    def __init__(self, server: str, token: str, board: Board, *, on_centre: Callable[[dict], object] | None = None,
                 backoff: Backoff | None = None, timeout: float = 5.0, resync_spacing: float = 1.0,
                 refused_delay: float = 30.0):
        self.server = check_server_url(server)
        if not isinstance(token, str) or not token.strip():
            raise ValueError("a device token is needed (the display's token in the hall file)")
        self.token = token.strip()
        self.board = board
        self.on_centre = on_centre
        self.backoff = backoff or Backoff()
        self.timeout = timeout
        self.resync_spacing = resync_spacing
        self.refused_delay = refused_delay
        self.snapshots = 0  # snapshots received (the first, then one per resync or reconnection)
        self.connections = 0
        self._http = requests.Session()
        self._stop = threading.Event()
        self._dropped = threading.Event()
        self._online = threading.Event()
        self._resync_wanted = False
        self._resync_at = 0.0
        self._sio: socketio.Client | None = None
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    # ------------------------------------------------------------------ control
    def start(self) -> "BoardClient":
        """Start the connection thread (returns at once)."""
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="motcua-board-link", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect and end the thread."""
        self._stop.set()
        self._dropped.set()
        sio = self._sio
        if sio is not None:
            try:
                sio.disconnect()
            except Exception:  # already gone
                pass
        if self._thread is not None:
            self._thread.join(timeout)
        self._http.close()

    @property
    def online(self) -> bool:
        return self._online.is_set()

    def wait_online(self, timeout: float | None = None) -> bool:
        """Block until connected with a snapshot loaded; False on timeout."""
        return self._online.wait(timeout)

    def __enter__(self) -> "BoardClient":
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ the thread
    def _run(self) -> None:
        while not self._stop.is_set():
            delay = self._attempt()
            if self._stop.is_set():
                break
            log.info("reconnecting in %.1f s", delay)
            self._stop.wait(delay)

    def _offline(self, status: str) -> None:
        self._online.clear()
        self.board.set_online(False, status)

    def _attempt(self) -> float:
        """Connect once and stay until the link drops; return the delay before the next try."""
        unreachable = f"{text(self.board.lang, 'unreachable')} {self.server}"
        try:
            resp = self._http.get(self.server + "/api/v1/centre", timeout=self.timeout)
            resp.raise_for_status()
            centre = resp.json()
        except (requests.RequestException, ValueError) as exc:
            log.warning("cannot fetch the centre from %s: %s", self.server, exc)
            self._offline(unreachable)
            return self.backoff.next()
        self.board.set_centre(centre)
        if self.on_centre is not None:
            try:
                self.on_centre(centre)
            except Exception:
                log.exception("on_centre failed")

        sio = socketio.Client(reconnection=False, handle_sigint=False)
        sio.on("snapshot", self._on_snapshot)
        sio.on("event", self._on_event)
        sio.on("notice", self._on_notice)
        sio.on("disconnect", self._on_disconnect)
        self._dropped.clear()
        try:
            sio.connect(self.server, auth={"token": self.token}, transports=["websocket"],
                        wait_timeout=self.timeout)
        except socketio.exceptions.ConnectionError as exc:
            refused = "namespace" in str(exc).lower()
            if refused:
                log.error("the server at %s refused the display token: check --token / MOTCUA_DEVICE_TOKEN",
                          self.server)
                self._offline(text(self.board.lang, "refused"))
                return self.refused_delay
            log.warning("cannot connect to %s: %s", self.server, exc)
            self._offline(unreachable)
            return self.backoff.next()
        with self._lock:
            self._sio = sio
        self.connections += 1
        connected_at = time.monotonic()
        log.info("connected to %s", self.server)
        try:
            while not self._dropped.wait(0.2) and not self._stop.is_set():
                self._maybe_resync()
        finally:
            with self._lock:
                self._sio = None
            try:
                sio.disconnect()
            except Exception:
                pass
        if self._stop.is_set():
            return 0.0
        log.warning("lost the connection to %s", self.server)
        self._offline(text(self.board.lang, "offline"))
        if time.monotonic() - connected_at > 5:
            self.backoff.reset()  # it was a working link: try again soon
        return self.backoff.next()

    # ------------------------------------------------------------------ messages (socket thread)
    def _on_snapshot(self, snapshot) -> None:
        try:
            resync = self.board.load_snapshot(snapshot)
        except ValueError as exc:
            log.warning("ignored a bad snapshot: %s", exc)
            return
        self.snapshots += 1
        self._online.set()
        if resync:
            self._want_resync()

    def _on_event(self, event) -> None:
        if self.board.receive(event):
            self._want_resync()

    def _on_notice(self, data) -> None:
        notice = data.get("text") if isinstance(data, dict) else None
        if notice is None or isinstance(notice, str):
            self.board.set_notice(notice)

    def _on_disconnect(self, *args) -> None:
        self._online.clear()
        self._dropped.set()

    def _want_resync(self) -> None:
        self._resync_wanted = True
        self._maybe_resync()

    def _maybe_resync(self) -> None:
        with self._lock:
            if not self._resync_wanted or self._sio is None:
                return
            now = time.monotonic()
            if now - self._resync_at < self.resync_spacing:
                return
            self._resync_wanted = False
            self._resync_at = now
            sio = self._sio
        try:
            sio.emit("resync")
            log.info("asked for a snapshot (seq %s)", self.board.last_seq)
        except Exception as exc:
            log.warning("resync not sent: %s", exc)
