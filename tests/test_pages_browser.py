"""The web pages in a real browser: Debian's chromium driven by Playwright, against a real server.

One gunicorn server and one browser serve the whole module. Every page collects console
errors and uncaught exceptions; a test fails if any appear (except refusals it provokes).
With MOTCUA_SCREENSHOTS=1 the layout test also writes docs/images/page-*.png.
"""

from __future__ import annotations

import os
import re
import time

import pytest
import requests

from hall_server.testing import BUTTONS_1, BUTTONS_2, KIOSK, LiveServer

from .conftest import ROOT, need

pytestmark = pytest.mark.browser

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]
SCREENSHOTS = os.environ.get("MOTCUA_SCREENSHOTS") == "1"
IMAGES = ROOT / "docs" / "images"

BUSY_VI = "Quầy đang có công dân: hãy hoàn thành hoặc đánh dấu vắng mặt trước."


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("pages")) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser():
    need(os.path.exists(CHROMIUM), f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        need(False, "the playwright Python package is not installed")
    with sync_playwright() as pw:
        b = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield b
        b.close()


class Pages:
    """Opens pages, each in its own browser context, and records their console errors."""

    def __init__(self, browser, server):
        self.browser, self.server = browser, server
        self.contexts = []
        self.errors: list[str] = []
        # The board's sound: /announce.wav answers 503 while the voice clips are first built.
        self.allowed: list[re.Pattern] = [re.compile(r"/display: Failed to load resource: .* 503")]

    def open(self, path, width=1280, height=800, **context_args):
        ctx = self.browser.new_context(viewport={"width": width, "height": height}, locale="vi-VN", **context_args)
        self.contexts.append(ctx)
        page = ctx.new_page()
        page.set_default_timeout(5000)
        page.on("console", lambda msg: msg.type == "error" and self.errors.append(f"{page.url}: {msg.text}"))
        page.on("pageerror", lambda exc: self.errors.append(f"{page.url}: uncaught {exc}"))
        if path is not None:
            page.goto(self.server.url + path)
        return page

    def allow(self, pattern: str) -> None:
        """Accept console errors matching ``pattern`` (e.g. the 409 of a refusal we provoke)."""
        self.allowed.append(re.compile(pattern))

    def unexpected_errors(self) -> list[str]:
        return [e for e in self.errors if not any(p.search(e) for p in self.allowed)]

    def close(self):
        for ctx in self.contexts:
            ctx.close()


@pytest.fixture
def pages(browser, server):
    p = Pages(browser, server)
    yield p
    p.close()
    assert p.unexpected_errors() == [], "console errors on the pages"


# ---------------------------------------------------------------------- helpers
def api(server, method, path, token=None, json=None):
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    return requests.request(method, server.url + "/api/v1" + path, json=json, headers=headers, timeout=5)


def clear_counter(server, number, token):
    """Leave ``number`` open and empty, with nobody waiting for any of its fields."""
    counter = next(c for c in api(server, "GET", "/snapshot").json()["counters"] if c["number"] == number)
    if counter["status"] == "paused":
        api(server, "POST", f"/counters/{number}/resume", token)
    if counter["ticket"] is not None:
        assert api(server, "POST", f"/counters/{number}/finish", token).ok
    for _ in range(200):
        called = api(server, "POST", f"/counters/{number}/call-next", token)
        if called.status_code == 409 and called.json()["error"] == "nothing_waiting":
            return
        assert called.ok, called.text
        assert api(server, "POST", f"/counters/{number}/finish", token).ok
    raise AssertionError("queue did not drain")


def issue(server, field, priority=None):
    body = {"field": field} | ({"priority": priority} if priority else {})
    resp = api(server, "POST", "/tickets", KIOSK, body)
    assert resp.status_code == 201, resp.text
    return resp.json()["ticket"]


_SESSIONS: dict[tuple[str, str], list] = {}  # (server url, username) -> cookies of a session made by the form


def login_counter(pages, username="canbo1", password="demo-canbo", width=1366, height=768, path="/counter"):
    """The counter terminal of ``username``: logs in through the form once, then reuses the session
    (a password check costs about a second on a small machine)."""
    cookies = _SESSIONS.get((pages.server.url, username))
    if cookies:
        page = pages.open(None, width, height)
        page.context.add_cookies(cookies)
        page.goto(pages.server.url + path)
        return page
    page = pages.open(path, width, height)
    page.wait_for_url(re.compile(r"/login"))
    page.fill("#username", username)
    page.fill("#password", password)
    page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"/counter"))
    _SESSIONS[(pages.server.url, username)] = page.context.cookies()
    return page


