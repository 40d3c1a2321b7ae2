"""The touch kiosk on a dispenser says in Vietnamese when its printer fails, and stops when it recovers."""

import pytest
import socketio

from hall_server.testing import KIOSK, LiveServer

from .test_pages_browser import browser  # noqa: F401  (the shared chromium fixture)

pytestmark = pytest.mark.browser


def test_kiosk_shows_the_printer_problem(browser, tmp_path):  # noqa: F811
    with LiveServer(tmp_path) as server:
        device = socketio.Client(reconnection=False)
        device.connect(server.url, auth={"token": KIOSK}, transports=["websocket"])
        try:
            assert device.call("device_status", {"printer": "paper_out"}, timeout=5)["status"] == 200
            page = browser.new_page()
            page.goto(f"{server.url}/kiosk?device={KIOSK}")
            banner = page.locator("#printer-banner")
            banner.wait_for(state="visible", timeout=8000)
            assert "Máy in hết giấy" in banner.inner_text()
            # The citizen still gets a number on screen.
            page.locator("[data-field=DD]").first.click()
            page.locator("#result").wait_for(state="visible", timeout=5000)
            assert "A001" in page.locator("#result").inner_text()
            device.call("device_status", {"printer": "ok"}, timeout=5)
            banner.wait_for(state="hidden", timeout=8000)
            page.close()
        finally:
            device.disconnect()
