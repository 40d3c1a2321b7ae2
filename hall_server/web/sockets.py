"""Socket.IO: live updates for displays, counters, supervisors and phone trackers.

Protocol (docs/protocol.md):

* connect with ``auth={"token": DEVICE_TOKEN}`` (a device), a staff session cookie, or
  nothing (public, read-only); add ``"track": TRACKING_ID`` to follow one ticket only;
* the server answers ``snapshot`` (with ``seq``), then sends ``event`` messages whose
  ``seq`` counts up by one; a client that sees a gap emits ``resync`` and gets a new
  snapshot; trackers get ``ticket`` messages with their ticket's whole status;
* ``command`` ``{"command": NAME, "args": {...}, "request_id": ID}`` runs an engine
  command; the acknowledgement is ``{"status": 200, "body": {...}}``.
"""

from __future__ import annotations

import secrets

from flask import current_app, request
from flask_login import current_user
from flask_socketio import join_room
import dataclasses

from pydantic import ConfigDict, ValidationError, create_model

from ..engine import COMMANDS, Event, IssueTicket
from .auth import ANONYMOUS, Forbidden, device_actor
from ..background import stopping
from .devices import PRINTER_STATES, device_room
from .views import snapshot, ticket_status



def _args_model(cls):
    """A strict pydantic model of a command's arguments (no coercion, no unknown keys)."""
    fields = {
        f.name: (f.type, f.default if f.default is not dataclasses.MISSING else ...)
        for f in dataclasses.fields(cls)
    }
    return create_model(f"{cls.__name__}Args", __config__=ConfigDict(strict=True, extra="forbid"), **fields)


_ADAPTERS = {name: (cls, _args_model(cls)) for name, cls in COMMANDS.items()}


def centre_room(cid: str) -> str:
    return f"centre:{cid}"


def ticket_room(tracking_id: str) -> str:
    return f"ticket:{tracking_id}"


def init_sockets(socketio, ext) -> None:
    cid = ext.config.id

    @socketio.on("connect")
    def on_connect(auth=None):
        auth = auth if isinstance(auth, dict) else {}
        actor = ANONYMOUS
        if auth.get("token"):
            actor = device_actor(ext.config, str(auth["token"]))
            if actor is None:
                return False  # the client sees connect_error; a wrong token is never read-only access
        elif current_user.is_authenticated:
            actor = current_user.actor
        ext.socket_actors[request.sid] = actor
        if actor.role in ("dispenser", "button_box", "display"):
            join_room(device_room(actor.id))
            ext.device_sockets[actor.id] = ext.device_sockets.get(actor.id, 0) + 1
            if ext.devices.connected(actor.id):
                _broadcast_alerts(socketio, ext)
        track = auth.get("track")
        if track:
            status = _tracked_status(ext, str(track))
            if status is None:
                return False
            join_room(ticket_room(str(track)))
            ext.trackers[str(track)] = ext.trackers.get(str(track), 0) + 1
            ext.socket_tracks[request.sid] = str(track)
            socketio.emit("ticket", status, to=request.sid)
            return True
        join_room(centre_room(cid))
        socketio.emit("snapshot", snapshot(ext), to=request.sid)
        return True

    @socketio.on("disconnect")
    def on_disconnect(*_):
        actor = ext.socket_actors.pop(request.sid, None)
        if actor is not None and actor.role in ("dispenser", "button_box", "display"):
            left = ext.device_sockets.get(actor.id, 1) - 1
            ext.device_sockets[actor.id] = left
            if left <= 0 and ext.devices.disconnected(actor.id):
                _broadcast_alerts(socketio, ext)
        track = ext.socket_tracks.pop(request.sid, None)
        if track is not None:
            left = ext.trackers.get(track, 1) - 1
            if left <= 0:
                ext.trackers.pop(track, None)
            else:
                ext.trackers[track] = left

    @socketio.on("resync")
    def on_resync(*_):
        snap = snapshot(ext)
        socketio.emit("snapshot", snap, to=request.sid)
        return {"status": 200, "body": {"seq": snap["seq"]}}

    @socketio.on("device_status")
    def on_device_status(data=None):
        actor = ext.socket_actors.get(request.sid, ANONYMOUS)
        if actor.role not in ("dispenser", "button_box", "display"):
            return _err(403, "forbidden", "only devices report their status")
        if not isinstance(data, dict):
            return _err(400, "bad_message", 'send {"printer": STATE, "detail": TEXT}')
        printer = data.get("printer")
        if printer is not None and printer not in PRINTER_STATES:
            return _err(400, "bad_message", f"printer must be one of {', '.join(PRINTER_STATES)}")
        detail = data.get("detail", "")
        if ext.devices.report(actor.id, printer, detail if isinstance(detail, str) else ""):
            _broadcast_alerts(socketio, ext)
        socketio.emit("device_status", ext.devices.status[actor.id], to=centre_room(cid))
        return {"status": 200, "body": {"ok": True}}

    @socketio.on("print_result")
    def on_print_result(data=None):
        actor = ext.socket_actors.get(request.sid, ANONYMOUS)
        if actor.role != "dispenser":
            return _err(403, "forbidden", "only dispensers print")
        if not isinstance(data, dict) or not isinstance(data.get("ok"), bool):
            return _err(400, "bad_message", 'send {"ticket": ID, "ok": true|false, "printer": STATE}')
        printer = data.get("printer") if data.get("printer") in PRINTER_STATES else None
        if printer is None and data["ok"]:
            printer = "ok"
        if ext.devices.report(actor.id, printer, "" if data["ok"] else "print failed"):
            _broadcast_alerts(socketio, ext)
        socketio.emit("print_result", {"device": actor.id, "ticket": data.get("ticket"), "ok": data["ok"],
                                       "printer": printer}, to=centre_room(cid))
        return {"status": 200, "body": {"ok": True}}

    @socketio.on("command")
    def on_command(data=None):
        from .api import run_command

        actor = ext.socket_actors.get(request.sid, ANONYMOUS)
        if not isinstance(data, dict) or not isinstance(data.get("command"), str):
            return _err(400, "bad_message", 'send {"command": NAME, "args": {...}, "request_id": ID}')
        name = data["command"]
        adapter = _ADAPTERS.get(name)
        if adapter is None:
            return _err(400, "unknown_command", f"unknown command {name[:40]!r}")
        args = data.get("args", {})
        request_id = data.get("request_id")
        if not isinstance(args, dict):
            return _err(400, "invalid_command", "args must be an object")
        if request_id is not None and (not isinstance(request_id, str) or not 0 < len(request_id) <= 64):
            return _err(400, "invalid_command", "request_id must be a string of 1 to 64 characters")
        if name == IssueTicket.name and args.get("channel") == "booking":
            return _err(400, "invalid_command", "booked tickets come from POST /api/v1/bookings/{code}/check-in")
        if name == IssueTicket.name:
            args = {k: v for k, v in args.items() if k != "tracking_id"} | {"tracking_id": secrets.token_urlsafe(12)}
        if "fields" in args and isinstance(args["fields"], list):
            args["fields"] = tuple(args["fields"])
        try:
            cls, model = adapter
            command = cls(**model.model_validate(args).model_dump())
        except ValidationError as exc:
            problems = "; ".join(f"{'.'.join(map(str, e['loc'])) or 'args'}: {e['msg']}" for e in exc.errors())
            return _err(400, "invalid_command", problems)
        try:
            status, body = run_command(command, actor, request_id)
        except Forbidden as exc:
            return _err(exc.status, "unauthorized" if exc.status == 401 else "forbidden", exc.message)
        return {"status": status, "body": body}

    @socketio.on("*")
    def on_unknown(event, *args):
        return _err(404, "unknown_event", f"no such event {str(event)[:40]!r}; see docs/protocol.md")

    @socketio.on_error_default
    def on_error(exc):
        current_app.logger.exception("socket handler failed")
        return _err(500, "server_error", "the server could not handle this message")

    tracker_updates = TrackerUpdater(socketio, ext)

    def publish(events: list[Event], service) -> None:
        # Runs under the service lock, so events leave in sequence order.
        for event in events:
            socketio.emit("event", event.to_dict(), to=centre_room(cid))
        if ext.trackers:
            tracker_updates.submit(events)

    ext.service.listeners.append(publish)


