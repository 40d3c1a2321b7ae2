"""Notifications: real HTTP and SMTP servers on loopback, the outbox, retries with backoff.

An SMS gateway (http.server in a thread) and an SMTP server (aiosmtpd) stand in for the
providers; the hall runs in process with its real clock, so the background sender retries in
real (short) time. Nothing leaves the machine.
"""

from __future__ import annotations

import json
import threading
import time
from email import message_from_bytes, policy
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest
from sqlalchemy import select

from hall_server.citizen import schema as cs
from hall_server.citizen.contact import InvalidContact, mask_phone, national, normalize_email, normalize_phone
from hall_server.citizen.notify import DeliveryError, HttpSmsGateway, Message, SmtpMailer, strip_diacritics
from hall_server.citizen.outbox import NotificationWorker, subscribe
from hall_server.citizen.settings import EmailSettings, NotifySettings, SmsSettings, parse_citizen_settings
from hall_server.config import ConfigError
from hall_server.engine import CallNext, IssueTicket
from hall_server.service import HallService
from hall_server.store import Store
from hall_server.testing import BUTTONS_1, KIOSK, free_port

from .conftest import T0, Clock, need, wait_until

CENTRE = "Trung tâm Phục vụ hành chính công xã Hòa An"


# ---------------------------------------------------------------------- a local SMS gateway
class Gateway:
    """An HTTP server on loopback that records requests; answers from ``script`` (then 200)."""

    def __init__(self):
        self.requests: list[dict] = []
        self.script: list[int] = []
        self.delay = 0.0
        self.lock = threading.Lock()
        gateway = self

        class Handler(BaseHTTPRequestHandler):
            def _handle(self):
                length = int(self.headers.get("Content-Length") or 0)
                raw = self.rfile.read(length) if length else b""
                with gateway.lock:
                    status = gateway.script.pop(0) if gateway.script else 200
                    delay = gateway.delay
                if delay:
                    time.sleep(delay)
                url = urlsplit(self.path)
                record = {"method": self.command, "path": url.path, "query": parse_qs(url.query),
                          "headers": dict(self.headers), "raw": raw, "status": status}
                try:
                    record["json"] = json.loads(raw) if raw else None
                except ValueError:
                    record["json"] = None
                with gateway.lock:
                    gateway.requests.append(record)
                body = b'{"CodeResult": "100"}' if status == 200 else b'{"error": "busy"}'
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            do_GET = do_POST = do_PUT = _handle

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, args=(0.05,), daemon=True)
        self.thread.start()

    def delivered(self) -> list[dict]:
        with self.lock:
            return [r for r in self.requests if r["status"] == 200]

    def texts(self, status=200) -> list[str]:
        with self.lock:
            return [r["json"]["message"] for r in self.requests if r["status"] == status and r["json"]]

    def close(self):
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def gateway():
    g = Gateway()
    yield g
    g.close()


# ---------------------------------------------------------------------- a local SMTP server
class Mailbox:
    """aiosmtpd on loopback: keeps every message; refuses recipients at ``refuse.example``."""

    def __init__(self):
        from aiosmtpd.controller import Controller

        self.messages: list = []
        box = self

        class Handler:
            async def handle_RCPT(self, server, session, envelope, address, rcpt_options):
                if address.endswith("@refuse.example"):
                    return "550 5.1.1 no such user"
                envelope.rcpt_tos.append(address)
                return "250 OK"

            async def handle_DATA(self, server, session, envelope):
                box.messages.append(message_from_bytes(envelope.content, policy=policy.default))
                return "250 Message accepted for delivery"

        self.port = free_port()
        self.controller = Controller(Handler(), hostname="127.0.0.1", port=self.port)
        self.controller.start()

    def close(self):
        self.controller.stop()


@pytest.fixture
def mailbox():
    import importlib.util

    need(importlib.util.find_spec("aiosmtpd") is not None, "aiosmtpd is not installed (pip install aiosmtpd)")
    box = Mailbox()
    yield box
    box.close()


# ---------------------------------------------------------------------- phone numbers and texts
@pytest.mark.parametrize("typed", ["0912345678", "091 234 5678", "091.234.5678", "+84 91-234-5678", "84912345678",
                                   "0084912345678", "(091) 234 5678"])
