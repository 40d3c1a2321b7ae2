"""Snapshot and numbered events, handed to a device in ``seq`` order.

The server sends a ``snapshot`` (with ``seq``) on connect and after ``resync``, then
``event`` messages numbered one by one (docs/protocol.md). python-socketio's client runs
each message handler on a thread of its own, and several server processes behind Redis
deliver in their own time, so an event may arrive a few milliseconds before the one it
follows. :class:`Sequencer` puts them back in order:

* an event older than what was handed on (``seq <=`` the last) is dropped;
* the next one (``seq == last + 1``) is handed on at once, with any kept events it unblocks;
* a later one is **held**: the gap usually fills within milliseconds; only when it is still
  open after ``gap_hold`` seconds is a snapshot asked for (``resync``);
* events that arrive before the connection's first snapshot wait for it;
* a snapshot replaces everything; kept events newer than it follow it, in order; events
  already handed on that turn out newer than a (late) snapshot are handed on again after it,
  so the device never goes back in time;
* a snapshot request that gets no snapshot within ``resync_retry`` seconds is repeated.

Every callback runs under the sequencer's lock, one at a time, in order::

    >>> got, asked, now = [], [], [0.0]
    >>> s = Sequencer(lambda snap: got.append(("snapshot", snap["seq"])),
    ...               lambda event: got.append(event["seq"]), lambda: asked.append(now[0]),
    ...               gap_hold=0.5, clock=lambda: now[0])
    >>> s.snapshot({"seq": 4})
    >>> s.event({"seq": 6, "kind": "x"}); s.tick(); got, asked        # 5 is late: held
    ([('snapshot', 4)], [])
    >>> s.event({"seq": 5, "kind": "x"}); got                         # ... and here it is
    [('snapshot', 4), 5, 6]
    >>> s.event({"seq": 8, "kind": "x"}); now[0] = 0.6; s.tick(); asked   # 7 never comes
    [0.6]

Pure Python, no I/O; :mod:`device_link.link` feeds it and calls :meth:`tick` every ~0.1 s.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import Counter
from collections.abc import Callable

__all__ = ["Sequencer"]

log = logging.getLogger(__name__)

_KEEP_APPLIED = 200   # events handed on, kept to follow a snapshot older than them
_MAX_PENDING = 2000   # events held at most (a runaway gap asks for a snapshot and drops them)


def _valid(event) -> bool:
    return (isinstance(event, dict) and isinstance(event.get("seq"), int)
            and not isinstance(event.get("seq"), bool))


class Sequencer:
    """Orders one connection's snapshot and events (see the module docs).

    ``deliver_snapshot(snapshot)`` and ``deliver_event(event)`` receive them in order;
    ``ask_snapshot()`` must emit ``resync``. ``max_gap_tries``: snapshots that leave the
    same held events unexplained before those events are dropped.
    """

    def __init__(self, deliver_snapshot: Callable[[dict], object] | None,
                 deliver_event: Callable[[dict], object] | None, ask_snapshot: Callable[[], object], *,
                 gap_hold: float = 0.75, resync_retry: float = 3.0, max_gap_tries: int = 3,
                 clock: Callable[[], float] = time.monotonic):
        self.deliver_snapshot = deliver_snapshot
        self.deliver_event = deliver_event
        self.ask_snapshot = ask_snapshot
        self.gap_hold = gap_hold
        self.resync_retry = resync_retry
        self.max_gap_tries = max_gap_tries
        self.clock = clock
        self.lock = threading.RLock()
        #: Last ``seq`` handed on (None before this connection's first snapshot).
        self.seq: int | None = None
        #: Snapshots received; snapshot requests sent, and why ("gap", "retry", or the caller's reason).
        self.snapshots = 0
        self.resyncs = 0
        self.reasons: Counter[str] = Counter()
        #: Gaps that closed by themselves while held (no snapshot needed).
        self.gaps_filled = 0
        self._pending: dict[int, dict] = {}
        self._applied: list[dict] = []
        self._gap_since: float | None = None
        self._asked_at: float | None = None
        self._gap_tries = 0

    # ------------------------------------------------------------------ inputs
    def reset(self) -> None:
        """A new connection: forget the sequence; its first snapshot starts afresh."""
        with self.lock:
            self.seq = None
            self._pending.clear()
            self._applied.clear()
            self._gap_since = self._asked_at = None
            self._gap_tries = 0

    def snapshot(self, snapshot) -> None:
        """Take a ``snapshot`` message (malformed ones are logged and ignored)."""
        if not isinstance(snapshot, dict) or not _valid(snapshot):
            log.warning("ignored a snapshot without an integer seq")
            return
        with self.lock:
            seq = snapshot["seq"]
            self.snapshots += 1
            self._asked_at = None
            replay = []
            if self.seq is not None and seq < self.seq:
                replay = [e for e in self._applied if e["seq"] > seq]
                if not replay or replay[0]["seq"] != seq + 1:  # nothing bridges it: a new sequence
                    log.warning("the server's event sequence started over (seq %d after %d)", seq, self.seq)
                    replay, self._pending = [], {}
            for event in replay:
                self._pending.setdefault(event["seq"], event)
            self.seq = seq
            self._applied = []
            if self.deliver_snapshot is not None:
                self.deliver_snapshot(snapshot)
            still_open = self._drain()
            if still_open:
                self._gap_tries += 1
                if self._gap_tries > self.max_gap_tries:
                    log.warning("dropped %d held events that no snapshot explains", len(self._pending))
                    self._pending.clear()
                    self._gap_since = None
                    self._gap_tries = 0
                else:
                    self._gap_since = self.clock()  # hold again before asking again

    def event(self, event) -> None:
        """Take an ``event`` message."""
        if not _valid(event):
            return
        with self.lock:
            seq = event["seq"]
            if self.seq is not None and seq <= self.seq:
                return  # already in the snapshot or handed on
            if len(self._pending) >= _MAX_PENDING:
                self._pending.clear()
                self._ask("overflow")
            self._pending.setdefault(seq, event)
            if self.seq is not None:
                had_gap = self._gap_since is not None
                if self._drain():
                    if self.gap_hold <= 0:  # no hold: ask at once
                        self.tick()
                elif had_gap:
                    self.gaps_filled += 1

    def request(self, reason: str = "asked") -> bool:
        """Ask for a snapshot now, unless one is already on its way; True if asked."""
        with self.lock:
            if self._asked_at is not None and self.clock() - self._asked_at < self.resync_retry:
                return False
            self._ask(reason)
            return True

    def tick(self) -> None:
        """Ask for a snapshot if a gap stayed open ``gap_hold`` s or a request got no answer."""
        with self.lock:
            now = self.clock()
            if self._asked_at is not None:
                if now - self._asked_at >= self.resync_retry:
                    self._ask("retry")
            elif self._gap_since is not None and now - self._gap_since >= self.gap_hold:
                missing = self.seq + 1 if self.seq is not None else None
                log.info("event %s did not come within %.2f s; asking for a snapshot", missing, self.gap_hold)
                self._ask("gap")

    # ------------------------------------------------------------------ internals
    def _ask(self, reason: str) -> None:
        self._asked_at = self.clock()
        self.resyncs += 1
        self.reasons[reason] += 1
        self.ask_snapshot()

    def _drain(self) -> bool:
        """Hand on every event that follows; True if a gap is still open."""
        assert self.seq is not None
        for old in [s for s in self._pending if s <= self.seq]:
            del self._pending[old]
        while (event := self._pending.pop(self.seq + 1, None)) is not None:
            self.seq = event["seq"]
            self._applied.append(event)
            del self._applied[:-_KEEP_APPLIED]
            self._gap_tries = 0
            if self.deliver_event is not None:
                self.deliver_event(event)
        if self._pending:
            if self._gap_since is None:
                self._gap_since = self.clock()
            return True
        self._gap_since = None
        return False
