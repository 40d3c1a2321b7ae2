"""How a message reaches a citizen, and what it says.

A *notifier* sends one :class:`Message` or raises :class:`DeliveryError` (``retry`` says whether
trying again later may help). Two real adapters:

* :class:`HttpSmsGateway` — any HTTP SMS gateway: URL, method, headers and a body template
  with ``{phone}`` and ``{text}`` (a JSON/form table or a raw string);
* :class:`SmtpMailer` — e-mail through an SMTP server (STARTTLS, SSL or plain).

::

    gateway = HttpSmsGateway(SmsSettings(url="https://sms.example.vn/send",
                                         body={"to": "{phone}", "message": "{text}"}))
    gateway.send(Message("sms", "+84912345678", "MotCua", "Mời số A023 đến quầy số 5"))

The texts (Vietnamese, NFC) come from :func:`ahead_text` and :func:`called_text`.
Senders are called from the background worker in :mod:`.outbox`, never on the command path.
"""

from __future__ import annotations

import json
import smtplib
import ssl
import unicodedata
from dataclasses import dataclass
from email.message import EmailMessage
from email.utils import formataddr, make_msgid
from typing import Protocol
from urllib.parse import quote, quote_plus

import requests

from .contact import phone_as
from .settings import EmailSettings, SmsSettings, expand_env


@dataclass(frozen=True)
class Message:
    channel: str  # sms | email
    address: str  # +84… or an e-mail address
    subject: str
    text: str


class DeliveryError(Exception):
    """A message did not go out. ``retry``: a later try may succeed (timeouts, 5xx, 429)."""

    def __init__(self, message: str, retry: bool = True):
        super().__init__(message)
        self.retry = retry


class Notifier(Protocol):
    channel: str

    def send(self, message: Message) -> None:
        """Deliver ``message`` or raise :class:`DeliveryError`."""


# ---------------------------------------------------------------------- texts
def ahead_text(code: str, ahead: int, centre_name: str) -> str:
    """``MotCua: Số A023 của bạn còn 3 người nữa đến lượt tại Trung tâm …``."""
    if ahead <= 0:
        return f"MotCua: Số {code} của bạn là số tiếp theo tại {centre_name}. Vui lòng có mặt gần quầy."
    return f"MotCua: Số {code} của bạn còn {ahead} người nữa đến lượt tại {centre_name}."


def called_text(code: str, counter: int, centre_name: str) -> str:
    """``MotCua: Mời số A023 đến quầy số 5 – Trung tâm …``."""
    return f"MotCua: Mời số {code} đến quầy số {counter} – {centre_name}."


def subject_text(code: str) -> str:
    return f"MotCua: số thứ tự {code}"


def strip_diacritics(text: str) -> str:
    """Vietnamese without tone and vowel marks (``Mời số`` → ``Moi so``), for plain 160-letter SMS."""
    text = text.replace("đ", "d").replace("Đ", "D")
    decomposed = unicodedata.normalize("NFD", text)
    return unicodedata.normalize("NFC", "".join(ch for ch in decomposed if not unicodedata.combining(ch)))


# ---------------------------------------------------------------------- SMS over HTTP
class HttpSmsGateway:
    """A generic HTTP SMS gateway (see :class:`~hall_server.citizen.settings.SmsSettings`).

    ``{phone}`` and ``{text}`` are replaced in the URL (URL-encoded), in the headers, and in the
    body: in every string of a body table (sent as JSON or as a form), or in a raw body string
    (escaped for its encoding). A 2xx answer is a success (containing ``success_text`` if set);
    429, 5xx, timeouts and refused connections are retried; other answers are final failures.
    """

    channel = "sms"

    def __init__(self, settings: SmsSettings, session: requests.Session | None = None, environ=None):
        self.settings = settings
        self.session = session or requests.Session()
        self.environ = environ

    def request_parts(self, message: Message) -> dict:
        """The keyword arguments of the HTTP request for ``message`` (for tests and diagnostics)."""
        s = self.settings
        phone = phone_as(message.address, s.phone_format)
        text = strip_diacritics(message.text) if s.strip_diacritics else message.text

        def fill(value: str, escape=lambda v: v) -> str:
            return value.replace("{phone}", escape(phone)).replace("{text}", escape(text))

        try:
            url = fill(expand_env(s.url, self.environ, lambda v: quote(v, safe="")), lambda v: quote(v, safe=""))
            headers = {k: fill(expand_env(v, self.environ)) for k, v in s.headers.items()}
        except KeyError as exc:
            raise DeliveryError(f"SMS gateway settings: {exc.args[0]}", retry=False) from None
        parts: dict = {"method": s.method, "url": url, "headers": headers, "timeout": s.timeout_seconds}
        body = s.body
        if isinstance(body, dict):
            filled = _fill_tree(body, fill)
            if s.encoding == "form":
                parts["data"] = filled
            else:
                parts["json"] = filled
        elif isinstance(body, str):
            if s.encoding == "json":
                raw = fill(body, lambda v: json.dumps(v, ensure_ascii=False)[1:-1])
                headers.setdefault("Content-Type", "application/json; charset=utf-8")
            elif s.encoding == "form":
                raw = fill(body, quote_plus)
                headers.setdefault("Content-Type", "application/x-www-form-urlencoded")
            else:
                raw = fill(body)
                headers.setdefault("Content-Type", s.content_type or "text/plain; charset=utf-8")
            parts["data"] = raw.encode("utf-8")
        return parts

    def send(self, message: Message) -> None:
        parts = self.request_parts(message)
        try:
            resp = self.session.request(**parts)
        except requests.Timeout:
            raise DeliveryError(f"SMS gateway did not answer within {self.settings.timeout_seconds:g} s") from None
        except requests.RequestException as exc:
            raise DeliveryError(f"SMS gateway unreachable: {exc.__class__.__name__}: {str(exc)[:200]}") from None
        detail = resp.text[:200].replace("\n", " ")
        if 200 <= resp.status_code < 300:
            if self.settings.success_text and self.settings.success_text not in resp.text:
                raise DeliveryError(f"SMS gateway answered {resp.status_code} without "
                                    f"{self.settings.success_text!r}: {detail}", retry=False)
            return
        retry = resp.status_code == 429 or resp.status_code >= 500
        raise DeliveryError(f"SMS gateway answered {resp.status_code}: {detail}", retry=retry)


