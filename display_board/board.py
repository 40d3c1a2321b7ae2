"""What the wall board shows, decided without drawing anything.

:class:`Board` takes the centre description (``GET /api/v1/centre``), snapshots and
events from the hall server, the supervisors' notice and the connection status, and
answers :meth:`Board.view`: a plain, comparable :class:`BoardView` that
:mod:`display_board.render` draws. Calls go through a
:class:`~display_board.calls.CallQueue` so each one is shown (and announced through
``on_call``) in turn. Time comes from the injected ``clock`` (seconds, for the call
queue) and ``wall`` (the date and time shown)::

    >>> from datetime import datetime
    >>> now = [0.0]
    >>> heard = []
    >>> board = Board(clock=lambda: now[0], wall=lambda: datetime(2026, 11, 26, 8, 5),
    ...               on_call=heard.append)
    >>> board.set_centre({"name": "Trung tâm Hòa An", "fields": [], "officers": []})
    >>> counter = {"number": 5, "status": "open", "officer": None, "fields": ["DD"], "ticket": None}
    >>> board.load_snapshot({"seq": 1, "counters": [counter | {"current": None}], "queues": {"DD": ["A023"]},
    ...                      "waiting": {"DD": 1}, "recent_calls": []})
    False
    >>> board.receive({"seq": 2, "kind": "ticket_called", "at": "", "data": {
    ...     "ticket": {"id": 9, "code": "A023", "field": "DD", "counter": 5, "recalls": 0,
    ...                "called_at": "2026-11-26T01:05:00+00:00"},
    ...     "counter": counter | {"ticket": 9}}})
    False
    >>> view = board.view()
    >>> view.call.code, view.call.counter, view.call.highlighted, [c.code for c in heard]
    ('A023', 5, True, ['A023'])

Thread-safe: the socket client feeds it from its thread while the window draws it from
the main thread. ``on_call`` runs under the board's lock and must return quickly
(:class:`display_board.voice.Voice` only queues the sound).
"""

from __future__ import annotations

import logging
import threading
import time
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from .calls import Call, CallQueue
from .state import HallState
from .texts import clock_line, date_line, text

