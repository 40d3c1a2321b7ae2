"""A three-button rating box at a counter: *Rất hài lòng*, *Hài lòng*, *Không hài lòng*.

A Pi next to the counter, with three buttons (and an optional LED), holds a Socket.IO link
to the hall server with a button-box token for that counter. When a ticket finishes there the
LED lights; the first press rates that ticket (``POST /api/v1/counters/{n}/rating``), the LED
flashes twice to thank, and further presses do nothing until the next ticket finishes::

    from counter_buttons.rating_box import RatingBox, RatingPins

    box = RatingBox("http://192.168.1.10:8080", token, counter=3,
                    pins=RatingPins(very_satisfied=17, satisfied=27, unsatisfied=22, led=23))
    box.start()        # connects in the background and reconnects by itself
    ...
    box.close()

========== ==================================== =========================================
LED        pattern                              meaning
========== ==================================== =========================================
off                                             nothing to rate
on         steady                               a ticket just finished: press a button
thanks     2 × (0.3 s on / 0.3 s off)           the rating was stored
refused    3 × (0.06 s on / 0.12 s off)         the server refused it (too late, rated …)
========== ==================================== =========================================

A press while nothing waits for a rating, or while the previous press is still being sent,
is ignored. The window (3 minutes by default) comes from the server.

Run it as ``motcua rating-box --config /etc/motcua/rating.toml`` (or ``python -m
counter_buttons.rating_box``, which loads less), with the token in the file or in
``MOTCUA_DEVICE_TOKEN``; the device file (read like every device file, by
:mod:`device_link.config`)::

    server = "http://192.168.1.10:8080"
    counter = 3
    [pins]
    very_satisfied = 17
    satisfied = 27
    unsatisfied = 22
    led = 23

The server side (which ticket may be rated, the figures) is ``hall_server/citizen/rating.py``;
this program only talks to it through :mod:`device_link`.
"""

from __future__ import annotations

import logging
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timezone

from gpiozero import LED, Button
from pydantic import BaseModel, ConfigDict, Field

from device_link.config import check_model, load_device_file
from device_link.link import DeviceLink, Offline

log = logging.getLogger(__name__)
LEVELS = ("very_satisfied", "satisfied", "unsatisfied")


@dataclass(frozen=True)
class RatingPins:
    """BCM pin numbers of the three buttons and the optional LED."""

    very_satisfied: int
    satisfied: int
    unsatisfied: int
    led: int | None = None


@dataclass
class _Pending:
    ticket: int
    code: str
    deadline: float  # time.monotonic()


