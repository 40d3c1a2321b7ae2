"""The hall file: one TOML file that describes a centre.

A hall file lists the centre, its opening hours, fields (service lines), counters,
officers, devices and priority categories. It is validated on load; every error
names the file, the key and what is wrong::

    >>> from hall_server.config import load_hall
    >>> hall = load_hall("config/demo_hall.toml")
    >>> hall.fields["DD"].name
    'Đất đai'

``motcua config check FILE`` prints the same errors. See ``docs/hall-file.md``.
"""

from __future__ import annotations

import re
import tomllib
import unicodedata
from datetime import time
from pathlib import Path
from typing import Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

from .citizen.settings import BookingSettings, NotifySettings, RatingSettings

DEFAULT_ANNOUNCEMENT = "Xin mời công dân có số thứ tự {ticket} đến quầy số {counter}"
WEEKDAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_SPAN = re.compile(r"^([01]\d|2[0-3]):([0-5]\d)-([01]\d|2[0-3]):([0-5]\d)$")


def nfc(text: str) -> str:
    """Return ``text`` in Unicode NFC, the form all Vietnamese text is kept in."""
    return unicodedata.normalize("NFC", text)


class ConfigError(Exception):
    """An invalid hall file. ``errors`` holds one ``"key: problem"`` line per fault."""

    def __init__(self, source: str, errors: list[str]):
        self.source = source
        self.errors = errors
        lines = "\n".join(f"  {source}: {e}" for e in errors)
        super().__init__(f"invalid hall file {source} ({len(errors)} error(s)):\n{lines}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value):
        if isinstance(value, str):
            return nfc(value)
        if isinstance(value, list):
            return [nfc(v) if isinstance(v, str) else v for v in value]
        return value


class Span(_Model):
    """An opening span such as 07:30–11:30."""

    start: time
    end: time


class CentreConfig(_Model):
    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_-]{0,62}$")
    name: str = Field(min_length=1)
    name_en: str = ""
    address: str = ""
    phone: str = ""
    timezone: str = "Asia/Ho_Chi_Minh"
    wait_target_minutes: int = Field(default=15, ge=1, le=600)
    queue_alert_size: int = Field(default=20, ge=1, le=1000)  # alert supervisors when a field's queue is longer
    booking_head_start_minutes: float = Field(default=10, ge=0, le=240)  # booked citizens checked in on time
    ticket_reading: Literal["number", "digits"] = "number"
    announcement: str = DEFAULT_ANNOUNCEMENT
    public_url: str = "http://127.0.0.1:8080"

    @field_validator("timezone")
    @classmethod
    def _tz(cls, value: str) -> str:
        try:
            ZoneInfo(value)
        except (ZoneInfoNotFoundError, ValueError):
            raise ValueError(f"unknown time zone {value!r}") from None
        return value

    @field_validator("announcement")
    @classmethod
    def _announcement(cls, value: str) -> str:
        for key in ("{ticket}", "{counter}"):
            if key not in value:
                raise ValueError(f"announcement must contain {key}")
        return value


class FieldConfig(_Model):
    """A field (lĩnh vực): a service line that owns a ticket prefix."""

    code: str = Field(pattern=r"^[A-Z][A-Z0-9_]{0,15}$")
    name: str = Field(min_length=1)
    name_en: str = ""
    prefix: str = Field(pattern=r"^[A-Z]{1,2}$")


class CounterConfig(_Model):
    """A counter (quầy): a numbered desk serving a set of fields."""

    number: int = Field(ge=1, le=999)
    name: str = ""
    fields: list[str]
    officer: str | None = None  # the officer seated here when the hall first starts

    @field_validator("fields")
    @classmethod
    def _serves_something(cls, value: list[str]) -> list[str]:
        if not value:
            raise ValueError("a counter must serve at least one field")
        return value

    @property
    def label(self) -> str:
        return self.name or f"Quầy {self.number}"


