"""Send rendered tickets to an ESC/POS thermal printer and read its status.

:class:`TicketPrinter` wraps a python-escpos connection chosen from a plain
config dict. Every job (a status query or a ticket) opens a fresh
connection and closes it afterwards, so a printer that was power-cycled
between two tickets keeps working. Tickets are sent as a raster image
(``GS v 0``) followed by a cut; see :mod:`ticket_printer.render`.

Typical use on a dispenser::

    from ticket_printer.printer import PaperOut, PrinterError, TicketPrinter
    from ticket_printer.render import render_ticket

    printer = TicketPrinter({"kind": "network", "host": "192.0.2.50", "port": 9100,
                             "profile": "TM-T88V"})          # 512 dots wide
    image = render_ticket(info, width_px=printer.width_px)
    try:
        printer.print_ticket(image)
    except PaperOut:
        ...  # show "Hết giấy" and call staff
    except PrinterError as exc:
        ...  # exc.status says what was seen

Config keys (one dict per printer):

=================  ===========================================================
``kind``           ``"network"``, ``"usb"``, ``"serial"``, ``"file"`` or
                   ``"dummy"`` (required)
``host``, ``port`` network: printer address, port default 9100
``vendor_id``,     usb: ids as int or string (``"0x0416"``); optional
``product_id``     ``in_ep`` / ``out_ep`` (default 0x82 / 0x01)
``device``         serial: e.g. ``"/dev/ttyUSB0"``; file: e.g. ``"/dev/usb/lp0"``
``baudrate``       serial: default 9600; optional ``dsrdtr`` (default True)
``profile``        python-escpos printer profile name, e.g. ``"TM-T88V"``
                   (default ``"default"``)
``width_px``       paper width in dots; default: the profile's width, else 576
``timeout``        seconds to connect / write (default 5)
``status_timeout`` seconds to wait for each status reply (default 1)
``check_status``   default for :meth:`TicketPrinter.print_ticket`; default
                   True for network, usb and serial, False for file and dummy
                   (they cannot read replies)
``cut``            ``"full"`` (default), ``"partial"`` or ``"none"``
``fragment_height`` rows per ``GS v 0`` block (default 960)
=================  ===========================================================

USB needs ``pyusb`` (``pip install pyusb``) and serial needs ``pyserial``
(``pip install pyserial``); they are optional extras of python-escpos.
"""

from __future__ import annotations

import enum
import logging
import socket
import threading
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

from escpos import printer as escpos_printer
from escpos.capabilities import get_profile
from escpos.constants import RT_MASK_ONLINE, RT_STATUS
from escpos.escpos import Escpos
from escpos.exceptions import DeviceNotFoundError
from escpos.exceptions import Error as EscposError
from PIL import Image

if TYPE_CHECKING:  # pragma: no cover
    from .render import TicketInfo

__all__ = [
    "CoverOpen",
    "PaperOut",
    "PrintJobFailed",
    "PrinterConfigError",
    "PrinterError",
    "PrinterOffline",
    "PrinterStatus",
    "PrinterUnknownState",
    "TicketPrinter",
    "decode_status",
    "error_for_status",
]

log = logging.getLogger(__name__)

# --------------------------------------------------------------------------
# ESC/POS real-time status (DLE EOT n)
# --------------------------------------------------------------------------

#: ``DLE EOT n`` requests (python-escpos calls the prefix ``RT_STATUS``).
STATUS_PRINTER = 1  #: n=1: printer status
STATUS_OFFLINE_CAUSE = 2  #: n=2: offline cause (cover open, paper end, error)
STATUS_PAPER = 4  #: n=4: roll paper sensor

# Every reply byte has bit 0 = 0, bit 1 = 1, bit 4 = 1, bit 7 = 0. A byte that
# does not match is not a status reply (noise, an ASB packet, an echo).
_FIXED_MASK = 0x93
_FIXED_VALUE = 0x12