__all__ = ["Board", "BoardView", "CallView", "CounterView", "RecentView", "WaitView"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class CallView:
    """The big call panel: who goes where."""

    code: str
    counter: int
    officer_name: str = ""
    officer_title: str = ""
    recall: bool = False
    highlighted: bool = False


@dataclass(frozen=True)
class RecentView:
    """One line of the recent calls list; ``current`` marks the call on the big panel."""

    code: str
    counter: int | None
    current: bool = False


@dataclass(frozen=True)
class CounterView:
    """One open (or paused) counter: its number, the ticket at it now and its officer."""

    number: int
    code: str | None
    called: bool = False  # the ticket is called and not yet being served
    officer_name: str = ""
    officer_title: str = ""
    paused: bool = False


@dataclass(frozen=True)
class WaitView:
    """People waiting for one field."""

    code: str
    name: str
    count: int


@dataclass(frozen=True)
class BoardView:
    """Everything drawn on the board at one moment. Equal views draw the same picture."""

    lang: str
    centre_name: str
    centre_line: str
    clock: str
    date: str
    call: CallView | None
    recent: tuple[RecentView, ...]
    counters: tuple[CounterView, ...]
    waiting: tuple[WaitView, ...]
    notice: str
    online: bool
    status: str  # why the board is offline (empty when online)


def _nfc(value) -> str:
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else ""


class Board:
    """The board's state model (see the module docs).

    ``min_show``/``highlight``/``max_hold`` configure the call queue; ``busy`` says
    whether the voice is still speaking (it holds the current call up); ``recent`` is
    how many recent calls the view lists.
    """

    def __init__(self, *, clock: Callable[[], float] = time.monotonic, wall: Callable[[], datetime] | None = None,
                 on_call: Callable[[Call], object] | None = None, busy: Callable[[], bool] | None = None,
                 min_show: float = 4.0, highlight: float = 10.0, max_hold: float = 20.0, recent: int = 7,
                 lang: str = "vi"):
        self.clock = clock
        self.wall = wall or (lambda: datetime.now().astimezone())
        self.on_call = on_call
        self.busy = busy or (lambda: False)
        self.recent = recent
        self.lang = lang
        self.hall = HallState()
        self.calls = CallQueue(min_show=min_show, highlight=highlight, max_hold=max_hold)
        self.centre: dict = {}
        self._officers: dict[str, dict] = {}
        self._fields: list[dict] = []
        self._tz = None
        self.notice = ""
        self.online = False
        self.status = text(lang, "connecting")
        self._lock = threading.RLock()

    # ------------------------------------------------------------------ inputs
    def set_centre(self, centre: dict) -> None:
        """Use the centre description from ``GET /api/v1/centre`` (names, officers, fields)."""
        if not isinstance(centre, dict):
            raise ValueError("the centre description must be an object")
        tz = None
        if centre.get("timezone"):
            try:
                from zoneinfo import ZoneInfo

                tz = ZoneInfo(centre["timezone"])
            except (ImportError, KeyError, ValueError) as exc:
                log.warning("unknown centre timezone %r (%s); showing the Pi's local time", centre["timezone"], exc)
        with self._lock:
            self.centre = centre
            self._officers = {o.get("id"): o for o in centre.get("officers", []) if isinstance(o, dict)}
            self._fields = [f for f in centre.get("fields", []) if isinstance(f, dict) and f.get("code")]
            self._tz = tz

    def load_snapshot(self, snapshot: dict) -> bool:
        """Take a snapshot (on connect or after ``resync``); return True to ask for another.

        The first snapshot puts its latest call up quietly; a later one (after a gap or a
        reconnection) announces the calls missed meanwhile that still wait at their counter.
        """
        with self._lock:
            first = not self.hall.ready
            update = self.hall.load_snapshot(snapshot)
            if update.reset:
                log.warning("the server's event sequence started over (seq %s): a new database?", snapshot["seq"])
                self.calls.forget()
            state = self.hall.state
            self.notice = _nfc(state.get("notice"))
            self.online, self.status = True, ""
            if first:
                for ticket in state["recent_calls"]:
                    self.calls.mark_seen(self._call(ticket))
                for counter in state["counters"]:
                    if counter.get("current"):
                        self.calls.mark_seen(self._call(counter["current"], counter))
                if state["recent_calls"] and self.calls.current is None:
                    latest = state["recent_calls"][0]
                    self.calls.show_quietly(self._call(latest), self.clock())
            else:
                for counter in sorted(state["counters"], key=lambda c: (c.get("current") or {}).get("called_at") or ""):
                    current = counter.get("current")
                    if current and current.get("state") == "called":
                        self.calls.push(self._call(current, counter))
            self._react(update.applied)
            self._advance()
            return update.resync

    def receive(self, event: dict) -> bool:
        """Take one ``event`` message; return True to ask the server for a snapshot."""
        with self._lock:
            update = self.hall.receive(event)
            self._react(update.applied)
            self._advance()
            return update.resync

    def set_notice(self, notice: str | None) -> None:
        """Show the supervisors' scrolling notice (empty or None hides it)."""
        with self._lock:
            self.notice = " ".join(_nfc(notice or "").split())

    def set_online(self, online: bool, status: str = "") -> None:
        """Record the connection: offline shows a banner with ``status`` as the detail."""
        with self._lock:
            self.online = bool(online)
            self.status = "" if online else status

    def tick(self) -> Call | None:
        """Put the next waiting call up if it is time (call this often, e.g. every frame)."""
        with self._lock:
            return self._advance()

    # ------------------------------------------------------------------ the view
    @property
    def last_seq(self) -> int:
        return self.hall.last_seq

    def view(self) -> BoardView:
        """What to draw now."""
        with self._lock:
            now = self.clock()
            wall = self.wall()
            if self._tz is not None and wall.tzinfo is not None:
                wall = wall.astimezone(self._tz)
            state = self.hall.state or {"counters": [], "recent_calls": [], "waiting": {}}
            by_number = {c.get("number"): c for c in state["counters"]}
            on_panel = self.calls.current.ticket_id if self.calls.current else None
            centre = self.centre
            line = " · ".join(p for p in (
                _nfc(centre.get("address")),
                f"{text(self.lang, 'phone')} {_nfc(centre.get('phone'))}" if centre.get("phone") else "",
            ) if p)
            name = _nfc(centre.get("name_en") if self.lang == "en" and centre.get("name_en") else centre.get("name"))
            return BoardView(
                lang=self.lang,
                centre_name=name,
                centre_line=line,
                clock=clock_line(wall),
                date=date_line(self.lang, wall),
                call=self._call_view(now, by_number),
                recent=tuple(RecentView(_nfc(t.get("code")), t.get("counter"), t.get("id") == on_panel)
                             for t in state["recent_calls"][: self.recent]),
                counters=self._counter_views(state),
                waiting=self._wait_views(state),
                notice=self.notice,
                online=self.online,
                status=self.status,
            )

    # ------------------------------------------------------------------ helpers
    def _call(self, ticket: dict, counter: dict | None = None) -> Call:
        number = ticket.get("counter")
        if number is None and counter is not None:
            number = counter.get("number")
        return Call(
            ticket_id=int(ticket.get("id") or 0),
            code=_nfc(ticket.get("code")),
            counter=int(number or 0),
            recalls=int(ticket.get("recalls") or 0),
            officer=ticket.get("officer") or (counter or {}).get("officer"),
            field=ticket.get("field"),
        )

    def _react(self, events: list[dict]) -> None:
        for event in events:
            data = event.get("data") or {}
            ticket = data.get("ticket")
            if event.get("kind") in ("ticket_called", "ticket_recalled") and isinstance(ticket, dict):
                self.calls.push(self._call(ticket, data.get("counter")))

    def _advance(self) -> Call | None:
        try:
            busy = bool(self.busy())
        except Exception:  # a broken voice must never stop the board
            log.exception("the voice's busy() failed")
            busy = False
        call = self.calls.advance(self.clock(), busy=busy)
        if call is not None and self.on_call is not None:
            try:
                self.on_call(call)
            except Exception:
                log.exception("announcing %s at counter %s failed", call.code, call.counter)
        return call

    def _officer(self, officer_id) -> tuple[str, str]:
        officer = self._officers.get(officer_id) if officer_id else None
        if not officer:
            return "", ""
        return _nfc(officer.get("name")), _nfc(officer.get("title"))

    def _call_view(self, now: float, by_number: dict) -> CallView | None:
        call = self.calls.current
        if call is None:
            return None
        officer = call.officer or (by_number.get(call.counter) or {}).get("officer")
        name, title = self._officer(officer)
        return CallView(code=call.code, counter=call.counter, officer_name=name, officer_title=title,
                        recall=call.recall, highlighted=self.calls.highlighted(now))

    def _counter_views(self, state: dict) -> tuple[CounterView, ...]:
        out = []
        for counter in sorted(state["counters"], key=lambda c: c.get("number") or 0):
            status = counter.get("status")
            if status not in ("open", "paused"):
                continue
            current = counter.get("current") or {}
            active = current.get("state") in ("called", "serving")
            name, title = self._officer(counter.get("officer"))
            out.append(CounterView(
                number=counter.get("number"),
                code=_nfc(current.get("code")) if active else None,
                called=active and current.get("state") == "called",
                officer_name=name,
                officer_title=title,
                paused=status == "paused",
            ))
        return tuple(out)

    def _wait_views(self, state: dict) -> tuple[WaitView, ...]:
        served = {f for c in state["counters"] if c.get("status") in ("open", "paused") for f in c.get("fields", [])}
        waiting = state.get("waiting") or {}
        fields = self._fields or [{"code": code, "name": code} for code in waiting]
        out = []
        for field in fields:
            code = field["code"]
            count = int(waiting.get(code) or 0)
            if not count and code not in served:
                continue
            name = field.get("name_en") if self.lang == "en" and field.get("name_en") else field.get("name")
            out.append(WaitView(code=code, name=_nfc(name or code), count=count))
        return tuple(out)
