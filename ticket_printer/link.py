"""The dispenser's connection to the hall server (python-socketio client).

:class:`ServerLink` keeps one Socket.IO connection open with the device
token (``auth={"token": TOKEN}``), reconnecting by itself with exponential
backoff and jitter whenever it is lost or refused, for as long as it runs.
It sends commands and waits for their acknowledgement, reports the device's
status, and hands ``print`` jobs to a callback::

    from ticket_printer.link import ServerLink, ServerUnavailable

    link = ServerLink("http://192.168.1.10:8080", "kiosk-token",
                      on_print=lambda job: print(job["code"]),
                      on_connected=lambda: print("online"))
    link.start()
    link.wait_connected(10)
    try:
        body = link.command("issue_ticket", {"field": "DD"}, request_id="3f2a...")
    except ServerUnavailable:
        ...                       # no answer: nothing is queued for later
    link.report_status("paper_out", "Máy in hết giấy")
    link.stop()

The reconnection loop is our own rather than python-socketio's built-in one:
that one does not retry a first connection that fails (a server still
starting, a token the server does not know yet) and, like the JavaScript
client, does not come back after the server itself ends the session. A
dispenser must come back in every case, for as long as it runs.
"""

from __future__ import annotations

import logging
import random
import threading
from typing import Any, Callable, Optional

import requests
import socketio

from .config import Timing

__all__ = ["CommandRefused", "ServerLink", "ServerUnavailable"]

log = logging.getLogger(__name__)


class ServerUnavailable(Exception):
    """Not connected, or the server did not answer in time."""


class CommandRefused(Exception):
    """The server answered a command with an error status (4xx, 5xx).

    :ivar status: the HTTP-like status; :ivar error: the error code;
    :ivar message: the server's explanation.
    """

    def __init__(self, status: int, error: str, message: str) -> None:
        super().__init__(f"{status} {error}: {message}")
        self.status, self.error, self.message = status, error, message


