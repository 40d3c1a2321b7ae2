"""The citizen pages in Debian's chromium (Playwright) against a real server.

* a phone follows its ticket live from waiting to called, and opts in for a text message that
  a local SMS gateway (loopback) receives;
* a citizen books a slot on /booking, gets a code and a QR code that reads back as the code;
* a counter's rating tablet asks about the ticket just finished there and stores the answer.
"""

from __future__ import annotations

import base64
import io

import pytest
import requests
from sqlalchemy import create_engine, select

from hall_server.citizen import schema as cs
from hall_server.testing import BUTTONS_1, KIOSK, LiveServer

from .conftest import need, wait_until
from .test_notify import Gateway
from .test_pages_browser import Pages

pytestmark = pytest.mark.browser
CENTRE = "Trung tâm Phục vụ hành chính công xã Hòa An"


@pytest.fixture(scope="module")
def gateway():
    g = Gateway()
    yield g
    g.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory, gateway):
    data = tmp_path_factory.mktemp("citizen")
    settings = data / "citizen.toml"
    settings.write_text(f"""
[notify]
ahead = [3]
retry_base_seconds = 0.2

[notify.sms]
url = "{gateway.url}/send"
body = {{ to = "{{phone}}", message = "{{text}}" }}
""", encoding="utf-8")
    with LiveServer(data, extra_env={"MOTCUA_CITIZEN_CONFIG": str(settings)}) as srv:
        yield srv


from .test_pages_browser import browser  # noqa: E402,F401  (one chromium per module)


@pytest.fixture
def pages(browser, server):
    p = Pages(browser, server)
    yield p
    p.close()
    assert p.unexpected_errors() == [], "console errors on the pages"


def api(server, method, path, token=None, json=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, server.url + "/api/v1" + path, json=json, headers=headers, timeout=5)


def rows(server, query):
    engine = create_engine(server.db)
    try:
        with engine.connect() as conn:
            return [tuple(r) for r in conn.execute(query)]
    finally:
        engine.dispose()


def test_the_phone_follows_its_ticket_live_and_gets_a_text_when_called(pages, server, gateway):
    from playwright.sync_api import expect

    ticket = api(server, "POST", "/tickets", KIOSK, {"field": "KD"}).json()["ticket"]
    phone = pages.open(f"/t/{ticket['tracking_id']}", width=390, height=844, is_mobile=True, has_touch=True)
    expect(phone.locator("#track-code")).to_have_text(ticket["code"])
    expect(phone.locator("#track-state")).to_have_text("Đang chờ")
    expect(phone.locator("#track-called")).to_be_hidden()

    expect(phone.locator("#track-notify")).to_be_visible()
    expect(phone.locator("#notify-hint")).to_have_text(
        "Chúng tôi nhắn tin khi còn 3 người trước bạn và khi gọi số của bạn.")
    phone.fill("#notify-phone", "091 234 5678")
    phone.click("#notify-submit")
    expect(phone.locator("#notify-address")).to_have_text("Sẽ báo đến: 091****678")
    wait_until(lambda: gateway.texts(200), what="the 'next in line' text")
    assert gateway.texts(200) == [f"MotCua: Số {ticket['code']} của bạn là số tiếp theo tại {CENTRE}. "
                                  "Vui lòng có mặt gần quầy."]

    called = api(server, "POST", "/counters/5/call-next", BUTTONS_1)
    assert called.json()["ticket"]["code"] == ticket["code"]
    expect(phone.locator("#track-called")).to_be_visible()  # pushed over the socket, no reload
    expect(phone.locator("#track-counter")).to_have_text("5")
    expect(phone.locator("#track-state")).to_have_text("Đã gọi")
    expect(phone.locator("#track-notify")).to_be_visible()
    expect(phone.locator("#notify-form")).to_be_hidden()
    wait_until(lambda: len(gateway.texts(200)) == 2, what="the call text")
    assert gateway.texts(200)[1] == f"MotCua: Mời số {ticket['code']} đến quầy số 5 – {CENTRE}."
    assert gateway.delivered()[1]["json"]["to"] == "+84912345678"
    api(server, "POST", "/counters/5/finish", BUTTONS_1)
    expect(phone.locator("#track-done")).to_be_visible()