#: n=1 bit 3: printer is offline (python-escpos ``RT_MASK_ONLINE``).
PRINTER_OFFLINE = RT_MASK_ONLINE
#: n=2 bit 2: cover is open.
CAUSE_COVER_OPEN = 0x04
#: n=2 bit 5: printing stopped because the paper ran out.
CAUSE_PAPER_END = 0x20
#: n=2 bit 6: an error occurred (cutter jam, head overheat, ...).
CAUSE_ERROR = 0x40
#: n=4 bits 2-3: roll paper near-end sensor.
PAPER_NEAR_END = 0x0C
#: n=4 bits 5-6: roll paper end sensor.
PAPER_END = 0x60


class PrinterStatus(enum.Enum):
    """What a printer reported, decoded from its ESC/POS status bytes.

    ::

        status = printer.status()
        if status is PrinterStatus.PAPER_LOW:
            notify_staff(status.label_vi)     # "Máy in sắp hết giấy"
        if status.can_print:
            printer.print_ticket(image)
    """

    OK = "ok"
    PAPER_LOW = "paper_low"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"
    UNKNOWN = "unknown"

    @property
    def can_print(self) -> bool:
        """True for :attr:`OK` and :attr:`PAPER_LOW`."""
        return self in (PrinterStatus.OK, PrinterStatus.PAPER_LOW)

    @property
    def label_vi(self) -> str:
        """Short Vietnamese text for staff screens."""
        return _LABELS_VI[self]


_LABELS_VI = {
    PrinterStatus.OK: "Máy in sẵn sàng",
    PrinterStatus.PAPER_LOW: "Máy in sắp hết giấy",
    PrinterStatus.PAPER_OUT: "Máy in hết giấy",
    PrinterStatus.COVER_OPEN: "Nắp máy in đang mở",
    PrinterStatus.OFFLINE: "Máy in không sẵn sàng hoặc mất kết nối",
    PrinterStatus.UNKNOWN: "Không rõ trạng thái máy in",
}


def _status_byte(reply: bytes | None) -> int | None:
    """The last valid status byte in *reply*, or None (empty, garbage)."""
    if not reply:
        return None
    for byte in reversed(bytes(reply)):
        if byte & _FIXED_MASK == _FIXED_VALUE:
            return byte
    return None


def decode_status(printer: int | None, offline_cause: int | None,
                  paper: int | None) -> PrinterStatus:
    """Decode the replies to ``DLE EOT 1``, ``DLE EOT 2`` and ``DLE EOT 4``.

    Pass ``None`` for a request that got no (valid) reply. Anything that
    cannot be confirmed is :attr:`PrinterStatus.UNKNOWN`: an empty reply
    never means "paper OK". Precedence: cover open, paper out, offline (or
    other error), unknown, paper low, OK::

        >>> decode_status(0x12, 0x12, 0x12)
        <PrinterStatus.OK: 'ok'>
        >>> decode_status(0x1A, 0x32, 0x72)
        <PrinterStatus.PAPER_OUT: 'paper_out'>
        >>> decode_status(0x12, 0x12, None)
        <PrinterStatus.UNKNOWN: 'unknown'>
    """
    if printer is None:
        return PrinterStatus.UNKNOWN
    if offline_cause is not None and offline_cause & CAUSE_COVER_OPEN:
        return PrinterStatus.COVER_OPEN
    if (paper is not None and paper & PAPER_END) or (
            offline_cause is not None and offline_cause & CAUSE_PAPER_END):
        return PrinterStatus.PAPER_OUT
    if printer & PRINTER_OFFLINE or (offline_cause is not None and offline_cause & CAUSE_ERROR):
        return PrinterStatus.OFFLINE
    if offline_cause is None or paper is None:
        return PrinterStatus.UNKNOWN
    if paper & PAPER_NEAR_END:
        return PrinterStatus.PAPER_LOW
    return PrinterStatus.OK


# --------------------------------------------------------------------------
# Errors
# --------------------------------------------------------------------------


class PrinterConfigError(ValueError):
    """The printer config dict is invalid (unknown kind, missing key, ...)."""


class PrinterError(Exception):
    """A ticket could not be printed. :attr:`status` says what was seen."""

    status: PrinterStatus = PrinterStatus.UNKNOWN

    def __init__(self, message: str, status: PrinterStatus | None = None) -> None:
        super().__init__(message)
        if status is not None:
            self.status = status


