"""The dispenser's physical buttons: one per field, plus a priority toggle.

Buttons are wired between a GPIO pin and ground (gpiozero ``Button`` with the
internal pull-up). Contact bounce is filtered twice: by gpiozero's
``bounce_time`` on real pins, and by a *press guard*: a press that comes
sooner than ``press_guard`` seconds after an accepted press is ignored, so a
bouncing contact or a nervous double press gives one ticket.

The priority button toggles priority for the next ticket (its LED, if any,
is lit meanwhile); it turns itself off after a ticket or after
``reset_seconds``::

    from ticket_printer.buttons import ButtonPanel
    from ticket_printer.config import ButtonConfig, PriorityConfig

    panel = ButtonPanel([ButtonConfig(17, "DD"), ButtonConfig(18, "HT")],
                        PriorityConfig(27, "elderly", led_pin=23),
                        on_press=lambda press: print(press.field, press.priority))
    ...
    panel.close()

``on_press`` runs in gpiozero's event thread: keep it short (queue the work).
"""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from .config import ButtonConfig, PriorityConfig

__all__ = ["ButtonPanel", "Press"]

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Press:
    """A press of a field button.

    :ivar field: field code, e.g. ``"DD"``.
    :ivar priority: priority category code, or None.
    :ivar at: ``time.monotonic()`` of the press.
    :ivar pin: the button's configured pin.
    """

    field: str
    priority: str | None
    at: float
    pin: object = None


class ButtonPanel:
    """Field buttons and an optional priority toggle on GPIO pins.

    :param buttons: the field buttons.
    :param priority: the priority toggle, or None.
    :param on_press: called with a :class:`Press` for each accepted press.
    :param bounce_time: gpiozero ``bounce_time`` in seconds (None: off).
    :param press_guard: seconds after an accepted press during which
        further presses are ignored.
    :param pin_factory: a gpiozero pin factory (default: gpiozero's).
    :raises gpiozero.GPIOZeroError: a pin is missing or already in use.
    """

    def __init__(self, buttons: Sequence[ButtonConfig], priority: PriorityConfig | None,
                 on_press: Callable[[Press], None], *, bounce_time: float | None = 0.05,
                 press_guard: float = 1.0, pin_factory=None) -> None:
        from gpiozero import LED, Button

        self._on_press = on_press
        self._guard = press_guard
        self._lock = threading.Lock()
        self._last_press = float("-inf")
        self._priority_on = False
        self._priority_cfg = priority
        self._reset_timer: threading.Timer | None = None
        self._devices: list = []
        self._priority_led = None
        bounce = bounce_time or None
        try:
            for cfg in buttons:
                button = Button(cfg.pin, pull_up=True, bounce_time=bounce, pin_factory=pin_factory)
                button.when_pressed = lambda cfg=cfg: self._field_pressed(cfg)
                self._devices.append(button)
            if priority is not None:
                button = Button(priority.pin, pull_up=True, bounce_time=bounce, pin_factory=pin_factory)
                button.when_pressed = self._priority_pressed
                self._devices.append(button)
                if priority.led_pin is not None:
                    self._priority_led = LED(priority.led_pin, pin_factory=pin_factory)
                    self._devices.append(self._priority_led)
        except Exception:
            self.close()
            raise

    # -- state -------------------------------------------------------------

    @property
    def priority_on(self) -> bool:
        """True while the priority toggle is on."""
        with self._lock:
            return self._priority_on

    def set_priority(self, on: bool) -> None:
        """Turn the priority toggle on or off (as its button does)."""
        with self._lock:
            self._set_priority_locked(on)

    def close(self) -> None:
        """Release every pin."""
        with self._lock:
            if self._reset_timer is not None:
                self._reset_timer.cancel()
                self._reset_timer = None
            devices, self._devices = self._devices, []
        for device in devices:
            try:
                device.close()
            except Exception:  # noqa: BLE001 - closing must go on
                log.debug("closing %r failed", device, exc_info=True)

    # -- gpiozero callbacks ---------------------------------------------------

    def _field_pressed(self, cfg: ButtonConfig) -> None:
        now = time.monotonic()
        with self._lock:
            if now - self._last_press < self._guard:
                log.info("press on %s (%s) ignored: %.2f s after the last one", cfg.pin, cfg.field,
                         now - self._last_press)
                return
            self._last_press = now
            priority = self._priority_cfg.code if self._priority_on and self._priority_cfg else None
            self._set_priority_locked(False)
        try:
            self._on_press(Press(field=cfg.field, priority=priority, at=now, pin=cfg.pin))
        except Exception:  # noqa: BLE001 - never let a handler kill gpiozero's thread
            log.exception("press handler failed")

    def _priority_pressed(self) -> None:
        with self._lock:
            self._set_priority_locked(not self._priority_on)
            log.info("priority %s", "on" if self._priority_on else "off")

    def _set_priority_locked(self, on: bool) -> None:
        self._priority_on = on
        if self._reset_timer is not None:
            self._reset_timer.cancel()
            self._reset_timer = None
        if self._priority_led is not None:
            self._priority_led.value = on
        if on and self._priority_cfg is not None:
            timer = threading.Timer(self._priority_cfg.reset_seconds, self.set_priority, (False,))
            timer.daemon = True
            self._reset_timer = timer
            timer.start()
