"""Settings of the citizen features: ``[notify]``, ``[booking]`` and ``[rating]``.

They are meant to live in the hall file next to ``[centre]`` (see docs/citizen.md). Until the
hall file accepts them, they are read from a TOML file named by the environment variable
``MOTCUA_CITIZEN_CONFIG`` with the same three tables; without it every feature runs on its
defaults (notifications are then off: no gateway is configured)::

    >>> from hall_server.config import DEMO_HALL, load_hall    # config/demo_hall.toml
    >>> settings = load_citizen_settings(load_hall(DEMO_HALL))
    >>> settings.booking.slot_minutes, settings.rating.window_seconds
    (30, 180)

Secrets never sit in the file: a header value or a password is written ``${ENV_NAME}`` and
read from the environment when a message is sent.
"""

from __future__ import annotations

import os
import re
import tomllib
import unicodedata
from datetime import date
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

ENV_FILE = "MOTCUA_CITIZEN_CONFIG"
_ENV_REF = re.compile(r"\$\{([A-Za-z_][A-Za-z0-9_]*)\}")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, str_strip_whitespace=True)

    @field_validator("*", mode="before")
    @classmethod
    def _nfc(cls, value):
        if isinstance(value, str):
            return unicodedata.normalize("NFC", value)
        return value


def expand_env(text: str, environ=None, escape=lambda value: value) -> str:
    """Replace every ``${NAME}`` in ``text`` by the environment variable NAME, passed through
    ``escape`` (e.g. URL quoting); KeyError if it is unset."""
    environ = os.environ if environ is None else environ

    def sub(match):
        name = match.group(1)
        if name not in environ:
            raise KeyError(f"environment variable {name} is not set")
        return escape(environ[name])

    return _ENV_REF.sub(sub, text)


class SmsSettings(_Model):
    """A generic HTTP SMS gateway: ``{phone}`` and ``{text}`` are filled into the URL and the body."""

    url: str = Field(pattern=r"^https?://\S+$")
    method: Literal["GET", "POST", "PUT"] = "POST"
    headers: dict[str, str] = {}
    body: dict | str | None = None  # a table is sent as JSON or a form; a string as it is (after filling in)
    encoding: Literal["json", "form", "raw"] = "json"
    content_type: str = ""  # for encoding "raw"; default text/plain; charset=utf-8
    phone_format: Literal["e164", "national", "digits"] = "e164"  # +84912345678 | 0912345678 | 84912345678
    success_text: str = ""  # if set, a 2xx answer counts only when its body contains this text
    strip_diacritics: bool = False  # one SMS holds 160 plain letters but only 70 with Vietnamese marks
    timeout_seconds: float = Field(default=10, gt=0, le=120)


class EmailSettings(_Model):
    """An SMTP server. The password comes from the environment variable named by ``password_env``."""

    host: str = Field(min_length=1)
    port: int = Field(default=587, ge=1, le=65535)
    security: Literal["starttls", "ssl", "none"] = "starttls"
    username: str = ""
    password_env: str = ""
    sender: str = Field(pattern=r"^[^@\s]+@[^@\s]+\.[^@\s]+$")
    sender_name: str = "MotCua"
    timeout_seconds: float = Field(default=10, gt=0, le=120)


class NotifySettings(_Model):
    """When citizens who opted in are told, and how failed messages are retried."""

    ahead: list[int] = [3]  # tell once when this many people or fewer are ahead (each threshold once)
    on_call: bool = True  # tell when the ticket is called ("Mời số A023 đến quầy số 5")
    max_attempts: int = Field(default=6, ge=1, le=50)
    retry_base_seconds: float = Field(default=5, gt=0, le=3600)  # 5, 10, 20, 40 … seconds between tries
    retry_max_seconds: float = Field(default=300, gt=0, le=86400)
    expire_minutes: float = Field(default=15, gt=0, le=1440)  # a message not out by then is dropped
    sms: SmsSettings | None = None
    email: EmailSettings | None = None

    @field_validator("ahead")
    @classmethod
    def _ahead(cls, value: list[int]) -> list[int]:
        if any(n < 0 or n > 100 for n in value):
            raise ValueError("thresholds must be between 0 and 100")
        return sorted(set(value), reverse=True)

    @property
    def channels(self) -> list[str]:
        """The ways a citizen may opt in: ``sms`` and/or ``email``."""
        return [name for name in ("sms", "email") if getattr(self, name) is not None]