class PrinterOffline(PrinterError):
    """The printer cannot be reached, or reports itself offline or in error."""

    status = PrinterStatus.OFFLINE


class PaperOut(PrinterError):
    """The printer reports that the paper roll is empty."""

    status = PrinterStatus.PAPER_OUT


class CoverOpen(PrinterError):
    """The printer reports that its cover is open."""

    status = PrinterStatus.COVER_OPEN


class PrinterUnknownState(PrinterError):
    """The printer did not answer the status requests (or answered nothing).

    Printing anyway may work; the caller decides, e.g. by retrying with
    ``print_ticket(image, check_status=False)``.
    """

    status = PrinterStatus.UNKNOWN


class PrintJobFailed(PrinterError):
    """The connection failed while the ticket was being sent.

    Part of the ticket may have been printed.
    """

    status = PrinterStatus.UNKNOWN


_ERRORS = {
    PrinterStatus.OFFLINE: PrinterOffline,
    PrinterStatus.PAPER_OUT: PaperOut,
    PrinterStatus.COVER_OPEN: CoverOpen,
    PrinterStatus.UNKNOWN: PrinterUnknownState,
}


def error_for_status(status: PrinterStatus, where: str = "printer") -> PrinterError:
    """The exception :meth:`TicketPrinter.print_ticket` raises for *status*.

    :raises ValueError: for a status that allows printing.
    """
    if status.can_print:
        raise ValueError(f"{status} is not an error")
    return _ERRORS[status](f"{where}: {status.label_vi} ({status.value})", status)


# --------------------------------------------------------------------------
# Config
# --------------------------------------------------------------------------

_COMMON_KEYS = {"kind", "profile", "width_px", "timeout", "status_timeout",
                "check_status", "cut", "fragment_height"}
_KIND_KEYS = {
    "network": ({"host"}, {"port"}),
    "usb": ({"vendor_id", "product_id"}, {"in_ep", "out_ep"}),
    "serial": ({"device"}, {"baudrate", "dsrdtr"}),
    "file": ({"device"}, set()),
    "dummy": (set(), set()),
}
_CUT_MODES = {"full": "FULL", "partial": "PART", "none": None}
_FALLBACK_WIDTH_PX = 576


def _as_int(config: Mapping[str, Any], key: str, default: int | None = None) -> int:
    value = config.get(key, default)
    try:
        if isinstance(value, bool):
            raise TypeError
        return int(value, 0) if isinstance(value, str) else int(value)
    except (TypeError, ValueError):
        raise PrinterConfigError(f"printer config {key!r} must be an integer, got {value!r}") from None


def _as_seconds(config: Mapping[str, Any], key: str, default: float) -> float:
    value = config.get(key, default)
    try:
        seconds = float(value)
    except (TypeError, ValueError):
        raise PrinterConfigError(f"printer config {key!r} must be a number of seconds, got {value!r}") from None
    if not 0 < seconds <= 120:
        raise PrinterConfigError(f"printer config {key!r} must be in (0, 120] seconds, got {value!r}")
    return seconds


def _as_bool(config: Mapping[str, Any], key: str, default: bool) -> bool:
    value = config.get(key, default)
    if not isinstance(value, bool):
        raise PrinterConfigError(f"printer config {key!r} must be true or false, got {value!r}")
    return value


def _profile_width(profile_name: str) -> int | None:
    try:
        profile = get_profile(profile_name)
    except KeyError:
        raise PrinterConfigError(f"unknown python-escpos printer profile {profile_name!r}") from None
    pixels = profile.profile_data.get("media", {}).get("width", {}).get("pixels")
    try:
        return int(pixels)
    except (TypeError, ValueError):
        return None


# --------------------------------------------------------------------------
# The printer
# --------------------------------------------------------------------------