def _fill_tree(value, fill):
    if isinstance(value, str):
        return fill(value)
    if isinstance(value, dict):
        return {k: _fill_tree(v, fill) for k, v in value.items()}
    if isinstance(value, list):
        return [_fill_tree(v, fill) for v in value]
    return value


# ---------------------------------------------------------------------- e-mail over SMTP
class SmtpMailer:
    """E-mail through SMTP (one connection per message: messages are few and far between).

    Temporary failures (4xx replies, timeouts, refused connections) are retried; permanent
    ones (5xx, a refused recipient, failed log-in) are not.
    """

    channel = "email"

    def __init__(self, settings: EmailSettings, environ=None):
        self.settings = settings
        self.environ = environ

    def build(self, message: Message) -> EmailMessage:
        s = self.settings
        mail = EmailMessage()
        mail["From"] = formataddr((s.sender_name, s.sender))
        mail["To"] = message.address
        mail["Subject"] = message.subject
        mail["Message-ID"] = make_msgid(domain=s.sender.rsplit("@", 1)[-1])
        mail.set_content(message.text + "\n")
        return mail

    def _password(self) -> str:
        name = self.settings.password_env
        if not name:
            return ""
        import os

        environ = os.environ if self.environ is None else self.environ
        if name not in environ:
            raise DeliveryError(f"SMTP password: environment variable {name} is not set", retry=False)
        return environ[name]

    def send(self, message: Message) -> None:
        s = self.settings
        mail = self.build(message)
        try:
            if s.security == "ssl":
                smtp = smtplib.SMTP_SSL(s.host, s.port, timeout=s.timeout_seconds,
                                        context=ssl.create_default_context())
            else:
                smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_seconds)
            with smtp:
                if s.security == "starttls":
                    smtp.starttls(context=ssl.create_default_context())
                if s.username:
                    smtp.login(s.username, self._password())
                smtp.send_message(mail)
        except smtplib.SMTPRecipientsRefused as exc:
            codes = [code for code, _ in exc.recipients.values()]
            raise DeliveryError(f"SMTP refused the recipient: {exc.recipients}",
                                retry=all(code < 500 for code in codes)) from None
        except smtplib.SMTPAuthenticationError as exc:
            raise DeliveryError(f"SMTP log-in failed: {exc.smtp_code}", retry=False) from None
        except smtplib.SMTPResponseException as exc:
            raise DeliveryError(f"SMTP answered {exc.smtp_code}: {exc.smtp_error[:200]!r}",
                                retry=exc.smtp_code < 500) from None
        except (TimeoutError, smtplib.SMTPException, OSError) as exc:
            raise DeliveryError(f"SMTP server unreachable: {exc.__class__.__name__}: {str(exc)[:200]}") from None


def notifiers_from(settings) -> dict[str, Notifier]:
    """The configured adapters of a :class:`~hall_server.citizen.settings.NotifySettings`, by channel."""
    out: dict[str, Notifier] = {}
    if settings.sms is not None:
        out["sms"] = HttpSmsGateway(settings.sms)
    if settings.email is not None:
        out["email"] = SmtpMailer(settings.email)
    return out
