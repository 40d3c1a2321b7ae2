"""device_link: the one link of every Pi program, against a real server on a loopback port.

The sequencer's ordering rules are also checked alone, with an explicit clock.
"""

from __future__ import annotations

import json
import logging
import socket
import threading
import time

import pytest
import requests

from device_link.backoff import Backoff
from device_link.config import DeviceConfigError, check_model, check_server_url, load_device_file, read_toml
from device_link.link import DeviceLink, NoAnswer, Offline
from device_link.sequence import Sequencer

from .live import BUTTONS_1, DISPLAY, KIOSK, LiveServer


# ---------------------------------------------------------------------- helpers
def wait_until(condition, timeout=5.0, what="condition"):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = condition()
        if value:
            return value
        time.sleep(0.01)
    raise AssertionError(f"timed out waiting for {what}")


def post(server, path, token, body=None):
    return requests.post(server.url + "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=5)


def free(server, number):
    """Finish the counter's citizen and leave nobody waiting for it."""
    while post(server, f"/counters/{number}/finish", BUTTONS_1).ok or \
            post(server, f"/counters/{number}/call-next", BUTTONS_1).ok:
        pass


class Recorder:
    """What a device would see: snapshots and events, in the order they were handed on."""

    def __init__(self):
        self.snapshots: list[dict] = []
        self.events: list[dict] = []
        self.connection: list[bool] = []
        self.problems: list[tuple[str, str]] = []
        self.overlap = 0
        self._inside = threading.Lock()

    def snapshot(self, snap):
        self.snapshots.append(snap)

    def event(self, event):
        if not self._inside.acquire(blocking=False):
            self.overlap += 1  # two events handed on at once: must never happen
            return
        try:
            time.sleep(0.001)
            self.events.append(event)
        finally:
            self._inside.release()

    def link(self, url, token, **kw):
        return DeviceLink(url, token, name="test", on_snapshot=self.snapshot, on_event=self.event,
                          on_connection=self.connection.append,
                          on_problem=lambda kind, detail: self.problems.append((kind, detail)),
                          reconnect_min=0.05, reconnect_max=0.3, **kw)


def _ws_texts(stream: bytes) -> list[str]:
    """The text frames a websocket client sent (after its HTTP upgrade request), unmasked."""
    head = stream.find(b"\r\n\r\n")
    if head < 0:
        return []
    i, out = head + 4, []
    while i + 2 <= len(stream):
        opcode, length = stream[i] & 0x0F, stream[i + 1] & 0x7F
        i += 2
        if length == 126:
            length, i = int.from_bytes(stream[i:i + 2], "big"), i + 2
        elif length == 127:
            length, i = int.from_bytes(stream[i:i + 8], "big"), i + 8
        mask, i = stream[i:i + 4], i + 4
        payload = bytes(b ^ mask[k % 4] for k, b in enumerate(stream[i:i + length]))
        i += length
        if opcode == 1:
            out.append(payload.decode("utf-8"))
    return out


class Tap:
    """A loopback TCP relay that records what the device sends; ``go_silent`` swallows the
    server's replies, like a link that died without closing."""

    def __init__(self, target_port: int):
        self.target = target_port
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port = self.listener.getsockname()[1]
        self.streams: list[bytearray] = []
        self.silenced: set[int] = set()
        self.socks: list[socket.socket] = []
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
            self.socks += [near, far]
            stream = bytearray()
            self.streams.append(stream)
            threading.Thread(target=self._pump, args=(near, far, stream), daemon=True).start()
            threading.Thread(target=self._pump, args=(far, near, len(self.streams) - 1), daemon=True).start()

    def go_silent(self):
        """The connections open now stop passing the server's replies (new ones work)."""
        self.silenced.update(range(len(self.streams)))

    def _pump(self, src, dst, stream):
        upstream = isinstance(stream, bytearray)
        try:
            while data := src.recv(65536):
                if upstream:
                    stream += data
                if upstream or stream not in self.silenced:
                    dst.sendall(data)
        except OSError:
            pass
        finally:
            for s in (src, dst):
                try:
                    s.shutdown(socket.SHUT_RDWR)
                except OSError:
                    pass

    def commands(self) -> list[dict]:
        """The ``command`` messages sent so far, read from the device's websocket frames."""
        out = []
        for stream in self.streams:
            for text in _ws_texts(bytes(stream)):
                if text.startswith("42"):
                    body = json.loads(text[2:].lstrip("0123456789"))
                    if body[0] == "command":
                        out.append(body[1])
        return out

    def close(self):
        self.listener.close()
        for s in self.socks:
            s.close()


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("device-link"), threads=32) as srv:
        yield srv


