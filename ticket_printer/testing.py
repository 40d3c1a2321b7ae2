"""A fake ESC/POS network printer for tests and benchmarks, and helpers to read what it got.

Shipped with the package (as python-escpos ships ``Dummy``) so that bench/ need not import tests/.

:class:`FakePrinter` listens on ``127.0.0.1`` on a free port, records every
byte it receives, and answers the real-time status requests ``DLE EOT n``
according to its :attr:`~FakePrinter.mode`. :func:`decode_raster` turns the
``GS v 0`` raster images in a recorded stream back into Pillow images, and
:func:`count_cuts` counts the ``GS V`` cuts.

As a pytest fixture::

    import pytest
    from ticket_printer.testing import FakePrinter

    @pytest.fixture
    def fake():
        with FakePrinter() as printer:
            yield printer

    def test_something(fake):
        fake.mode = "paper_out"
        config = fake.config()        # {"kind": "network", "host": ..., "port": ...}
        ...
        fake.wait_closed()
        assert fake.cuts == 0 and fake.images == []

Only loopback traffic; no real printer is needed.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from PIL import Image

__all__ = [
    "MODES",
    "STATUS_REPLIES",
    "EscposEvent",
    "EscposStreamParser",
    "FakePrinter",
    "count_cuts",
    "decode_raster",
    "free_port",
    "parse_escpos",
    "stack_images",
]

DLE, EOT, ESC, GS = 0x10, 0x04, 0x1B, 0x1D

# Replies to DLE EOT 1 (printer), 2 (offline cause), 3 (error cause),
# 4 (paper sensor). Bits 1 and 4 are always set in a reply (0x12).
_OK = 0x12
STATUS_REPLIES: dict[str, dict[int, int]] = {
    "online": {1: _OK, 2: _OK, 3: _OK, 4: _OK},
    # near-end sensor: n=4 bits 2-3
    "paper_low": {1: _OK, 2: _OK, 3: _OK, 4: _OK | 0x0C},
    # offline (n=1 bit 3), stopped by paper end (n=2 bit 5), paper end (n=4 bits 5-6)
    "paper_out": {1: _OK | 0x08, 2: _OK | 0x20, 3: _OK, 4: _OK | 0x0C | 0x60},
    # offline, cover open (n=2 bit 2)
    "cover_open": {1: _OK | 0x08, 2: _OK | 0x04, 3: _OK, 4: _OK},
    # offline with an error (n=2 bit 6), e.g. a cutter jam (n=3 bit 3)
    "offline": {1: _OK | 0x08, 2: _OK | 0x40, 3: _OK | 0x08, 4: _OK},
}

#: All modes: the ones above, "silent" (never answers a status request) and
#: "hangup" (closes the connection on a status request: an empty reply).
MODES = tuple(STATUS_REPLIES) + ("silent", "hangup")

# GS V m: 3 bytes for these m, 4 bytes (with n) for the others.
_CUT_SHORT = {0, 1, 48, 49}
_CUT_LONG = {65, 66, 97, 98, 103, 104}


@dataclass(frozen=True)
class EscposEvent:
    """One parsed item of an ESC/POS stream.

    ``kind`` is ``"raster"`` (``value``: the image; ``density``: m),
    ``"cut"`` (``value``: m), ``"status"`` (``value``: n of DLE EOT n),
    ``"init"`` (ESC @) or ``"byte"`` (``value``: any other byte).
    """

    kind: str
    value: Any = None
    density: int = 0


_INVERT = bytes(255 - i for i in range(256))


def _raster_image(width_bytes: int, height: int, data: bytes) -> Image.Image:
    """A ``GS v 0`` bit image as a Pillow mode "1" image (printed dot = black)."""
    # In mode "1" raw data a set bit is white; in ESC/POS a set bit is a dot.
    return Image.frombytes("1", (width_bytes * 8, height), data.translate(_INVERT))


class EscposStreamParser:
    """Incremental ESC/POS parser: :meth:`feed` bytes, get complete events.

    Understands exactly what is needed to find raster images, cuts and
    status requests without being fooled by image data: ``GS v 0``,
    ``GS ( L``, ``ESC *``, ``GS V``, ``DLE EOT``, ``ESC @``. Other bytes
    come out one by one as ``"byte"`` events.
    """

    def __init__(self) -> None:
        self._buffer = bytearray()

    def feed(self, data: bytes) -> list[EscposEvent]:
        self._buffer += data
        events: list[EscposEvent] = []
        buf = self._buffer
        pos = 0
        while pos < len(buf):
            step, event = self._parse_one(buf, pos)
            if step == 0:  # incomplete command: wait for more data
                break
            if event is not None:
                events.append(event)
            pos += step
        del buf[:pos]
        return events

    @property
    def pending(self) -> int:
        """Bytes of an incomplete command still waiting for more data."""
        return len(self._buffer)

    @staticmethod
    def _parse_one(buf: bytearray, pos: int) -> tuple[int, EscposEvent | None]:
        """Return (bytes consumed, event); consumed 0 means incomplete."""
        left = len(buf) - pos
        b0 = buf[pos]
        b1 = buf[pos + 1] if left > 1 else None
        if b1 is None and b0 in (GS, ESC, DLE):
            return 0, None
        if b0 == GS and b1 == ord("v"):
            if left < 8:
                return 0, None
            if buf[pos + 2] != ord("0"):
                return 1, EscposEvent("byte", b0)
            m = buf[pos + 3]
            width_bytes = buf[pos + 4] | buf[pos + 5] << 8
            height = buf[pos + 6] | buf[pos + 7] << 8
            size = width_bytes * height
            if left < 8 + size:
                return 0, None
            data = bytes(buf[pos + 8:pos + 8 + size])
            return 8 + size, EscposEvent("raster", _raster_image(width_bytes, height, data), m)
        if b0 == GS and b1 == ord("V"):
            if left < 3:
                return 0, None
            m = buf[pos + 2]
            if m in _CUT_SHORT:
                return 3, EscposEvent("cut", m)
            if m in _CUT_LONG:
                return (4, EscposEvent("cut", m)) if left >= 4 else (0, None)
            return 1, EscposEvent("byte", b0)
        if b0 == GS and b1 == ord("("):
            if left < 5:
                return 0, None
            size = buf[pos + 3] | buf[pos + 4] << 8
            return (5 + size, None) if left >= 5 + size else (0, None)
        if b0 == ESC and b1 == ord("*"):
            if left < 5:
                return 0, None
            m = buf[pos + 2]
            columns = buf[pos + 3] | buf[pos + 4] << 8
            size = columns * (1 if m in (0, 1) else 3)
            return (5 + size, None) if left >= 5 + size else (0, None)
        if b0 == ESC and b1 == ord("@"):
            return 2, EscposEvent("init")
        if b0 == DLE and b1 == EOT:
            if left < 3:
                return 0, None
            n = buf[pos + 2]
            if n in (7, 8):  # DLE EOT 7/8 take one more parameter byte
                return (4, EscposEvent("status", n)) if left >= 4 else (0, None)
            return 3, EscposEvent("status", n)
        return 1, EscposEvent("byte", b0)


def parse_escpos(data: bytes) -> list[EscposEvent]:
    """Parse a complete recorded stream into events (a trailing incomplete command is dropped)."""
    return EscposStreamParser().feed(bytes(data))


def decode_raster(data: bytes) -> list[Image.Image]:
    """The ``GS v 0`` raster images in *data*, as mode "1" Pillow images.

    Header: ``GS v 0 m xL xH yL yH`` then ``(xL + 256 xH) * (yL + 256 yH)``
    bytes, one bit per dot, MSB first, rows padded to whole bytes; so each
    image is a multiple of 8 pixels wide. python-escpos sends tall images in
    several fragments: join them with :func:`stack_images`::

        images = decode_raster(fake.received)
        ticket = stack_images(images)
    """
    return [event.value for event in parse_escpos(data) if event.kind == "raster"]


def count_cuts(data: bytes) -> int:
    """Number of ``GS V`` (cut) commands in *data*, image data excluded."""
    return sum(1 for event in parse_escpos(data) if event.kind == "cut")


def stack_images(images: Iterable[Image.Image]) -> Image.Image | None:
    """Join images top to bottom (fragments of one ticket). None if there are none."""
    images = list(images)
    if not images:
        return None
    width = max(image.width for image in images)
    result = Image.new("1", (width, sum(image.height for image in images)), 1)
    y = 0
    for image in images:
        result.paste(image, (0, y))
        y += image.height
    return result


class FakePrinter:
    """A threaded TCP server on 127.0.0.1 that behaves like an ESC/POS printer.

    ::

        with FakePrinter(mode="online") as fake:
            printer = TicketPrinter(fake.config())
            printer.print_ticket(image)
            fake.wait_closed()
            assert fake.cuts == 1

    To simulate a power cycle, stop it and start a new one on the same port::

        fake.stop()
        fake = FakePrinter(port=fake.port).start()

    :param mode: one of :data:`MODES`; can be changed at any time.
    :param host: address to listen on (loopback only, please).
    :param port: port to listen on; 0 (default) picks a free one.
    """

    def __init__(self, mode: str = "online", host: str = "127.0.0.1", port: int = 0) -> None:
        self._lock = threading.Lock()
        self._mode = ""
        self.mode = mode
        self.host = host
        self.port = port
        self._server: socket.socket | None = None
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self._jobs: list[bytearray] = []
        self._status_queries: list[int] = []
        self._accepted = 0
        self._closed = 0
        self._changed = threading.Condition(self._lock)

    # -- lifecycle --------------------------------------------------------

    def start(self) -> FakePrinter:
        """Bind a free port and start serving. Returns self."""
        if self._server is not None:
            return self
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        server.bind((self.host, self.port))
        server.listen(8)
        server.settimeout(0.05)
        self._server = server
        self.port = server.getsockname()[1]
        self._stop.clear()
        thread = threading.Thread(target=self._accept_loop, name=f"fake-printer-{self.port}", daemon=True)
        self._threads.append(thread)
        thread.start()
        return self

    def stop(self) -> None:
        """Stop serving, close every connection and wait for the threads."""
        self._stop.set()
        # shutdown() wakes threads blocked in accept()/recv() at once.
        sockets = [self._server] if self._server is not None else []
        with self._lock:
            sockets += self._clients
        for sock in sockets:
            try:
                sock.shutdown(socket.SHUT_RDWR)
            except OSError:
                pass
        for thread in self._threads:
            thread.join(timeout=2)
        self._threads.clear()
        if self._server is not None:
            self._server.close()
        self._server = None

    def __enter__(self) -> FakePrinter:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- settings and records ----------------------------------------------

    @property
    def mode(self) -> str:
        """How status requests are answered; see :data:`MODES`."""
        with self._lock:
            return self._mode

    @mode.setter
    def mode(self, value: str) -> None:
        if value not in MODES:
            raise ValueError(f"mode must be one of {MODES}, got {value!r}")
        with self._lock:
            self._mode = value

    @property
    def address(self) -> tuple[str, int]:
        return self.host, self.port

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A :class:`ticket_printer.printer.TicketPrinter` config for this fake.

        Short timeouts keep tests fast; pass keyword arguments to change keys.
        """
        config: dict[str, Any] = {"kind": "network", "host": self.host, "port": self.port,
                                  "timeout": 2.0, "status_timeout": 0.3}
        config.update(overrides)
        return config

    @property
    def received(self) -> bytes:
        """Every byte received, all connections in order of arrival."""
        with self._lock:
            return b"".join(bytes(job) for job in self._jobs)

    @property
    def jobs(self) -> list[bytes]:
        """The bytes received on each connection, one entry per connection."""
        with self._lock:
            return [bytes(job) for job in self._jobs]

    @property
    def status_queries(self) -> list[int]:
        """The n of every ``DLE EOT n`` received."""
        with self._lock:
            return list(self._status_queries)

    @property
    def connections(self) -> int:
        """Connections accepted so far."""
        with self._lock:
            return self._accepted

    @property
    def images(self) -> list[Image.Image]:
        """Raster images received (fragments are separate; see :func:`stack_images`)."""
        return decode_raster(self.received)

    @property
    def cuts(self) -> int:
        """``GS V`` cut commands received."""
        return count_cuts(self.received)

    def clear(self) -> None:
        """Forget everything recorded so far (not the mode)."""
        with self._lock:
            self._jobs.clear()
            self._status_queries.clear()
            self._accepted = self._closed = 0

    def wait_closed(self, connections: int | None = None, timeout: float = 3.0) -> bool:
        """Wait until *connections* connections have been accepted and closed.

        Default: at least one, and every one accepted so far. Call it after a
        job before reading :attr:`received`: the client may return before the
        server has even accepted its connection. After several jobs pass
        their number. Returns False on timeout.
        """
        deadline = time.monotonic() + timeout
        with self._changed:
            while True:
                target = max(1, self._accepted) if connections is None else connections
                if self._closed >= target:
                    return True
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    return False
                self._changed.wait(remaining)

    # -- server -----------------------------------------------------------

    def _accept_loop(self) -> None:
        server = self._server
        assert server is not None
        while not self._stop.is_set():
            try:
                client, _ = server.accept()
            except TimeoutError:
                continue
            except OSError:
                break
            client.settimeout(0.05)
            with self._changed:
                self._clients.append(client)
                job = bytearray()
                self._jobs.append(job)
                self._accepted += 1
                self._changed.notify_all()
            thread = threading.Thread(target=self._serve, args=(client, job), daemon=True)
            self._threads.append(thread)
            thread.start()

    def _serve(self, client: socket.socket, job: bytearray) -> None:
        parser = EscposStreamParser()
        try:
            while not self._stop.is_set():
                try:
                    data = client.recv(65536)
                except TimeoutError:
                    continue
                except OSError:
                    break
                if not data:
                    break
                with self._lock:
                    job += data
                if not self._answer(client, parser.feed(data)):
                    break
        finally:
            try:
                client.close()
            except OSError:
                pass
            with self._changed:
                if client in self._clients:
                    self._clients.remove(client)
                self._closed += 1
                self._changed.notify_all()

    def _answer(self, client: socket.socket, events: list[EscposEvent]) -> bool:
        """Answer status requests; False when the connection must end."""
        for event in events:
            if event.kind != "status":
                continue
            with self._lock:
                self._status_queries.append(event.value)
                mode = self._mode
            if mode == "silent":
                continue
            if mode == "hangup":
                try:
                    client.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass
                return False
            reply = STATUS_REPLIES[mode].get(event.value, _OK)
            try:
                client.sendall(bytes((reply,)))
            except OSError:
                return False
        return True


def free_port(host: str = "127.0.0.1") -> int:
    """A TCP port on *host* with nothing listening (for "connection refused")."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind((host, 0))
        return sock.getsockname()[1]