def _broadcast_alerts(socketio, ext) -> None:
    socketio.emit("alerts", ext.devices.snapshot()["alerts"], to=centre_room(ext.config.id))


def send_print_job(ext, device_id: str, ticket: dict) -> None:
    """Ask a dispenser to print a ticket issued from its touch screen."""
    from .views import print_job

    ext.socketio.emit("print", print_job(ext, ticket), to=device_room(device_id))


def _err(status: int, code: str, message: str) -> dict:
    return {"status": status, "body": {"error": code, "message": message}}


def _tracked_status(ext, tracking_id: str):
    with ext.service.read() as hall:
        ticket = hall.ticket_by_tracking(tracking_id)
        return ticket_status(ext, hall, ticket) if ticket else None


class TrackerUpdater:
    """Sends phones fresh ticket status, off the command path.

    Displays and counters get events at once; phone updates (people ahead, estimate) are
    computed by one background thread that coalesces bursts, so 500 phones never delay a call.
    """

    def __init__(self, socketio, ext):
        import threading

        self.socketio = socketio
        self.ext = ext
        self._fields: set[str] = set()
        self._tickets: set[int] = set()
        self._last: dict[str, dict] = {}  # what each followed ticket's phone was last told
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

    COALESCE_SECONDS = 0.25  # phones may lag a quarter second; displays never wait for them

    SWEEP_SECONDS = 2.0  # with other processes writing, look at every followed ticket this often

    def _run(self) -> None:
        import time

        while not stopping.is_set():
            with self._wake:
                if not self._fields and not self._tickets:
                    self._wake.wait(self.SWEEP_SECONDS if self.ext.service.shared else None)
            if stopping.is_set():
                return
            sweep = not self._fields and not self._tickets  # woke by time: another process may have written
            if not sweep:
                time.sleep(self.COALESCE_SECONDS)
            with self._wake:
                fields, tickets = self._fields, self._tickets
                self._fields, self._tickets = set(), set()
            try:
                self._send(fields, tickets, sweep)
            except Exception:  # never let the updater die
                import logging

                logging.getLogger(__name__).exception("tracker update failed")

    def _send(self, fields: set[str], tickets: set[int], sweep: bool = False) -> None:
        out = []
        with self.ext.service.read() as hall:
            for tracking_id in list(self.ext.trackers):
                ticket = hall.ticket_by_tracking(tracking_id)
                if ticket is not None and (sweep or ticket.field in fields or ticket.id in tickets):
                    status = ticket_status(self.ext, hall, ticket)
                    if self._last.get(tracking_id) != status:
                        out.append((tracking_id, status))
                        self._last[tracking_id] = status
        for tracking_id in list(self._last):
            if tracking_id not in self.ext.trackers:
                del self._last[tracking_id]
        for tracking_id, status in out:
            self.socketio.emit("ticket", status, to=ticket_room(tracking_id))
