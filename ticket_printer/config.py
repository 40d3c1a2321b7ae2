"""The dispenser's device file (TOML): server, token, printer, buttons, LED.

One file per Raspberry Pi dispenser. Every problem is reported at once, each
with its key, and nothing starts until the file is right::

    from device_link.config import DeviceConfigError
    from ticket_printer.config import load_device_config

    try:
        config = load_device_config("/etc/motcua/dispenser.toml")
    except DeviceConfigError as exc:
        print(exc)            # "  dispenser.toml: buttons[1].pin: pin 17 is already used by buttons[0]"
    config.buttons[0].field   # "DD"

A complete, commented example is ``config/dispenser.example.toml``. The keys:

``server``, ``token``
    Hall server URL (``http://192.168.1.10:8080``) and this dispenser's token
    from the hall file's ``[[devices]]``. Both may instead come from the
    command line (``--server``, ``--token``) or, for the token, the
    environment variable ``MOTCUA_DEVICE_TOKEN``.
``public_url``
    Optional: the address printed in the ticket's QR code. Default: the
    centre's public URL if the server tells it, else ``server``.
``[printer]``
    The :class:`~ticket_printer.printer.TicketPrinter` config dict
    (``kind = "network"``, ``host``, ``port``, ``profile``, ...).
``[[buttons]]``
    ``pin`` (BCM number, e.g. ``17``, or a gpiozero pin name such as
    ``"GPIO17"``), ``field`` (field code, e.g. ``"DD"``), optional ``label``.
``[priority]``
    Optional priority toggle: ``pin``, ``code`` (priority category code, e.g.
    ``"elderly"``), optional ``led_pin`` (lit while priority is on) and
    ``reset_seconds`` (priority turns itself off, default 30).
``[led]``
    Optional status LED: ``pin``, ``active_high`` (default true).
``[timing]``
    Optional tuning; see :class:`Timing` for keys and defaults.
``[dispenser]``
    ``print_when_status_unknown`` (default true): print even when the
    printer does not answer status requests (cheap clones, ``file`` kind).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from device_link.config import DeviceConfigError, read_toml

__all__ = [
    "ButtonConfig",
    "DispenserConfig",
    "LedConfig",
    "PriorityConfig",
    "Timing",
    "load_device_config",
    "parse_device_config",
    "problems_with_centre",
]

Pin = int | str

#: GPIO numbers on the Raspberry Pi's 40-pin header (BCM numbering).
BCM_PINS = range(0, 28)


@dataclass(frozen=True)
class ButtonConfig:
    """One take-a-number button: a GPIO pin and the field it issues in."""

    pin: Pin
    field: str
    label: str | None = None


@dataclass(frozen=True)
class PriorityConfig:
    """The priority toggle button and the priority category it sets."""

    pin: Pin
    code: str
    led_pin: Pin | None = None
    reset_seconds: float = 30.0


@dataclass(frozen=True)
class LedConfig:
    """The status LED."""

    pin: Pin
    active_high: bool = True


@dataclass(frozen=True)
class Timing:
    """Timings, in seconds. The defaults suit a real hall.

    ``bounce``: gpiozero ``bounce_time`` of the buttons (0.05).
    ``press_guard``: presses this soon after an accepted press are contact
    bounce or an impatient second press, and are ignored (1.0).
    ``request_timeout``: first wait for the server's answer to a press;
    retries (same request id) wait twice as long each time (2.0).
    ``press_deadline``: give up on a press this long after it (8.0).
    ``fault_poll``: printer status poll while the printer has a problem (3.0).
    ``idle_poll``: printer status poll while all is well (10.0).
    ``reconnect_min`` / ``reconnect_max``: backoff between connection
    attempts, doubling from min to max, with jitter (1.0 / 30.0).
    ``connect_timeout``: wait for the server to accept a connection (5.0).
    """

    bounce: float = 0.05
    press_guard: float = 1.0
    request_timeout: float = 2.0
    press_deadline: float = 8.0
    fault_poll: float = 3.0
    idle_poll: float = 10.0
    reconnect_min: float = 1.0
    reconnect_max: float = 30.0
    connect_timeout: float = 5.0


_TIMING_LIMITS = {  # key: (minimum, maximum)
    "bounce": (0.0, 1.0),
    "press_guard": (0.0, 30.0),
    "request_timeout": (0.001, 60.0),
    "press_deadline": (0.01, 120.0),
    "fault_poll": (0.05, 600.0),
    "idle_poll": (0.05, 3600.0),
    "reconnect_min": (0.01, 600.0),
    "reconnect_max": (0.01, 3600.0),
    "connect_timeout": (0.1, 120.0),
}


@dataclass(frozen=True)
class DispenserConfig:
    """A checked device file. Build with :func:`load_device_config`."""

    server: str
    token: str
    printer: Mapping[str, Any]
    buttons: tuple[ButtonConfig, ...] = ()
    priority: PriorityConfig | None = None
    led: LedConfig | None = None
    public_url: str | None = None
    timing: Timing = field(default_factory=Timing)
    print_when_status_unknown: bool = True

    @property
    def uses_gpio(self) -> bool:
        """True if any button or LED is configured (gpiozero is then needed)."""
        return bool(self.buttons or self.priority or self.led)


# --------------------------------------------------------------------------
# Parsing
# --------------------------------------------------------------------------

_TOP_KEYS = {"server", "token", "public_url", "printer", "buttons", "priority", "led", "timing", "dispenser"}


class _Checker:
    """Collects problems instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []
        self.pins: dict[str, str] = {}  # pin identity -> key that uses it

    def add(self, key: str, message: str) -> None:
        self.problems.append(f"{key}: {message}")

    def table(self, data: Any, key: str) -> Mapping[str, Any] | None:
        if not isinstance(data, Mapping):
            self.add(key, f"must be a table, got {type(data).__name__}")
            return None
        return data

    def unknown(self, data: Mapping[str, Any], key: str, allowed: set[str]) -> None:
        for name in sorted(set(data) - allowed):
            where = f"{key}.{name}" if key else name
            self.add(where, f"unknown key (allowed: {', '.join(sorted(allowed))})")

    def text(self, data: Mapping[str, Any], name: str, key: str, required: bool = True) -> str | None:
        value = data.get(name)
        if value is None:
            if required:
                self.add(key, "is required")
            return None
        if not isinstance(value, str) or not value.strip():
            self.add(key, f"must be a non-empty string, got {value!r}")
            return None
        return value.strip()

    def number(self, data: Mapping[str, Any], name: str, key: str, default: float,
               low: float, high: float) -> float:
        value = data.get(name, default)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            self.add(key, f"must be a number of seconds, got {value!r}")
            return default
        if not low <= value <= high:
            self.add(key, f"must be between {low:g} and {high:g} seconds, got {value!r}")
            return default
        return float(value)

    def flag(self, data: Mapping[str, Any], name: str, key: str, default: bool) -> bool:
        value = data.get(name, default)
        if not isinstance(value, bool):
            self.add(key, f"must be true or false, got {value!r}")
            return default
        return value

    def pin(self, data: Mapping[str, Any], name: str, key: str, required: bool = True) -> Pin | None:
        value = data.get(name)
        if value is None:
            if required:
                self.add(key, "is required (a BCM GPIO number such as 17)")
            return None
        if isinstance(value, bool) or not isinstance(value, (int, str)):
            self.add(key, f"must be a BCM GPIO number or a pin name, got {value!r}")
            return None
        if isinstance(value, int):
            if value not in BCM_PINS:
                self.add(key, f"GPIO{value} does not exist on the 40-pin header (BCM 0 to 27)")
                return None
            identity = f"GPIO{value}"
        else:
            value = value.strip()
            if not value:
                self.add(key, "must not be empty")
                return None
            identity = value.upper()
            if identity.startswith("BCM") and identity[3:].isdigit():
                identity = f"GPIO{int(identity[3:])}"
            elif identity.isdigit():
                identity = f"GPIO{int(identity)}"
        used_by = self.pins.get(identity)
        if used_by is not None:
            self.add(key, f"pin {value} is already used by {used_by}")
            return None
        self.pins[identity] = key.rsplit(".", 1)[0]
        return value


