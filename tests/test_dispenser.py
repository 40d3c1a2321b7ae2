"""The Raspberry Pi dispenser against a real hall server, a fake ESC/POS printer and mock GPIO pins.

Every test runs the real program parts: python-socketio to a gunicorn LiveServer on loopback,
python-escpos to ticket_printer/testing.py's fake printer over TCP, gpiozero buttons and LEDs on MockFactory pins
(pressing a pull-up button = driving its pin low).
"""

from __future__ import annotations

import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time

import pytest
import requests
import socketio
from click.testing import CliRunner
from gpiozero import Device
from gpiozero.pins.mock import MockFactory

from device_link.config import DeviceConfigError
from hall_server.cli import main as motcua
from hall_server.testing import KIOSK, LiveServer
from ticket_printer.config import load_device_config, parse_device_config, problems_with_centre
from ticket_printer.dispenser import Dispenser
from ticket_printer.jobs import ticket_info
from ticket_printer.printer import PrinterStatus
from ticket_printer.render import render_ticket
from ticket_printer.status import Indicator
from ticket_printer.testing import FakePrinter, stack_images

from .conftest import ROOT

DD_PIN, HT_PIN, PRIORITY_PIN, LED_PIN, PRIORITY_LED_PIN = 17, 18, 27, 22, 23
WIDTH = 384
FAST = {"bounce": 0.0, "press_guard": 0.3, "request_timeout": 2.0, "press_deadline": 5.0, "fault_poll": 0.1,
        "idle_poll": 0.5, "reconnect_min": 0.05, "reconnect_max": 0.3, "connect_timeout": 3.0}


# -- fixtures and helpers ------------------------------------------------------------


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("dispenser"), threads=16) as srv:
        yield srv


@pytest.fixture
def fake():
    with FakePrinter() as printer:
        yield printer


@pytest.fixture
def pins():
    previous = Device.pin_factory
    Device.pin_factory = MockFactory()
    try:
        yield Device.pin_factory
    finally:
        Device.pin_factory.reset()
        Device.pin_factory = previous


def device_config(url, fake, token=KIOSK, **timing):
    return parse_device_config({
        "server": url, "token": token, "printer": fake.config(width_px=WIDTH),
        "buttons": [{"pin": DD_PIN, "field": "DD"}, {"pin": HT_PIN, "field": "HT"}],
        "priority": {"pin": PRIORITY_PIN, "code": "elderly", "led_pin": PRIORITY_LED_PIN},
        "led": {"pin": LED_PIN},
        "timing": FAST | timing,
    })