class TicketPrinter:
    """One ESC/POS ticket printer, described by a config dict.

    Thread-safe: jobs from several threads are serialised. No connection is
    kept between jobs.

    ::

        printer = TicketPrinter({"kind": "network", "host": "192.0.2.50"})
        printer.status()                 # PrinterStatus.OK, .PAPER_OUT, ...
        printer.print_ticket(image)      # raises PaperOut, CoverOpen, ...

        dev = TicketPrinter({"kind": "dummy", "width_px": 384})
        dev.print_ticket(image)          # no status check for dummy
        raw = dev.dummy_output           # the ESC/POS bytes

    :param config: see the module docstring for the keys.
    :raises PrinterConfigError: if the config is invalid, or the connection
        kind needs a package that is not installed.
    """

    def __init__(self, config: Mapping[str, Any]) -> None:
        config = dict(config)
        kind = config.get("kind")
        if not isinstance(kind, str) or kind not in _KIND_KEYS:
            raise PrinterConfigError(
                f"printer config 'kind' must be one of {sorted(_KIND_KEYS)}, got {kind!r}")
        required, optional = _KIND_KEYS[kind]
        missing = sorted(required - config.keys())
        if missing:
            raise PrinterConfigError(f"{kind} printer config is missing {', '.join(missing)}")
        unknown = sorted(config.keys() - required - optional - _COMMON_KEYS)
        if unknown:
            allowed = ", ".join(sorted(required | optional | _COMMON_KEYS))
            raise PrinterConfigError(f"unknown {kind} printer config key(s) {', '.join(unknown)}; "
                                     f"allowed: {allowed}")
        self.kind: str = kind
        self.profile: str = str(config.get("profile") or "default")
        profile_px = _profile_width(self.profile)

        if config.get("width_px") is not None:
            width = _as_int(config, "width_px")
            if width <= 0:
                raise PrinterConfigError(f"width_px must be positive, got {width}")
            if profile_px is not None and width > profile_px:
                raise PrinterConfigError(
                    f"width_px {width} is wider than profile {self.profile!r} ({profile_px} dots)")
        elif profile_px is not None:
            width = profile_px
        else:
            width = _FALLBACK_WIDTH_PX
            log.warning("printer profile %r has no paper width and width_px is not set; "
                        "assuming %d dots (80 mm paper)", self.profile, width)
        #: Printable width in dots; render tickets at this width.
        self.width_px: int = width

        self.timeout: float = _as_seconds(config, "timeout", 5.0)
        self.status_timeout: float = _as_seconds(config, "status_timeout", 1.0)
        cut = str(config.get("cut", "full")).lower()
        if cut not in _CUT_MODES:
            raise PrinterConfigError(f"cut must be one of {sorted(_CUT_MODES)}, got {cut!r}")
        self.cut: str | None = _CUT_MODES[cut]
        self.fragment_height: int = _as_int(config, "fragment_height", 960)
        if not 8 <= self.fragment_height <= 2303:
            raise PrinterConfigError("fragment_height must be in 8..2303")
        #: Default of :meth:`print_ticket`'s ``check_status``.
        self.check_status: bool = _as_bool(config, "check_status", kind in ("network", "usb", "serial"))

        if kind == "network":
            self.host: str = str(config["host"])
            self.port: int = _as_int(config, "port", 9100)
        elif kind == "usb":
            if not escpos_printer.Usb.is_usable():
                raise PrinterConfigError("usb printers need pyusb: pip install pyusb "
                                         "(and the libusb-1.0-0 system library)")
            self.vendor_id: int = _as_int(config, "vendor_id")
            self.product_id: int = _as_int(config, "product_id")
            self.in_ep: int = _as_int(config, "in_ep", 0x82)
            self.out_ep: int = _as_int(config, "out_ep", 0x01)
        elif kind == "serial":
            if not escpos_printer.Serial.is_usable():
                raise PrinterConfigError("serial printers need pyserial: pip install pyserial")
            self.device: str = str(config["device"])
            self.baudrate: int = _as_int(config, "baudrate", 9600)
            self.dsrdtr: bool = _as_bool(config, "dsrdtr", True)
        elif kind == "file":
            self.device = str(config["device"])

        self._lock = threading.Lock()
        self._dummy: escpos_printer.Dummy | None = None
        if kind == "dummy":
            self._dummy = escpos_printer.Dummy(profile=self.profile)
            self._fit_profile(self._dummy)

    def __repr__(self) -> str:
        where = {
            "network": lambda: f"{self.host}:{self.port}",
            "usb": lambda: f"{self.vendor_id:04x}:{self.product_id:04x}",
            "serial": lambda: self.device,
            "file": lambda: self.device,
            "dummy": lambda: "dummy",
        }[self.kind]()
        return f"<TicketPrinter {self.kind} {where} {self.width_px}px profile={self.profile}>"

    # -- public API -------------------------------------------------------

    @property
    def dummy_output(self) -> bytes:
        """Everything sent so far to a ``dummy`` printer.

        :raises TypeError: for other kinds.
        """
        if self._dummy is None:
            raise TypeError("dummy_output exists only for kind 'dummy'")
        return self._dummy.output

    def status(self) -> PrinterStatus:
        """Ask the printer for its state (``DLE EOT 1``, ``2`` and ``4``).

        Opens a connection, queries, closes. A refused or failed connection
        gives :attr:`PrinterStatus.OFFLINE`; no reply or an empty reply gives
        :attr:`PrinterStatus.UNKNOWN`. ``file`` and ``dummy`` printers cannot
        read replies: UNKNOWN when the device opens (``file``: OFFLINE when
        it does not). Never raises for printer problems::

            if printer.status() is PrinterStatus.PAPER_OUT:
                show_message("Hết giấy")
        """
        try:
            with self._session() as conn:
                return self._read_status(conn)
        except PrinterOffline:
            return PrinterStatus.OFFLINE

    def print_ticket(self, image: Image.Image, check_status: bool | None = None) -> PrinterStatus:
        """Print *image* as a raster image (``GS v 0``), then cut.

        With *check_status* (default: the config's ``check_status``) the
        printer's status is read first, on the same connection, and nothing
        is sent unless it is OK or PAPER_LOW::

            try:
                printer.print_ticket(image)
            except PrinterUnknownState:
                printer.print_ticket(image, check_status=False)   # caller's choice

        :param image: a PIL image no wider than :attr:`width_px`; converted
            to 1-bit if needed (black prints).
        :returns: the status seen before printing (UNKNOWN if not checked).
        :raises PrinterOffline: cannot connect, or the printer is offline.
        :raises PaperOut: no paper. :raises CoverOpen: cover open.
        :raises PrinterUnknownState: the status could not be read.
        :raises PrintJobFailed: the connection broke while sending.
        :raises ValueError: the image is wider than :attr:`width_px`.
        """
        if image.width > self.width_px:
            raise ValueError(f"image is {image.width} px wide; this printer prints {self.width_px} px")
        if image.mode != "1":
            image = image.convert("1")
        if check_status is None:
            check_status = self.check_status
        status = PrinterStatus.UNKNOWN
        with self._session() as conn:
            if check_status:
                status = self._read_status(conn)
                if not status.can_print:
                    raise error_for_status(status, repr(self))
                if status is PrinterStatus.PAPER_LOW:
                    log.warning("%r: paper is low", self)
            try:
                conn.hw("INIT")  # ESC @: reset modes left by earlier jobs
                conn.image(image, impl="bitImageRaster", fragment_height=self.fragment_height)
                if self.cut is not None:
                    conn.cut(mode=self.cut)  # feeds, then GS V if the profile has a cutter
                else:
                    conn.print_and_feed(6)
            except (OSError, EscposError) as exc:
                raise PrintJobFailed(f"{self!r}: sending the ticket failed: {exc}") from exc
        return status

    def print_info(self, info: TicketInfo, check_status: bool | None = None) -> PrinterStatus:
        """Render a :class:`~ticket_printer.render.TicketInfo` at this printer's width and print it.

        ::

            printer.print_info(TicketInfo(...))
        """
        from .render import render_ticket

        return self.print_ticket(render_ticket(info, width_px=self.width_px), check_status)

    # -- connections ------------------------------------------------------

    def _fit_profile(self, conn: Escpos) -> None:
        """Give this connection's profile our paper width.

        python-escpos refuses images wider than the profile's width and
        prints a warning on stdout when the width is unknown. The profile
        data is shared per class, so copy before changing it.
        """
        data = dict(conn.profile.profile_data)
        media = dict(data.get("media", {}))
        media["width"] = {**media.get("width", {}), "pixels": self.width_px}
        data["media"] = media
        conn.profile.profile_data = data

    def _new_connection(self) -> Escpos:
        if self.kind == "network":
            conn: Escpos = escpos_printer.Network(host=self.host, port=self.port,
                                                  timeout=self.timeout, profile=self.profile)
        elif self.kind == "usb":
            conn = escpos_printer.Usb(idVendor=self.vendor_id, idProduct=self.product_id,
                                      timeout=int(self.timeout * 1000), in_ep=self.in_ep,
                                      out_ep=self.out_ep, profile=self.profile)
        elif self.kind == "serial":
            conn = escpos_printer.Serial(devfile=self.device, baudrate=self.baudrate,
                                         timeout=self.timeout, dsrdtr=self.dsrdtr,
                                         profile=self.profile)
        else:
            conn = escpos_printer.File(devfile=self.device, profile=self.profile)
        self._fit_profile(conn)
        return conn

    @contextmanager
    def _session(self) -> Iterator[Escpos]:
        """A freshly opened connection, closed afterwards (dummy: the same one)."""
        with self._lock:
            if self._dummy is not None:
                yield self._dummy
                return
            conn = self._new_connection()
            try:
                conn.open()
            except DeviceNotFoundError as exc:
                raise PrinterOffline(f"{self!r}: cannot connect: {exc}") from exc
            except (OSError, EscposError) as exc:
                raise PrinterOffline(f"{self!r}: cannot connect: {exc}") from exc
            try:
                yield conn
            finally:
                self._close(conn)

    def _close(self, conn: Escpos) -> None:
        if self.kind == "network" and conn._device:
            # Read any reply still queued: closing a TCP socket with unread
            # input sends RST, which can make the printer drop the job.
            sock: socket.socket = conn._device  # type: ignore[assignment]
            try:
                sock.setblocking(False)
                while sock.recv(256):
                    pass
            except OSError:
                pass
        try:
            conn.close()
        except Exception:  # noqa: BLE001 - closing must never mask the real outcome
            log.debug("%r: error while closing", self, exc_info=True)

    # -- status -----------------------------------------------------------

    def _query(self, conn: Escpos, n: int) -> int | None:
        """Send ``DLE EOT n`` and return the valid reply byte, or None.

        python-escpos' ``query_status`` is ``_raw`` + ``_read``; it is used
        as is for network connections (with our own short timeout). Its
        ``is_online()`` and ``paper_status()`` are not: they report an empty
        reply as offline and as "paper adequate" respectively, and they let
        a read timeout escape as an exception.
        """
        request = RT_STATUS + bytes((n,))
        try:
            if self.kind == "network":
                sock: socket.socket = conn.device  # type: ignore[assignment]
                sock.settimeout(self.status_timeout)
                try:
                    reply = conn.query_status(request)
                finally:
                    sock.settimeout(self.timeout)
            elif self.kind == "serial":
                conn._raw(request)
                port = conn.device
                port.timeout = self.status_timeout  # read(1): do not wait for 16 bytes
                try:
                    reply = port.read(1)
                finally:
                    port.timeout = self.timeout
            else:  # usb
                conn._raw(request)
                reply = bytes(conn.device.read(self.in_ep, 16, int(self.status_timeout * 1000)))
        except (OSError, EscposError, ValueError) as exc:
            log.debug("%r: no reply to DLE EOT %d: %s", self, n, exc)
            return None
        byte = _status_byte(reply)
        if byte is None:
            log.debug("%r: empty or invalid reply to DLE EOT %d: %r", self, n, reply)
        return byte

    def _read_status(self, conn: Escpos) -> PrinterStatus:
        if self.kind in ("file", "dummy"):
            return PrinterStatus.UNKNOWN  # write-only: the file opened, nothing more is known
        printer = self._query(conn, STATUS_PRINTER)
        if printer is None:
            return PrinterStatus.UNKNOWN  # do not wait for two more timeouts
        cause = self._query(conn, STATUS_OFFLINE_CAUSE)
        paper = self._query(conn, STATUS_PAPER)
        status = decode_status(printer, cause, paper)
        log.debug("%r: status bytes %s %s %s -> %s", self, printer, cause, paper, status.name)
        return status
