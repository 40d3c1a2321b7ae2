"""The live layer: python-socketio's ``AsyncServer`` on one asyncio loop, beside the Flask app.

Websockets cost a little memory each, not a thread: one process holds thousands of phones,
displays, button boxes and staff pages (docs/decisions/0001-live-layer.md).

Two rules keep the loop responsive and the events in order:

* Threads (Flask requests run by a2wsgi, the service's commits, background workers) never touch
  a socket: they call :meth:`Live.emit`, which hands the message to the loop. One task sends
  the messages in the order they were handed over, so events leave in sequence order; phones'
  ticket updates (``bulk``) wait until nothing else is waiting, so they never delay a call.
* Work that may block (the hall lock, SQLite and its fsync, PostgreSQL, argon2) never runs on the
  loop: socket handlers call :meth:`Live.run`, which uses a bounded thread pool.

Capacity is explicit (:class:`Capacity`): past the cap a public connection (a phone, an open
page) is refused at once with ``overloaded``; devices and staff use a reserve above the cap.

    live = Live(channel="motcua-demo", capacity=Capacity(max_connections=10_000, reserved=500))
    live.bind(asyncio.get_running_loop())      # when the server starts
    live.emit("event", {...}, to="centre:demo")  # from any thread
"""

from __future__ import annotations

import asyncio
import collections
import functools
import json
import logging
import os
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import socketio

log = logging.getLogger(__name__)

OVERLOADED = "overloaded"
OVERLOADED_VI = "Hệ thống đang quá tải, vui lòng thử lại sau"


class _Json:
    """JSON for the wire: UTF-8 text as it is (Vietnamese stays readable), no spaces."""

    @staticmethod
    def dumps(obj, **kwargs):
        kwargs.setdefault("separators", (",", ":"))
        return json.dumps(obj, ensure_ascii=False, default=str, **kwargs)

    @staticmethod
    def loads(text, **kwargs):
        return json.loads(text, **kwargs)


@dataclass(frozen=True)
class Capacity:
    """How many live connections one process accepts.

    ``max_connections`` public connections (phones following a ticket, pages without a login);
    devices and staff may go ``reserved`` above it, so a flood of phones never locks a counter or
    a display out. ``connects_per_minute`` new connections per client address.
    """

    max_connections: int = 10_000
    reserved: int = 500
    connects_per_minute: int = 300

    def __post_init__(self):
        if self.max_connections < 1 or self.reserved < 0 or self.connects_per_minute < 1:
            raise ValueError("connection limits must be positive (max connections and connects per minute >= 1, "
                             "reserved >= 0)")

    @property
    def ceiling(self) -> int:
        return self.max_connections + self.reserved


class Live:
    """One centre's Socket.IO server, its thread pool and the hand-over from threads to the loop."""

    KINDS = ("public", "device", "staff")

    def __init__(self, *, channel: str, message_queue: str | None = None, capacity: Capacity | None = None,
                 workers: int = 16):
        manager = socketio.AsyncRedisManager(message_queue, channel=channel) if message_queue else None
        self.sio = socketio.AsyncServer(
            async_mode="asgi", client_manager=manager, cors_allowed_origins=None, json=_Json,
            ping_interval=10, ping_timeout=10, max_http_buffer_size=64 * 1024, transports=["polling", "websocket"],
        )
        self.capacity = capacity or Capacity()
        self.pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="live")
        self.loop: asyncio.AbstractEventLoop | None = None
        self._outbox: collections.deque | None = None
        self._bulk: collections.deque = collections.deque()
        self.counts = dict.fromkeys(self.KINDS, 0)
        self.kinds: dict[str, str] = {}

    # ------------------------------------------------------------------ the loop
    def bind(self, loop: asyncio.AbstractEventLoop) -> None:
        """Start sending on ``loop`` (called from the loop, once the server runs)."""
        self.loop = loop
        self._outbox = collections.deque()  # events, snapshots, alerts: in order, first
        self._bulk = collections.deque()  # phones' ticket updates: in order, after the outbox
        self._wake = asyncio.Event()
        self._sender = loop.create_task(self._send_all(), name="live-sender")

    async def _send_all(self) -> None:
        """One sender: everything in the outbox before any phone update, each queue in order.

        A burst of thousands of phone updates never holds a call back from the displays.
        """
        while True:
            if self._outbox:
                event, data, to = self._outbox.popleft()
            elif self._bulk:
                event, data, to = self._bulk.popleft()
            else:
                self._wake.clear()
                await self._wake.wait()
                continue
            try:
                await self.sio.emit(event, data, to=to)
            except Exception:  # one failed send must not stop the others
                log.exception("could not send %s to %s", event, to)

    def _put(self, queue: collections.deque, item: tuple) -> None:
        queue.append(item)
        self._wake.set()

    def emit(self, event: str, data, *, to: str, bulk: bool = False) -> None:
        """Send ``event`` to a room or a socket id, from any thread, in the order of the calls.

        ``bulk`` messages (phones' ticket updates) go after everything else that is waiting.
        Before the server runs (an app used in-process, e.g. by tests or the CLI) there is
        nobody to send to and the message is dropped.
        """
        loop, outbox = self.loop, self._outbox
        if loop is None or outbox is None or loop.is_closed():
            return
        try:
            loop.call_soon_threadsafe(self._put, self._bulk if bulk else outbox, (event, data, to))
        except RuntimeError:  # the loop closed while we were handing over (shutting down)
            pass

    async def run(self, fn, *args, **kwargs):
        """Run blocking ``fn`` in the bounded pool and wait for it without blocking the loop."""
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self.pool, functools.partial(fn, *args, **kwargs))

    # ------------------------------------------------------------------ capacity
    def admit(self, sid: str, kind: str) -> bool:
        """Count a new connection of ``kind``; False when it is over its share of the capacity."""
        total = sum(self.counts.values())
        if kind == "public" and self.counts["public"] >= self.capacity.max_connections:
            return False
        if total >= self.capacity.ceiling:
            return False
        self.counts[kind] += 1
        self.kinds[sid] = kind
        return True

    def release(self, sid: str) -> None:
        kind = self.kinds.pop(sid, None)
        if kind is not None:
            self.counts[kind] -= 1



def open_files_limit(wanted: int) -> tuple[int, int]:
    """Raise this process's open-files soft limit towards ``wanted`` (up to the hard limit).

    Returns (soft, hard) after the change; every connection is one file descriptor.
    """
    import resource

    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = wanted if hard == resource.RLIM_INFINITY else min(wanted, hard)
    if soft != resource.RLIM_INFINITY and soft < target:
        try:
            resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
            soft = target
        except (ValueError, OSError):
            log.warning("could not raise the open-files limit to %d", target)
    return soft, hard


def capacity_from_env(**overrides) -> Capacity:
    """The capacity from ``MOTCUA_MAX_CONNECTIONS``, ``MOTCUA_RESERVED_CONNECTIONS`` and
    ``MOTCUA_CONNECTS_PER_MINUTE`` (command-line options override them)."""
    values = {}
    for key, env in (("max_connections", "MOTCUA_MAX_CONNECTIONS"), ("reserved", "MOTCUA_RESERVED_CONNECTIONS"),
                     ("connects_per_minute", "MOTCUA_CONNECTS_PER_MINUTE")):
        if overrides.get(key) is not None:
            values[key] = int(overrides[key])
        elif os.environ.get(env):
            values[key] = int(os.environ[env])
    return Capacity(**values)