def _url(check: _Checker, value: str | None, key: str) -> str | None:
    if value is None:
        return None
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        check.add(key, f"must be an http:// or https:// URL with a host, got {value!r}")
        return None
    return value.rstrip("/")


def parse_device_config(data: Mapping[str, Any], *, server: str | None = None,
                        token: str | None = None, source: str = "device config") -> DispenserConfig:
    """Check a parsed device file; *server* and *token* override the file's.

    :raises DeviceConfigError: listing every problem found.
    """
    from .printer import PrinterConfigError, TicketPrinter

    check = _Checker()
    check.unknown(data, "", _TOP_KEYS)

    server_url = None
    server_value = server if server is not None else data.get("server")
    if server_value is None:
        check.add("server", "is required (in the file, or --server)")
    elif not isinstance(server_value, str) or not server_value.strip():
        check.add("server", f"must be a URL such as http://192.168.1.10:8080, got {server_value!r}")
    else:
        server_url = _url(check, server_value.strip(), "server")
    token_value = None
    raw_token = token if token is not None else data.get("token")
    if raw_token is None or (isinstance(raw_token, str) and not raw_token.strip()):
        check.add("token", "is required (in the file, --token or MOTCUA_DEVICE_TOKEN)")
    elif not isinstance(raw_token, str):
        check.add("token", f"must be a string, got {type(raw_token).__name__}")
    else:
        token_value = raw_token.strip()
    public_url = _url(check, check.text(data, "public_url", "public_url", False), "public_url")

    printer: Mapping[str, Any] = {}
    if "printer" not in data:
        check.add("printer", 'is required: a table such as {kind = "network", host = "192.168.1.50"}')
    else:
        table = check.table(data["printer"], "printer")
        if table is not None:
            try:
                TicketPrinter(table)
            except PrinterConfigError as exc:
                check.add("printer", str(exc))
            else:
                printer = dict(table)

    buttons: list[ButtonConfig] = []
    raw_buttons = data.get("buttons", [])
    if not isinstance(raw_buttons, list):
        check.add("buttons", "must be an array of tables: [[buttons]] pin = 17, field = \"DD\"")
        raw_buttons = []
    for i, raw in enumerate(raw_buttons):
        key = f"buttons[{i}]"
        table = check.table(raw, key)
        if table is None:
            continue
        check.unknown(table, key, {"pin", "field", "label"})
        pin = check.pin(table, "pin", f"{key}.pin")
        field_code = check.text(table, "field", f"{key}.field")
        label = check.text(table, "label", f"{key}.label", required=False)
        if pin is not None and field_code is not None:
            buttons.append(ButtonConfig(pin=pin, field=field_code, label=label))

    priority = None
    if "priority" in data:
        table = check.table(data["priority"], "priority")
        if table is not None:
            check.unknown(table, "priority", {"pin", "code", "led_pin", "reset_seconds"})
            pin = check.pin(table, "pin", "priority.pin")
            code = check.text(table, "code", "priority.code")
            led_pin = check.pin(table, "led_pin", "priority.led_pin", required=False)
            reset = check.number(table, "reset_seconds", "priority.reset_seconds", 30.0, 1.0, 3600.0)
            if not raw_buttons:
                check.add("priority", "a priority button needs at least one [[buttons]] entry")
            if pin is not None and code is not None:
                priority = PriorityConfig(pin=pin, code=code, led_pin=led_pin, reset_seconds=reset)

    led = None
    if "led" in data:
        table = check.table(data["led"], "led")
        if table is not None:
            check.unknown(table, "led", {"pin", "active_high"})
            pin = check.pin(table, "pin", "led.pin")
            active_high = check.flag(table, "active_high", "led.active_high", True)
            if pin is not None:
                led = LedConfig(pin=pin, active_high=active_high)

    timing = Timing()
    if "timing" in data:
        table = check.table(data["timing"], "timing")
        if table is not None:
            check.unknown(table, "timing", set(_TIMING_LIMITS))
            values = {name: check.number(table, name, f"timing.{name}", getattr(timing, name), low, high)
                      for name, (low, high) in _TIMING_LIMITS.items()}
            if values["reconnect_min"] > values["reconnect_max"]:
                check.add("timing.reconnect_min", "must not be larger than timing.reconnect_max")
            timing = Timing(**values)

    print_unknown = True
    if "dispenser" in data:
        table = check.table(data["dispenser"], "dispenser")
        if table is not None:
            check.unknown(table, "dispenser", {"print_when_status_unknown"})
            print_unknown = check.flag(table, "print_when_status_unknown",
                                       "dispenser.print_when_status_unknown", True)

    if check.problems:
        raise DeviceConfigError(source, check.problems)
    assert server_url is not None and token_value is not None
    return DispenserConfig(server=server_url, token=token_value, printer=printer, buttons=tuple(buttons),
                           priority=priority, led=led, public_url=public_url, timing=timing,
                           print_when_status_unknown=print_unknown)


