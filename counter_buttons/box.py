"""A counter button box: buttons, LEDs and LCDs of one or more counters on one Pi.

    from counter_buttons.box import ButtonBox
    from counter_buttons.config import load_box

    box = ButtonBox(load_box("/etc/motcua/buttons.toml"), "http://192.168.1.10:8080", token)
    box.start()        # connects in the background; the LEDs blink fast until the server answers
    ...
    box.close()

Per counter:

* **Next** (on release) calls the next citizen — ``call_next``. Holding it for
  ``hold_seconds`` instead pauses an open counter or resumes a paused one, and does not
  call anyone.
* **Recall**, **No-show**, **Finish** (on press) send ``recall``, ``no_show``, ``finish``.
* Each press is one command with a fresh ``request_id``; a retry after a lost answer
  reuses it (see :mod:`device_link.link`), so a press never calls two citizens; a press
  carries a deadline (``press_window_seconds``) after which the server must not act on it.
* A press while the server is unreachable is dropped and logged, never sent later.
* A press the server refuses (nobody waiting, counter paused, ...) flashes the LED three
  times, shows the reason on the LCD and logs the server's English message.
* A second press on the same counter while the first is still being sent is ignored.

The LED and the LCD follow the counter's state from the server's snapshot and events, so
changes made elsewhere (the officer's web terminal, a supervisor) show at once.
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from functools import partial

from gpiozero import LED, Button

from device_link.link import Answer, DeviceLink, NoAnswer, Offline

from .config import BoxConfig, CounterPins
from .display import CharLCD, LCDBus
from .leds import StatusLed
from .state import HallView

log = logging.getLogger(__name__)

BUTTON_COMMANDS = {"next": "call_next", "recall": "recall", "no_show": "no_show", "finish": "finish"}
NOTE_SECONDS = 3.0  # how long a refusal or a dropped press shows on the LCD

# What the LCD's second row says (Vietnamese, NFC; shown without diacritics on the HD44780).
STATE_TEXT = {
    "ready": "Sẵn sàng",  # ready
    "called": "Đang gọi",  # a citizen is called
    "serving": "Đang phục vụ",  # a citizen is being served
    "paused": "Tạm nghỉ",  # paused
    "closed": "Quầy đóng",  # closed
    "no_officer": "Chưa có cán bộ",  # no officer seated
    "offline": "Mất kết nối",  # server unreachable
}
REFUSAL_TEXT = {
    "nothing_waiting": "Không có ai chờ",  # nobody waiting
    "counter_busy": "Còn số đang gọi",  # a called citizen is still at the counter
    "counter_paused": "Quầy đang nghỉ",  # paused
    "counter_closed": "Quầy đang đóng",  # closed
    "no_officer": "Chưa có cán bộ",  # no officer
    "invalid_transition": "Không hợp lệ",  # not possible now
    "forbidden": "Không có quyền",  # this box may not act for the counter
    "unauthorized": "Không có quyền",
}
REFUSED_TEXT = "Bị từ chối"  # refused (any other reason)
NO_ANSWER_TEXT = "Không phản hồi"  # the server did not answer


class CounterPanel:
    """The gpiozero devices of one counter: four buttons, an optional LED and LCD."""

    def __init__(self, pins: CounterPins, config: BoxConfig, *, lcd_bus: LCDBus | None = None, pin_factory=None):
        self.number = pins.number
        self.buttons: dict[str, Button] = {}
        self.led: StatusLed | None = None
        self.lcd: CharLCD | None = None
        self.in_flight = threading.Lock()  # one press at a time per counter
        self.hold_lock = threading.Lock()
        self.next_state = "up"  # "down" → "held" or back to "up" (a short press)
        self.note: tuple[str, float] | None = None  # (text, until) shown instead of the state
        self.note_timer: threading.Timer | None = None
        try:
            for name in BUTTON_COMMANDS:
                self.buttons[name] = Button(
                    getattr(pins, name), pull_up=config.pull_up, bounce_time=config.bounce_ms / 1000 or None,
                    hold_time=config.hold_seconds, pin_factory=pin_factory,
                )
            if pins.led is not None:
                self.led = StatusLed(LED(pins.led, pin_factory=pin_factory))
            if pins.lcd_enable is not None and lcd_bus is not None:
                lcd_cfg = config.lcd
                self.lcd = CharLCD(lcd_bus, pins.lcd_enable, columns=lcd_cfg.columns, rows=lcd_cfg.rows,
                                   pin_factory=pin_factory)
        except BaseException:
            self.close()
            raise

    def close(self) -> None:
        if self.note_timer is not None:
            self.note_timer.cancel()
        for button in self.buttons.values():
            button.close()
        if self.led is not None:
            self.led.close()
        if self.lcd is not None:
            self.lcd.close()


class ButtonBox:
    """All counters of one box, kept in step with the hall server over one Socket.IO link."""

    def __init__(self, config: BoxConfig, server: str, token: str, *, pin_factory=None,
                 on_answer: Callable[[int, str, object, float], None] | None = None, reconnect_min: float = 0.5):
        self.config = config
        self.on_answer = on_answer
        self._render_lock = threading.RLock()
        self._closed = False
        self.view = HallView(config.counter_numbers(), on_change=self._render_counters,
                             request_resync=self._resync)
        self.link = DeviceLink(server, token, name="buttons", on_snapshot=self.view.load, on_event=self.view.apply,
                               on_connection=self._on_connection, reconnect_min=reconnect_min,
                               reconnect_max=config.reconnect_max_seconds)
        self.lcd_bus: LCDBus | None = None
        self.panels: dict[int, CounterPanel] = {}
        try:
            if config.lcd is not None and any(c.lcd_enable is not None for c in config.counters):
                self.lcd_bus = LCDBus(**config.lcd.pins(), pin_factory=pin_factory)
            for pins in config.counters:
                self.panels[pins.number] = CounterPanel(pins, config, lcd_bus=self.lcd_bus, pin_factory=pin_factory)
        except BaseException:
            self._close_devices()
            raise
        self._executor = ThreadPoolExecutor(max_workers=len(self.panels), thread_name_prefix="press")
        for panel in self.panels.values():
            self._wire(panel)
        self._render_counters(set(self.panels))

    # ------------------------------------------------------------------ life cycle
    def start(self) -> ButtonBox:
        self.link.start()
        return self

    def close(self) -> None:
        """Disconnect, switch the LEDs off, clear the displays and free the pins."""
        self._closed = True
        self.link.stop()
        self._executor.shutdown(wait=True, cancel_futures=True)
        self._close_devices()

    def __enter__(self):
        return self.start()

    def __exit__(self, *exc):
        self.close()

    # ------------------------------------------------------------------ presses
    def press(self, counter: int, action: str) -> Future | None:
        """Act as if ``action`` ("next", "recall", "no_show", "finish" or "hold") was pressed.

        Returns the future of the command, or None if the counter is still busy with an
        earlier press. The buttons call this; so can a test or a diagnostic tool.
        """
        if action not in BUTTON_COMMANDS and action != "hold":
            raise ValueError(f"unknown action {action!r} (use next, recall, no_show, finish or hold)")
        panel = self.panels.get(counter)
        if panel is None:
            raise ValueError(f"counter {counter!r} is not in this box (it has {', '.join(map(str, self.panels))})")
        started = time.monotonic()
        if not panel.in_flight.acquire(blocking=False):
            log.info("counter %d: %s ignored: the previous press is still being sent", counter, action)
            return None
        try:
            return self._executor.submit(self._run_press, panel, action, started)
        except RuntimeError:  # the box is closing
            panel.in_flight.release()
            return None

    def _wire(self, panel: CounterPanel) -> None:
        next_button = panel.buttons["next"]
        next_button.when_pressed = lambda: self._next_down(panel)
        next_button.when_held = lambda: self._next_held(panel)
        next_button.when_released = lambda: self._next_up(panel)
        for name in ("recall", "no_show", "finish"):
            panel.buttons[name].when_pressed = partial(self.press, panel.number, name)

    # Next: a short press calls, a hold pauses or resumes. Whichever of "held" and
    # "released" comes first after the press decides, so one press never does both.
    def _next_down(self, panel: CounterPanel) -> None:
        with panel.hold_lock:
            panel.next_state = "down"

    def _next_held(self, panel: CounterPanel) -> None:
        with panel.hold_lock:
            if panel.next_state != "down":
                return
            panel.next_state = "held"
        self.press(panel.number, "hold")

    def _next_up(self, panel: CounterPanel) -> None:
        with panel.hold_lock:
            was, panel.next_state = panel.next_state, "up"
        if was == "down":
            self.press(panel.number, "next")

    def _run_press(self, panel: CounterPanel, action: str, started: float) -> None:
        number = panel.number
        outcome: object = None
        command = BUTTON_COMMANDS.get(action, action)
        try:
            if action == "hold":
                resolved = self._hold_command(panel)
                if resolved is None:
                    return  # refused here: nothing sent
                command = resolved
            if not self.link.connected:
                raise Offline("server unreachable")
            outcome = answer = self.link.command(command, {"counter": number},
                                                 deadline=started + self.config.press_window_seconds,
                                                 attempt_timeout=min(2.0, self.config.press_window_seconds / 2))
            ms = (time.monotonic() - started) * 1000
            if answer.ok:
                ticket = answer.body.get("ticket") or {}
                log.info("counter %d: %s done%s (%.0f ms%s)", number, command,
                         f", ticket {ticket['code']}" if ticket.get("code") else "", ms,
                         f", {answer.attempts} attempts" if answer.attempts > 1 else "")
                self._set_note(panel, None)
            else:
                log.warning("counter %d: %s refused: %s [%s] (%.0f ms)", number, command, answer.message,
                            answer.error, ms)
                self._refused(panel, REFUSAL_TEXT.get(answer.error, REFUSED_TEXT))
        except Offline as exc:
            outcome = exc
            log.warning("counter %d: %s press dropped: the server is unreachable; press again when the "
                        "LED stops blinking fast", number, command)
            self._set_note(panel, STATE_TEXT["offline"])
        except NoAnswer as exc:
            outcome = exc
            log.error("counter %d: %s press dropped: %s", number, command, exc)
            self._refused(panel, NO_ANSWER_TEXT)
        except Exception as exc:  # never let a press kill the worker silently
            outcome = exc
            log.exception("counter %d: %s press failed", number, command)
        finally:
            panel.in_flight.release()
            if self.on_answer is not None:
                try:
                    self.on_answer(number, command, outcome, time.monotonic() - started)
                except Exception:
                    log.exception("on_answer hook failed")

    def _hold_command(self, panel: CounterPanel) -> str | None:
        if not (self.link.connected and self.view.synced):
            raise Offline("server unreachable")
        status = self.view.counter(panel.number).status
        if status == "open":
            return "pause_counter"
        if status == "paused":
            return "resume_counter"
        log.warning("counter %d: hold ignored: the counter is %s; open it from the counter page", panel.number, status)
        self._refused(panel, REFUSAL_TEXT["counter_closed"])
        return None

    def _refused(self, panel: CounterPanel, text: str) -> None:
        if panel.led is not None:
            panel.led.flash_refused()
        self._set_note(panel, text)

    def _set_note(self, panel: CounterPanel, text: str | None) -> None:
        with self._render_lock:
            if panel.note_timer is not None:
                panel.note_timer.cancel()
                panel.note_timer = None
            panel.note = (text, time.monotonic() + NOTE_SECONDS) if text else None
            if text and not self._closed:
                panel.note_timer = threading.Timer(NOTE_SECONDS, self._render_counters, args=({panel.number},))
                panel.note_timer.daemon = True
                panel.note_timer.start()
        self._render_counters({panel.number})

    # ------------------------------------------------------------------ state → LED and LCD
    def state(self, number: int) -> str:
        """The counter's state as the LED shows it: ready, calling, paused, closed or offline."""
        if not (self.link.connected and self.view.synced):
            return "offline"
        c = self.view.counter(number)
        if c.status == "paused":
            return "paused"
        if c.status != "open" or not c.officer:
            return "closed"
        return "calling" if c.ticket_id is not None else "ready"

    def lcd_lines(self, number: int) -> tuple[str, str]:
        """The two rows of the counter's LCD (before the LCD drops the diacritics)."""
        panel = self.panels[number]
        c = self.view.counter(number)
        state = self.state(number)
        if state == "calling":
            status = STATE_TEXT["serving" if c.ticket_state == "serving" else "called"]
        elif state == "closed" and c.status == "open":
            status = STATE_TEXT["no_officer"]
        else:
            status = STATE_TEXT[state]
        if panel.note is not None and panel.note[1] > time.monotonic():
            status = panel.note[0]
        code = c.code or ""
        width = self.config.lcd.columns if self.config.lcd else 16
        label = f"Quầy {number}"
        return f"{label}{code.rjust(max(0, width - len(label)))}", status

    def _render_counters(self, numbers: set[int]) -> None:
        if self._closed:
            return
        with self._render_lock:
            for number in sorted(numbers):
                panel = self.panels.get(number)
                if panel is None:
                    continue
                if panel.led is not None:
                    panel.led.show(self.state(number))
                if panel.lcd is not None:
                    try:
                        panel.lcd.show(*self.lcd_lines(number))
                    except Exception:
                        log.exception("counter %d: the LCD could not be written", number)

    def _on_connection(self, up: bool) -> None:
        if not up:
            self.view.lose()
        elif self.link.connections == 1:
            threading.Thread(target=self._check_counters, name="buttons-check", daemon=True).start()
        self._render_counters(set(self.panels))

    def _check_counters(self) -> None:
        """Log, once, any counter of the box file that this box's token may not act for."""
        try:
            me = self.link.get_json("/me")
        except Offline as exc:
            log.debug("could not ask the server which counters this box acts for: %s", exc)
            return
        allowed = set(me.get("counters") or [])
        for number in self.panels:
            if number not in allowed:
                log.error("counter %d is in the box file, but device %s may not act for it (the hall file gives it "
                          "counters %s): its presses will be refused", number, me.get("id"),
                          ", ".join(map(str, sorted(allowed))) or "none")

    def _resync(self) -> None:
        self.link.resync("view")

    def _close_devices(self) -> None:
        # Each gpiozero Button takes up to 0.1 s to stop its hold thread: close panels side by side.
        closers = [threading.Thread(target=panel.close) for panel in self.panels.values()]
        for t in closers:
            t.start()
        for t in closers:
            t.join()
        if self.lcd_bus is not None:
            self.lcd_bus.close()


__all__ = ["Answer", "ButtonBox", "CounterPanel", "BUTTON_COMMANDS"]
