"""The button box file: which BCM pins each counter's buttons, LED and LCD use.

One TOML file per Raspberry Pi. It is validated on load; every error names the key and
what is wrong, and nothing touches the GPIO until the whole file is right::

    >>> from counter_buttons.config import load_box
    >>> box = load_box("config/buttons.example.toml")
    >>> box.counters[0].next, box.hold_seconds
    (17, 2.0)

Top-level keys (all optional): ``server`` and ``token`` (the hall server URL and this box's
device token; the command line and environment take precedence), ``hold_seconds`` (hold
Next this long to pause or resume, default 2), ``bounce_ms`` (debounce, default 30),
``pull_up`` (buttons wired to GND with the Pi's internal pull-ups, default true),
``press_window_seconds`` (a press the server has not answered within this is dropped,
default 4), ``reconnect_max_seconds`` (the longest wait between reconnection attempts,
default 10). ``[lcd]`` describes the bus shared by the HD44780 displays; ``[[counters]]``
lists one table per counter. See ``docs/pi/buttons.md`` for the wiring. The file is read by
:mod:`device_link.config`, like every device file, and problems raise its
:class:`~device_link.config.DeviceConfigError`.
"""

from __future__ import annotations

from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from device_link.config import DeviceConfigError, check_model, load_device_file

# BCM GPIO numbers on the 40-pin header that a button box may use. GPIO 0 and 1 are
# reserved for the HAT ID EEPROM.
USABLE_PINS = range(2, 28)
Pin = int

_PIN = dict(ge=USABLE_PINS.start, le=USABLE_PINS.stop - 1)


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, strict=True)


class LcdBus(_Model):
    """The lines every HD44780 display shares (4-bit mode, R/W tied to GND)."""

    rs: Pin = Field(**_PIN)
    d4: Pin = Field(**_PIN)
    d5: Pin = Field(**_PIN)
    d6: Pin = Field(**_PIN)
    d7: Pin = Field(**_PIN)
    columns: int = Field(default=16, ge=8, le=40)
    rows: int = Field(default=2, ge=1, le=4)

    def pins(self) -> dict[str, int]:
        return {"rs": self.rs, "d4": self.d4, "d5": self.d5, "d6": self.d6, "d7": self.d7}


class CounterPins(_Model):
    """One counter's buttons (required), status LED and LCD enable line (optional)."""

    number: int = Field(ge=1, le=999)
    next: Pin = Field(**_PIN)
    recall: Pin = Field(**_PIN)
    no_show: Pin = Field(**_PIN)
    finish: Pin = Field(**_PIN)
    led: Pin | None = Field(default=None, **_PIN)
    lcd_enable: Pin | None = Field(default=None, **_PIN)

    def pins(self) -> dict[str, int]:
        named = {"next": self.next, "recall": self.recall, "no_show": self.no_show, "finish": self.finish,
                 "led": self.led, "lcd_enable": self.lcd_enable}
        return {k: v for k, v in named.items() if v is not None}


class BoxConfig(_Model):
    """A whole button box: server, timings, the optional LCD bus and its counters."""

    server: str | None = Field(default=None, pattern=r"^https?://[^/\s]+")
    token: str | None = Field(default=None, min_length=1)
    hold_seconds: float = Field(default=2.0, gt=0.2, le=10)
    bounce_ms: int = Field(default=30, ge=0, le=500)
    pull_up: bool = True
    press_window_seconds: float = Field(default=4.0, ge=0.5, le=30)
    reconnect_max_seconds: float = Field(default=10.0, ge=0.1, le=300)
    lcd: LcdBus | None = None
    counters: list[CounterPins] = Field(min_length=1)

    def counter_numbers(self) -> list[int]:
        return [c.number for c in self.counters]


def _cross_check(box: BoxConfig) -> list[str]:
    errors: list[str] = []
    seen_counters: dict[int, int] = {}
    owner: dict[int, str] = {}

    def claim(pin: int, key: str) -> None:
        if pin in owner:
            errors.append(f"{key}: GPIO {pin} is already used by {owner[pin]}")
        else:
            owner[pin] = key

    if box.lcd is not None:
        for name, pin in box.lcd.pins().items():
            claim(pin, f"lcd.{name}")
        if box.lcd.columns * box.lcd.rows > 80:
            errors.append(f"lcd: one HD44780 holds 80 characters, not {box.lcd.columns}×{box.lcd.rows}")
    for i, counter in enumerate(box.counters):
        if counter.number in seen_counters:
            errors.append(f"counters[{i}].number: counter {counter.number} is already listed"
                          f" at counters[{seen_counters[counter.number]}]")
        seen_counters.setdefault(counter.number, i)
        for name, pin in counter.pins().items():
            claim(pin, f"counters[{i}].{name}")
        if counter.lcd_enable is not None and box.lcd is None:
            errors.append(f"counters[{i}].lcd_enable: add an [lcd] table with the shared rs, d4-d7 pins")
    return errors


def _explain(err: dict) -> str | None:
    if err["type"] == "string_pattern_mismatch" and err["loc"] == ("server",):
        return f"{err['input']!r} is not an http:// or https:// URL"
    if err["type"] in ("greater_than_equal", "less_than_equal") and err["loc"][-1] in _PIN_KEYS:
        return f"{err['input']!r} is not a usable BCM GPIO number (use 2 to 27)"
    return None


def parse_box(data: dict, source: str = "<buttons>") -> BoxConfig:
    """Validate an already-parsed button box document (a dict). Raises :class:`DeviceConfigError`."""
    return check_model(BoxConfig, data, source, cross_check=_cross_check, explain=_explain)


_PIN_KEYS = {"rs", "d4", "d5", "d6", "d7", "next", "recall", "no_show", "finish", "led", "lcd_enable"}


def load_box(path: str | Path) -> BoxConfig:
    """Read, parse and validate a TOML button box file. Raises :class:`DeviceConfigError`."""
    return load_device_file(path, parse_box)


__all__ = ["BoxConfig", "CounterPins", "DeviceConfigError", "LcdBus", "load_box", "parse_box"]