def wait_live(page):
    """Wait until the page's Socket.IO client has its first snapshot."""
    page.wait_for_function("() => window.MOTCUA && (window.MOTCUA.board || window.MOTCUA.terminal || {}).state")


def shot(page, name):
    if SCREENSHOTS:
        IMAGES.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(IMAGES / name))


# ---------------------------------------------------------------------- tests
def test_landing_page_lists_counters_and_switches_to_english(pages, server):
    page = pages.open("/")
    assert page.locator("html").get_attribute("lang") == "vi"
    assert "Trung tâm Phục vụ hành chính công xã Hòa An" in page.inner_text("h1")
    assert "Số 1 đường Trần Hưng Đạo" in page.inner_text("main")
    for link in ("/kiosk", "/counter", "/display", "/login"):
        assert page.locator(f'a[href="{link}"]').count() >= 1
    # officers' names and titles are posted for each counter (filled in from the live hall)
    row = page.locator('#roster tr[data-counter="1"]')
    row.locator(".officer-name").wait_for()
    assert row.locator(".officer-name").inner_text() == "Nguyễn Văn An"
    assert row.locator(".officer-title").inner_text() == "Công chức Địa chính – Xây dựng"
    assert row.locator(".status").inner_text() == "Đang mở"

    page.click("text=English")
    page.wait_for_url(re.compile(r"lang=en"))
    assert page.locator("html").get_attribute("lang") == "en"
    assert "Hoa An Commune Public Administration Service Centre" in page.inner_text("h1")
    assert page.locator(".tile-kiosk .tile-title").inner_text() == "Take a number"
    row.locator(".status", has_text="Open").wait_for()
    # the choice is remembered for the next page
    page.goto(server.url + "/login")
    assert page.inner_text("h1") == "Staff log in"


def test_kiosk_issues_one_ticket_per_tap_and_shows_people_ahead(pages, server):
    before = api(server, "GET", "/snapshot").json()["waiting"]["CT"]
    page = pages.open(f"/kiosk?device={KIOSK}")
    assert page.locator(".field-btn").count() == 16
    assert page.locator(".prio").count() == 5  # four categories and "Không ưu tiên"
    assert page.locator('.prio[aria-checked="true"]').inner_text().strip().endswith("Không ưu tiên")

    with page.expect_request("**/api/v1/tickets") as sent:
        page.dblclick('[data-field="CT"]')  # an impatient double tap: still one ticket
    page.locator("#result").wait_for(state="visible")
    headers = sent.value.headers
    assert headers["authorization"] == f"Bearer {KIOSK}"
    assert re.fullmatch(r"[0-9a-f]{32}", headers["idempotency-key"])
    assert sent.value.post_data_json == {"field": "CT"}
    code = page.inner_text("#result-code")
    assert re.fullmatch(r"C\d{3}", code)
    assert page.inner_text("#result-title") == "Số thứ tự của bạn"
    assert "Chứng thực" in page.inner_text("#result-field")
    assert page.inner_text("#result-ahead") == f"{before} người"
    page.wait_for_timeout(300)
    assert api(server, "GET", "/snapshot").json()["waiting"]["CT"] == before + 1

    # the next citizen, elderly: the overlay closes on a tap (after a short guard) and the kiosk resets
    page.wait_for_timeout(1300)
    page.click("#result")
    page.locator("#result").wait_for(state="hidden")
    page.click('.prio[data-priority="elderly"]')
    page.wait_for_timeout(400)  # a tap right after closing counts as the same finger
    page.click('[data-field="CT"]')
    page.locator("#result").wait_for(state="visible")
    second = page.inner_text("#result-code")
    assert second != code
    assert page.inner_text("#result-prio") == "Ưu tiên: Người cao tuổi"
    # an elderly citizen gets a head start, so nobody who came a moment ago is ahead
    assert page.inner_text("#result-ahead") == "0 người"
    assert api(server, "GET", "/snapshot").json()["waiting"]["CT"] == before + 2


