"""The officer's counter terminal in chromium: log in, call, transfer, call a number, finish,
with the waiting count changing live when the kiosk issues a ticket."""

import pytest
import requests

from hall_server.testing import KIOSK, LiveServer

from .test_pages_browser import Pages, browser, login_counter, wait_live  # noqa: F401

pytestmark = pytest.mark.browser


def issue(server, field):
    return requests.post(server.url + "/api/v1/tickets", json={"field": field},
                         headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5).json()["ticket"]


def ready(page):
    """The terminal takes one command at a time: wait until the last one has been answered."""
    page.wait_for_function("() => !document.getElementById('actions').classList.contains('busy')")
    return page


def test_officer_works_a_ticket_through_the_terminal(browser, tmp_path):  # noqa: F811
    with LiveServer(tmp_path) as server:
        pages = Pages(browser, server)
        try:
            page = login_counter(pages)
            wait_live(page)
            total = page.locator("#waiting-total")
            assert total.inner_text() == "0"
            kiosk = pages.open("/kiosk")
            kiosk.locator("[data-field=DD]").first.click()  # a citizen takes a number at the kiosk
            kiosk.locator("#result").wait_for(state="visible")
            page.wait_for_function("() => document.getElementById('waiting-total').textContent === '1'")
            ready(page).keyboard.press("n")  # call next
            page.wait_for_function("() => document.getElementById('cur-code').textContent === 'A001'")
            assert total.inner_text() == "0"
            page.select_option("#transfer-field", "HT")
            ready(page).keyboard.press("t")  # transfer to civil status: the counter is free again
            page.wait_for_function("() => document.getElementById('cur-code').textContent !== 'A001'")
            issue(server, "DD")
            issue(server, "XD")
            page.wait_for_function("() => document.getElementById('waiting-total').textContent === '2'")
            page.fill("#call-code", "e001")
            ready(page).click("[data-action=call]")  # call a specific number, out of turn
            page.wait_for_function("() => document.getElementById('cur-code').textContent === 'E001'")
            ready(page).keyboard.press("f")  # finish
            page.wait_for_function("() => document.getElementById('cur-code').textContent !== 'E001'")
            tickets = requests.get(server.url + "/api/v1/tickets", timeout=5,
                                   headers={"Authorization": f"Bearer {KIOSK}"}).json()["tickets"]
            states = {t["code"]: (t["state"], t["field"]) for t in tickets}
            assert states["A001"] == ("waiting", "HT")
            assert states["E001"][0] == "done"
            assert states["A002"][0] == "waiting"
            assert not pages.unexpected_errors()
        finally:
            pages.close()