def test_vietnamese_mobile_numbers_in_any_spelling(typed):
    assert normalize_phone(typed) == "+84912345678"


@pytest.mark.parametrize("typed", ["", "091234567", "09123456789", "0212345678", "+8491234567", "1900 1234",
                                   "+1 415 555 0100", "09l2345678"])
def test_other_numbers_are_refused_in_vietnamese(typed):
    with pytest.raises(InvalidContact) as err:
        normalize_phone(typed)
    assert err.value.message_vi.startswith("Số điện thoại không hợp lệ")


def test_masks_and_plain_text():
    assert national("+84381234567") == "0381234567" and mask_phone("+84381234567") == "038****567"
    assert normalize_email("An.Nguyen@HoaAn.Gov.VN") == "An.Nguyen@hoaan.gov.vn"
    with pytest.raises(InvalidContact):
        normalize_email("not an address")
    assert strip_diacritics("MotCua: Mời số A023 đến quầy số 5 – Đất đai") == "MotCua: Moi so A023 den quay so 5 – Dat dai"


def test_bad_settings_name_the_key():
    with pytest.raises(ConfigError) as err:
        parse_citizen_settings({"notify": {"sms": {"url": "ftp://x", "metod": "GET"}, "ahead": [-1]},
                                "booking": {"fields": ["ZZ"]}})
    text = str(err.value)
    assert "notify.sms.url" in text and "notify.sms.metod: unknown key" in text and "notify.ahead" in text


def test_tables_in_the_hall_file_come_before_the_environment_file(demo_config, tmp_path):
    from types import SimpleNamespace

    from hall_server.citizen.settings import BookingSettings, load_citizen_settings

    other = tmp_path / "citizen.toml"
    other.write_text("[booking]\ncapacity = 9\n", encoding="utf-8")
    environ = {"MOTCUA_CITIZEN_CONFIG": str(other)}
    assert load_citizen_settings(demo_config, environ).booking.capacity == 9
    hall = SimpleNamespace(raw=SimpleNamespace(booking=BookingSettings(capacity=2)), fields=demo_config.fields,
                           source="hall.toml")
    assert load_citizen_settings(hall, environ).booking.capacity == 2
    with pytest.raises(ConfigError) as err:
        load_citizen_settings(demo_config, {"MOTCUA_CITIZEN_CONFIG": str(tmp_path / "missing.toml")})
    assert "file not found" in str(err.value)


def test_the_settings_shown_in_the_docs_are_valid(demo_config):
    import re
    import tomllib

    from .conftest import ROOT

    example = re.search(r"```toml\n(.*?)```", (ROOT / "docs" / "citizen.md").read_text(encoding="utf-8"), re.S)
    settings = parse_citizen_settings(tomllib.loads(example.group(1)), demo_config)
    assert settings.notify.channels == ["sms", "email"] and settings.booking.capacity_for("DD") == 6


# ---------------------------------------------------------------------- the adapters
def test_the_http_gateway_fills_url_headers_and_body(gateway):
    sms = HttpSmsGateway(SmsSettings(url=gateway.url + "/send?key=${SMS_KEY}", headers={"X-Token": "${SMS_TOKEN}"},
                                     body={"to": "{phone}", "message": "{text}", "meta": {"brand": "MOTCUA"}},
                                     phone_format="national", success_text="100"),
                         environ={"SMS_KEY": "k&1", "SMS_TOKEN": "s3cret"})
    sms.send(Message("sms", "+84912345678", "MotCua", "Mời số A023 đến quầy số 5"))
    [req] = gateway.requests
    assert req["method"] == "POST" and req["query"] == {"key": ["k&1"]} and req["headers"]["X-Token"] == "s3cret"
    assert req["json"] == {"to": "0912345678", "message": "Mời số A023 đến quầy số 5", "meta": {"brand": "MOTCUA"}}

    get = HttpSmsGateway(SmsSettings(url=gateway.url + "/api?to={phone}&msg={text}", method="GET",
                                     phone_format="digits", strip_diacritics=True))
    get.send(Message("sms", "+84912345678", "MotCua", "Mời số A023 & B"))
    assert gateway.requests[-1]["query"] == {"to": ["84912345678"], "msg": ["Moi so A023 & B"]}

    form = HttpSmsGateway(SmsSettings(url=gateway.url + "/form", body="to={phone}&text={text}", encoding="form"))
    form.send(Message("sms", "+84912345678", "MotCua", "a&b=c"))
    assert parse_qs(gateway.requests[-1]["raw"].decode()) == {"to": ["+84912345678"], "text": ["a&b=c"]}