# ---------------------------------------------------------------------- against a live server
def test_snapshot_then_every_event_in_order_one_at_a_time_without_resyncs(server):
    seen = Recorder()
    link = seen.link(server.url, DISPLAY).start()
    try:
        assert link.wait_synced(5) and seen.connection == [True]
        first = seen.snapshots[0]["seq"]
        # A burst: 3 counters call and finish 20 times, with tickets issued in between.
        for _ in range(20):
            for number, field in ((1, "DD"), (3, "HT"), (4, "CT")):
                assert post(server, "/tickets", KIOSK, {"field": field}).status_code == 201
                post(server, f"/counters/{number}/call-next", BUTTONS_1)
        last = requests.get(server.url + "/api/v1/health", timeout=5).json()["seq"]
        wait_until(lambda: seen.events and seen.events[-1]["seq"] == last, what="the last event")
        seqs = [e["seq"] for e in seen.events]
        assert seqs == list(range(first + 1, last + 1)), "every event once, in order"
        assert seen.overlap == 0 and link.resyncs == 0 and len(seen.snapshots) == 1
        assert link.resync("test") and not link.resync("test"), "one request at a time"
        wait_until(lambda: len(seen.snapshots) == 2, what="the snapshot asked for")
        assert seen.snapshots[1]["seq"] == last and link.sequencer.reasons == {"test": 1}
    finally:
        link.stop()
    assert seen.connection == [True, False]


def test_a_command_carries_its_request_id_and_a_deadline_and_acts_once(server):
    tap = Tap(server.port)
    link = DeviceLink(tap.url, BUTTONS_1, reconnect_min=0.05).start()
    try:
        assert link.wait_synced(5)
        free(server, 1)
        ticket = post(server, "/tickets", KIOSK, {"field": "DD"}).json()["ticket"]
        before = time.time()
        answer = link.command("call_next", {"counter": 1}, request_id="dl-test-0001", timeout=4.0)
        assert answer.ok and answer.body["ticket"]["code"] == ticket["code"] and answer.attempts == 1
        again = link.command("call_next", {"counter": 1}, request_id="dl-test-0001", timeout=4.0)
        assert again.body["ticket"]["id"] == ticket["id"], "the same request id is answered from memory"
        sent = tap.commands()[0]
        assert sent["request_id"] == "dl-test-0001" and sent["args"] == {"counter": 1}
        assert before + 3.0 < sent["deadline"] <= time.time() + 4.0 and 3000 < sent["ttl_ms"] <= 4000
        refused = link.command("call_next", {"counter": 1})
        assert refused.status == 409 and refused.error == "counter_busy"
    finally:
        link.stop()
        tap.close()
        post(server, "/counters/1/finish", BUTTONS_1)


