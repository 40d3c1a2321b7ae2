"""A three-button rating box at a counter: *Rất hài lòng*, *Hài lòng*, *Không hài lòng*.

A Pi next to the counter, with three buttons (and an optional LED), holds a Socket.IO link
to the hall server with a button-box token for that counter. When a ticket finishes there the
LED lights; the first press rates that ticket (``POST /api/v1/counters/{n}/rating``), the LED
flashes twice to thank, and further presses do nothing until the next ticket finishes::

    from hall_server.citizen.rating_box import RatingBox, RatingPins

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

Run it as ``python -m hall_server.citizen.rating_box --server URL --counter 3 --pins 17,27,22
--led 23`` with the token in the environment variable ``MOTCUA_DEVICE_TOKEN``.
"""

from __future__ import annotations

import argparse
import logging
import os
import threading
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import requests
from gpiozero import LED, Button

from counter_buttons.client import HallLink

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
        self.server = server.rstrip("/")
        self.token = token
        self.counter = counter
        self.timeout = timeout
        self.window_seconds = window_seconds
        self.pending: _Pending | None = None
        self.last_answer: tuple[int, dict] | None = None  # (status, body) of the last rating sent
        self._lock = threading.Lock()
        self._in_flight = False
        self._http = requests.Session()
        self._http.headers["Authorization"] = f"Bearer {token}"
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
        self.link = HallLink(server, token, on_event=self._on_event, on_connection=self._on_connection,
                             reconnect_min=reconnect_min, name=f"rating-{counter}")

    # ------------------------------------------------------------------ life cycle
    def start(self) -> "RatingBox":
        self.link.start()
        return self

    def close(self) -> None:
        self.link.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._close_devices()
        self._http.close()

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
            resp = self._http.get(f"{self.server}/api/v1/counters/{self.counter}/rating", timeout=self.timeout)
        except requests.RequestException as exc:
            log.warning("counter %d: cannot ask for a ticket to rate: %s", self.counter, exc)
            return
        if resp.status_code != 200:
            log.error("counter %d: the server refused the rating box (%d): %s", self.counter, resp.status_code,
                      resp.text[:200])
            return
        body = resp.json()
        self.window_seconds = float(body.get("window_seconds", self.window_seconds))
        ticket = body.get("ticket")
        if ticket:
            from datetime import datetime, timezone

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
                resp = self._http.post(f"{self.server}/api/v1/counters/{self.counter}/rating",
                                       json={"ticket": pending.ticket, "rating": level}, timeout=self.timeout)
                answer = (resp.status_code, resp.json() if resp.content else {})
            except (requests.RequestException, ValueError) as exc:
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


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m hall_server.citizen.rating_box",
                                     description="A three-button satisfaction rating box at one counter.")
    parser.add_argument("--server", required=True, help="the hall server, e.g. http://192.168.1.10:8080")
    parser.add_argument("--counter", type=int, required=True, help="the counter this box stands at")
    parser.add_argument("--pins", required=True,
                        help="BCM pins of the buttons very satisfied, satisfied, unsatisfied, e.g. 17,27,22")
    parser.add_argument("--led", type=int, default=None, help="BCM pin of the LED (optional)")
    args = parser.parse_args(argv)
    token = os.environ.get("MOTCUA_DEVICE_TOKEN", "")
    if len(token) < 16:
        parser.error("set MOTCUA_DEVICE_TOKEN to the button-box token of this counter (from the hall file)")
    try:
        very, ok, bad = (int(p) for p in args.pins.split(","))
    except ValueError:
        parser.error("--pins takes three pin numbers separated by commas, e.g. 17,27,22")
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    box = RatingBox(args.server, token, args.counter, RatingPins(very, ok, bad, args.led))
    box.start()
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        box.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
