"""The live hall as a display knows it: a snapshot kept current by numbered events.

The server sends a ``snapshot`` (with ``seq``) on connect and after ``resync``, then
``event`` messages ``{seq, kind, at, data}`` numbered one by one (docs/protocol.md).
:class:`HallState` applies them in order and says when to ask for a new snapshot::

    >>> state = HallState()
    >>> state.load_snapshot({"seq": 4, "counters": [], "queues": {"DD": ["A001"]},
    ...                      "waiting": {"DD": 1}, "recent_calls": []}).applied
    []
    >>> update = state.receive({"seq": 6, "kind": "ticket_issued", "at": "", "data": {}})
    >>> update.resync, state.last_seq          # seq 5 is missing: ask for a snapshot
    (True, 4)
    >>> state.receive({"seq": 4, "kind": "ticket_issued", "at": "", "data": {}}).applied
    []

* an event with ``seq <= last_seq`` is a duplicate and is ignored;
* ``seq == last_seq + 1`` is applied at once (with any kept events it unblocks);
* a larger ``seq`` is kept aside and :attr:`Update.resync` asks for a snapshot;
* a snapshot replaces the state; kept events newer than it are replayed, and events
  already applied that turn out newer than the snapshot are applied again (a snapshot
  may be computed before, and delivered after, an event); a snapshot older than anything
  that can be bridged means the server started a new sequence (:attr:`Update.reset`);
* events whose effect cannot be worked out here (a transfer's place in its new queue,
  a new day, a counter whose ticket is unknown) also ask for a snapshot.

Each event is reported in :attr:`Update.applied` once only, even if it is replayed
onto a later snapshot. This mirrors ``MOTCUA.live`` in ``static/js/motcua.js``.
Pure Python, no I/O, not thread-safe (:class:`display_board.board.Board` locks it).
"""

from __future__ import annotations

import copy
from dataclasses import dataclass, field

__all__ = ["HallState", "Update", "apply_event", "RECENT_KEPT"]

#: How many recent calls the state keeps (the snapshot sends 10).
RECENT_KEPT = 10
# Events kept after being applied, to replay onto a snapshot older than them.
_KEEP_APPLIED = 200
# Snapshots received while a gap stayed open before kept events are dropped.
_MAX_GAP_TRIES = 3


@dataclass
class Update:
    """What receiving a message did.

    ``applied``: events applied for the first time, in ``seq`` order (react to these);
    ``resync``: true when the caller should emit ``resync`` to get a fresh snapshot.
    """

    applied: list[dict] = field(default_factory=list)
    resync: bool = False
    reset: bool = False  # the server started a new sequence (e.g. a new database): forget what was seen


def _remove(codes: list | None, code: str) -> None:
    if codes and code in codes:
        codes.remove(code)


def apply_event(state: dict, event: dict) -> bool:
    """Apply one event to a snapshot-shaped ``state`` in place.

    Returns True when the result may be inexact and a snapshot should be fetched.

    >>> s = {"seq": 1, "counters": [], "queues": {"DD": []}, "waiting": {}, "recent_calls": []}
    >>> apply_event(s, {"seq": 2, "kind": "ticket_issued", "data": {"ticket": {
    ...     "id": 7, "code": "A001", "field": "DD", "called_at": None}, "people_ahead": 0}})
    False
    >>> s["waiting"], s["seq"]
    ({'DD': 1}, 2)
    """
    data = event.get("data") or {}
    ticket = data.get("ticket") if isinstance(data.get("ticket"), dict) else None
    counter = data.get("counter") if isinstance(data.get("counter"), dict) else None
    queues = state.setdefault("queues", {})
    kind = event.get("kind")
    unsure = False
    if ticket is not None:
        field_queue = queues.get(ticket.get("field"))
        if kind == "ticket_issued":
            field_queue = queues.setdefault(ticket.get("field"), [])
            _remove(field_queue, ticket.get("code"))
            ahead = data.get("people_ahead")
            at = min(ahead, len(field_queue)) if isinstance(ahead, int) and ahead >= 0 else len(field_queue)
            field_queue.insert(at, ticket.get("code"))
        elif kind in ("ticket_called", "ticket_cancelled", "ticket_expired"):
            _remove(field_queue, ticket.get("code"))
        elif kind == "ticket_transferred":
            _remove(queues.get(data.get("from_field")), ticket.get("code"))
            queues.setdefault(ticket.get("field"), []).append(ticket.get("code"))
            unsure = True  # its place depends on issue time and priority
    if kind == "day_started":
        unsure = True

    if ticket is not None:
        recent = [t for t in state.get("recent_calls", []) if t.get("id") != ticket.get("id")]
        if ticket.get("called_at"):
            recent.append(ticket)
            recent.sort(key=lambda t: (t.get("called_at") or "", t.get("id") or 0), reverse=True)
        state["recent_calls"] = recent[:RECENT_KEPT]
        for item in state.get("counters", []):
            current = item.get("current")
            if current and current.get("id") == ticket.get("id"):
                item["current"] = ticket

    if counter is not None:
        counters = state.setdefault("counters", [])
        for index, old in enumerate(counters):
            if old.get("number") != counter.get("number"):
                continue
            new = dict(counter)
            wanted = counter.get("ticket")
            if wanted is None:
                new["current"] = None
            elif ticket is not None and ticket.get("id") == wanted:
                new["current"] = ticket
            elif old.get("current") and old["current"].get("id") == wanted:
                new["current"] = old["current"]
            else:
                new["current"] = None
                unsure = True
            counters[index] = new
            break
        else:
            unsure = True

    state["waiting"] = {code: len(codes) for code, codes in queues.items()}
    state["seq"] = event.get("seq")
    return unsure