def test_a_silent_link_is_dropped_and_the_retry_uses_the_same_id_until_the_deadline(server):
    tap = Tap(server.port)
    link = DeviceLink(tap.url, BUTTONS_1, reconnect_min=0.05, silence_limit=0.5).start()
    try:
        assert link.wait_synced(5)
        free(server, 1)
        post(server, "/tickets", KIOSK, {"field": "DD"})
        tap.go_silent()
        answer = link.command("call_next", {"counter": 1}, timeout=4.0, attempt_timeout=0.6)
        assert answer.ok and answer.attempts >= 2, answer
        ids = {c["request_id"] for c in tap.commands()}
        assert len(ids) == 1, "every attempt carried the same request id"
        deadlines = [c["deadline"] for c in tap.commands()]
        assert max(deadlines) - min(deadlines) < 0.05, "the deadline does not move on a retry"
        assert link.connections == 2
        tap.go_silent()
        with pytest.raises(NoAnswer):
            link.command("finish", {"counter": 1}, timeout=0.8, attempt_timeout=0.3)
    finally:
        link.stop()
        tap.close()
        post(server, "/counters/1/finish", BUTTONS_1)


def test_a_refused_token_is_said_once_and_nothing_is_sent(server, caplog):
    seen = Recorder()
    with caplog.at_level(logging.INFO, logger="device_link"):
        link = seen.link(server.url, "not-a-device-token", refused_delay=0.1).start()
        try:
            wait_until(lambda: link.problem == "refused" and len(caplog.records) >= 1, what="the refusal")
            time.sleep(0.5)  # several more attempts
            with pytest.raises(Offline):
                link.command("call_next", {"counter": 1})
        finally:
            link.stop()
    assert caplog.text.count("refused this device's token") == 1
    assert [kind for kind, _ in seen.problems] == ["refused"] and seen.connection == []


def test_the_link_comes_back_by_itself_and_starts_from_a_new_snapshot(tmp_path):
    first = LiveServer(tmp_path, threads=8).start()
    second = None
    seen = Recorder()
    link = seen.link(first.url, DISPLAY)
    try:
        link.start()  # (a server that is not up yet is the same loop: see the refusal test above)
        assert link.wait_synced(5)
        first.kill()
        wait_until(lambda: not link.connected, what="the link to notice")
        with pytest.raises(Offline):
            link.command("call_next", {"counter": 1})  # at once, nothing kept for later
        assert seen.problems and seen.problems[-1][0] == "unreachable" or not link.synced
        second = LiveServer(tmp_path, port=first.port, db=first.db, threads=8).start()
        assert wait_until(lambda: link.synced, 10, "the link to come back")
        assert link.connections == 2 and len(seen.snapshots) == 2 and seen.connection == [True, False, True]
        status, me = link.rest("GET", "/me")
        assert status == 200 and me["role"] == "display"
    finally:
        link.stop()
        first.stop()
        if second is not None:
            second.stop()


def test_rest_answers_offline_when_nobody_listens():
    link = DeviceLink("http://127.0.0.1:9", "some-device-token-0000", connect_timeout=0.5)
    with pytest.raises(Offline):
        link.get_json("/centre")


# ---------------------------------------------------------------------- the sequencer alone
class Clock:
    def __init__(self):
        self.now = 0.0

    def __call__(self):
        return self.now


def make_sequencer(**kw):
    got, asked, clock = [], [], Clock()
    seq = Sequencer(lambda s: got.append(("snapshot", s["seq"])), lambda e: got.append(e["seq"]),
                    lambda: asked.append(clock.now), clock=clock, **kw)
    return seq, got, asked, clock


def ev(n):
    return {"seq": n, "kind": "x", "data": {}}


def test_a_late_event_within_the_hold_is_waited_for_not_resynced():
    s, got, asked, clock = make_sequencer(gap_hold=0.5)
    s.event(ev(11))  # before the snapshot: kept for it
    s.snapshot({"seq": 10})
    s.event(ev(13))
    clock.now = 0.3
    s.tick()
    s.event(ev(12))
    s.event(ev(12))  # a duplicate
    s.event(ev(9))   # older than the snapshot
    assert got == [("snapshot", 10), 11, 12, 13] and asked == [] and s.gaps_filled == 1