def wait_for(condition, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        time.sleep(0.02)


def press(pins, pin, bounces=0):
    """Press and release a pull-up button; *bounces* extra contact bounces."""
    gpio = pins.pin(pin)
    for _ in range(bounces + 1):
        gpio.drive_low()
        gpio.drive_high()


def tickets(server):
    response = requests.get(server.url + "/api/v1/tickets", headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5)
    response.raise_for_status()
    return {t["id"]: t for t in response.json()["tickets"]}


def alerts(server):
    snap = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()
    return {a["id"]: a for a in snap["alerts"]}


def issue_at_kiosk_page(server, field, priority=None):
    """What the touch screen page does: POST /tickets with the dispenser's token."""
    body = {"field": field} | ({"priority": priority} if priority else {})
    return requests.post(server.url + "/api/v1/tickets", json=body,
                         headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5)


def printed_ticket(fake, cuts=1):
    """The ticket image the fake printer received (fragments joined)."""
    wait_for(lambda: fake.cuts >= cuts, what="the ticket to reach the printer")
    fake.wait_closed()
    return stack_images(fake.images)


def same_image(a, b):
    return a.size == b.size and a.convert("1").tobytes() == b.convert("1").tobytes()


def led_is_steady_on(pins, pin=LED_PIN, window=0.4):
    gpio = pins.pin(pin)
    gpio.clear_states()
    time.sleep(window)
    return gpio.state and len(gpio.states) == 1


def led_toggles(pins, pin=LED_PIN, window=0.7):
    gpio = pins.pin(pin)
    gpio.clear_states()
    time.sleep(window)
    return len(gpio.states) - 1


class Supervisor:
    """A public Socket.IO client in the centre room, like the supervisor page."""

    def __init__(self, url):
        self.inbox = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("print_result", lambda data: self.inbox.put(data))
        self.client.connect(url, transports=["websocket"], wait_timeout=5)

    def print_result(self, ticket_id, timeout=5.0):
        deadline = time.monotonic() + timeout
        while True:
            data = self.inbox.get(timeout=max(0.01, deadline - time.monotonic()))
            if data.get("ticket") == ticket_id:
                return data

    def close(self):
        self.client.disconnect()


@pytest.fixture
def supervisor(server):
    watcher = Supervisor(server.url)
    yield watcher
    watcher.close()


# -- a button press ---------------------------------------------------------------------


def test_land_button_issues_a_ticket_and_prints_it(server, fake, pins):
    before = tickets(server)
    with Dispenser(device_config(server.url, fake)) as dispenser:
        assert dispenser.wait_ready(10)
        assert led_is_steady_on(pins), "connected with a working printer: the LED is steady"
        press(pins, DD_PIN)
        new = wait_for(lambda: [t for i, t in tickets(server).items() if i not in before], what="a new ticket")
        image = printed_ticket(fake)
        record = wait_for(lambda: dispenser.history and dispenser.history[-1], what="the print record")

    assert len(new) == 1 and new[0]["field"] == "DD" and new[0]["state"] == "waiting"
    assert new[0]["code"].startswith("A") and new[0]["priority"] is None
    job = record.job
    assert record.ok and record.source == "button" and job["code"] == new[0]["code"]
    centre = requests.get(server.url + "/api/v1/centre", timeout=5).json()
    assert job["field_name"] == "Đất đai" and job["centre_name"] == centre["name"]
    # The QR code leads to this very ticket.
    tracking_id = job["tracking_url"].rsplit("/t/", 1)[1]
    assert requests.get(f"{server.url}/api/v1/track/{tracking_id}", timeout=5).json()["code"] == new[0]["code"]
    # What reached the printer is that ticket, dot for dot, at the printer's width.
    assert image.width == WIDTH
    assert same_image(image, render_ticket(ticket_info(job), width_px=WIDTH))
    assert fake.cuts == 1


def test_priority_toggle_and_a_bouncing_contact_give_one_priority_ticket(server, fake, pins):
    before = tickets(server)
    with Dispenser(device_config(server.url, fake)) as dispenser:
        assert dispenser.wait_ready(10)
        press(pins, PRIORITY_PIN)
        assert pins.pin(PRIORITY_LED_PIN).state, "the priority LED is lit while priority is on"
        press(pins, DD_PIN, bounces=3)  # a worn contact: four closures in a row
        printed_ticket(fake)
        first = [t for i, t in tickets(server).items() if i not in before]
        assert not pins.pin(PRIORITY_LED_PIN).state, "priority is used up by the ticket"
        time.sleep(FAST["press_guard"])
        fake.clear()
        press(pins, HT_PIN)
        printed_ticket(fake)
        records = list(dispenser.history)

    assert len(first) == 1, "one press, one ticket, however much the contact bounces"
    assert first[0]["priority"] == "elderly" and first[0]["field"] == "DD"
    assert records[-2].job["priority_name"] == "Người cao tuổi"
    second = [t for i, t in tickets(server).items() if i not in before and i != first[0]["id"]]
    assert len(second) == 1 and second[0]["field"] == "HT" and second[0]["priority"] is None
    assert records[-1].job["priority_name"] is None


def test_a_slow_answer_is_asked_again_with_the_same_request_id(server, fake, pins, caplog):
    before = tickets(server)
    # 1 ms is less than the server needs: the first attempts time out, the answer is asked again.
    with Dispenser(device_config(server.url, fake, request_timeout=0.001)) as dispenser:
        assert dispenser.wait_ready(10)
        with caplog.at_level(logging.INFO, logger="device_link"):
            press(pins, DD_PIN)
            printed_ticket(fake)
    new = [t for i, t in tickets(server).items() if i not in before]
    retried = [r for r in caplog.records if "issue_ticket attempt" in r.getMessage()]
    assert retried, "the first attempt was expected to time out"
    assert len({r.getMessage().split("request ")[1].split(")")[0] for r in retried}) == 1
    assert len(new) == 1 and fake.cuts == 1, "retried, yet one ticket issued and one printed"


# -- the touch screen (kiosk page) -----------------------------------------------------


def test_ticket_from_the_touch_screen_is_printed_and_answered(server, fake, pins, supervisor):
    with Dispenser(device_config(server.url, fake)) as dispenser:
        assert dispenser.wait_ready(10)
        response = issue_at_kiosk_page(server, "HT", priority="disabled")
        assert response.status_code == 201
        ticket = response.json()["ticket"]
        result = supervisor.print_result(ticket["id"])
        image = printed_ticket(fake)
        record = dispenser.history[-1]

    assert result == {"device": "kiosk-1", "ticket": ticket["id"], "ok": True, "printer": "ok"}
    assert record.source == "kiosk" and record.job["code"] == ticket["code"]
    assert record.job["priority_name"] == "Người khuyết tật"
    assert same_image(image, render_ticket(ticket_info(record.job), width_px=WIDTH))


# -- printer faults ----------------------------------------------------------------------


def test_paper_out_raises_the_alert_and_recovery_clears_it(server, fake, pins, supervisor):
    fake.mode = "paper_out"
    with Dispenser(device_config(server.url, fake)) as dispenser:
        assert dispenser.wait_ready(10)
        alert = wait_for(lambda: alerts(server).get("printer:kiosk-1"), what="the printer alert")
        assert alert["message_vi"] == "Máy in hết giấy" and alert["severity"] == "error"
        assert led_toggles(pins) >= 2, "a fault makes the LED blink"

        # Touch screen: the citizen still gets a number (on the screen); nothing prints.
        response = issue_at_kiosk_page(server, "DD")
        assert response.status_code == 201 and response.json()["ticket"]["code"]
        result = supervisor.print_result(response.json()["ticket"]["id"])
        assert result["ok"] is False and result["printer"] == "paper_out"

        # A button (no screen): no ticket nobody could read; the LED flashes.
        before = tickets(server)
        press(pins, DD_PIN)
        wait_for(lambda: dispenser.last_refusal == "printer", what="the press to be refused")
        assert tickets(server) == before
        assert fake.images == [] and fake.cuts == 0

        fake.mode = "online"
        wait_for(lambda: "printer:kiosk-1" not in alerts(server), what="the alert to clear")
        assert dispenser.printer_status is PrinterStatus.OK
        wait_for(lambda: led_is_steady_on(pins), what="a steady LED again")


def test_a_printer_that_does_not_answer_is_unknown_never_ok(server, fake, pins, supervisor):
    fake.mode = "silent"
    with Dispenser(device_config(server.url, fake)) as dispenser:
        assert dispenser.wait_ready(10)
        assert dispenser.printer_status is PrinterStatus.UNKNOWN
        alert = wait_for(lambda: alerts(server).get("printer:kiosk-1"), what="the printer alert")
        assert alert["message_vi"] == "Không rõ trạng thái máy in"
        assert dispenser.indicator is Indicator.WARNING and led_toggles(pins, window=1.6) >= 1
        # It may still print (print_when_status_unknown), and says the state is unknown.
        response = issue_at_kiosk_page(server, "CT")
        result = supervisor.print_result(response.json()["ticket"]["id"])
        assert result["ok"] is True and result["printer"] == "unknown"
        assert printed_ticket(fake).width == WIDTH


# -- the server goes away and comes back --------------------------------------------


def test_server_down_a_press_does_nothing_and_the_dispenser_comes_back_by_itself(tmp_path, fake, pins):
    first = LiveServer(tmp_path, threads=8).start()
    second = None
    try:
        with Dispenser(device_config(first.url, fake)) as dispenser:
            assert dispenser.wait_ready(10)
            first.kill()  # a power cut in the server room
            wait_for(lambda: not dispenser.connected, what="the dispenser to notice")
            assert dispenser.indicator is Indicator.OFFLINE and not pins.pin(LED_PIN).state

            press(pins, DD_PIN)
            assert dispenser.last_refusal == "offline"
            time.sleep(0.3)
            assert fake.images == [] and fake.cuts == 0, "nothing printed"

            second = LiveServer(tmp_path, port=first.port, db=first.db, threads=8).start()
            assert dispenser.wait_ready(10), "reconnected by itself"
            assert tickets(second) == {}, "the press made while the server was down issued nothing"
            wait_for(lambda: led_is_steady_on(pins), what="a steady LED again")

            press(pins, DD_PIN)
            image = printed_ticket(fake)
            issued = wait_for(lambda: tickets(second), what="the ticket")
        assert len(issued) == 1 and next(iter(issued.values()))["field"] == "DD"
        assert image.width == WIDTH and fake.cuts == 1
    finally:
        first.stop()
        if second is not None:
            second.stop()


def test_a_wrong_token_never_connects_and_issues_nothing(server, fake, pins, caplog):
    before = tickets(server)
    with caplog.at_level(logging.ERROR, logger="device_link"):
        with Dispenser(device_config(server.url, fake, token="not-a-device-token")) as dispenser:
            assert not dispenser.wait_ready(1.0)
            assert not dispenser.press("DD") and dispenser.last_refusal == "offline"
    assert any("refused this device" in r.getMessage() for r in caplog.records)
    assert tickets(server) == before and fake.cuts == 0


# -- the device file and the command line -------------------------------------------------


def test_a_wrong_device_file_lists_every_problem_by_key():
    with pytest.raises(DeviceConfigError) as caught:
        parse_device_config({
            "server": "192.168.1.10:8080",
            "printer": {"kind": "network"},
            "buttons": [{"pin": 17, "field": "DD"}, {"pin": "GPIO17", "field": "HT"}, {"pin": 40}],
            "led": {"pin": 22, "active_high": "yes"},
            "timing": {"fault_poll": -1, "retry": 3},
            "colour": "red",
        })
    problems = "\n".join(caught.value.problems)
    for expected in ("server: must be an http:// or https:// URL", "token: is required",
                     "printer: network printer config is missing host",
                     "buttons[1].pin: pin GPIO17 is already used by buttons[0]",
                     "buttons[2].pin: GPIO40 does not exist", "buttons[2].field: is required",
                     "led.active_high: must be true or false", "timing.fault_poll: must be between",
                     "timing.retry: unknown key", "colour: unknown key"):
        assert expected in problems


def test_the_example_device_file_fits_the_demo_hall(demo_config):
    from hall_server.web.views import centre_info

    config = load_device_config(ROOT / "config" / "dispenser.example.toml")
    assert len(config.buttons) >= 2 and config.led is not None and config.priority is not None
    assert problems_with_centre(config, centre_info(demo_config)) == []


def test_motcua_printer_check_and_a_bad_file(server, fake, tmp_path):
    good = tmp_path / "dispenser.toml"
    good.write_text(f'server = "{server.url}"\n[printer]\nkind = "network"\nhost = "127.0.0.1"\n'
                    f'port = {fake.port}\nwidth_px = {WIDTH}\nstatus_timeout = 0.3\n'
                    '[[buttons]]\npin = 17\nfield = "XX"\n', encoding="utf-8")
    runner = CliRunner()
    result = runner.invoke(motcua, ["printer", "--config", str(good), "--check"],
                           env={"MOTCUA_DEVICE_TOKEN": KIOSK})
    assert "OK   printer" in result.output and "token accepted as dispenser 'kiosk-1'" in result.output
    assert "FAIL device file: buttons[0].field: field 'XX' is not in the hall" in result.output
    assert result.exit_code == 1

    bad = tmp_path / "bad.toml"
    bad.write_text('server = "http://127.0.0.1:1"\ntoken = "x"\n', encoding="utf-8")
    result = runner.invoke(motcua, ["printer", "--config", str(bad)])
    assert result.exit_code == 2 and "printer: is required" in result.output


def test_a_print_job_with_missing_keys_is_refused_clearly():
    from ticket_printer.jobs import BadJob, job_from_ticket

    with pytest.raises(BadJob, match="issued_at"):
        ticket_info({"ticket": 7, "code": "A007", "field_name": "Đất đai"})
    with pytest.raises(BadJob, match="no ticket id"):
        job_from_ticket({"code": "A007"}, None, "http://hall")
    # Without the centre's names (server answered the press but /centre failed): codes are printed.
    job = job_from_ticket({"id": 7, "code": "A007", "field": "DD", "priority": "elderly", "tracking_id": "Xy",
                           "issued_at": "2026-11-26T01:00:00+00:00", "people_ahead": 2}, None, "http://hall/")
    assert job["field_name"] == "DD" and job["priority_name"] == "elderly"
    assert job["tracking_url"] == "http://hall/t/Xy"
    assert ticket_info(job).code == "A007"


def test_the_real_program_prints_touch_tickets_and_stops_cleanly_on_sigterm(server, fake, tmp_path):
    device_file = tmp_path / "dispenser.toml"
    device_file.write_text(f'server = "{server.url}"\n[printer]\nkind = "network"\nhost = "127.0.0.1"\n'
                           f'port = {fake.port}\nwidth_px = {WIDTH}\n[led]\npin = {LED_PIN}\n'
                           f'[[buttons]]\npin = {DD_PIN}\nfield = "DD"\n', encoding="utf-8")
    env = os.environ | {"GPIOZERO_PIN_FACTORY": "mock", "MOTCUA_DEVICE_TOKEN": KIOSK}
    proc = subprocess.Popen([sys.executable, "-m", "ticket_printer", "--config", str(device_file)], cwd=ROOT,
                            env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    lines: list[str] = []
    threading.Thread(target=lambda: lines.extend(proc.stderr), daemon=True).start()
    try:
        wait_for(lambda: any("connected to the hall server" in line for line in lines), timeout=15,
                 what="the program to connect")
        response = issue_at_kiosk_page(server, "KD")
        assert response.status_code == 201
        assert printed_ticket(fake).width == WIDTH
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    code = response.json()["ticket"]["code"]
    wait_for(lambda: any("stopping (SIGTERM)" in line for line in lines), what="the last log line")
    assert any(f"printed {code} (kiosk)" in line for line in lines)
    assert not any("Network printer enabled" in line for line in lines), "python-escpos chatter is filtered"