class BookingSettings(_Model):
    """Booked appointments: slots cut from ``[hours]``, a capacity per slot and field."""

    enabled: bool = True
    slot_minutes: int = Field(default=30, ge=5, le=240)
    capacity: int = Field(default=4, ge=0, le=1000)  # bookings per slot per field
    capacity_by_field: dict[str, int] = {}
    fields: list[str] = []  # bookable fields; empty means every field
    days_ahead: int = Field(default=14, ge=0, le=365)  # how far ahead a slot may be booked (0: today only)
    min_lead_minutes: int = Field(default=30, ge=0, le=10080)  # book at least this long before the slot
    checkin_early_minutes: int = Field(default=15, ge=0, le=240)  # check-in opens this long before the slot
    checkin_late_minutes: int = Field(default=0, ge=0, le=240)  # and closes this long after it ends
    closed_days: list[date] = []  # public holidays and other closed days
    per_phone_per_day: int = Field(default=2, ge=1, le=100)  # active bookings one phone may hold per day

    @field_validator("capacity_by_field")
    @classmethod
    def _capacities(cls, value: dict[str, int]) -> dict[str, int]:
        bad = [k for k, v in value.items() if not isinstance(v, int) or not 0 <= v <= 1000]
        if bad:
            raise ValueError(f"capacity must be 0 to 1000 (at {', '.join(bad)})")
        return value

    def capacity_for(self, field: str) -> int:
        return self.capacity_by_field.get(field, self.capacity)


class RatingSettings(_Model):
    """Satisfaction ratings at the counter."""

    enabled: bool = True
    window_seconds: float = Field(default=180, ge=10, le=3600)  # a ticket may be rated this long after it finished


class CitizenSettings(_Model):
    notify: NotifySettings = NotifySettings()
    booking: BookingSettings = BookingSettings()
    rating: RatingSettings = RatingSettings()


def _loc(parts) -> str:
    out = ""
    for part in parts:
        out += f"[{part}]" if isinstance(part, int) else ("." if out else "") + str(part)
    return out or "(top level)"


def parse_citizen_settings(data: dict, config=None, source: str = "<citizen>") -> CitizenSettings:
    """Validate the three tables (a dict from TOML); field codes are checked against ``config``."""
    from ..config import ConfigError  # here, so that hall_server.config may import these models

    try:
        settings = CitizenSettings.model_validate(data)
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
    if config is not None:
        errors = []
        for i, code in enumerate(settings.booking.fields):
            if code not in config.fields:
                errors.append(f"booking.fields[{i}]: unknown field code {code!r}")
        for code in settings.booking.capacity_by_field:
            if code not in config.fields:
                errors.append(f"booking.capacity_by_field.{code}: unknown field code {code!r}")
        if errors:
            raise ConfigError(source, errors)
    return settings


def load_citizen_settings(config, environ=None) -> CitizenSettings:
    """The settings for ``config``'s centre: from the hall file when it has the tables, else from
    the file named by ``MOTCUA_CITIZEN_CONFIG``, else the defaults. Raises :class:`ConfigError`."""
    from ..config import ConfigError

    environ = os.environ if environ is None else environ
    raw = getattr(config, "raw", None)
    from_hall = {name: getattr(raw, name) for name in ("notify", "booking", "rating")
                 if getattr(raw, name, None) is not None}
    if from_hall:
        data = {k: v.model_dump() if isinstance(v, BaseModel) else v for k, v in from_hall.items()}
        return parse_citizen_settings(data, config, getattr(config, "source", "<hall>"))
    path = environ.get(ENV_FILE)
    if not path:
        return parse_citizen_settings({}, config)
    try:
        data = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise ConfigError(path, [f"file not found (named by {ENV_FILE})"]) from None
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(path, [f"TOML syntax: {exc}"]) from None
    return parse_citizen_settings(data, config, path)