class ServerLink:
    """A self-healing Socket.IO connection for one device.

    :param server: hall server URL, ``http://host:port``.
    :param token: the device token from the hall file.
    :param on_print: called with each ``print`` job (a dict), in a
        python-socketio thread; keep it short.
    :param on_connected: called (in the link's thread) after each successful
        connection, before the link waits for the next disconnection.
    :param on_disconnected: called when a connection is lost.
    :param timing: reconnect backoff and connect timeout.
    """

    def __init__(self, server: str, token: str, *,
                 on_print: Optional[Callable[[dict], None]] = None,
                 on_connected: Optional[Callable[[], None]] = None,
                 on_disconnected: Optional[Callable[[], None]] = None,
                 timing: Timing = Timing()) -> None:
        self.server = server.rstrip("/")
        self._token = token
        self._on_print = on_print
        self._on_connected = on_connected
        self._on_disconnected = on_disconnected
        self.timing = timing
        self._client = socketio.Client(reconnection=False, request_timeout=timing.connect_timeout)
        self._client.on("connect", self._handle_connect)
        self._client.on("disconnect", self._handle_disconnect)
        self._client.on("connect_error", self._handle_connect_error)
        self._client.on("print", self._handle_print)
        self._up = threading.Event()
        self._ready = threading.Event()
        self._down = threading.Event()
        self._stopping = threading.Event()
        self._thread: Optional[threading.Thread] = None
        self._refusal: Optional[str] = None
        self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {token}"
        #: Connections made so far (the first one included).
        self.connections = 0

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> "ServerLink":
        """Start connecting in the background. Returns self."""
        if self._thread is None:
            self._stopping.clear()
            self._thread = threading.Thread(target=self._run, name="server-link", daemon=True)
            self._thread.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Disconnect and stop reconnecting."""
        self._stopping.set()
        self._down.set()
        try:
            self._client.disconnect()
        except Exception:  # noqa: BLE001 - stopping must go on
            log.debug("disconnect failed", exc_info=True)
        if self._thread is not None:
            self._thread.join(timeout)
            self._thread = None
        self._http.close()

    @property
    def connected(self) -> bool:
        """True while the server has accepted this device."""
        return self._up.is_set()

    def wait_connected(self, timeout: Optional[float] = None) -> bool:
        """Wait until connected; False on timeout."""
        return self._up.wait(timeout)

    def wait_ready(self, timeout: Optional[float] = None) -> bool:
        """Wait until connected and ``on_connected`` has run; False on timeout."""
        return self._ready.wait(timeout)

    # -- messages ------------------------------------------------------------

    def command(self, name: str, args: dict[str, Any], request_id: str,
                timeout: Optional[float] = None) -> dict:
        """Send a ``command`` and return the body of its answer.

        :raises ServerUnavailable: not connected, or no answer within *timeout*
            (the command may still have run: repeat it with the same
            *request_id* and the server answers without running it twice).
        :raises CommandRefused: the server answered with an error.
        """
        if not self.connected:
            raise ServerUnavailable("not connected to the hall server")
        message = {"command": name, "args": args, "request_id": request_id}
        try:
            answer = self._client.call("command", message, timeout=timeout or self.timing.request_timeout)
        except socketio.exceptions.TimeoutError:
            raise ServerUnavailable(f"no answer to {name} within {timeout or self.timing.request_timeout:g} s") \
                from None
        except (socketio.exceptions.SocketIOError, OSError) as exc:
            raise ServerUnavailable(f"{name} not sent: {exc}") from None
        if not isinstance(answer, dict) or not isinstance(answer.get("body"), dict):
            raise CommandRefused(500, "bad_answer", f"unexpected answer {answer!r:.200}")
        status, body = answer.get("status", 500), answer["body"]
        if not isinstance(status, int) or status >= 400:
            raise CommandRefused(int(status) if isinstance(status, int) else 500,
                                 str(body.get("error", "error")), str(body.get("message", "")))
        return body

    def report_status(self, printer: str, detail: str = "") -> bool:
        """Send ``device_status``; False if not connected (it is sent again on connect)."""
        return self._emit("device_status", {"printer": printer, "detail": detail[:200]})

    def send_print_result(self, ticket: Any, ok: bool, printer: str) -> bool:
        """Answer a ``print`` job; False if not connected."""
        return self._emit("print_result", {"ticket": ticket, "ok": ok, "printer": printer})

    def get_json(self, path: str, timeout: Optional[float] = None) -> Any:
        """GET ``/api/v1`` + *path* with the device token; the decoded JSON.

        :raises ServerUnavailable: no answer, or an error status.
        """
        try:
            response = self._http.get(f"{self.server}/api/v1{path}",
                                      timeout=timeout or self.timing.connect_timeout)
            response.raise_for_status()
            return response.json()
        except (requests.RequestException, ValueError) as exc:
            raise ServerUnavailable(f"GET {path} failed: {exc}") from None

    def _emit(self, event: str, data: dict) -> bool:
        if not self.connected:
            return False
        try:
            self._client.emit(event, data)
        except (socketio.exceptions.SocketIOError, OSError) as exc:
            log.info("%s not sent: %s", event, exc)
            return False
        return True

    # -- the connection loop ---------------------------------------------------

    def _delay(self, failures: int) -> float:
        """Exponential backoff with jitter: half to all of min * 2**n, capped."""
        base = min(self.timing.reconnect_max, self.timing.reconnect_min * 2 ** min(failures, 20))
        return base * random.uniform(0.5, 1.0)

    def _run(self) -> None:
        failures = 0
        while not self._stopping.is_set():
            self._down.clear()
            self._refusal = None
            try:
                self._client.connect(self.server, auth={"token": self._token}, transports=["websocket"],
                                     wait_timeout=self.timing.connect_timeout)
            except (socketio.exceptions.ConnectionError, ValueError, OSError) as exc:
                quiet = failures % 20 != 0  # say it now and then, not at every attempt
                if self._client.failed_namespaces:  # the server answered, and said no
                    log.log(logging.DEBUG if quiet else logging.ERROR,
                            "the hall server refused this device (%s): check the token", self._refusal)
                else:
                    log.log(logging.DEBUG if quiet else logging.WARNING,
                            "cannot reach the hall server at %s: %s", self.server, exc)
                delay = self._delay(failures)
                failures += 1
                self._stopping.wait(delay)
                continue
            if self._stopping.is_set():  # stop() came while we were connecting
                self._client.disconnect()
                break
            if not self._up.is_set():  # lost again before we looked
                continue
            failures = 0
            self.connections += 1
            log.info("connected to the hall server at %s", self.server)
            if self._on_connected is not None:
                try:
                    self._on_connected()
                except Exception:  # noqa: BLE001 - the link must survive its callbacks
                    log.exception("on_connected failed")
            if self._up.is_set():
                self._ready.set()
            self._down.wait()
            if not self._stopping.is_set():
                log.warning("lost the hall server; reconnecting")
                # A short pause lets a restarting server finish; then the backoff applies.
                self._stopping.wait(self._delay(0))

    # -- socket.io handlers (python-socketio threads) ----------------------

    def _handle_connect(self) -> None:
        self._up.set()

    def _handle_disconnect(self, reason: Any = None) -> None:
        was_up = self._up.is_set()
        self._ready.clear()
        self._up.clear()
        self._down.set()
        if was_up and self._on_disconnected is not None:
            try:
                self._on_disconnected()
            except Exception:  # noqa: BLE001
                log.exception("on_disconnected failed")

    def _handle_connect_error(self, data: Any = None) -> None:
        message = data.get("message") if isinstance(data, dict) else data
        self._refusal = str(message or "refused")

    def _handle_print(self, job: Any = None) -> None:
        if not isinstance(job, dict):
            log.warning("ignored a print job that is not an object: %r", job)
            return
        if self._on_print is not None:
            self._on_print(job)
