"""Counter button boxes: gpiozero MockFactory pins pressed against a real hall server.

The box under test is the real ButtonBox (gpiozero devices, python-socketio link) on
mock pins; the server is a LiveServer on loopback; a real display client (the wall
display's token) listens to what the hall announces. LCD pin writes are decoded by a
small HD44780 model, as the chip would latch them.
"""

from __future__ import annotations

import logging
import queue
import socket
import threading
import time

import pytest
import requests
import socketio
from click.testing import CliRunner

from .conftest import ROOT, need, wait_until
from .live import BUTTONS_1, DISPLAY, KIOSK, LiveServer

try:
    from gpiozero.pins.mock import MockFactory, MockPin
except ImportError:  # pragma: no cover - gpiozero is a dev dependency
    MockFactory = MockPin = None

from counter_buttons.config import load_box, parse_box
from counter_buttons.display import CharLCD, LCDBus, lcd_text
from counter_buttons.state import HallView
from device_link.config import DeviceConfigError

HOLD = 0.3  # hold Next this long in tests (2 s in a hall)
BOX = {
    "hold_seconds": HOLD,
    "bounce_ms": 0,
    "press_window_seconds": 2.0,
    "reconnect_max_seconds": 0.3,
    "lcd": {"rs": 7, "d4": 8, "d5": 9, "d6": 10, "d7": 11},
    "counters": [
        {"number": 1, "next": 17, "recall": 27, "no_show": 22, "finish": 23, "led": 24, "lcd_enable": 25},
        {"number": 2, "next": 5, "recall": 6, "no_show": 13, "finish": 19, "led": 26},
    ],
}
NEXT1, RECALL1, NO_SHOW1, FINISH1, LED1 = 17, 27, 22, 23, 24
NEXT2, LED2 = 5, 26
LCD_RS, LCD_D, LCD_E = 7, (8, 9, 10, 11), 25


# ---------------------------------------------------------------------- helpers
if MockPin is not None:
    class RecordingPin(MockPin):
        """A mock pin that also logs every change of an output, in order, on its factory."""

        def _change_state(self, value):
            changed = super()._change_state(value)
            if changed and self._function == "output" and hasattr(self._factory, "writes"):
                self._factory.writes.append((self._number, value))
            return changed


class LcdModel:
    """An HD44780 in 4-bit mode, fed the recorded pin writes: what would the glass show?"""

    def __init__(self, rs=LCD_RS, data=LCD_D, enable=LCD_E, columns=16, rows=2):
        self.rs, self.data, self.enable = rs, data, enable
        self.columns, self.rows = columns, rows
        self.four_bit = False
        self.init_nibbles: list[int] = []
        self.half: int | None = None
        self.address = 0
        self.ddram = bytearray(b" " * 0x80)

    def feed(self, writes) -> LcdModel:
        levels: dict[int, bool] = {}
        for pin, value in list(writes):
            was = levels.get(pin, False)
            levels[pin] = value
            if pin == self.enable and was and not value:  # the HD44780 latches on E falling
                nibble = sum(levels.get(d, False) << i for i, d in enumerate(self.data))
                self._nibble(levels.get(self.rs, False), nibble)
        return self

    def _nibble(self, rs: bool, nibble: int) -> None:
        if not self.four_bit:
            self.init_nibbles.append(nibble)
            self.four_bit = nibble == 0x2
            return
        if self.half is None:
            self.half = nibble
            return
        byte, self.half = self.half << 4 | nibble, None
        if rs:
            self.ddram[self.address & 0x7F] = byte
            self.address += 1
        elif byte == 0x01:
            self.ddram[:] = b" " * 0x80
            self.address = 0
        elif byte & 0x80:
            self.address = byte & 0x7F

    def line(self, row: int) -> str:
        start = {16: (0x00, 0x40, 0x10, 0x50), 20: (0x00, 0x40, 0x14, 0x54)}[self.columns][row]  # datasheet
        return self.ddram[start:start + self.columns].decode("ascii")


