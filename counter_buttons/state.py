"""What a button box knows about its counters, kept from the server's socket messages.

The server sends a ``snapshot`` on connect, then numbered ``event`` messages. The view
loads the snapshot, applies each next event, ignores events it has already seen
(``seq`` <= the last one) and asks for a fresh snapshot (``resync``) when one is missing,
so the LEDs and displays follow changes made anywhere (an officer's web terminal, a
supervisor's page).

    view = HallView([1, 2], on_change=render, request_resync=lambda: link.emit("resync"))
    view.load(snapshot)                  # from the "snapshot" message
    view.apply(event)                    # from each "event" message -> "applied", "stale", "gap"
    view.counter(1).status, view.counter(1).code      # ('open', 'A012')
    view.lose()                          # the connection dropped: nothing is known any more
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterable
from dataclasses import dataclass

RESYNC_RETRY_SECONDS = 3.0


@dataclass
class CounterView:
    """One counter as last reported by the server."""

    number: int
    status: str | None = None  # "open" | "paused" | "closed"; None before the first snapshot
    officer: str | None = None
    ticket_id: int | None = None
    ticket: dict | None = None  # the current ticket's public dict (code, state, ...)

    @property
    def code(self) -> str | None:
        return self.ticket["code"] if self.ticket else None

    @property
    def ticket_state(self) -> str | None:
        return self.ticket["state"] if self.ticket else None

    def update_counter(self, data: dict) -> None:
        self.status = data.get("status", self.status)
        self.officer = data.get("officer")
        self.ticket_id = data.get("ticket")
        if self.ticket_id is None or (self.ticket and self.ticket.get("id") != self.ticket_id):
            self.ticket = None


class HallView:
    """The box's counters, in step with the server's ``seq``. Thread-safe."""

    def __init__(self, counters: Iterable[int], *, on_change: Callable[[set[int]], None] | None = None,
                 request_resync: Callable[[], None] | None = None, clock: Callable[[], float] = time.monotonic):
        self._counters = {n: CounterView(n) for n in counters}
        self.on_change = on_change
        self.request_resync = request_resync
        self.clock = clock
        self.seq: int | None = None
        self._resync_asked: float | None = None
        self._lock = threading.RLock()

    @property
    def synced(self) -> bool:
        """True once a snapshot has been loaded on the current connection."""
        return self.seq is not None

    def counter(self, number: int) -> CounterView:
        with self._lock:
            c = self._counters[number]
            return CounterView(c.number, c.status, c.officer, c.ticket_id, dict(c.ticket) if c.ticket else None)

    def numbers(self) -> list[int]:
        return list(self._counters)

    def load(self, snapshot: dict) -> None:
        """Replace everything with a ``snapshot`` message."""
        if not isinstance(snapshot, dict) or not isinstance(snapshot.get("seq"), int):
            return
        with self._lock:
            self.seq = snapshot["seq"]
            self._resync_asked = None
            for data in snapshot.get("counters", ()):
                c = self._counters.get(data.get("number"))
                if c is not None:
                    c.update_counter(data)
                    c.ticket = data.get("current")
        self._changed(set(self._counters))

    def apply(self, event: dict) -> str:
        """Apply one ``event`` message; return ``"applied"``, ``"stale"``, ``"gap"`` or ``"ignored"``."""
        if not isinstance(event, dict) or not isinstance(event.get("seq"), int):
            return "ignored"
        seq = event["seq"]
        changed: set[int] = set()
        with self._lock:  # decide under the lock; call out (resync, render) after releasing it
            if self.seq is None:
                return "ignored"  # no snapshot yet on this connection; it will cover this event
            if self._resync_asked is not None:
                # Waiting for a snapshot; ask again if the first request seems lost.
                ask = self.clock() - self._resync_asked > RESYNC_RETRY_SECONDS
                outcome = "gap"
            elif seq <= self.seq:
                return "stale"
            elif seq > self.seq + 1:
                ask, outcome = True, "gap"
            else:
                ask, outcome = False, "applied"
                self.seq = seq
                changed = self._apply_data(event.get("data") or {})
            if ask:
                self._resync_asked = self.clock()
        if ask and self.request_resync is not None:
            self.request_resync()
        if changed:
            self._changed(changed)
        return outcome

    def lose(self) -> None:
        """Forget the sequence (the connection dropped); the next snapshot starts afresh."""
        with self._lock:
            self.seq = None
            self._resync_asked = None
        self._changed(set(self._counters))

    # ------------------------------------------------------------------ internals
    def _apply_data(self, data: dict) -> set[int]:
        changed: set[int] = set()
        counter, ticket = data.get("counter"), data.get("ticket")
        if isinstance(counter, dict) and counter.get("number") in self._counters:
            c = self._counters[counter["number"]]
            c.update_counter(counter)
            changed.add(c.number)
        if isinstance(ticket, dict):
            for c in self._counters.values():
                if c.ticket_id is not None and c.ticket_id == ticket.get("id"):
                    c.ticket = ticket
                    changed.add(c.number)
        return changed

    def _changed(self, numbers: set[int]) -> None:
        if self.on_change is not None and numbers:
            self.on_change(numbers)
