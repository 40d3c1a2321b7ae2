"""Socket.IO: live updates for displays, counters, supervisors and phone trackers.

Protocol (docs/protocol.md):

* connect with ``auth={"token": DEVICE_TOKEN}`` (a device), a staff session cookie, or
  nothing (public, read-only); add ``"track": TRACKING_ID`` to follow one ticket only;
* the server answers ``snapshot`` (with ``seq``), then sends ``event`` messages whose
  ``seq`` counts up by one; a client that sees a gap emits ``resync`` and gets a new
  snapshot; trackers get ``ticket`` messages with their ticket's whole status;
* ``command`` ``{"command": NAME, "args": {...}, "request_id": ID}`` runs an engine
  command; the acknowledgement is ``{"status": 200, "body": {...}}``;
* past the process's connection cap a public connection is refused with the connect error
  ``overloaded`` (devices and staff have reserved capacity); reserved event names
  (``connect``, ``disconnect``) sent by a client are refused.

The handlers run on the server's asyncio loop. Anything that may block — the hall lock, the
database, a password hash — goes to the live layer's thread pool (:meth:`Live.run`), and every
message from a thread leaves through :meth:`Live.emit`, in order.
"""

from __future__ import annotations

import functools
import logging

from limits import parse as parse_limit
from limits.strategies import FixedWindowRateLimiter
from socketio.exceptions import ConnectionRefusedError as Refused

from .. import pipeline
from ..background import stopping
from ..engine import Event
from ..engine.errors import MotCuaError
from ..pipeline import InvalidRequest
from .asgi import client_address
from .auth import ANONYMOUS, device_actor
from .devices import PRINTER_STATES, device_room
from .errors import http_status
from .live import OVERLOADED, OVERLOADED_VI
from .views import snapshot, ticket_status, wait_estimates

log = logging.getLogger(__name__)

DEVICE_ROLES = ("dispenser", "button_box", "display")


def centre_room(cid: str) -> str:
    return f"centre:{cid}"


def ticket_room(tracking_id: str) -> str:
    return f"ticket:{tracking_id}"


def _kind(actor) -> str:
    if actor.role in DEVICE_ROLES:
        return "device"
    return "staff" if actor.is_staff else "public"