class Display:
    """A wall display's Socket.IO client (display token) recording the hall's events."""

    def __init__(self, url):
        self.events: queue.Queue = queue.Queue()
        self.client = socketio.Client(reconnection=False)
        self.client.on("event", self.events.put)
        self.client.connect(url, auth={"token": DISPLAY}, transports=["websocket"], wait_timeout=5)

    def next(self, kind, timeout=5.0) -> dict:
        deadline = time.monotonic() + timeout
        while True:
            event = self.events.get(timeout=max(0.01, deadline - time.monotonic()))
            if event["kind"] == kind:
                return event["data"]

    def kinds(self, within: float) -> list[str]:
        """Every event kind received in the next ``within`` seconds."""
        got, deadline = [], time.monotonic() + within
        while (left := deadline - time.monotonic()) > 0:
            try:
                got.append(self.events.get(timeout=left)["kind"])
            except queue.Empty:
                break
        return got

    def close(self):
        self.client.disconnect()


class Proxy:
    """A loopback TCP relay in front of the server; ``go_silent`` makes the open connections
    swallow the server's replies, like a link that died without closing."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.links: list[tuple[socket.socket, socket.socket, dict]] = []
        threading.Thread(target=self._accept, daemon=True).start()

    @property
    def url(self):
        return f"http://127.0.0.1:{self.port}"

    def _accept(self):
        while True:
            try:
                near, _ = self.listener.accept()
            except OSError:
                return
            far = socket.create_connection(("127.0.0.1", self.target))
            flags = {"silent": False}
            self.links.append((near, far, flags))
            threading.Thread(target=self._pump, args=(near, far, None), daemon=True).start()
            threading.Thread(target=self._pump, args=(far, near, flags), daemon=True).start()

    @staticmethod
    def _pump(src, dst, flags):
        try:
            while data := src.recv(65536):
                if flags is None or not flags["silent"]:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def go_silent(self):
        for _, _, flags in self.links:
            flags["silent"] = True

    def close(self):
        self.listener.close()
        for near, far, _ in self.links:
            near.close()
            far.close()


def press(factory, pin, seconds=0.05):
    """Press a button wired to GND (pull-up): the pin reads low while held."""
    factory.pin(pin).drive_low()
    time.sleep(seconds)
    factory.pin(pin).drive_high()


def intervals(factory, pin, seconds) -> list[tuple[bool, float]]:
    """The (state, duration) of each complete on/off interval of an output, starting at its
    next falling edge and watching for ``seconds`` more."""
    mock = factory.pin(pin)
    start = len(mock.states)
    wait_until(lambda: any(not s.state for s in mock.states[start:]), timeout=3, what=f"GPIO {pin} to go low")
    edge = next(i for i in range(start, len(mock.states)) if not mock.states[i].state)
    time.sleep(seconds)
    states = mock.states[edge:]
    return [(states[i - 1].state, states[i].timestamp) for i in range(1, len(states))]


def led_shows(factory, pin, pattern) -> bool:
    """Whether an LED pin shows ``pattern``: "on", "off", "slow" (0.5 s / 0.5 s) or "fast"
    (0.1 s / 0.1 s). Blink timing is judged loosely: a loaded test machine stretches sleeps."""
    if pattern in ("on", "off"):
        mock = factory.pin(pin)
        wait_until(lambda: mock.state == (pattern == "on"), timeout=2, what=f"GPIO {pin} to be {pattern}")
        start = len(mock.states)
        time.sleep(0.3)
        return len(mock.states) == start and mock.state == (pattern == "on")
    seen = intervals(factory, pin, {"slow": 1.1, "fast": 0.5}[pattern])
    durations = sorted(d for _, d in seen)
    if len(durations) < 2:
        return False
    if pattern == "fast":
        return durations[len(durations) // 2] < 0.2 and durations[-1] < 0.3
    return 0.35 < durations[0] and durations[-1] < 0.9


def lcd_reads(factory, *lines, timeout=3.0):
    """Wait until the LCD's rows start with ``lines``; return the rows."""
    def rows():
        lcd = LcdModel().feed(factory.writes)
        return [lcd.line(r) for r in range(len(lines))]
    try:
        wait_until(lambda: all(r.startswith(t) for r, t in zip(rows(), lines)), timeout, "the LCD")
    except AssertionError:
        raise AssertionError(f"the LCD shows {rows()}, not {list(lines)}") from None
    return rows()