def test_gateway_failures_say_whether_to_retry(gateway):
    sms = HttpSmsGateway(SmsSettings(url=gateway.url + "/send", body={"to": "{phone}", "message": "{text}"}))
    message = Message("sms", "+84912345678", "MotCua", "x")
    for status, retry in ((500, True), (503, True), (429, True), (400, False), (401, False)):
        gateway.script = [status]
        with pytest.raises(DeliveryError) as err:
            sms.send(message)
        assert err.value.retry is retry and str(status) in str(err.value)
    port = free_port()  # nobody listens there
    down = HttpSmsGateway(SmsSettings(url=f"http://127.0.0.1:{port}/send", timeout_seconds=2))
    with pytest.raises(DeliveryError) as err:
        down.send(message)
    assert err.value.retry and "unreachable" in str(err.value)
    picky = HttpSmsGateway(SmsSettings(url=gateway.url + "/send", success_text="CodeResult\": \"99"))
    with pytest.raises(DeliveryError) as err:  # 200, but the body says it failed
        picky.send(message)
    assert not err.value.retry


def test_smtp_sends_vietnamese_mail_and_refusals_are_final(mailbox):
    mailer = SmtpMailer(EmailSettings(host="127.0.0.1", port=mailbox.port, security="none",
                                      sender="motcua@hoaan.gov.vn", sender_name="Một Cửa Hòa An"))
    mailer.send(Message("email", "an@example.vn", "MotCua: số thứ tự A023", "Mời số A023 đến quầy số 5"))
    [mail] = mailbox.messages
    assert mail["Subject"] == "MotCua: số thứ tự A023" and mail["To"] == "an@example.vn"
    assert "Một Cửa Hòa An" in mail["From"]
    assert mail.get_content().strip() == "Mời số A023 đến quầy số 5"
    with pytest.raises(DeliveryError) as err:
        mailer.send(Message("email", "ghost@refuse.example", "x", "y"))
    assert not err.value.retry
    closed = SmtpMailer(EmailSettings(host="127.0.0.1", port=free_port(), security="none", sender="a@b.vn",
                                      timeout_seconds=2))
    with pytest.raises(DeliveryError) as err:
        closed.send(Message("email", "an@example.vn", "x", "y"))
    assert err.value.retry


# ---------------------------------------------------------------------- the whole path, in the app
@pytest.fixture
def notify_app(demo_config, tmp_path, monkeypatch, gateway, mailbox):
    from hall_server.web import create_app

    settings = tmp_path / "citizen.toml"
    settings.write_text(f"""
[notify]
ahead = [3]
retry_base_seconds = 0.2
retry_max_seconds = 1

[notify.sms]
url = "{gateway.url}/send"
headers = {{ Authorization = "Bearer ${{SMS_TOKEN}}" }}
body = {{ to = "{{phone}}", message = "{{text}}", brand = "MOTCUA" }}

[notify.email]
host = "127.0.0.1"
port = {mailbox.port}
security = "none"
sender = "motcua@hoaan.gov.vn"
""", encoding="utf-8")
    monkeypatch.setenv("MOTCUA_CITIZEN_CONFIG", str(settings))
    monkeypatch.setenv("SMS_TOKEN", "s3cret")
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    app = create_app(demo_config, f"sqlite:///{tmp_path / 'hall.db'}", secret_key="test", rate_limit="1000/minute")
    yield app
    app.extensions["motcua_citizen"].close()
    app.extensions["motcua"].store.close()


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


def outbox(app):
    with app.extensions["motcua"].store.engine.connect() as conn:
        rows = conn.execute(select(cs.notify_outbox).order_by(cs.notify_outbox.c.id)).all()
        tries = conn.execute(select(cs.notify_attempts).order_by(cs.notify_attempts.c.id)).all()
    return rows, tries