def _valid_event(event) -> bool:
    return (
        isinstance(event, dict)
        and isinstance(event.get("seq"), int)
        and not isinstance(event.get("seq"), bool)
        and isinstance(event.get("kind"), str)
        and isinstance(event.get("data", {}), dict)
    )


def _normalise(snapshot: dict) -> dict:
    state = copy.deepcopy(snapshot)
    for key, empty in (("queues", {}), ("waiting", {}), ("counters", []), ("recent_calls", [])):
        if not isinstance(state.get(key), type(empty)):
            state[key] = empty
    state["notice"] = state.get("notice") if isinstance(state.get("notice"), str) else ""
    return state


class HallState:
    """A snapshot plus the events applied to it, in sequence order (see the module docs)."""

    def __init__(self) -> None:
        self.state: dict | None = None
        self.last_seq: int = -1
        self._pending: list[dict] = []   # received, not yet applicable (gap) or no snapshot yet
        self._applied: list[dict] = []   # applied lately, to replay onto an older snapshot
        self._notified: int = -1         # highest seq reported in Update.applied
        self._gap_tries = 0

    @property
    def ready(self) -> bool:
        """True once a snapshot has been loaded."""
        return self.state is not None

    def load_snapshot(self, snapshot: dict) -> Update:
        """Replace the state with ``snapshot``; replay kept events newer than it.

        Raises :class:`ValueError` if ``snapshot`` has no integer ``seq`` (nothing changes).
        """
        if not isinstance(snapshot, dict) or not isinstance(snapshot.get("seq"), int):
            raise ValueError("a snapshot must be an object with an integer seq")
        seq = snapshot["seq"]
        replay = [e for e in self._applied if e["seq"] > seq]
        reset = self.state is not None and seq < self.last_seq and (not replay or replay[0]["seq"] != seq + 1)
        if reset:  # older than anything we can bridge: the server's sequence started over
            replay, self._pending, self._notified = [], [], seq
        self.state = _normalise(snapshot)
        self.last_seq = seq
        if self._notified < 0:
            self._notified = seq
        self._applied = []
        self._pending = sorted((e for e in replay + self._pending if e["seq"] > seq), key=lambda e: e["seq"])
        if self._pending and self._pending[0]["seq"] > seq + 1:
            self._gap_tries += 1
            if self._gap_tries > _MAX_GAP_TRIES:  # events no snapshot explains: the snapshots win
                self._pending = []
                self._gap_tries = 0
        update = self._drain()
        update.reset = reset
        return update

    def receive(self, event: dict) -> Update:
        """Take one ``event`` message; malformed ones are ignored."""
        if not _valid_event(event):
            return Update()
        if self.state is not None and event["seq"] <= self.last_seq:
            return Update()
        if any(e["seq"] == event["seq"] for e in self._pending):
            return Update()
        self._pending.append(event)
        if self.state is None:
            return Update()  # the snapshot is on its way
        self._pending.sort(key=lambda e: e["seq"])
        return self._drain()

    def _drain(self) -> Update:
        update = Update()
        unsure = False
        while self._pending:
            event = self._pending[0]
            if event["seq"] <= self.last_seq:
                self._pending.pop(0)
                continue
            if event["seq"] != self.last_seq + 1:
                break
            self._pending.pop(0)
            self._gap_tries = 0
            unsure = apply_event(self.state, event) or unsure
            self.last_seq = event["seq"]
            self._applied.append(event)
            del self._applied[:-_KEEP_APPLIED]
            if event["seq"] > self._notified:
                self._notified = event["seq"]
                update.applied.append(event)
        update.resync = bool(self._pending) or unsure
        return update