def issue(server, field) -> dict:
    r = requests.post(server.url + "/api/v1/tickets", json={"field": field},
                      headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5)
    assert r.status_code == 201, r.text
    return r.json()["ticket"]


def snapshot(server) -> dict:
    return requests.get(server.url + "/api/v1/snapshot", timeout=5).json()


def counter(server, number) -> dict:
    return next(c for c in snapshot(server)["counters"] if c["number"] == number)


def rest(server, number, action):
    return requests.post(f"{server.url}/api/v1/counters/{number}/{action}",
                         headers={"Authorization": f"Bearer {BUTTONS_1}"}, timeout=5)


def tidy(server):
    """Leave counters 1–5 open and free, and their queues empty, for the next test."""
    for number in range(1, 6):
        status = counter(server, number)["status"]
        if status != "open":
            rest(server, number, "resume" if status == "paused" else "open")
        while rest(server, number, "finish").ok or rest(server, number, "call-next").ok:
            pass


# ---------------------------------------------------------------------- fixtures
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("buttons")) as srv:
        yield srv


@pytest.fixture
def factory():
    need(MockFactory is not None, "gpiozero is not installed")
    f = MockFactory(pin_class=RecordingPin)
    f.writes = []
    yield f
    f.close()


class Boxes:
    """Makes button boxes on the test's mock pins and closes them afterwards."""

    def __init__(self, factory):
        self.factory = factory
        self.made = []
        self.answers: queue.Queue = queue.Queue()

    def __call__(self, url, config=BOX, wait=True):
        from counter_buttons.box import ButtonBox

        box = ButtonBox(parse_box(config), url, BUTTONS_1, pin_factory=self.factory, reconnect_min=0.05,
                        on_answer=lambda *a: self.answers.put(a))
        self.made.append(box)
        box.start()
        if wait:
            wait_until(lambda: box.state(1) != "offline", what="the box to connect")
        return box

    def answer(self, timeout=5.0):
        """(counter, command, Answer or exception, seconds) of the next finished press."""
        return self.answers.get(timeout=timeout)

    def close(self):
        while self.made:
            self.made.pop().close()


@pytest.fixture
def boxes(factory):
    made = Boxes(factory)
    yield made
    made.close()


@pytest.fixture
def display(server):
    d = Display(server.url)
    yield d
    d.close()


@pytest.fixture
def hall(server):
    yield server
    tidy(server)  # runs after a failed test too


# ---------------------------------------------------------------------- presses against a live server
def test_next_calls_the_oldest_ticket_of_the_counters_fields(hall, display, boxes, factory):
    issue(hall, "HT")  # counter 1 does not serve HT
    oldest = issue(hall, "XD")
    issue(hall, "DD")
    box = boxes(hall.url)
    assert box.state(1) == "ready" and led_shows(factory, LED1, "on")

    press(factory, NEXT1)
    called = display.next("ticket_called")
    assert called["ticket"]["code"] == oldest["code"] and called["counter"]["number"] == 1
    number, command, answer, _ = boxes.answer()
    assert (number, command, answer.status) == (1, "call_next", 200)
    assert answer.body["ticket"]["code"] == oldest["code"]
    wait_until(lambda: box.state(1) == "calling", what="the LED to show the call")
    assert led_shows(factory, LED1, "slow")
    assert LcdModel().feed(factory.writes).init_nibbles == [0x3, 0x3, 0x3, 0x2]
    assert lcd_reads(factory, "Quay 1", "Dang goi") == [f"Quay 1      {oldest['code']}", "Dang goi        "]

    press(factory, FINISH1)
    finished = display.next("ticket_finished")
    assert finished["ticket"]["code"] == oldest["code"] and finished["ticket"]["state"] == "done"
    wait_until(lambda: box.state(1) == "ready", what="the LED to show ready")
    assert led_shows(factory, LED1, "on")
    assert lcd_reads(factory, "Quay 1          ", "San sang        ")


