"""A counter's status LED: one gpiozero LED showing the counter's state as a pattern.

    from gpiozero import LED
    from counter_buttons.leds import StatusLed

    led = StatusLed(LED(24))
    led.show("ready")      # steady on: the counter may call the next citizen
    led.show("calling")    # slow blink: a citizen is called (or being served) here
    led.show("offline")    # fast blink: the hall server cannot be reached
    led.flash_refused()    # three quick flashes, then back to the state shown before

========== ============================================= ================================
state      pattern                                       meaning
========== ============================================= ================================
ready      on                                            open, nobody called: press Next
calling    0.5 s on / 0.5 s off                          a citizen is called or served
paused     0.1 s on / 1.9 s off (a blip every 2 s)       counter paused (hold Next)
closed     off                                           counter closed or without officer
offline    0.1 s on / 0.1 s off                          server unreachable: presses dropped
(refused)  3 × (0.06 s on / 0.12 s off), then as before  the server refused the press
========== ============================================= ================================
"""

from __future__ import annotations

import threading

# (on seconds, off seconds); None = steady on, () = off.
PATTERNS: dict[str, tuple[float, float] | None | tuple] = {
    "ready": None,
    "calling": (0.5, 0.5),
    "paused": (0.1, 1.9),
    "closed": (),
    "offline": (0.1, 0.1),
}
REFUSED_FLASH = (0.06, 0.12, 3)  # on, off, count


class StatusLed:
    """Shows one of :data:`PATTERNS` on a gpiozero ``LED``; thread-safe."""

    def __init__(self, led):
        self.led = led
        self.state: str | None = None
        self._lock = threading.Lock()
        self._restore: threading.Timer | None = None
        self.show("closed")

    def show(self, state: str) -> None:
        """Show ``state`` (a key of :data:`PATTERNS`); a new state cuts a flash in progress short."""
        if state not in PATTERNS:
            raise ValueError(f"unknown LED state {state!r} (use one of {', '.join(PATTERNS)})")
        with self._lock:
            if state == self.state:
                return  # a flash in progress ends in this state anyway
            self._cancel_restore()
            self.state = state
            self._apply(state)

    def flash_refused(self) -> None:
        """Flash quickly three times, then return to the current state."""
        on, off, n = REFUSED_FLASH
        with self._lock:
            self._cancel_restore()
            self.led.blink(on_time=on, off_time=off, n=n, background=True)
            self._restore = threading.Timer(n * (on + off), self._end_flash)
            self._restore.daemon = True
            self._restore.start()

    def close(self) -> None:
        with self._lock:
            self._cancel_restore()
            self.led.close()

    # ------------------------------------------------------------------ internals
    def _end_flash(self) -> None:
        with self._lock:
            if self._restore is None:
                return
            self._restore = None
            self._apply(self.state)

    def _cancel_restore(self) -> bool:
        timer, self._restore = self._restore, None
        if timer is not None:
            timer.cancel()
            return True
        return False

    def _apply(self, state: str | None) -> None:
        pattern = PATTERNS.get(state, ())
        if pattern is None:
            self.led.on()
        elif pattern == ():
            self.led.off()
        else:
            on, off = pattern
            self.led.blink(on_time=on, off_time=off, background=True)