def test_booking_a_slot_gives_a_code_and_a_qr_code(pages, server):
    from playwright.sync_api import expect

    page = pages.open("/booking", width=412, height=915, is_mobile=True, has_touch=True)
    page.select_option("#bk-field", "HT")
    page.select_option("#bk-day", index=1)  # the next open day after today
    day = page.eval_on_selector("#bk-day", "s => s.value")
    first = page.locator(".bk-slot:not([disabled])").first
    start = first.get_attribute("data-start")
    expect(first).to_contain_text("còn 4 chỗ")
    first.click()
    page.fill("#bk-name", "Lê Thị Mai")
    page.fill("#bk-phone", "0388 123 456")
    page.click("#bk-submit")
    expect(page.locator("#bk-result")).to_be_visible()
    shown = page.locator("#bk-result-code").inner_text()
    code = shown.replace("-", "")
    expect(page.locator("#bk-r-status")).to_have_text("Đã đặt")
    expect(page.locator("#bk-r-phone")).to_have_text("038****456")

    booking = api(server, "GET", f"/bookings/{code}").json()
    assert (booking["field"], booking["day"], booking["start"], booking["name"], booking["status"]) == (
        "HT", day, start, "Lê Thị Mai", "booked")
    src = page.get_attribute("#bk-qr", "src")
    try:
        from PIL import Image
        from pyzbar.pyzbar import decode
    except ImportError:  # pragma: no cover
        need(False, "pyzbar (and libzbar0) are needed to read the QR code")
    image = Image.open(io.BytesIO(base64.b64decode(src.split(",", 1)[1])))
    assert [d.data.decode() for d in decode(image)] == [code]

    # the link kept in the address bar shows the booking again; cancelling takes two taps
    page.reload()
    expect(page.locator("#bk-result-code")).to_have_text(shown)
    page.click("#bk-cancel")
    expect(page.locator("#bk-cancel")).to_have_text("Bấm lần nữa để hủy")
    page.click("#bk-cancel")
    expect(page.locator("#bk-r-status")).to_have_text("Đã hủy")
    assert api(server, "GET", f"/bookings/{code}").json()["status"] == "cancelled"


def test_the_rating_tablet_asks_about_the_ticket_just_finished(pages, server):
    from playwright.sync_api import expect

    tablet = pages.open(None, width=1280, height=800, has_touch=True)
    tablet.clock.install()  # runs in step with real time until fast-forwarded below
    tablet.goto(f"{server.url}/rating?counter=3&device={BUTTONS_1}")
    expect(tablet.locator("#rate-idle")).to_be_visible()
    ticket = api(server, "POST", "/tickets", KIOSK, {"field": "HT"}).json()["ticket"]
    assert api(server, "POST", "/counters/3/call-next", BUTTONS_1).json()["ticket"]["id"] == ticket["id"]
    expect(tablet.locator("#rate-ask")).to_be_hidden()  # called, not finished: nothing to rate yet
    assert api(server, "POST", "/counters/3/finish", BUTTONS_1).ok
    expect(tablet.locator("#rate-ask")).to_be_visible()
    expect(tablet.locator("#rate-code")).to_have_text(ticket["code"])
    tablet.click(".lv-unsatisfied")
    expect(tablet.locator("#rate-why")).to_be_visible()
    tablet.click("[data-reason=long_wait]")
    tablet.click("[data-reason=complex_procedure]")
    tablet.click("#rate-send")
    expect(tablet.locator("#rate-thanks")).to_be_visible()
    expect(tablet.locator("#rate-thanks")).to_have_text("Cảm ơn Ông/Bà đã đánh giá!")
    stored = rows(server, select(cs.ratings.c.ticket_code, cs.ratings.c.level, cs.ratings.c.reasons,
                                 cs.ratings.c.officer))
    assert stored == [(ticket["code"], "unsatisfied", ["long_wait", "complex_procedure"], "lethucuc")]
    tablet.clock.fast_forward(6000)
    expect(tablet.locator("#rate-idle")).to_be_visible()  # a few seconds later: ready for the next citizen