def test_recall_repeats_the_same_ticket_and_no_show_frees_the_counter(hall, display, boxes, factory):
    ticket = issue(hall, "DD")
    box = boxes(hall.url)
    press(factory, NEXT1)
    assert display.next("ticket_called")["ticket"]["code"] == ticket["code"]
    boxes.answer()

    press(factory, RECALL1)
    recalled = display.next("ticket_recalled")
    assert recalled["ticket"]["code"] == ticket["code"] and recalled["ticket"]["recalls"] == 1
    assert recalled["counter"]["number"] == 1
    assert boxes.answer()[2].ok

    press(factory, NO_SHOW1)
    gone = display.next("ticket_no_show")
    assert gone["ticket"]["code"] == ticket["code"] and gone["ticket"]["state"] == "no_show"
    wait_until(lambda: box.state(1) == "ready", what="the counter to be free")
    assert counter(hall, 1)["ticket"] is None


def test_a_refused_press_flashes_and_logs_the_reason(hall, boxes, factory, caplog):
    box = boxes(hall.url)  # counter 2 serves DD and MT; nobody is waiting
    assert led_shows(factory, LED2, "on")
    mock = factory.pin(LED2)
    start = len(mock.states)
    with caplog.at_level(logging.WARNING, logger="counter_buttons"):
        press(factory, NEXT2)
        _, command, answer, _ = boxes.answer()
        time.sleep(0.7)
    assert command == "call_next" and answer.status == 409 and answer.error == "nothing_waiting"
    assert "no citizen is waiting for counter 2" in caplog.text
    # From steady on: three short dips (off), with two short pulses between, then steady on again.
    changes = mock.states[start:]
    dips = [s.timestamp for s in changes if s.state]  # each "on" ends a dip
    pulses = [s.timestamp for s in changes[1:] if not s.state]
    assert len(dips) == 3 and all(0.06 < d < 0.3 for d in dips), dips
    assert len(pulses) == 2 and all(0.02 < d < 0.2 for d in pulses), pulses
    assert mock.state is True and box.state(2) == "ready"


def test_a_retried_press_calls_one_citizen(hall, display, boxes, factory):
    """The answer to Next is lost on a link that went silent: the box reconnects and sends
    the same request id again; the server answers it from memory instead of calling again."""
    first = issue(hall, "DD")
    issue(hall, "DD")
    proxy = Proxy(hall.port)
    try:
        box = boxes(proxy.url)
        proxy.go_silent()
        press(factory, NEXT1)
        assert display.next("ticket_called")["ticket"]["code"] == first["code"]  # the server did it
        _, command, answer, seconds = boxes.answer(timeout=5)
        assert answer.ok and answer.attempts == 2, answer
        assert answer.body["ticket"]["code"] == first["code"]
        assert seconds < BOX["press_window_seconds"]
        assert "ticket_called" not in display.kinds(within=0.5)  # nobody else was called
        assert snapshot(hall)["waiting"]["DD"] == 1
        wait_until(lambda: box.state(1) == "calling", what="the box to show the call after reconnecting")
    finally:
        proxy.close()


def test_hold_next_pauses_and_a_second_hold_resumes_without_calling(hall, display, boxes, factory):
    issue(hall, "DD")
    box = boxes(hall.url)
    press(factory, NEXT1, seconds=HOLD + 0.2)
    assert display.next("counter_paused")["counter"]["number"] == 1
    assert boxes.answer()[1] == "pause_counter"
    wait_until(lambda: box.state(1) == "paused", what="the LED to show the pause")
    blip = intervals(factory, LED1, 2.2)[:2]  # a 0.1 s blip every 2 s
    assert [on for on, _ in blip] == [False, True], blip
    assert 1.7 < blip[0][1] < 2.3 and 0.05 < blip[1][1] < 0.3, blip
    lcd_reads(factory, "Quay 1", "Tam nghi")

    press(factory, NEXT1)  # a short press while paused is refused by the server
    assert boxes.answer()[2].error == "counter_paused"

    press(factory, NEXT1, seconds=HOLD + 0.2)
    assert display.next("counter_resumed")["counter"]["number"] == 1
    assert boxes.answer()[1] == "resume_counter"
    wait_until(lambda: box.state(1) == "ready", what="the counter to be ready again")
    assert "ticket_called" not in display.kinds(within=0.3)
    assert snapshot(hall)["waiting"]["DD"] == 1 and counter(hall, 1)["ticket"] is None