def test_kiosk_explains_refusals_in_vietnamese(pages, server):
    page = pages.open("/kiosk")
    pages.allow(r"status of 429|ERR_FAILED|net::")
    page.route("**/api/v1/tickets", lambda route: route.fulfill(
        status=429, content_type="application/json",
        body='{"error": "rate_limited", "message": "too many requests"}'))
    page.click('[data-field="HT"]')
    page.locator("#kiosk-message").wait_for(state="visible")
    assert page.inner_text("#kiosk-message") == "Bạn thao tác quá nhanh, vui lòng thử lại sau ít phút."
    assert page.locator("#result").is_hidden()

    page.unroute("**/api/v1/tickets")
    page.route("**/api/v1/tickets", lambda route: route.abort())  # the server is down
    page.wait_for_timeout(450)
    page.click('[data-field="HT"]')
    page.locator("#kiosk-message", has_text="Hệ thống tạm thời gián đoạn").wait_for(timeout=8000)

    wrong = pages.open("/kiosk?device=not-a-token")
    pages.allow(r"status of 401")
    wrong.click('[data-field="HT"]')
    wrong.locator("#kiosk-message", has_text="Máy lấy số chưa được cài đặt đúng").wait_for()


def test_call_from_counter_reaches_display_within_a_second(pages, server):
    clear_counter(server, 1, BUTTONS_1)
    clear_counter(server, 2, BUTTONS_1)  # counter 2 serves Đất đai too; keep it out of the way
    display = pages.open("/display", 1920, 1080)
    wait_live(display)
    display.evaluate("""() => {
        window.__calls = [];
        window.MOTCUA.onCall = (t, c, r) => { window.__calls.push([t.code, c.number, r]); };
    }""")

    kiosk = pages.open("/kiosk")  # the public kiosk, no device token
    kiosk.click('[data-field="DD"]')
    kiosk.locator("#result").wait_for(state="visible")
    code = kiosk.inner_text("#result-code")
    assert re.fullmatch(r"A\d{3}", code)
    assert kiosk.inner_text("#result-ahead") == "0 người"

    counter = login_counter(pages)
    assert counter.inner_text(".term-no") == "Quầy số 1"
    counter.locator("#wait-list li[data-field='DD'] .wl-count", has_text="1").wait_for()
    assert code in counter.inner_text("#wait-list")

    started = time.monotonic()
    counter.click('[data-action="call-next"]')
    display.wait_for_function(
        """code => {
            const card = document.querySelector('#counters [data-counter="1"] .bc-code');
            return card && card.textContent === code && document.getElementById('call-code').textContent === code;
        }""", arg=code, timeout=1000)
    elapsed = time.monotonic() - started
    assert elapsed < 1.0, f"the display showed the call after {elapsed:.2f}s"
    assert display.inner_text("#call-counter") == "1"
    assert display.locator("#call.highlight").count() == 1
    assert "Nguyễn Văn An" in display.inner_text("#call-who")
    assert display.inner_text("#recent li.latest .rc-code") == code
    assert display.evaluate("window.__calls") == [[code, 1, False]]

    # the terminal shows the called ticket with a running timer
    counter.locator("#cur-code", has_text=code).wait_for()
    assert counter.inner_text("#cur-state") == "Đã gọi"
    counter.wait_for_function("() => /^00:0[1-9]$/.test(document.getElementById('cur-timer').textContent)")

    # a recall by keyboard shortcut is announced again
    counter.keyboard.press("r")
    display.wait_for_function("() => window.__calls.length === 2")
    assert display.evaluate("window.__calls[1]") == [code, 1, True]
    assert display.locator("#call-recall").is_visible()

    with counter.expect_response(lambda r: r.url.endswith("/start")):  # the terminal takes one command at a time
        counter.keyboard.press("s")
    counter.locator("#cur-state", has_text="Đang phục vụ").wait_for()
    counter.keyboard.press("f")
    counter.locator("#cur-code", has_text="–").wait_for()
    display.locator('#counters [data-counter="1"] .bc-code', has_text="–").wait_for()


