"""The Raspberry Pi ticket dispenser: buttons and touch screen in, printed tickets out.

A :class:`Dispenser` ties together the server link, the printer, the
buttons and the status LED:

* **Button press** (GPIO): if the hall server is connected and the printer
  can print, send ``issue_ticket`` over the socket with a fresh request id,
  then print the answer. A slow answer is asked again with the *same* request
  id, so a retried press never issues twice; after ``press_deadline`` the
  press is abandoned. With no server, or a printer that cannot print, the
  press issues nothing and prints nothing (nothing is queued for later): the
  LED flashes and the state is reported.
* **Touch screen** (the server's ``/kiosk?device=TOKEN`` page in Chromium):
  the server issues the ticket and pushes a ``print`` job here; it is printed
  and answered with ``print_result``. The citizen already sees the number on
  the screen, so a printer fault costs them nothing but the paper.
* **Printer state** is read before every print and polled in the
  background (every ``fault_poll`` seconds while there is a problem, every
  ``idle_poll`` seconds otherwise). Each change is reported to the server as
  ``device_status`` (the server raises or clears the supervisors' alert) and
  shown on the LED (:mod:`ticket_printer.status`). A printer that does not
  answer is ``unknown``, never OK.

::

    from ticket_printer.config import load_device_config
    from ticket_printer.dispenser import Dispenser

    dispenser = Dispenser(load_device_config("/etc/motcua/dispenser.toml"))
    dispenser.start()
    dispenser.wait_ready(10)
    dispenser.press("DD")              # what a field button does
    ...
    dispenser.stop()
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections import deque
from dataclasses import dataclass
from typing import Any

from device_link.link import DeviceLink, NoAnswer, Offline, new_request_id

from .buttons import ButtonPanel, Press
from .config import DispenserConfig, problems_with_centre
from .jobs import BadJob, job_from_ticket, ticket_info
from .printer import PrinterError, PrinterStatus, PrinterUnknownState, PrintJobFailed, TicketPrinter
from .render import render_ticket
from .status import Indicator, StatusLight, indicator_for

__all__ = ["Dispenser", "PrintRecord"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class PrintRecord:
    """One ticket the dispenser tried to print.

    :ivar source: ``"button"`` or ``"kiosk"`` (a ``print`` job).
    :ivar job: the print job (see :mod:`ticket_printer.jobs`).
    :ivar ok: True if the whole ticket was sent to the printer.
    :ivar status: the printer state seen.
    :ivar at: ``time.monotonic()`` when printing ended.
    """

    source: str
    job: dict
    ok: bool
    status: PrinterStatus
    at: float


class Dispenser:
    """A ticket dispenser: see the module docstring.

    :param config: the checked device file.
    :param printer: a :class:`TicketPrinter` (default: built from
        ``config.printer``).
    :param pin_factory: gpiozero pin factory for buttons and LEDs (default:
        gpiozero's, i.e. ``GPIOZERO_PIN_FACTORY`` or the Pi's GPIO).
    """

    def __init__(self, config: DispenserConfig, *, printer: TicketPrinter | None = None,
                 pin_factory=None) -> None:
        self.config = config
        self.timing = config.timing
        self.printer = printer or TicketPrinter(config.printer)
        self.link = DeviceLink(config.server, config.token, name="dispenser", on_connection=self._connection,
                               handlers={"print": self._print_job_arrived},
                               reconnect_min=config.timing.reconnect_min, reconnect_max=config.timing.reconnect_max,
                               connect_timeout=config.timing.connect_timeout)
        self._lock = threading.Lock()
        self._printer_status: PrinterStatus | None = None
        self._report_due = False
        self._press_busy = False
        self._centre: dict | None = None
        self._printed: deque = deque(maxlen=200)  # ticket ids already printed
        self._jobs: queue.Queue[tuple[str, Any] | None] = queue.Queue()
        self._stopping = threading.Event()
        self._poll_now = threading.Event()
        self._threads: list[threading.Thread] = []
        #: The last tickets printed or attempted, newest last.
        self.history: deque[PrintRecord] = deque(maxlen=100)
        #: Why the last press was refused (``"offline"``, ``"busy"``, ``"printer"``,
        #: ``"no_answer"``, ``"refused"``), or None.
        self.last_refusal: str | None = None

        led = None
        self.panel: ButtonPanel | None = None
        try:
            if config.led is not None:
                from gpiozero import LED

                led = LED(config.led.pin, active_high=config.led.active_high, pin_factory=pin_factory)
            if config.buttons:
                self.panel = ButtonPanel(config.buttons, config.priority, self._button_pressed,
                                         bounce_time=self.timing.bounce, press_guard=self.timing.press_guard,
                                         pin_factory=pin_factory)
        except Exception:
            if led is not None:
                led.close()
            raise
        self.light = StatusLight(led)
        self.light.show(Indicator.OFFLINE)

    # -- lifecycle -------------------------------------------------------------

    def start(self) -> Dispenser:
        """Start the worker, the printer monitor and the server link. Returns self."""
        if self._threads:
            return self
        self._stopping.clear()
        for target, name in ((self._work, "dispenser-worker"), (self._monitor, "printer-monitor")):
            thread = threading.Thread(target=target, name=name, daemon=True)
            thread.start()
            self._threads.append(thread)
        self.link.start()
        return self

    def stop(self, timeout: float = 5.0) -> None:
        """Release the buttons, disconnect, finish the ticket being printed, turn the LED off."""
        if self.panel is not None:
            self.panel.close()
        self._stopping.set()
        self._poll_now.set()
        self._jobs.put(None)
        self.link.stop(timeout)
        for thread in self._threads:
            thread.join(timeout)
        self._threads.clear()
        self.light.close()

    def __enter__(self) -> Dispenser:
        return self.start()

    def __exit__(self, *exc_info: Any) -> None:
        self.stop()

    # -- state -------------------------------------------------------------------

    @property
    def connected(self) -> bool:
        """True while the hall server has accepted this dispenser."""
        return self.link.connected

    @property
    def printer_status(self) -> PrinterStatus | None:
        """The printer's last known state (None before the first check)."""
        with self._lock:
            return self._printer_status

    @property
    def indicator(self) -> Indicator:
        """What the status LED shows."""
        return indicator_for(self.connected, self.printer_status)

    def wait_ready(self, timeout: float) -> bool:
        """Wait until connected, with the printer state known and reported; False on timeout."""
        deadline = time.monotonic() + timeout
        if not self.link.wait_ready(timeout):
            return False
        while self.printer_status is None or self._report_due:
            if time.monotonic() > deadline:
                return False
            time.sleep(0.01)
        return True

    # -- presses -----------------------------------------------------------------

    def press(self, field: str, priority: str | None = None) -> bool:
        """Take a number in *field*, as a field button does.

        Returns False (and flashes the LED) when the press is refused at
        once: no server, or a press already in progress. Otherwise the
        ticket is issued and printed in the background.
        """
        return self._accept(Press(field=field, priority=priority, at=time.monotonic()))

    def _button_pressed(self, press: Press) -> None:
        self._accept(press)

    def _accept(self, press: Press) -> bool:
        if not self.link.connected:
            log.warning("press for %s refused: no connection to the hall server (nothing issued)", press.field)
            self._refuse("offline")
            return False
        with self._lock:
            if self._press_busy:
                log.info("press for %s ignored: the previous press is still being served", press.field)
                self.last_refusal = "busy"
                return False
            self._press_busy = True
        self._jobs.put(("press", press))
        return True

    def _refuse(self, reason: str) -> None:
        self.last_refusal = reason
        self.light.flash()

    def _serve_press(self, press: Press) -> None:
        status = self.printer.status()
        self._set_printer_status(status)
        if not self._may_print(status):
            log.warning("press for %s refused: %s (nothing issued)", press.field, status.label_vi)
            self._refuse("printer")
            return
        args: dict[str, Any] = {"field": press.field}
        if press.priority:
            args["priority"] = press.priority
        body = self._issue(args, press)
        if body is None:
            return
        try:
            job = job_from_ticket(body.get("ticket") or {}, self._centre_info(), self._public_url())
        except BadJob as exc:
            log.error("issued, but cannot print: %s", exc)
            self._refuse("refused")
            return
        log.info("issued %s (%s) for a press on %s", job["code"], job["field"], press.pin or press.field)
        # A printer that did not answer a moment ago is not asked again (another status_timeout).
        if not self._print(job, "button", check=status is not PrinterStatus.UNKNOWN):
            self._refuse("printer")
            self._report(self._status_value(), f"Số {job['code']} đã cấp nhưng chưa in được")

    def _issue(self, args: dict, press: Press) -> dict | None:
        """``issue_ticket`` with one request id, retried until the press deadline (after which
        the server must not issue it either)."""
        request_id = new_request_id()
        try:
            answer = self.link.command("issue_ticket", args, request_id=request_id,
                                       deadline=press.at + self.timing.press_deadline,
                                       attempt_timeout=self.timing.request_timeout)
        except Offline:
            log.warning("press for %s refused: the hall server went away (nothing issued)", args["field"])
            self._refuse("offline")
            return None
        except NoAnswer:
            log.error("press for %s: no answer from the hall server within %g s; given up "
                      "(request %s)", args["field"], self.timing.press_deadline, request_id)
            self._refuse("no_answer")
            return None
        if not answer.ok:
            log.error("the hall server refused a ticket in %s: %s %s: %s", args["field"], answer.status,
                      answer.error, answer.message)
            self._refuse("refused")
            self._report(self._status_value(), f"Không cấp được số {args['field']}: {answer.message}")
            return None
        return answer.body

    def _report(self, printer: str, detail: str = "") -> bool:
        """Send ``device_status``; False if not connected (it is sent again on connect)."""
        return self.link.emit("device_status", {"printer": printer, "detail": detail[:200]})

    # -- print jobs from the touch screen --------------------------------------

    def _print_job_arrived(self, job=None) -> None:
        if not isinstance(job, dict):
            log.warning("ignored a print job that is not an object: %r", job)
            return
        self._jobs.put(("print", job))

    def _serve_print_job(self, job: dict) -> None:
        ticket = job.get("ticket")
        if ticket is not None and ticket in self._printed:
            log.info("print job for ticket %s already printed; not printing it again", ticket)
            self.link.emit("print_result", {"ticket": ticket, "ok": True, "printer": self._status_value()})
            return
        ok = self._print(job, "kiosk")
        self.link.emit("print_result", {"ticket": ticket, "ok": ok, "printer": self._status_value()})

    # -- printing ----------------------------------------------------------------

    def _may_print(self, status: PrinterStatus) -> bool:
        return status.can_print or (status is PrinterStatus.UNKNOWN and self.config.print_when_status_unknown)

    def _print(self, job: dict, source: str, check: bool = True) -> bool:
        """Render and print a job (reading the printer's status first if *check*);
        record and report the outcome."""
        try:
            image = render_ticket(ticket_info(job), width_px=self.printer.width_px)
        except (BadJob, ValueError, OSError) as exc:  # OSError: fonts missing or unreadable
            log.error("cannot draw ticket %s: %s", job.get("code"), exc)
            self.history.append(PrintRecord(source, dict(job), False, self._status_or_unknown(), time.monotonic()))
            return False
        ok = False
        try:
            try:
                status = self.printer.print_ticket(image, check_status=None if check else False)
            except PrinterUnknownState:
                if not self.config.print_when_status_unknown:
                    raise
                self.printer.print_ticket(image, check_status=False)
                status = PrinterStatus.UNKNOWN
            ok = True
        except PrintJobFailed as exc:
            log.error("ticket %s: %s", job.get("code"), exc)
            status = self.printer.status()
        except PrinterError as exc:
            log.warning("ticket %s not printed: %s", job.get("code"), exc)
            status = exc.status
        if ok and job.get("ticket") is not None:
            self._printed.append(job["ticket"])
        self.history.append(PrintRecord(source, dict(job), ok, status, time.monotonic()))
        self._set_printer_status(status)
        if ok:
            log.info("printed %s (%s)", job.get("code"), source)
        return ok

    # -- printer state -----------------------------------------------------------

    def _status_or_unknown(self) -> PrinterStatus:
        return self.printer_status or PrinterStatus.UNKNOWN

    def _status_value(self) -> str:
        return self._status_or_unknown().value

    def _set_printer_status(self, status: PrinterStatus) -> None:
        with self._lock:
            changed = status is not self._printer_status
            self._printer_status = status
            report = changed or self._report_due
        if changed:
            level = logging.INFO if status in (PrinterStatus.OK, PrinterStatus.PAPER_LOW) else logging.WARNING
            log.log(level, "printer: %s (%s)", status.value, status.label_vi)
        self.light.show(self.indicator)
        if report and self._report(status.value, status.label_vi):
            with self._lock:
                if self._printer_status is status:
                    self._report_due = False

    def _monitor(self) -> None:
        """Poll the printer: often while it has a problem, rarely otherwise."""
        while not self._stopping.is_set():
            try:
                self._set_printer_status(self.printer.status())
            except Exception:  # noqa: BLE001 - the monitor must not die
                log.exception("printer status poll failed")
            status = self.printer_status
            interval = self.timing.idle_poll if status is PrinterStatus.OK else self.timing.fault_poll
            self._poll_now.wait(interval)
            self._poll_now.clear()

    # -- server connection -------------------------------------------------------

    def _connection(self, up: bool) -> None:
        if up:
            self._connected()
        else:
            self._disconnected()

    def _connected(self) -> None:
        """After each (re)connection: fresh centre names, printer state reported again."""
        with self._lock:
            self._report_due = True
        self.light.show(self.indicator)
        self._poll_now.set()
        try:
            self._centre = self.link.get_json("/centre")
        except Offline as exc:
            log.warning("could not read the centre's names (%s); printing codes instead", exc)
            return
        for problem in problems_with_centre(self.config, self._centre):
            log.error("device file: %s", problem)

    def _disconnected(self) -> None:
        self.light.show(Indicator.OFFLINE)

    def _centre_info(self) -> dict | None:
        if self._centre is None:
            try:
                self._centre = self.link.get_json("/centre")
            except Offline:
                return None
        return self._centre

    def _public_url(self) -> str:
        centre = self._centre or {}
        return self.config.public_url or centre.get("public_url") or self.config.server

    # -- the worker ----------------------------------------------------------------

    def _work(self) -> None:
        """Serve presses and print jobs one at a time, in order."""
        while True:
            item = self._jobs.get()
            if item is None:
                return
            kind, payload = item
            try:
                if kind == "press":
                    self._serve_press(payload)
                else:
                    self._serve_print_job(payload)
            except Exception:  # noqa: BLE001 - one bad job must not stop the dispenser
                log.exception("%s failed", kind)
            finally:
                if kind == "press":
                    with self._lock:
                        self._press_busy = False