def test_holding_next_at_a_closed_counter_sends_nothing(hall, boxes, factory, caplog):
    box = boxes(hall.url)
    assert rest(hall, 2, "close").ok
    wait_until(lambda: box.state(2) == "closed", what="the box to see the counter closed")
    assert led_shows(factory, LED2, "off")
    with caplog.at_level(logging.WARNING, logger="counter_buttons"):
        press(factory, NEXT2, seconds=HOLD + 0.2)
        assert boxes.answer()[1:3] == ("hold", None)  # nothing was sent
    assert "hold ignored: the counter is closed" in caplog.text
    assert counter(hall, 2)["status"] == "closed"


def test_the_box_follows_changes_made_at_the_officers_terminal(hall, boxes, factory):
    ticket = issue(hall, "XD")
    box = boxes(hall.url)
    officer = requests.Session()
    r = officer.post(hall.url + "/api/v1/auth/login", json={"username": "canbo1", "password": "demo-canbo"},
                     timeout=5)
    csrf = {"X-CSRF-Token": r.json()["csrf_token"]}
    assert officer.post(hall.url + "/api/v1/counters/1/call-next", headers=csrf, timeout=5).ok
    wait_until(lambda: box.state(1) == "calling", what="the call made at the terminal")
    lcd_reads(factory, f"Quay 1      {ticket['code']}", "Dang goi")
    assert officer.post(hall.url + "/api/v1/counters/1/finish", headers=csrf, timeout=5).ok
    assert officer.post(hall.url + "/api/v1/counters/1/pause", headers=csrf, timeout=5).ok
    wait_until(lambda: box.state(1) == "paused", what="the pause made at the terminal")
    lcd_reads(factory, "Quay 1          ", "Tam nghi")


def test_a_press_while_the_server_is_down_is_dropped_not_sent_later(tmp_path, boxes, factory, caplog):
    first = LiveServer(tmp_path).start()
    try:
        issue(first, "DD")
        box = boxes(first.url)
        first.kill()
        wait_until(lambda: box.state(1) == "offline", what="the box to notice")
        assert led_shows(factory, LED1, "fast")
        with caplog.at_level(logging.WARNING, logger="counter_buttons"):
            press(factory, NEXT1)
            number, command, outcome, seconds = boxes.answer()
        assert (number, command, type(outcome).__name__) == (1, "call_next", "Offline") and seconds < 0.5
        assert "press dropped" in caplog.text
        assert led_shows(factory, LED1, "fast")
        lcd_reads(factory, "Quay 1", "Mat ket noi")

        second = LiveServer(tmp_path, port=first.port, db=first.db).start()
        try:
            watcher = Display(second.url)
            try:
                wait_until(lambda: box.state(1) == "ready", timeout=10, what="the box to reconnect")
                assert "ticket_called" not in watcher.kinds(within=0.5)
            finally:
                watcher.close()
            assert counter(second, 1)["ticket"] is None and snapshot(second)["waiting"]["DD"] == 1
            assert box.link.connections == 2
        finally:
            boxes.close()  # before the server stops, so it need not wait for the box's socket
            second.stop()
    finally:
        first.stop()


def test_after_a_missed_event_the_box_fetches_a_fresh_snapshot(hall, boxes):
    box = boxes(hall.url)
    seq = box.view.seq
    # An event from the future: the box has missed some, so it must ask for a snapshot and
    # treat what follows as unknown until the snapshot comes.
    assert box.view.apply({"seq": seq + 3, "kind": "counter_paused", "data": {}}) == "gap"
    assert rest(hall, 1, "pause").ok
    wait_until(lambda: box.state(1) == "paused", timeout=2, what="the snapshot that follows the resync")
    assert box.view.seq >= seq + 1