def test_counter_shows_a_refused_action_in_vietnamese(pages, server):
    clear_counter(server, 1, BUTTONS_1)
    clear_counter(server, 2, BUTTONS_1)
    first, second = issue(server, "XD"), issue(server, "XD")
    counter = login_counter(pages)
    counter.locator("#waiting-total", has_text="2").wait_for()
    counter.click('[data-action="call-next"]')
    counter.locator("#cur-code", has_text=first["code"]).wait_for()

    pages.allow(r"status of 409")
    counter.click('[data-action="call-next"]')  # still called: the engine refuses
    counter.locator("#term-msg").wait_for(state="visible")
    assert counter.inner_text("#term-msg") == BUSY_VI
    assert counter.inner_text("#cur-code") == first["code"]

    # transfer needs a target field first, then sends the citizen to that queue
    counter.keyboard.press("t")
    counter.locator("#term-msg", has_text="Hãy chọn lĩnh vực cần chuyển đến trước.").wait_for()
    counter.select_option("#transfer-field", "DD")
    counter.click('[data-action="transfer"]')
    counter.locator("#cur-code", has_text="–").wait_for()
    counter.locator("#wait-list li[data-field='DD'] .wl-next", has_text=first["code"]).wait_for()

    # pause and resume with P; a paused counter may not call
    with counter.expect_response(lambda r: r.url.endswith("/pause")):  # one command at a time
        counter.keyboard.press("p")
    counter.locator("#counter-status", has_text="Tạm nghỉ").wait_for()
    counter.keyboard.press("n")
    counter.locator("#term-msg", has_text="Quầy đang tạm nghỉ.").wait_for()
    counter.keyboard.press("p")
    counter.locator("#counter-status", has_text="Đang mở").wait_for()
    counter.keyboard.press("n")
    counter.locator("#cur-code", has_text=re.compile(r"^(A|E)\d{3}$")).wait_for()
    assert counter.inner_text("#cur-code") in (first["code"], second["code"])
    clear_counter(server, 1, BUTTONS_1)


def test_officer_without_a_counter_is_told_so(pages, server):
    page = login_counter(pages, "canbo9")  # Ngô Thị Lan is not seated anywhere in the demo hall
    assert "chưa được xếp ngồi quầy nào" in page.inner_text("main")
    assert page.locator("#actions").count() == 0


def test_ticket_page_follows_the_ticket_until_it_is_called(pages, server):
    clear_counter(server, 1, BUTTONS_1)
    clear_counter(server, 2, BUTTONS_1)
    api(server, "POST", "/counters/2/pause", BUTTONS_1)  # only counter 1 calls Đất đai now
    try:
        first, mine = issue(server, "DD"), issue(server, "DD")
        page = pages.open(f"/t/{mine['tracking_id']}", 390, 844, is_mobile=True, has_touch=True)
        page.locator("#track-code", has_text=mine["code"]).wait_for()
        assert page.inner_text("#track-state") == "Đang chờ"
        assert page.inner_text("#track-field") == "Đất đai"
        assert page.inner_text("#track-ahead") == "1 người"
        assert page.locator("#track-wait-row").is_visible()
        assert re.fullmatch(r"khoảng \d+ phút", page.inner_text("#track-wait"))
        assert page.locator("#track-called").is_hidden()

        assert api(server, "POST", "/counters/1/call-next", BUTTONS_1).json()["ticket"]["code"] == first["code"]
        page.locator("#track-ahead", has_text="0 người").wait_for(timeout=2000)
        assert api(server, "POST", "/counters/1/finish", BUTTONS_1).ok
        assert api(server, "POST", "/counters/1/call-next", BUTTONS_1).json()["ticket"]["code"] == mine["code"]
        page.locator("#track-called").wait_for(state="visible", timeout=2000)
        assert page.inner_text("#track-called") == "Mời đến quầy số 1"
        assert page.inner_text("#track-state") == "Đã gọi"
        assert "A" in page.title() and "1" in page.title()
        shot(page, "page-ticket.png")

        assert api(server, "POST", "/counters/1/start", BUTTONS_1).ok
        page.locator("#track-serving").wait_for(state="visible", timeout=2000)
        assert page.locator("#track-called").is_hidden()
        assert api(server, "POST", "/counters/1/finish", BUTTONS_1).ok
        page.locator("#track-done").wait_for(state="visible", timeout=2000)
    finally:
        api(server, "POST", "/counters/2/resume", BUTTONS_1)

    missing = pages.open("/t/no-such-ticket", 390, 844)
    pages.allow(r"status of 404")
    missing.locator("#track-missing").wait_for(state="visible")
    assert missing.inner_text("#track-missing") == "Không tìm thấy phiếu này."