def test_a_citizen_is_told_when_three_are_ahead_and_when_called_despite_a_gateway_outage(notify_app, gateway):
    client = notify_app.test_client()
    worker = notify_app.extensions["motcua_citizen"].worker
    tickets = [client.post("/api/v1/tickets", json={"field": "DD"}, headers=bearer(KIOSK)).json["ticket"]
               for _ in range(5)]
    mine = tickets[-1]  # A005, four people ahead
    r = client.post(f"/api/v1/track/{mine['tracking_id']}/notify", json={"phone": "091 234 5678"})
    assert r.status_code == 201, r.json
    assert r.json["subscriptions"] == [{"channel": "sms", "address": "091****678"}]
    assert worker.wait_idle()
    assert gateway.requests == []  # four ahead: not yet

    gateway.script = [500]  # the gateway is down for the first try
    call = lambda: client.post("/api/v1/counters/1/call-next", headers=bearer(BUTTONS_1))  # noqa: E731
    finish = lambda: client.post("/api/v1/counters/1/finish", headers=bearer(BUTTONS_1))  # noqa: E731
    assert call().json["ticket"]["code"] == "A001"  # now three ahead of A005
    wait_until(lambda: gateway.delivered(), what="the retried message")
    ahead = f"MotCua: Số A005 của bạn còn 3 người nữa đến lượt tại {CENTRE}."
    assert gateway.texts(500) == [ahead] and gateway.texts(200) == [ahead]  # failed once, then delivered once
    req = gateway.delivered()[0]
    assert req["json"]["to"] == "+84912345678" and req["headers"]["Authorization"] == "Bearer s3cret"

    for _ in range(3):  # A002..A004: fewer ahead, but the threshold was told already
        finish()
        call()
    assert worker.wait_idle()
    assert gateway.texts(200) == [ahead]

    gateway.delay = 1.5  # a slow gateway must not slow the hall: the call is answered before its text goes
    finish()
    started = time.monotonic()
    assert call().json["ticket"]["code"] == "A005"
    assert time.monotonic() - started < 0.75
    wait_until(lambda: len(gateway.delivered()) == 2, what="the call message")
    assert gateway.texts(200)[1] == f"MotCua: Mời số A005 đến quầy số 1 – {CENTRE}."

    wait_until(lambda: all(r.status == "sent" for r in outbox(notify_app)[0]), what="the outbox to record it")
    rows, tries = outbox(notify_app)
    assert [(r.stage.split(":")[0], r.status, r.attempts) for r in rows] == [("ahead", "sent", 2), ("called", "sent", 1)]
    assert [t.ok for t in tries] == [False, True, True] and "500" in tries[0].error
    assert worker.wait_idle()
    assert len(gateway.requests) == 3  # nothing more: each message went out exactly once


def test_e_mail_opt_in_gets_the_call_with_the_tracking_link(notify_app, mailbox):
    client = notify_app.test_client()
    ticket = client.post("/api/v1/tickets", json={"field": "HT"}, headers=bearer(KIOSK)).json["ticket"]
    r = client.post(f"/api/v1/track/{ticket['tracking_id']}/notify", json={"email": "an@example.vn"})
    assert r.status_code == 201 and r.json["subscriptions"] == [{"channel": "email", "address": "a***@example.vn"}]
    # nobody ahead: the "three or fewer ahead" message goes at once
    wait_until(lambda: len(mailbox.messages) == 1, what="the first e-mail")
    assert client.post("/api/v1/counters/3/call-next", headers=bearer(BUTTONS_1)).status_code == 200
    wait_until(lambda: len(mailbox.messages) == 2, what="the call e-mail")
    first, called = mailbox.messages
    assert first["Subject"] == "MotCua: số thứ tự B001"
    assert first.get_content().startswith(f"MotCua: Số B001 của bạn là số tiếp theo tại {CENTRE}.")
    body = called.get_content()
    assert body.startswith(f"MotCua: Mời số B001 đến quầy số 3 – {CENTRE}.")
    assert f"/t/{ticket['tracking_id']}" in body


