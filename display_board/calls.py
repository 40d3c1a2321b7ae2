"""The big call panel's queue: every call is shown, one after another, long enough to read.

Calls that arrive together (five counters pressing Next in the same second) are shown in
turn; each stays on the panel at least ``min_show`` seconds, and while the voice is still
speaking it (``busy``), up to ``max_hold`` seconds, so the panel and the loudspeaker agree.
Time is whatever the caller says it is, so tests drive it by hand::

    >>> queue = CallQueue(min_show=4.0)
    >>> for n in (1, 2):
    ...     _ = queue.push(Call(ticket_id=n, code=f"A00{n}", counter=n))
    >>> queue.advance(now=0.0).code
    'A001'
    >>> queue.advance(now=3.9) is None          # A001 has not been up long enough
    True
    >>> queue.advance(now=4.0).code
    'A002'
    >>> queue.push(Call(ticket_id=2, code="A002", counter=2))   # the same call again: ignored
    False
    >>> queue.push(Call(ticket_id=2, code="A002", counter=2, recalls=1))  # a recall is new
    True
"""

from __future__ import annotations

import collections
from dataclasses import dataclass

__all__ = ["Call", "CallQueue"]


@dataclass(frozen=True)
class Call:
    """One call (or recall) of a ticket to a counter.

    ``recalls`` counts the recalls of the ticket so far; a call with ``recalls > 0`` is a
    recall. ``officer`` is the officer id seated at the counter when it was called.
    """

    ticket_id: int
    code: str
    counter: int
    recalls: int = 0
    officer: str | None = None
    field: str | None = None

    @property
    def recall(self) -> bool:
        """True if this is a recall (the ticket was called again)."""
        return self.recalls > 0

    @property
    def key(self) -> tuple[int, int]:
        """Identifies the call: the same ticket called again is a new key."""
        return (self.ticket_id, self.recalls)


class CallQueue:
    """Calls waiting for the panel, the one on it, and when it went up.

    ``min_show``: seconds each call stays up before the next may replace it;
    ``highlight``: seconds a call stays highlighted after it goes up (longer while
    others wait); ``max_hold``: the longest a busy voice may keep a call up;
    ``limit``: calls kept waiting at most (the oldest are dropped beyond it).
    """

    def __init__(self, *, min_show: float = 4.0, highlight: float = 10.0, max_hold: float = 20.0,
                 limit: int = 30, remember: int = 1000):
        if min_show <= 0 or highlight < 0 or max_hold < min_show:
            raise ValueError("need min_show > 0, highlight >= 0 and max_hold >= min_show")
        self.min_show = float(min_show)
        self.highlight = float(highlight)
        self.max_hold = float(max_hold)
        self.limit = int(limit)
        self.current: Call | None = None
        self.shown_at: float | None = None
        self.quiet = False  # the current call was put up without being announced
        self._pending: collections.deque[Call] = collections.deque()
        self._seen: collections.OrderedDict[tuple[int, int], None] = collections.OrderedDict()
        self._remember = remember

    @property
    def pending(self) -> tuple[Call, ...]:
        """Calls waiting for their turn, oldest first."""
        return tuple(self._pending)

    def seen(self, call: Call) -> bool:
        """True if ``call`` was queued or shown already."""
        return call.key in self._seen

    def mark_seen(self, call: Call) -> None:
        """Remember ``call`` as already announced (e.g. calls in the first snapshot)."""
        self._seen[call.key] = None
        self._seen.move_to_end(call.key)
        while len(self._seen) > self._remember:
            self._seen.popitem(last=False)

    def forget(self) -> None:
        """Forget which calls were seen (the server started over: ticket ids may come again)."""
        self._seen.clear()

    def push(self, call: Call) -> bool:
        """Queue ``call`` unless it was seen before; return whether it was queued."""
        if self.seen(call):
            return False
        self.mark_seen(call)
        self._pending.append(call)
        while len(self._pending) > self.limit:
            self._pending.popleft()
        return True

    def show_quietly(self, call: Call, now: float) -> None:
        """Put ``call`` on the panel unhighlighted and unannounced (a board that just started)."""
        self.mark_seen(call)
        self.current, self.shown_at, self.quiet = call, now - self.highlight, True

    def advance(self, now: float, busy: bool = False) -> Call | None:
        """Put the next waiting call up if the current one has had its time.

        ``busy`` is true while the voice is still speaking; it holds the current call up
        to ``max_hold`` seconds. Returns the call just put up (announce it), or None.
        """
        if not self._pending:
            return None
        if self.current is not None and not self.quiet:
            up = now - self.shown_at
            if up < self.min_show or (busy and up < self.max_hold):
                return None
        call = self._pending.popleft()
        self.current, self.shown_at, self.quiet = call, now, False
        return call

    def highlighted(self, now: float) -> bool:
        """Whether the current call is drawn highlighted at ``now``."""
        if self.current is None or self.quiet:
            return False
        return now - self.shown_at < self.highlight or bool(self._pending)