def load_device_config(path: str | os.PathLike[str], *, server: str | None = None,
                       token: str | None = None) -> DispenserConfig:
    """Read and check the device file at *path* (see the module docstring).

    ::

        config = load_device_config("dispenser.toml", token=os.environ.get("MOTCUA_DEVICE_TOKEN"))

    :raises DeviceConfigError: the file is missing, not TOML, or has wrong keys.
    """
    data = read_toml(path)
    return parse_device_config(data, server=server, token=token, source=str(path))


def problems_with_centre(config: DispenserConfig, centre: Mapping[str, Any]) -> list[str]:
    """Buttons and priority codes that the hall server does not know.

    *centre* is ``GET /api/v1/centre``. An empty list means all is well::

        for problem in problems_with_centre(config, centre):
            log.error(problem)     # "buttons[2].field: field 'XX' is not in the hall (known: CT, DD, ...)"
    """
    fields = {f.get("code") for f in centre.get("fields", ()) if isinstance(f, Mapping)}
    priorities = {p.get("code") for p in centre.get("priorities", ()) if isinstance(p, Mapping)}
    problems = []
    for i, button in enumerate(config.buttons):
        if button.field not in fields:
            problems.append(f"buttons[{i}].field: field {button.field!r} is not in the hall "
                            f"(known: {', '.join(sorted(str(f) for f in fields)) or 'none'})")
    if config.priority is not None and config.priority.code not in priorities:
        problems.append(f"priority.code: priority {config.priority.code!r} is not in the hall "
                        f"(known: {', '.join(sorted(str(p) for p in priorities)) or 'none'})")
    return problems