def test_a_wrong_token_keeps_the_box_offline_and_says_why(hall, factory, caplog):
    from counter_buttons.box import ButtonBox

    answers: queue.Queue = queue.Queue()
    with caplog.at_level(logging.ERROR, logger="counter_buttons"):
        box = ButtonBox(parse_box(BOX), hall.url, "not-a-device-token", pin_factory=factory, reconnect_min=0.05,
                        on_answer=lambda *a: answers.put(a))
        try:
            box.start()
            wait_until(lambda: "refused this device's token" in caplog.text, what="the log line")
            assert box.state(1) == "offline" and led_shows(factory, LED1, "fast")
            press(factory, FINISH1)
            assert type(answers.get(timeout=5)[2]).__name__ == "Offline"
        finally:
            box.close()
    assert caplog.text.count("refused this device's token") == 1  # said once, not at every retry


# ---------------------------------------------------------------------- the box's view of the hall
def _counter(number, status="open", ticket=None, current=None):
    return {"number": number, "status": status, "officer": "x", "ticket": ticket, "current": current}


def test_the_view_ignores_old_events_and_asks_for_a_snapshot_after_a_gap():
    asked = []
    view = HallView([1], request_resync=lambda: asked.append(True))
    assert view.apply({"seq": 1, "kind": "counter_paused", "data": {}}) == "ignored"  # no snapshot yet
    view.load({"seq": 10, "counters": [_counter(1), _counter(2)]})
    paused = {"seq": 11, "kind": "counter_paused", "data": {"counter": _counter(1, "paused")}}
    assert view.apply(paused) == "applied" and view.counter(1).status == "paused"
    resumed_old = {"seq": 9, "kind": "counter_resumed", "data": {"counter": _counter(1, "open")}}
    assert view.apply(resumed_old) == "stale" and view.counter(1).status == "paused"
    assert view.apply({"seq": 13, "kind": "counter_resumed", "data": {"counter": _counter(1)}}) == "gap"
    assert asked == [True] and view.counter(1).status == "paused"
    assert view.apply({"seq": 14, "kind": "x", "data": {}}) == "gap" and asked == [True]  # one request
    ticket = {"id": 7, "code": "A007", "state": "called"}
    view.load({"seq": 14, "counters": [_counter(1, ticket=7, current=ticket)]})
    assert (view.counter(1).status, view.counter(1).code) == ("open", "A007")
    done = {"seq": 15, "kind": "ticket_finished",
            "data": {"ticket": ticket | {"state": "done"}, "counter": _counter(1)}}
    assert view.apply(done) == "applied" and view.counter(1).code is None


# ---------------------------------------------------------------------- config, text, command line
def test_the_example_config_is_valid():
    box = load_box(ROOT / "config" / "buttons.example.toml")
    assert box.counter_numbers() == [1, 2, 3] and box.hold_seconds == 2.0 and box.lcd.columns == 16


@pytest.mark.parametrize("change, error", [
    ({"counters": []}, "counters: List should have at least 1 item"),
    ({"hold_seconds": "2"}, "hold_seconds: Input should be a valid number"),
    ({"lcd": None, "counters": [BOX["counters"][0]]}, "counters[0].lcd_enable: add an [lcd] table"),
    ({"counters": [BOX["counters"][0] | {"led": 40}]}, "counters[0].led: 40 is not a usable BCM GPIO number"),
    ({"counters": [BOX["counters"][0] | {"recall": 17}]}, "counters[0].recall: GPIO 17 is already used by counters[0].next"),
    ({"counters": [BOX["counters"][0], BOX["counters"][0] | {"number": 1}]}, "counters[1].number: counter 1 is already listed"),
    ({"blink": 1}, "blink: unknown key"),
    ({"lcd": BOX["lcd"] | {"columns": 40, "rows": 4}}, "lcd: one HD44780 holds 80 characters"),
])
def test_a_bad_config_is_refused_with_the_key(change, error):
    data = {k: v for k, v in (BOX | change).items() if v is not None}
    with pytest.raises(DeviceConfigError) as exc:
        parse_box(data, "box.toml")
    assert any(e.startswith(error) for e in exc.value.errors), exc.value.errors