def init_sockets(app, ext, rate_limit: str = "20/minute") -> None:
    """Register the Socket.IO handlers of one centre's app on its live layer."""
    live = ext.live
    sio = live.sio
    cid = ext.config.id
    cookie = app.config["SESSION_COOKIE_NAME"]
    issue_limit = parse_limit(rate_limit)
    limiter = FixedWindowRateLimiter(ext.limiter.storage)

    tracker_updates = TrackerUpdater(ext)

    def in_app(fn):
        """Run ``fn`` in the pool, inside the Flask app's context (current_app, config)."""

        @functools.wraps(fn)
        def wrapped(*args):
            with app.app_context():
                return fn(*args)

        return wrapped

    def guarded(fn):
        """Any failure answers ``server_error`` instead of leaving the client without an answer."""

        @functools.wraps(fn)
        async def handler(sid, *args):
            try:
                return await fn(sid, *args)
            except Exception:
                log.exception("socket handler %s failed", fn.__name__)
                return _err(500, "server_error", "the server could not handle this message")

        return handler

    def refuse_reserved(sid, name: str):
        """A connected client that sends an event named like a reserved one gets an error, nothing else."""
        if sio.manager.is_connected(sid, "/"):
            return _err(400, "reserved_event", f"{name!r} is a reserved event name and cannot be sent")
        return None

    # ------------------------------------------------------------------ connect / disconnect
    def staff_actor(environ):
        """The staff member whose session cookie came with the handshake (Flask decodes it)."""
        from flask_login import current_user
        from werkzeug.test import EnvironBuilder

        builder = EnvironBuilder(path="/socket.io/", headers={"Cookie": environ.get("HTTP_COOKIE", "")})
        with app.request_context(builder.get_environ()):
            return current_user.actor if current_user.is_authenticated else ANONYMOUS

    @in_app
    def send_tracked(sid, tracking_id: str) -> bool:
        with ext.service.read() as hall:
            ticket = hall.ticket_by_tracking(tracking_id)
            if ticket is None:
                return False
            status = ticket_status(ext, hall, ticket)
            live.emit("ticket", status, to=sid)
            tracker_updates.told(tracking_id, status)
        return True

    def send_snapshot(sid) -> int:
        # Taken and handed over under the hall lock: every event after it leaves after it.
        with ext.service.read():
            snap = snapshot(ext)
            live.emit("snapshot", snap, to=sid)
        return snap["seq"]

    @sio.on("connect")
    async def on_connect(sid, environ=None, auth=None, *extra):
        reserved = refuse_reserved(sid, "connect")
        if reserved is not None:
            return reserved
        auth = auth if isinstance(auth, dict) else {}
        if auth.get("token"):
            actor = device_actor(ext.config, str(auth["token"]))
            if actor is None:
                return False  # the client sees connect_error; a wrong token is never read-only access
        elif f"{cookie}=" in (environ or {}).get("HTTP_COOKIE", ""):
            actor = await live.run(staff_actor, environ)
        else:
            actor = ANONYMOUS
        if not live.admit(sid, _kind(actor)):
            raise Refused(OVERLOADED, {"message": OVERLOADED_VI, "retry_after": 5})
        try:
            ext.socket_actors[sid] = actor
            ext.socket_addresses[sid] = client_address((environ or {}).get("asgi.scope") or {})
            if actor.role in DEVICE_ROLES:
                await sio.enter_room(sid, device_room(actor.id))
                ext.device_sockets[actor.id] = ext.device_sockets.get(actor.id, 0) + 1
                if ext.devices.connected(actor.id):
                    _broadcast_alerts(ext)
            track = auth.get("track")
            if track:
                track = str(track)[:64]
                await sio.enter_room(sid, ticket_room(track))
                if not await live.run(send_tracked, sid, track):
                    await _forget(sid)
                    return False
                ext.trackers[track] = ext.trackers.get(track, 0) + 1
                ext.socket_tracks[sid] = track
                return True
            await sio.enter_room(sid, centre_room(cid))
            await live.run(in_app(send_snapshot), sid)
            return True
        except Exception:
            log.exception("socket connect failed")
            await _forget(sid)
            return False

    async def _forget(sid) -> None:
        live.release(sid)
        actor = ext.socket_actors.pop(sid, None)
        ext.socket_addresses.pop(sid, None)
        if actor is not None and actor.role in DEVICE_ROLES:
            left = ext.device_sockets.get(actor.id, 1) - 1
            ext.device_sockets[actor.id] = left
            if left <= 0 and ext.devices.disconnected(actor.id):
                _broadcast_alerts(ext)
        track = ext.socket_tracks.pop(sid, None)
        if track is not None:
            left = ext.trackers.get(track, 1) - 1
            if left <= 0:
                ext.trackers.pop(track, None)
            else:
                ext.trackers[track] = left

    @sio.on("disconnect")
    async def on_disconnect(sid, *args):
        reserved = refuse_reserved(sid, "disconnect")
        if reserved is not None:
            return reserved
        await _forget(sid)

    # ------------------------------------------------------------------ messages
    @sio.on("resync")
    @guarded
    async def on_resync(sid, *_):
        seq = await live.run(in_app(send_snapshot), sid)
        return {"status": 200, "body": {"seq": seq}}

    @sio.on("device_status")
    @guarded
    async def on_device_status(sid, data=None, *_):
        actor = ext.socket_actors.get(sid, ANONYMOUS)
        if actor.role not in DEVICE_ROLES:
            return _err(403, "forbidden", "only devices report their status")
        if not isinstance(data, dict):
            return _err(400, "bad_message", 'send {"printer": STATE, "detail": TEXT}')
        printer = data.get("printer")
        if printer is not None and printer not in PRINTER_STATES:
            return _err(400, "bad_message", f"printer must be one of {', '.join(PRINTER_STATES)}")
        detail = data.get("detail", "")
        if ext.devices.report(actor.id, printer, detail[:200] if isinstance(detail, str) else ""):
            _broadcast_alerts(ext)
        live.emit("device_status", ext.devices.status[actor.id], to=centre_room(cid))
        return {"status": 200, "body": {"ok": True}}

    @sio.on("print_result")
    @guarded
    async def on_print_result(sid, data=None, *_):
        actor = ext.socket_actors.get(sid, ANONYMOUS)
        if actor.role != "dispenser":
            return _err(403, "forbidden", "only dispensers print")
        if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
            return _err(400, "bad_message", 'send {"ticket": ID, "ok": true|false, "printer": STATE}')
        printer = data.get("printer") if data.get("printer") in PRINTER_STATES else None
        if printer is None and data["ok"]:
            printer = "ok"
        if ext.devices.report(actor.id, printer, "" if data["ok"] else "print failed"):
            _broadcast_alerts(ext)
        ticket = data.get("ticket") if isinstance(data.get("ticket"), (int, str)) else None
        live.emit("print_result", {"device": actor.id, "ticket": ticket, "ok": data["ok"], "printer": printer},
                  to=centre_room(cid))
        return {"status": 200, "body": {"ok": True}}

    @in_app
    def run(actor, address, data):
        from .api import run_command

        try:
            if not isinstance(data, dict):
                raise InvalidRequest('send {"command": NAME, "args": {...}, "request_id": ID}', code="bad_message")
            command = pipeline.parse(data.get("command"), data.get("args", {}))
            request_id = pipeline.request_id_of(data.get("request_id"))
            deadline = pipeline.deadline_of(data.get("deadline"))
            if actor.role == "anonymous" and not limiter.hit(issue_limit, "socket-command", cid, address):
                return _err(429, "rate_limited", f"too many requests: {rate_limit}")
            status, body = run_command(command, actor, request_id, deadline)
        except MotCuaError as exc:
            return {"status": http_status(exc), "body": exc.to_dict()}
        return {"status": status, "body": body}

    @sio.on("command")
    @guarded
    async def on_command(sid, data=None, *_):
        actor = ext.socket_actors.get(sid, ANONYMOUS)
        return await live.run(run, actor, ext.socket_addresses.get(sid, "unknown"), data)

    @sio.on("*")
    @guarded
    async def on_unknown(event, sid, *args):
        return _err(404, "unknown_event", f"no such event {str(event)[:40]!r}; see docs/protocol.md")

    def publish(events: list[Event], service) -> None:
        # Runs under the service's commit lock, so events are handed over in sequence order.
        for event in events:
            live.emit("event", event.to_dict(), to=centre_room(cid))
        if ext.trackers:
            tracker_updates.submit(events)

    ext.service.listeners.append(publish)

    def show_notice(text: str) -> None:
        ext.notice = text
        live.emit("notice", {"text": text}, to=centre_room(cid))

    ext.service.notice_listeners.append(show_notice)