def test_display_shows_calls_made_together_one_after_another(pages, server):
    for number in (3, 4):
        clear_counter(server, number, BUTTONS_1)
    display = pages.open("/display", 1920, 1080)
    wait_live(display)
    # the date under the clock spells the weekday as the reports and the wall board do
    assert re.fullmatch(r"(Thứ (Hai|Ba|Tư|Năm|Sáu|Bảy)|Chủ nhật), \d{1,2}/\d{1,2}/\d{4}", display.inner_text("#clock-date"))
    display.evaluate("""() => {
        window.__shown = [];
        window.MOTCUA.onCall = (t, c) => { window.__shown.push([t.code, c.number, Date.now()]); };
    }""")
    a, b = issue(server, "HT"), issue(server, "HT")
    assert api(server, "POST", "/counters/3/call-next", BUTTONS_1).json()["ticket"]["code"] == a["code"]
    assert api(server, "POST", "/counters/4/call-next", BUTTONS_1).json()["ticket"]["code"] == b["code"]
    display.locator("#call-code", has_text=a["code"]).wait_for(timeout=1000)
    # both counters update at once; the big panel keeps the first call up for a few seconds
    display.locator('#counters [data-counter="4"] .bc-code', has_text=b["code"]).wait_for(timeout=1000)
    display.wait_for_timeout(1000)
    assert display.inner_text("#call-code") == a["code"]
    display.wait_for_function("() => window.__shown.length === 2", timeout=5000)
    shown = display.evaluate("window.__shown")
    assert [s[:2] for s in shown] == [[a["code"], 3], [b["code"], 4]]
    assert shown[1][2] - shown[0][2] >= 3000
    assert display.inner_text("#call-code") == b["code"]


def test_display_reconnects_and_catches_up(pages, server):
    clear_counter(server, 5, BUTTONS_1)
    display = pages.open("/display", 1920, 1080)
    wait_live(display)
    pages.allow(r"WebSocket|ERR_INTERNET_DISCONNECTED|net::|socket\.io")
    display.context.set_offline(True)
    display.evaluate("window.MOTCUA.board.socket.io.engine.close()")  # drop the live connection now
    display.locator("#offline").wait_for(state="visible", timeout=3000)
    assert display.inner_text("#offline") == "Mất kết nối máy chủ – đang kết nối lại…"
    ticket = issue(server, "KD")
    assert api(server, "POST", "/counters/5/call-next", BUTTONS_1).json()["ticket"]["code"] == ticket["code"]
    display.context.set_offline(False)
    display.locator("#offline").wait_for(state="hidden", timeout=10000)
    # the snapshot after reconnecting brings the missed call, and it is still announced
    display.locator('#counters [data-counter="5"] .bc-code', has_text=ticket["code"]).wait_for(timeout=3000)
    display.locator("#call-code", has_text=ticket["code"]).wait_for(timeout=3000)


def test_a_gap_in_events_asks_for_a_resync(pages, server):
    display = pages.open("/display", 1920, 1080)
    wait_live(display)
    seq = display.evaluate("window.MOTCUA.board.lastSeq")
    # pretend an event was lost: the next one arrives with a seq further on
    display.evaluate("""seq => {
        const s = window.MOTCUA.board.socket;
        window.__resyncs = 0;
        const emit = s.emit.bind(s);
        s.emit = function (name) { if (name === 'resync') window.__resyncs++; return emit.apply(null, arguments); };
        s.listeners('event').forEach(fn => fn({seq: seq + 5, kind: 'counter_paused', at: '', data: {}}));
    }""", seq)
    display.wait_for_function("() => window.__resyncs >= 1")
    issue(server, "NN")  # a real event after the resync is applied normally
    display.wait_for_function("seq => window.MOTCUA.board.lastSeq > seq", arg=seq)
    display.locator("#waits li[data-field='NN'] .wc-count", has_text=re.compile(r"^[1-9]")).wait_for(timeout=3000)


