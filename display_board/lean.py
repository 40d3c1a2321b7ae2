"""Keep optional heavy modules out of the board process (up to 60 MB on a 1 GB Pi).

Libraries the board uses import others it never needs, when they happen to be installed:

* pygame imports numpy (for ``surfarray``) and pkg_resources (for its own data files);
* python-socketio imports redis, valkey, kombu and kafka (for server-side message
  queues) and python-engineio imports aiohttp (for its asyncio client);
* requests imports charset_normalizer or chardet, to guess the encoding of text
  responses; the board only reads JSON, which needs no guessing.

Each of them handles the module's absence. Call :func:`lean_imports` before importing
pygame, requests or socketio::

    >>> from display_board.lean import lean_imports
    >>> lean_imports()      # doctest: +SKIP
    >>> import pygame       # doctest: +SKIP
"""

from __future__ import annotations

import sys
import warnings

__all__ = ["lean_imports", "SKIPPED"]

#: Modules the board process does without.
SKIPPED = ("numpy", "pkg_resources", "aiohttp", "redis", "valkey", "kombu", "kafka", "aioredis",
           "charset_normalizer", "chardet")


def lean_imports() -> list[str]:
    """Block :data:`SKIPPED` modules not imported yet; return the ones blocked."""
    # requests warns once when it has no encoding guesser; the board does not need one
    warnings.filterwarnings("ignore", message="Unable to find acceptable character detection dependency")
    blocked = []
    for name in SKIPPED:
        if name not in sys.modules:
            sys.modules[name] = None  # "import numpy" now raises ImportError
            blocked.append(name)
    return blocked