def test_opt_in_refusals_change_nothing(notify_app):
    client = notify_app.test_client()
    ticket = client.post("/api/v1/tickets", json={"field": "CT"}, headers=bearer(KIOSK)).json["ticket"]
    path = f"/api/v1/track/{ticket['tracking_id']}/notify"
    r = client.post(path, json={"phone": "0212345678"})
    assert (r.status_code, r.json["error"]) == (400, "invalid_phone")
    assert r.json["details"]["message_vi"].startswith("Số điện thoại không hợp lệ")
    assert client.post(path, json={"phone": "0912345678", "email": "a@b.vn"}).status_code == 400
    assert client.post(path, json={}).status_code == 400
    assert client.post("/api/v1/track/nope/notify", json={"phone": "0912345678"}).status_code == 404
    client.post("/api/v1/counters/4/call-next", headers=bearer(BUTTONS_1))
    r = client.post(path, json={"phone": "0912345678"})
    assert (r.status_code, r.json["error"]) == (409, "ticket_not_waiting")
    assert outbox(notify_app) == ([], [])
    assert client.get(path).json["subscriptions"] == []


def test_without_a_gateway_opt_ins_are_refused(demo_config, tmp_path, monkeypatch):
    from hall_server.web import create_app

    monkeypatch.delenv("MOTCUA_CITIZEN_CONFIG", raising=False)
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    app = create_app(demo_config, f"sqlite:///{tmp_path / 'hall.db'}", secret_key="test")
    try:
        assert app.extensions["motcua_citizen"].worker is None
        client = app.test_client()
        ticket = client.post("/api/v1/tickets", json={"field": "CT"}, headers=bearer(KIOSK)).json["ticket"]
        path = f"/api/v1/track/{ticket['tracking_id']}/notify"
        assert client.get(path).json["available"] == []
        r = client.post(path, json={"phone": "0912345678"})
        assert (r.status_code, r.json["error"]) == (409, "notifications_unavailable")
    finally:
        app.extensions["motcua"].store.close()


# ---------------------------------------------------------------------- backoff, giving up, expiry

def test_retries_back_off_then_give_up_and_late_messages_expire(demo_config, any_db_url, gateway):
    store = Store(any_db_url)
    hall_clock = Clock(T0)
    service = HallService(demo_config, store, clock=hall_clock)
    settings = NotifySettings(ahead=[3], retry_base_seconds=5, retry_max_seconds=12, max_attempts=4,
                              expire_minutes=1, sms=SmsSettings(url=gateway.url + "/send",
                                                                body={"to": "{phone}", "message": "{text}"}))
    clock = Clock(T0)
    worker = NotificationWorker(service, settings, {"sms": HttpSmsGateway(settings.sms)}, clock=clock)
    try:
        ticket = service.execute(IssueTicket(field="DD", tracking_id="t-1")).body["ticket"]
        with service.read() as hall:
            subscribe(store.engine, "demo", hall.tickets[ticket["id"]], "sms", "+84912345678", clock())
        gateway.script = [500] * 10
        tried_at = []
        for step in [0, 4, 1, 9, 1, 11, 1, 30]:  # seconds between rounds
            clock.advance(seconds=step)
            before = len(gateway.requests)
            worker.run_once()
            if len(gateway.requests) > before:
                tried_at.append((clock() - T0).total_seconds())
        assert tried_at == [0, 5, 15, 27]  # 5 s, then 10 s, then 12 s (the cap); four tries in all
        rows = select(cs.notify_outbox.c.status, cs.notify_outbox.c.attempts, cs.notify_outbox.c.last_error)
        with store.engine.connect() as conn:
            [row] = conn.execute(rows).all()
        assert row.status == "failed" and row.attempts == 4 and "500" in row.last_error

        # the call message: the gateway fails until the message is a minute old, then it is dropped
        service.execute(CallNext(counter=1))
        gateway.script = [500] * 10
        worker.run_once()
        clock.advance(seconds=61)
        worker.run_once()
        with store.engine.connect() as conn:
            statuses = [tuple(r) for r in conn.execute(
                select(cs.notify_outbox.c.stage, cs.notify_outbox.c.status, cs.notify_outbox.c.attempts)
                .order_by(cs.notify_outbox.c.id))]
        assert statuses[1][1:] == ("expired", 1) and statuses[1][0].startswith("called:")
    finally:
        worker.stop()
        store.close()