def _broadcast_alerts(ext) -> None:
    ext.live.emit("alerts", ext.devices.snapshot()["alerts"], to=centre_room(ext.config.id))


def send_print_job(ext, device_id: str, ticket: dict) -> None:
    """Ask a dispenser to print a ticket issued from its touch screen."""
    from .views import print_job

    ext.live.emit("print", print_job(ext, ticket), to=device_room(device_id))


def _err(status: int, code: str, message: str) -> dict:
    return {"status": status, "body": {"error": code, "message": message}}


class TrackerUpdater:
    """Sends phones fresh ticket status, off the command path.

    Displays and counters get events at once; phone updates (people ahead, estimate) are
    computed by one background thread that coalesces bursts and go out after everything else
    (``Live.emit(bulk=True)``), so thousands of phones never delay a call. A change of state
    (called, recalled, served, transferred …) goes out at once; a citizen near the front hears of
    every move; one far back hears at most every :data:`PACE` seconds (their count changes with
    every call in their field, and nobody needs to see 412 become 411 the moment it does).
    """

    COALESCE_SECONDS = 0.25  # phones may lag a quarter second; displays never wait for them
    SWEEP_SECONDS = 2.0  # with other processes writing, look at every followed ticket this often
    #: (people ahead at most, seconds between two updates that only move the count or the estimate)
    PACE = ((5, 0.0), (20, 5.0), (100, 15.0), (None, 30.0))

    def __init__(self, ext):
        import threading

        self.ext = ext
        self._fields: set[str] = set()
        self._tickets: set[int] = set()
        self._last: dict[str, dict] = {}  # what each followed ticket's phone was last told
        self._sent_at: dict[str, float] = {}  # and when
        self._deferred: set[str] = set()  # changed, but told recently: told when its pace allows
        self._wake = threading.Condition()
        threading.Thread(target=self._run, name="tracker-updates", daemon=True).start()

    def submit(self, events: list[Event]) -> None:
        with self._wake:
            for event in events:
                data = event.data
                if "ticket" in data:
                    self._fields.add(data["ticket"]["field"])
                    self._tickets.add(data["ticket"]["id"])
                if data.get("from_field"):
                    self._fields.add(data["from_field"])
                if "counter" in data:
                    self._fields.update(data["counter"]["fields"])
            self._wake.notify()

    def told(self, tracking_id: str, status: dict) -> None:
        """A phone was just sent ``status`` (when it connected): pace the next update from now."""
        import time

        with self._wake:
            self._last[tracking_id] = status
            self._sent_at[tracking_id] = time.monotonic()

    @classmethod
    def pace(cls, people_ahead: int) -> float:
        return next(seconds for most, seconds in cls.PACE if most is None or people_ahead <= most)

    def _run(self) -> None:
        import time

        while not stopping.is_set():
            with self._wake:
                if not self._fields and not self._tickets:
                    self._wake.wait(1.0 if self._deferred else (self.SWEEP_SECONDS if self.ext.service.shared else 5.0))
            if stopping.is_set():
                return
            woke = bool(self._fields or self._tickets)
            sweep = not woke and self.ext.service.shared  # another process may have written
            if not woke and not sweep and not self._deferred:
                continue
            if woke:
                time.sleep(self.COALESCE_SECONDS)
            with self._wake:
                fields, tickets = self._fields, self._tickets
                self._fields, self._tickets = set(), set()
            try:
                self._send(fields, tickets, sweep)
            except Exception:  # never let the updater die
                log.exception("tracker update failed")

    def _send(self, fields: set[str], tickets: set[int], sweep: bool = False) -> None:
        import time

        out = []
        now = time.monotonic()
        with self.ext.service.read() as hall:
            estimates = None
            for tracking_id in list(self.ext.trackers):
                ticket = hall.ticket_by_tracking(tracking_id)
                if ticket is None or not (sweep or ticket.field in fields or ticket.id in tickets
                                          or tracking_id in self._deferred):
                    continue
                if estimates is None:
                    estimates = wait_estimates(self.ext, hall) or {}  # one replay for every phone
                status = ticket_status(self.ext, hall, ticket, estimates)
                last = self._last.get(tracking_id)
                if last == status:
                    self._deferred.discard(tracking_id)
                    continue
                moved = last is None or any(last.get(k) != status.get(k) for k in ("state", "counter", "recalls",
                                                                                     "field"))
                if moved or now - self._sent_at.get(tracking_id, 0.0) >= self.pace(status["people_ahead"]):
                    out.append((tracking_id, status))
                    self._last[tracking_id] = status
                    self._sent_at[tracking_id] = now
                    self._deferred.discard(tracking_id)
                else:
                    self._deferred.add(tracking_id)
        for tracking_id in list(self._last):
            if tracking_id not in self.ext.trackers:
                self._last.pop(tracking_id, None)
                self._sent_at.pop(tracking_id, None)
                self._deferred.discard(tracking_id)
        for tracking_id, status in out:
            self.ext.live.emit("ticket", status, to=ticket_room(tracking_id), bulk=True)