def test_a_20x4_lcd_gets_each_row_at_its_address(factory):
    bus = LCDBus(rs=LCD_RS, d4=8, d5=9, d6=10, d7=11, pin_factory=factory)
    lcd = CharLCD(bus, LCD_E, columns=20, rows=4, pin_factory=factory)
    try:
        lcd.show("Quầy 3", "B017", "Đang phục vụ", "Nguyễn Văn An")
        model = LcdModel(columns=20, rows=4).feed(factory.writes)
        assert [model.line(r).rstrip() for r in range(4)] == ["Quay 3", "B017", "Dang phuc vu", "Nguyen Van An"]
        with pytest.raises(ValueError, match="4 rows, not 5"):
            lcd.show("1", "2", "3", "4", "5")
    finally:
        lcd.close()
        bus.close()
    assert [LcdModel(columns=20).feed(factory.writes).line(r) for r in range(2)] == [" " * 20] * 2  # cleared


def test_lcd_text_drops_vietnamese_diacritics():
    assert lcd_text("Quầy 1 – Đang gọi") == "Quay 1 ? Dang goi"
    assert lcd_text("Không có ai chờ") == "Khong co ai cho"


EXAMPLE = str(ROOT / "config" / "buttons.example.toml")


def test_the_command_line_checks_a_config_and_refuses_bad_input(tmp_path):
    from hall_server.cli import main

    runner = CliRunner()
    good = runner.invoke(main, ["buttons", "--config", EXAMPLE, "--check"])
    assert good.exit_code == 0 and "OK — counters 1, 2, 3" in good.output
    bad = tmp_path / "box.toml"
    bad.write_text("[[counters]]\nnumber = 1\nnext = 17\n", encoding="utf-8")
    refused = runner.invoke(main, ["buttons", "--config", str(bad), "--check"])
    assert refused.exit_code == 2 and "counters[0].recall: required key is missing" in refused.output
    no_server = runner.invoke(main, ["buttons", "--config", EXAMPLE, "--token", "t"],
                              env={"MOTCUA_SERVER": None, "MOTCUA_DEVICE_TOKEN": None})
    assert no_server.exit_code == 2 and "--server" in no_server.output
    wrong_url = runner.invoke(main, ["buttons", "--config", EXAMPLE, "--token", "t",
                                     "--server", "192.168.1.10:8080"])
    assert wrong_url.exit_code == 2 and "is not an http:// or https:// URL" in wrong_url.output


def test_check_tells_whether_the_token_may_act_for_the_counters(server):
    from hall_server.cli import main

    runner = CliRunner()
    ok = runner.invoke(main, ["buttons", "--config", EXAMPLE, "--check", "--server", server.url, "--token", BUTTONS_1])
    assert ok.exit_code == 0 and "device buttons-1 may act for every counter" in ok.output
    assert "counter 1: open, officer nguyenvanan" in ok.output
    other = runner.invoke(main, ["buttons", "--config", EXAMPLE, "--check", "--server", server.url,
                                 "--token", "demo-buttons-2-token-change-me"])
    assert other.exit_code == 1 and "counter 1: device buttons-2 may not act for it" in other.output
    wrong = runner.invoke(main, ["buttons", "--config", EXAMPLE, "--check", "--server", server.url,
                                 "--token", "not-a-token"])
    assert wrong.exit_code == 1 and "cannot connect with this token" in wrong.output


def test_the_view_asks_for_a_snapshot_without_holding_its_lock():
    """Asking for a resync calls into the link, whose thread may be rendering this view at that moment:
    the view must not hold its lock while it asks (that was a deadlock between the two threads)."""
    import threading

    view = HallView([1])
    view.load({"seq": 10, "counters": [_counter(1)]})
    read_while_asking = []

    def ask():  # what the link's thread does meanwhile: render the box from the view
        reader = threading.Thread(target=lambda: read_while_asking.append(view.counter(1).status))
        reader.start()
        reader.join(timeout=2)

    view.request_resync = ask
    assert view.apply({"seq": 13, "kind": "counter_paused", "data": {}}) == "gap"
    assert read_while_asking == ["open"]
