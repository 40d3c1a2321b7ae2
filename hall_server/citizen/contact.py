"""Phone numbers and e-mail addresses citizens give us: checked, normalised, masked.

A Vietnamese mobile number is ten digits starting ``03``, ``05``, ``07``, ``08`` or ``09``, typed
with or without the country code and with any spaces, dots or dashes::

    >>> normalize_phone("091 234 5678"), normalize_phone("+84 91-234-5678")
    ('+84912345678', '+84912345678')
    >>> national("+84912345678"), mask_phone("+84912345678")
    ('0912345678', '091****678')
    >>> normalize_phone("0212345678")
    Traceback (most recent call last):
    hall_server.citizen.contact.InvalidContact: not a Vietnamese mobile number ...
"""

from __future__ import annotations

import re
import unicodedata

_SEPARATORS = re.compile(r"[\s.\-()]")
_MOBILE = re.compile(r"^(?:\+84|0084|84|0)([35789]\d{8})$")
_EMAIL = re.compile(r"^[A-Za-z0-9.!#$%&'*+/=?^_`{|}~-]+@[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
                    r"(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)+$")


class InvalidContact(ValueError):
    """Not a Vietnamese mobile number or not an e-mail address; ``message_vi`` says so in Vietnamese."""

    def __init__(self, message: str, message_vi: str):
        super().__init__(message)
        self.message_vi = message_vi


def normalize_phone(text: str) -> str:
    """The number in E.164 form (``+84`` and nine digits), or :class:`InvalidContact`."""
    digits = _SEPARATORS.sub("", unicodedata.normalize("NFKC", str(text)))
    match = _MOBILE.match(digits)
    if not match:
        raise InvalidContact(
            "not a Vietnamese mobile number (10 digits starting 03, 05, 07, 08 or 09, or +84 and 9 digits)",
            "Số điện thoại không hợp lệ: cần số di động 10 chữ số bắt đầu bằng 03, 05, 07, 08 hoặc 09.",
        )
    return "+84" + match.group(1)


def national(e164: str) -> str:
    """``+84912345678`` → ``0912345678``."""
    return "0" + e164[3:] if e164.startswith("+84") else e164


def phone_as(e164: str, style: str) -> str:
    """The number as a gateway wants it: ``e164`` (+84…), ``national`` (0…) or ``digits`` (84…)."""
    if style == "national":
        return national(e164)
    if style == "digits":
        return e164.lstrip("+")
    return e164


def mask_phone(e164: str) -> str:
    """Enough of the number to recognise it, not enough to call it: ``091****678``."""
    n = national(e164)
    return n[:3] + "*" * (len(n) - 6) + n[-3:] if len(n) > 6 else "*" * len(n)


def normalize_email(text: str) -> str:
    """The address with its domain in lower case, or :class:`InvalidContact`."""
    value = str(text).strip()
    if len(value) > 254 or not _EMAIL.match(value):
        raise InvalidContact("not an e-mail address", "Địa chỉ thư điện tử không hợp lệ.")
    local, domain = value.rsplit("@", 1)
    return f"{local}@{domain.lower()}"


def mask_email(address: str) -> str:
    """``nguyen.van.an@example.vn`` → ``ng***@example.vn``."""
    local, _, domain = address.partition("@")
    return (local[:2] + "***" if len(local) > 2 else local[:1] + "***") + "@" + domain