class OfficerConfig(_Model):
    """An officer (cán bộ). Name, title, agency and phone are posted publicly."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    name: str = Field(min_length=1)
    title: str = ""
    agency: str = ""
    phone: str = ""


class DeviceConfig(_Model):
    """A Pi device: a ticket dispenser, a counter button box or a display."""

    id: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    kind: Literal["dispenser", "button_box", "display"]
    token: str = Field(min_length=16)
    counters: list[int] = []  # button boxes: the counters this box acts for
    name: str = ""


class PriorityConfig(_Model):
    """A priority category (đối tượng ưu tiên) with its bounded head start."""

    code: str = Field(pattern=r"^[a-z][a-z0-9_]{0,31}$")
    name: str = Field(min_length=1)
    name_en: str = ""
    head_start_minutes: float = Field(default=15, ge=0, le=240)


class StaffConfig(_Model):
    """A staff login. ``password_hash`` is an argon2 hash (``motcua staff hash``)."""

    username: str = Field(pattern=r"^[a-z0-9][a-z0-9_.-]{0,62}$")
    role: Literal["officer", "supervisor", "admin"]
    officer: str | None = None
    password_hash: str = Field(min_length=10)


class HallFile(_Model):
    centre: CentreConfig
    hours: dict[str, list[str]] = {}
    fields: list[FieldConfig] = Field(min_length=1)
    counters: list[CounterConfig] = Field(min_length=1)
    officers: list[OfficerConfig] = []
    devices: list[DeviceConfig] = []
    priorities: list[PriorityConfig] = []
    staff: list[StaffConfig] = []
    notify: NotifySettings | None = None
    booking: BookingSettings | None = None
    rating: RatingSettings | None = None


class HallConfig:
    """A validated hall file, with look-ups by key.

    Attributes ``fields``, ``counters``, ``officers``, ``devices``, ``priorities`` are
    dicts keyed by code, number or id, in file order.
    """

    def __init__(self, raw: HallFile, source: str = "<hall>"):
        self.raw = raw
        self.source = source
        self.centre = raw.centre
        self.tz = ZoneInfo(raw.centre.timezone)
        self.fields = {f.code: f for f in raw.fields}
        self.counters = {c.number: c for c in raw.counters}
        self.officers = {o.id: o for o in raw.officers}
        self.devices = {d.id: d for d in raw.devices}
        self.priorities = {p.code: p for p in raw.priorities}
        self.staff = {s.username: s for s in raw.staff}
        self.hours = {
            day: [Span(start=time.fromisoformat(s[:5]), end=time.fromisoformat(s[6:])) for s in spans]
            for day, spans in raw.hours.items()
        }

    @property
    def id(self) -> str:
        return self.centre.id

    def head_start_seconds(self, priority: str | None) -> float:
        if priority is None:
            return 0.0
        return self.priorities[priority].head_start_minutes * 60.0

    def device_by_token(self, token: str) -> DeviceConfig | None:
        import hmac

        for device in self.devices.values():
            if hmac.compare_digest(device.token.encode(), token.encode()):
                return device
        return None


def _loc(parts) -> str:
    out = ""
    for part in parts:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


def _cross_check(raw: HallFile) -> list[str]:
    """Checks that span several keys: references, duplicates, empty counters."""
    errors: list[str] = []

    def dupes(items, attr, where):
        seen: dict = {}
        for i, item in enumerate(items):
            value = getattr(item, attr)
            if value in seen:
                errors.append(f"{where}[{i}].{attr}: duplicate {attr} {value!r} (also at {where}[{seen[value]}])")
            else:
                seen[value] = i

    dupes(raw.fields, "code", "fields")
    dupes(raw.fields, "prefix", "fields")
    dupes(raw.counters, "number", "counters")
    dupes(raw.officers, "id", "officers")
    dupes(raw.devices, "id", "devices")
    dupes(raw.devices, "token", "devices")
    dupes(raw.priorities, "code", "priorities")
    dupes(raw.staff, "username", "staff")

    codes = {f.code for f in raw.fields}
    officers = {o.id for o in raw.officers}
    numbers = {c.number for c in raw.counters}
    seated: dict[str, int] = {}
    for i, counter in enumerate(raw.counters):
        for j, code in enumerate(counter.fields):
            if code not in codes:
                errors.append(f"counters[{i}].fields[{j}]: unknown field code {code!r}")
        if len(set(counter.fields)) != len(counter.fields):
            errors.append(f"counters[{i}].fields: a field is listed twice")
        if counter.officer is not None:
            if counter.officer not in officers:
                errors.append(f"counters[{i}].officer: unknown officer {counter.officer!r}")
            elif counter.officer in seated:
                errors.append(
                    f"counters[{i}].officer: officer {counter.officer!r} is already seated at counter "
                    f"{seated[counter.officer]}"
                )
            else:
                seated[counter.officer] = counter.number
    for i, device in enumerate(raw.devices):
        if device.kind == "button_box" and not device.counters:
            errors.append(f"devices[{i}].counters: a button box must list the counters it acts for")
        for j, number in enumerate(device.counters):
            if number not in numbers:
                errors.append(f"devices[{i}].counters[{j}]: unknown counter {number}")
    for i, staff in enumerate(raw.staff):
        if staff.officer is not None and staff.officer not in officers:
            errors.append(f"staff[{i}].officer: unknown officer {staff.officer!r}")
        if staff.role == "officer" and staff.officer is None:
            errors.append(f"staff[{i}].officer: an officer login must name its officer")
    for day, spans in raw.hours.items():
        if day not in WEEKDAYS:
            errors.append(f"hours.{day}: unknown day (use {', '.join(WEEKDAYS)})")
            continue
        for j, span in enumerate(spans):
            m = _SPAN.match(span)
            if not m:
                errors.append(f"hours.{day}[{j}]: {span!r} is not a span like '07:30-11:30'")
            elif span[:5] >= span[6:]:
                errors.append(f"hours.{day}[{j}]: {span!r} ends before it starts")
    return errors


def parse_hall(data: dict, source: str = "<hall>") -> HallConfig:
    """Validate an already-parsed hall document (a dict) and return a :class:`HallConfig`."""
    try:
        raw = HallFile.model_validate(data)
    except ValidationError as exc:
        errors = []
        for err in exc.errors():
            msg = err["msg"].removeprefix("Value error, ")
            if err["type"] == "extra_forbidden":
                msg = "unknown key"
            elif err["type"] == "missing":
                msg = "required key is missing"
            errors.append(f"{_loc(err['loc'])}: {msg}")
        raise ConfigError(source, errors) from None
    errors = _cross_check(raw)
    if errors:
        raise ConfigError(source, errors)
    return HallConfig(raw, source)


def load_hall(path: str | Path) -> HallConfig:
    """Read, parse and validate a TOML hall file. Raises :class:`ConfigError`."""
    path = Path(path)
    source = str(path)
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError(source, ["file not found"]) from None
    except UnicodeDecodeError as exc:
        raise ConfigError(source, [f"not UTF-8 text ({exc.reason} at byte {exc.start})"]) from None
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(source, [f"TOML syntax: {exc}"]) from None
    return parse_hall(data, source)


DEMO_HALL = Path(__file__).resolve().parent.parent / "config" / "demo_hall.toml"
