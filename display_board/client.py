"""The board's link to the hall server: the centre over REST, the live hall over Socket.IO.

    >>> board = Board()
    >>> client = BoardClient("http://10.0.0.2:8080", "display-token", board)   # doctest: +SKIP
    >>> client.start()                                                       # doctest: +SKIP
    >>> client.wait_online(10)                                               # doctest: +SKIP
    True

The connection itself is a :class:`device_link.link.DeviceLink` (the same as every Pi
program's): it reconnects with back-off and jitter, hands the board the ``snapshot`` and
the ``event`` messages in ``seq`` order and asks for a snapshot only when a missing event
stays missing. Before each connection the board fetches ``GET /api/v1/centre`` (names,
officers, the announcement); ``notice`` messages set the scrolling notice. While the link is
down the board shows its offline banner, saying why (server unreachable, token refused).
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from device_link.backoff import Backoff
from device_link.config import check_server_url
from device_link.link import DeviceLink, Offline

from .board import Board
from .texts import text

__all__ = ["BoardClient"]

log = logging.getLogger(__name__)


class BoardClient:
    """Keeps ``board`` connected to the server at ``server`` (see the module docs).

    ``on_centre`` is called with the centre description after each fetch (the voice
    takes its announcement from it). ``timeout`` bounds each HTTP request and connection;
    a refused token is tried again every ``refused_delay`` seconds.
    """

    def __init__(self, server: str, token: str, board: Board, *, on_centre: Callable[[dict], object] | None = None,
                 backoff: Backoff | None = None, timeout: float = 5.0, refused_delay: float = 30.0,
                 gap_hold: float = 0.75):
        self.server = check_server_url(server)
        self.board = board
        self.on_centre = on_centre
        self.link = DeviceLink(self.server, token, name="board", on_snapshot=self._on_snapshot,
                               on_event=self._on_event, on_connection=self._on_connection,
                               on_problem=self._on_problem, before_connect=self._fetch_centre,
                               handlers={"notice": self._on_notice}, backoff=backoff or Backoff(),
                               refused_delay=refused_delay, connect_timeout=timeout, gap_hold=gap_hold)

    # ------------------------------------------------------------------ control
    def start(self) -> BoardClient:
        """Start the connection thread (returns at once)."""
        self.link.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect and end the thread."""
        self.link.stop(timeout)

    @property
    def online(self) -> bool:
        return self.link.synced

    def wait_online(self, timeout: float | None = None) -> bool:
        """Block until connected with a snapshot loaded; False on timeout."""
        return self.link.wait_synced(timeout)

    @property
    def snapshots(self) -> int:
        """Snapshots received (the first, then one per resync or reconnection)."""
        return self.link.snapshots

    @property
    def connections(self) -> int:
        return self.link.connections

    def __enter__(self) -> BoardClient:
        return self.start()

    def __exit__(self, *exc) -> None:
        self.stop()

    # ------------------------------------------------------------------ link callbacks
    def _fetch_centre(self) -> None:
        centre = self.link.get_json("/centre")
        if not isinstance(centre, dict):
            raise Offline("GET /api/v1/centre did not answer an object")
        self.board.set_centre(centre)
        if self.on_centre is not None:
            try:
                self.on_centre(centre)
            except Exception:  # noqa: BLE001 - the voice's set-up must not stop the board
                log.exception("on_centre failed")

    def _on_snapshot(self, snapshot: dict) -> None:
        try:
            resync = self.board.load_snapshot(snapshot)
        except ValueError as exc:
            log.warning("ignored a bad snapshot: %s", exc)
            return
        if resync:
            self.link.resync("board")

    def _on_event(self, event: dict) -> None:
        if self.board.receive(event):  # an event whose effect the board cannot work out alone
            self.link.resync("board")

    def _on_notice(self, data=None) -> None:
        notice = data.get("text") if isinstance(data, dict) else None
        if notice is None or isinstance(notice, str):
            self.board.set_notice(notice)

    def _on_connection(self, up: bool) -> None:
        if not up:
            self.board.set_online(False, text(self.board.lang, "offline"))

    def _on_problem(self, kind: str, detail: str) -> None:
        if kind == "refused":
            status = text(self.board.lang, "refused")
        else:
            status = f"{text(self.board.lang, 'unreachable')} {self.server}"
        self.board.set_online(False, status)