def test_layout_fits_tv_touch_screen_and_phone(pages, server):
    """Every page fits its screen without scrolling sideways; the board fits a 1080p TV whole."""
    # a busy morning: numbers at most counters
    for field, number, token in (("DD", 1, BUTTONS_1), ("DD", 2, BUTTONS_1), ("HT", 3, BUTTONS_1),
                                 ("CT", 4, BUTTONS_1), ("KD", 5, BUTTONS_1), ("LD", 6, BUTTONS_2),
                                 ("GD", 7, BUTTONS_2), ("NN", 8, BUTTONS_2)):
        issue(server, field)
        issue(server, field)
        called = api(server, "POST", f"/counters/{number}/call-next", token)
        assert called.ok or called.json()["error"] == "counter_busy", called.text
    api(server, "POST", "/counters/6/start", BUTTONS_2)
    api(server, "POST", "/counters/8/pause", BUTTONS_2)
    issue(server, "XD")

    display = pages.open("/display", 1920, 1080)
    wait_live(display)
    display.locator('#counters [data-counter="7"]').wait_for()
    assert display.evaluate("document.documentElement.scrollHeight <= innerHeight + 1")
    boxes = display.evaluate("""[...document.querySelectorAll('#counters .board-counter, #recent li, #waits li')]
        .map(e => e.getBoundingClientRect()).filter(r => r.bottom > innerHeight + 1 || r.right > innerWidth + 1)
        .length""")
    assert boxes == 0, "parts of the board fall off the TV screen"
    clipped = display.evaluate("""[...document.querySelectorAll('.board section, .board-counter')]
        .filter(e => e.scrollHeight > e.clientHeight + 1).map(e => e.className)""")
    assert clipped == [], "board sections cut off their content"
    if SCREENSHOTS:
        display.wait_for_timeout(600)
    shot(display, "page-display.png")

    kiosk = pages.open("/kiosk", 1280, 800)
    off = kiosk.evaluate("""[...document.querySelectorAll('.field-btn, .prio')].map(e => e.getBoundingClientRect())
        .filter(r => r.bottom > innerHeight + 1 || r.right > innerWidth + 1).length""")
    assert off == 0, "kiosk buttons fall off a 10-inch screen"
    shot(kiosk, "page-kiosk.png")

    counter = login_counter(pages, width=1366, height=768)
    counter.locator("#cur-code", has_text=re.compile(r"^A\d{3}$")).wait_for()
    if SCREENSHOTS:
        counter.wait_for_timeout(1200)  # let the timer run a little
    off = counter.evaluate("""[...document.querySelectorAll('#actions .btn, #actions select')]
        .map(e => e.getBoundingClientRect()).filter(r => r.bottom > innerHeight + 1 || r.right > innerWidth + 1)
        .length""")
    assert off == 0, "counter buttons fall off a 1366×768 screen"
    shot(counter, "page-counter.png")

    phone = pages.open(None, 360, 640, is_mobile=True, has_touch=True)
    for path in ("/", "/kiosk", "/display", "/login"):
        phone.goto(server.url + path)
        assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth + 1"), path
    phone = login_counter(pages, width=360, height=640)
    phone.locator("#counter-status", has_text="Đang mở").wait_for()
    assert phone.evaluate("document.documentElement.scrollWidth <= innerWidth + 1")


def test_a_full_server_says_so_in_vietnamese_and_the_page_gets_in_when_there_is_room(browser, tmp_path):
    """Past the connection cap the phone page shows the overload sentence, then connects by itself."""
    import socketio

    env = {"MOTCUA_MAX_CONNECTIONS": "1", "MOTCUA_RESERVED_CONNECTIONS": "5"}
    with LiveServer(tmp_path, extra_env=env) as full:
        filler = socketio.Client(reconnection=False)  # the one public connection this server takes
        filler.connect(full.url, transports=["websocket"], wait_timeout=10)
        pages = Pages(browser, full)
        try:
            mine = issue(full, "HT")
            page = pages.open(f"/t/{mine['tracking_id']}", 390, 844, is_mobile=True, has_touch=True)
            page.locator("#track-code", has_text=mine["code"]).wait_for()  # the REST part still answers
            banner = page.locator("#offline")
            banner.wait_for(state="visible")
            assert banner.inner_text() == "Hệ thống đang quá tải, vui lòng thử lại sau"
            shot(page, "page-ticket-overloaded.png")
            filler.disconnect()
            banner.wait_for(state="hidden", timeout=15000)  # the page retried after its back-off
            assert api(full, "POST", "/counters/3/call-next", BUTTONS_1).json()["ticket"]["code"] == mine["code"]
            page.locator("#track-called").wait_for(state="visible", timeout=3000)  # and it is live again
        finally:
            pages.close()
        assert pages.unexpected_errors() == []