class RatingBox:
    """The buttons and LED of one counter's rating box, kept in step with the hall server."""

    def __init__(self, server: str, token: str, counter: int, pins: RatingPins, *, pin_factory=None,
                 pull_up: bool = True, bounce_seconds: float | None = 0.05, timeout: float = 5.0,
                 reconnect_min: float = 0.5, window_seconds: float = 180.0):
        self.counter = counter
        self.timeout = timeout
        self.window_seconds = window_seconds
        self.pending: _Pending | None = None
        self.last_answer: tuple[int, dict] | None = None  # (status, body) of the last rating sent
        self._lock = threading.Lock()
        self._in_flight = False
        self.buttons: dict[str, Button] = {}
        self.led: LED | None = None
        try:
            for level in LEVELS:
                self.buttons[level] = Button(getattr(pins, level), pull_up=pull_up, bounce_time=bounce_seconds,
                                             pin_factory=pin_factory)
                self.buttons[level].when_pressed = lambda level=level: self.press(level)
            if pins.led is not None:
                self.led = LED(pins.led, pin_factory=pin_factory)
        except BaseException:
            self._close_devices()
            raise
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="rating")
        self.link = DeviceLink(server, token, name=f"rating-{counter}", on_event=self._on_event,
                               on_connection=self._on_connection, reconnect_min=reconnect_min,
                               connect_timeout=timeout)

    # ------------------------------------------------------------------ life cycle
    def start(self) -> RatingBox:
        self.link.start()
        return self

    def close(self) -> None:
        self.link.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._close_devices()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    def _close_devices(self) -> None:
        for button in self.buttons.values():
            button.close()
        if self.led is not None:
            self.led.close()

    # ------------------------------------------------------------------ what the server says
    def _on_event(self, event: dict) -> None:
        data = event.get("data") or {}
        if event.get("kind") != "ticket_finished" or (data.get("counter") or {}).get("number") != self.counter:
            return
        ticket = data.get("ticket") or {}
        self._expect(ticket.get("id"), ticket.get("code", ""), self.window_seconds)

    def _on_connection(self, up: bool) -> None:
        if up:  # a ticket may have finished while the link was down
            threading.Thread(target=self._fetch_pending, name=f"rating-{self.counter}-pending", daemon=True).start()

    def _fetch_pending(self) -> None:
        try:
            status, body = self.link.rest("GET", f"/counters/{self.counter}/rating", timeout=self.timeout)
        except Offline as exc:
            log.warning("counter %d: cannot ask for a ticket to rate: %s", self.counter, exc)
            return
        if status != 200:
            log.error("counter %d: the server refused the rating box (%d): %s", self.counter, status, str(body)[:200])
            return
        self.window_seconds = float(body.get("window_seconds", self.window_seconds))
        ticket = body.get("ticket")
        if ticket:
            left = (datetime.fromisoformat(ticket["expires_at"]) - datetime.now(timezone.utc)).total_seconds()
            self._expect(ticket["id"], ticket["code"], left)

    def _expect(self, ticket_id, code: str, seconds: float) -> None:
        if not isinstance(ticket_id, int) or seconds <= 0:
            return
        with self._lock:
            if self.pending is not None and self.pending.ticket == ticket_id:
                return
            self.pending = _Pending(ticket_id, code, time.monotonic() + seconds)
        log.info("counter %d: asking about ticket %s", self.counter, code)
        if self.led is not None:
            self.led.on()
        timer = threading.Timer(seconds, self._expire, args=(ticket_id,))
        timer.daemon = True
        timer.start()

    def _expire(self, ticket_id: int) -> None:
        with self._lock:
            if self.pending is None or self.pending.ticket != ticket_id:
                return
            self.pending = None
        if self.led is not None:
            self.led.off()

    # ------------------------------------------------------------------ presses
    def press(self, level: str) -> Future | None:
        """Rate the waiting ticket ``level``; returns the future of the request, or None if ignored."""
        if level not in LEVELS:
            raise ValueError(f"unknown level {level!r}")
        with self._lock:
            pending = self.pending
            if pending is None or pending.deadline <= time.monotonic() or self._in_flight:
                return None
            self.pending = None
            self._in_flight = True
        try:
            return self._executor.submit(self._send, pending, level)
        except RuntimeError:  # closing
            with self._lock:
                self._in_flight = False
            return None

    def _send(self, pending: _Pending, level: str) -> tuple[int, dict]:
        try:
            try:
                answer = self.link.rest("POST", f"/counters/{self.counter}/rating",
                                        json={"ticket": pending.ticket, "rating": level}, timeout=self.timeout)
            except Offline as exc:
                answer = (0, {"error": "network", "message": str(exc)})
            self.last_answer = answer
            status, body = answer
            if status == 201:
                log.info("counter %d: ticket %s rated %s", self.counter, pending.code, level)
                self._blink(0.3, 0.3, 2)
            else:
                log.warning("counter %d: rating of %s refused (%d): %s", self.counter, pending.code, status,
                            body.get("message", ""))
                self._blink(0.06, 0.12, 3)
            return answer
        finally:
            with self._lock:
                self._in_flight = False

    def _blink(self, on: float, off: float, n: int) -> None:
        if self.led is not None:
            self.led.blink(on_time=on, off_time=off, n=n, background=True)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class RatingFilePins(_Model):
    very_satisfied: int = Field(ge=2, le=27)
    satisfied: int = Field(ge=2, le=27)
    unsatisfied: int = Field(ge=2, le=27)
    led: int | None = Field(default=None, ge=2, le=27)


class RatingFile(_Model):
    """The rating box's device file."""

    server: str | None = Field(default=None, pattern=r"^https?://[^/\s]+")
    token: str | None = Field(default=None, min_length=1)
    counter: int = Field(ge=1, le=999)
    pins: RatingFilePins


def _cross_check(config: RatingFile) -> list[str]:
    used: dict[int, str] = {}
    problems = []
    for name in ("very_satisfied", "satisfied", "unsatisfied", "led"):
        pin = getattr(config.pins, name)
        if pin is None:
            continue
        if pin in used:
            problems.append(f"pins.{name}: GPIO {pin} is already used by pins.{used[pin]}")
        used.setdefault(pin, name)
    return problems


def parse_rating_file(data: dict, source: str = "<rating box>") -> RatingFile:
    """Check a parsed rating box file; :class:`~device_link.config.DeviceConfigError` lists every problem."""
    return check_model(RatingFile, data, source, cross_check=_cross_check)


def load_rating_file(path) -> RatingFile:
    """Read and check a rating box file (TOML)."""
    return load_device_file(path, parse_rating_file)


if __name__ == "__main__":
    from .cli import rating_box

    rating_box(prog_name="python -m counter_buttons.rating_box")