def test_a_gap_that_stays_open_asks_once_then_retries_and_the_snapshot_closes_it():
    s, got, asked, clock = make_sequencer(gap_hold=0.5, resync_retry=3.0)
    s.snapshot({"seq": 1})
    s.event(ev(3))
    clock.now = 0.49
    s.tick()
    assert asked == []
    clock.now = 0.5
    s.tick()
    clock.now = 1.0
    s.tick()
    assert asked == [0.5] and not s.request("asked"), "one request at a time"
    clock.now = 3.5
    s.tick()
    assert asked == [0.5, 3.5] and s.reasons == {"gap": 1, "retry": 1}
    s.snapshot({"seq": 2})  # the snapshot: then the held event follows it
    s.event(ev(4))
    assert got == [("snapshot", 1), ("snapshot", 2), 3, 4] and s.resyncs == 2


def test_a_snapshot_older_than_events_handed_on_is_followed_by_them_again():
    s, got, asked, clock = make_sequencer()
    s.snapshot({"seq": 5})
    for n in (6, 7, 8):
        s.event(ev(n))
    s.snapshot({"seq": 6})  # computed before 7 and 8, delivered after them
    assert got == [("snapshot", 5), 6, 7, 8, ("snapshot", 6), 7, 8] and s.seq == 8


def test_a_sequence_that_starts_over_is_followed():
    s, got, asked, clock = make_sequencer()
    s.snapshot({"seq": 500})
    s.event(ev(501))
    s.snapshot({"seq": 3})  # a new database
    s.event(ev(4))
    assert got[-2:] == [("snapshot", 3), 4] and s.seq == 4


def test_events_no_snapshot_explains_are_dropped_after_a_few_snapshots():
    s, got, asked, clock = make_sequencer(gap_hold=0.1, max_gap_tries=2)
    s.snapshot({"seq": 1})
    s.event(ev(50))
    for _ in range(3):
        s.snapshot({"seq": 2})
    s.event(ev(3))
    assert got[-1] == 3 and s.seq == 3


def test_backoff_grows_to_its_ceiling_with_jitter():
    rolls = iter([0.0, 1.0, 0.5, 0.5, 0.5])
    backoff = Backoff(initial=1.0, maximum=4.0, jitter=0.25, random=lambda: next(rolls))
    assert [round(backoff.next(), 3) for _ in range(5)] == [0.75, 2.5, 4.0, 4.0, 4.0]
    with pytest.raises(ValueError):
        Backoff(initial=2, maximum=1)


# ---------------------------------------------------------------------- device files
def test_one_reader_and_one_error_for_every_device_file(tmp_path):
    from pydantic import BaseModel, ConfigDict

    class Model(BaseModel):
        model_config = ConfigDict(extra="forbid", strict=True)
        server: str
        pin: int

    missing = tmp_path / "nope.toml"
    with pytest.raises(DeviceConfigError) as exc:
        read_toml(missing)
    assert exc.value.source == str(missing) and exc.value.problems == ["file not found"]
    broken = tmp_path / "broken.toml"
    broken.write_text("server = \n", encoding="utf-8")
    with pytest.raises(DeviceConfigError, match="TOML syntax"):
        read_toml(broken)
    wrong = tmp_path / "wrong.toml"
    wrong.write_text('pin = "17"\ncolour = "red"\n', encoding="utf-8")
    with pytest.raises(DeviceConfigError) as exc:
        load_device_file(wrong, lambda data, source: check_model(Model, data, source))
    assert sorted(exc.value.problems) == ["colour: unknown key", "pin: Input should be a valid integer",
                                          "server: required key is missing"]
    assert f"{wrong}: colour: unknown key" in str(exc.value)
    assert check_server_url("http://10.0.0.2:8080/") == "http://10.0.0.2:8080"
    with pytest.raises(ValueError, match="not an http:// or https:// URL"):
        check_server_url("10.0.0.2:8080")
