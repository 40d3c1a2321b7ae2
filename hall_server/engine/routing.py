"""Routing policies: which waiting ticket a counter gets when it calls next.

A policy sees the per-field waiting queues (each sorted by effective time) and the
fields the calling counter serves, and returns the chosen ticket id or None::

    policy = OldestEligibleFirst()
    ticket_id = policy.choose(queues, ("DD", "XD"), counter_number)

*Effective time* is the issue time minus the priority head start (docs/simulation.md), so a
priority citizen goes ahead of at most ``head start`` worth of earlier arrivals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Protocol

# A queue entry: (effective time as epoch seconds, ticket id). Queues are kept sorted.
QueueEntry = tuple[float, int]
Queues = Mapping[str, Sequence[QueueEntry]]


class RoutingPolicy(Protocol):
    name: str

    def choose(self, queues: Mapping[str, Sequence[QueueEntry]], fields: Sequence[str]) -> int | None:
        """Return the id of the ticket to call, or None when nothing eligible waits."""


class OldestEligibleFirst:
    """Smallest effective time among all fields the counter serves (the default).

    Near optimal when counters serve overlapping sets of fields (Wallace & Whitt 2005).
    """

    name = "oldest_eligible_first"

    def choose(self, queues: Queues, fields: Sequence[str]) -> int | None:
        best: QueueEntry | None = None
        for code in fields:
            queue = queues.get(code)
            if queue and (best is None or queue[0] < best):
                best = queue[0]
        return best[1] if best else None


class LongestQueueFirst:
    """Head of the longest queue among the counter's fields (starves small fields)."""

    name = "longest_queue_first"

    def choose(self, queues: Queues, fields: Sequence[str]) -> int | None:
        best_code = None
        for code in fields:
            queue = queues.get(code)
            if queue and (best_code is None or len(queue) > len(queues[best_code])):
                best_code = code
        return queues[best_code][0][1] if best_code else None


class OwnFieldFirst:
    """The counter's first field while it has anyone waiting, then oldest of the rest."""

    name = "own_field_first"

    def choose(self, queues: Queues, fields: Sequence[str]) -> int | None:
        if fields and queues.get(fields[0]):
            return queues[fields[0]][0][1]
        return OldestEligibleFirst().choose(queues, fields[1:])


POLICIES = {p.name: p for p in (OldestEligibleFirst, LongestQueueFirst, OwnFieldFirst)}
