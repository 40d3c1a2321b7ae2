"""Delays between connection attempts: exponential, capped, with jitter.

    >>> b = Backoff(initial=0.5, maximum=4.0, jitter=0, random=lambda: 0.5)
    >>> [b.next() for _ in range(5)]
    [0.5, 1.0, 2.0, 4.0, 4.0]
    >>> b.reset(); b.next()
    0.5

Jitter spreads the attempts of many devices after a server restart: with ``jitter=0.25``
each delay is drawn from 75 % to 125 % of its nominal value.
"""

from __future__ import annotations

import random as _random
from collections.abc import Callable

__all__ = ["Backoff"]


class Backoff:
    """``initial`` doubling up to ``maximum``, each delay ± ``jitter`` (a fraction)."""

    def __init__(self, initial: float = 0.5, maximum: float = 10.0, *, jitter: float = 0.25,
                 random: Callable[[], float] = _random.random):
        if initial <= 0 or maximum < initial:
            raise ValueError(f"backoff needs 0 < initial <= maximum, got {initial!r}, {maximum!r}")
        if not 0 <= jitter < 1:
            raise ValueError(f"jitter must be in [0, 1), got {jitter!r}")
        self.initial, self.maximum, self.jitter, self.random = initial, maximum, jitter, random
        self._next = initial

    def next(self) -> float:
        """The next delay, in seconds (and double the one after, up to ``maximum``)."""
        delay = min(self._next, self.maximum)
        self._next = min(self._next * 2, self.maximum)
        return delay * (1 + self.jitter * (2 * self.random() - 1))

    def reset(self) -> None:
        """Start again from ``initial`` (after a connection that worked)."""
        self._next = self.initial
