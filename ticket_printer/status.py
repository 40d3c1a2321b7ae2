"""What the dispenser shows on its status LED.

The LED tells staff walking past what state the dispenser is in:

=============  ==================================  ===========================
Indicator      LED                                 When
=============  ==================================  ===========================
``READY``      steady on                           server connected, printer OK
``WARNING``    slow blink (1.5 s on, 0.5 s off)    paper low, or printer state unknown
``FAULT``      fast blink (0.25 s on, 0.25 s off)  paper out, cover open, printer offline
``OFFLINE``    off                                 no connection to the hall server
=============  ==================================  ===========================

A press that cannot be served (no server, printer fault) is answered with a
burst of quick flashes, then the LED goes back to its pattern::

    from gpiozero import LED
    from ticket_printer.printer import PrinterStatus
    from ticket_printer.status import StatusLight, indicator_for

    light = StatusLight(LED(22))
    light.show(indicator_for(connected=True, printer=PrinterStatus.OK))   # steady
    light.flash()                                                          # "not now"
    light.close()

``StatusLight(None)`` does nothing: a dispenser without an LED still works.
"""

from __future__ import annotations

import enum
import threading
from typing import TYPE_CHECKING

from .printer import PrinterStatus

if TYPE_CHECKING:  # pragma: no cover
    from gpiozero import LED

__all__ = ["Indicator", "StatusLight", "indicator_for"]


class Indicator(enum.Enum):
    """The four LED patterns; see the module docstring."""

    READY = "ready"
    WARNING = "warning"
    FAULT = "fault"
    OFFLINE = "offline"


#: (on seconds, off seconds) of the blinking patterns.
BLINK = {Indicator.WARNING: (1.5, 0.5), Indicator.FAULT: (0.25, 0.25)}
#: Quick flashes answering a press that cannot be served.
FLASH_ON, FLASH_OFF, FLASH_COUNT = 0.08, 0.08, 6


def indicator_for(connected: bool, printer: PrinterStatus | None) -> Indicator:
    """The LED pattern for a state. No server wins over everything.

    ::

        >>> indicator_for(True, PrinterStatus.PAPER_OUT)
        <Indicator.FAULT: 'fault'>
        >>> indicator_for(True, PrinterStatus.UNKNOWN)     # never "ready"
        <Indicator.WARNING: 'warning'>
        >>> indicator_for(False, PrinterStatus.OK)
        <Indicator.OFFLINE: 'offline'>
    """
    if not connected:
        return Indicator.OFFLINE
    if printer is PrinterStatus.OK:
        return Indicator.READY
    if printer in (PrinterStatus.PAPER_LOW, PrinterStatus.UNKNOWN, None):
        return Indicator.WARNING
    return Indicator.FAULT


class StatusLight:
    """Drives a gpiozero ``LED`` with an :class:`Indicator` pattern.

    Thread-safe. Blinking runs in gpiozero's background thread.

    :param led: a gpiozero ``LED`` (or anything with ``on``, ``off``,
        ``blink`` and ``close``), or None for no LED.
    """

    def __init__(self, led: LED | None) -> None:
        self._led = led
        self._lock = threading.Lock()
        self._indicator: Indicator | None = None
        self._flash_timer: threading.Timer | None = None

    @property
    def indicator(self) -> Indicator | None:
        """The pattern shown (or shown again after a flash)."""
        with self._lock:
            return self._indicator

    def show(self, indicator: Indicator) -> None:
        """Show *indicator*'s pattern (after the current flash, if any)."""
        with self._lock:
            if indicator is self._indicator:
                return
            self._indicator = indicator
            if self._flash_timer is None:
                self._apply()

    def flash(self) -> None:
        """Answer a press that cannot be served: a burst of quick flashes."""
        with self._lock:
            if self._led is None:
                return
            if self._flash_timer is not None:
                self._flash_timer.cancel()
            self._led.blink(FLASH_ON, FLASH_OFF, n=FLASH_COUNT, background=True)
            timer = threading.Timer(FLASH_COUNT * (FLASH_ON + FLASH_OFF), self._end_flash)
            timer.daemon = True
            self._flash_timer = timer
            timer.start()

    def close(self) -> None:
        """Turn the LED off and release its pin."""
        with self._lock:
            if self._flash_timer is not None:
                self._flash_timer.cancel()
                self._flash_timer = None
            if self._led is not None:
                self._led.close()
                self._led = None

    def _end_flash(self) -> None:
        with self._lock:
            if self._flash_timer is None or threading.current_thread() is not self._flash_timer:
                return  # a newer flash, or closed
            self._flash_timer = None
            self._apply()

    def _apply(self) -> None:
        """Set the LED for the current indicator (caller holds the lock)."""
        led = self._led
        if led is None or self._indicator is None:
            return
        if self._indicator is Indicator.READY:
            led.on()
        elif self._indicator is Indicator.OFFLINE:
            led.off()
        else:
            on_time, off_time = BLINK[self._indicator]
            led.blink(on_time, off_time, background=True)
