"""The wall display board on the Pi: state model, call queue, drawing, voice, live server.

The state model is fed with snapshots and events made by the real engine; drawing uses
real pygame on SDL's dummy video driver; the voice plays through pygame.mixer on SDL's
disk audio driver; the live tests run a real server (tests/live.py).
With MOTCUA_SCREENSHOTS=1 the drawing test also writes docs/images/board-*.png.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import time
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
import requests
from click.testing import CliRunner

from device_link.backoff import Backoff
from device_link.config import check_server_url
from display_board.board import Board
from display_board.calls import Call, CallQueue
from display_board.client import BoardClient
from display_board.state import HallState
from display_board.texts import text
from hall_server.config import DEMO_HALL, load_hall
from hall_server.engine import Hall
from hall_server.engine import commands as c
from hall_server.engine.errors import DomainError
from hall_server.testing import BUTTONS_1, BUTTONS_2, DISPLAY, KIOSK, LiveServer
from hall_server.web.views import centre_info

from .conftest import ROOT, T0, Clock, need, wait_until

SCREENSHOTS = os.environ.get("MOTCUA_SCREENSHOTS") == "1"
IMAGES = ROOT / "docs" / "images"
CONFIG = load_hall(DEMO_HALL)
CENTRE = centre_info(CONFIG)


# ---------------------------------------------------------------------- helpers
class Scene:
    """The real engine, with explicit time; messages come out as the server sends them (JSON)."""

    def __init__(self):
        self.hall = Hall(CONFIG)
        self.at = T0
        self.n = 0

    def do(self, command) -> list[dict]:
        self.at += timedelta(seconds=20)
        result = self.hall.execute(command, self.at)
        return [json.loads(json.dumps(e.to_dict())) for e in result.events]

    def issue(self, field: str) -> list[dict]:
        self.n += 1
        return self.do(c.IssueTicket(field=field, priority=None, channel="kiosk", tracking_id=f"t{self.n}"))

    def snapshot(self, notice: str = "") -> dict:
        return json.loads(json.dumps(self.hall.snapshot() | {"notice": notice}))


def wall():
    return datetime(2026, 11, 26, 1, 5, tzinfo=timezone.utc)  # 08:05 in Hà Nội


def make_board(clock=None, heard=None, **kwargs) -> Board:
    board = Board(clock=clock or Clock(1000.0), wall=wall,
                  on_call=(heard.append if heard is not None else None), **kwargs)
    board.set_centre(CENTRE)
    return board


def feed(board: Board, events: list[dict]) -> bool:
    resync = False
    for event in events:
        resync = board.receive(event) or resync
    return resync


def comparable(state: dict) -> dict:
    """The parts of a hall state a board shows."""
    return {
        "waiting": {k: v for k, v in state["waiting"].items()},
        "queues": state["queues"],
        "recent": [t["code"] for t in state["recent_calls"]],
        "counters": [(k["number"], k["status"], k["officer"], (k.get("current") or {}).get("code"),
                      (k.get("current") or {}).get("state")) for k in state["counters"]],
    }


# ---------------------------------------------------------------------- the hall state
def test_events_apply_in_order_and_duplicates_change_nothing():
    scene = Scene()
    state = HallState()
    state.load_snapshot(scene.snapshot())
    events = scene.issue("HT") + scene.issue("HT") + scene.do(c.CallNext(counter=3))
    for event in events:
        state.receive(event)
    assert state.state["waiting"]["HT"] == 1
    assert state.last_seq == scene.hall.seq
    before = json.dumps(state.state, sort_keys=True)
    update = state.receive(events[-1])  # the same event again (a reconnecting socket)
    assert update.applied == [] and not update.resync
    assert json.dumps(state.state, sort_keys=True) == before


def test_a_gap_asks_for_a_snapshot_which_fills_it():
    scene = Scene()
    state = HallState()
    state.load_snapshot(scene.snapshot())
    for event in scene.issue("DD"):
        state.receive(event)
    lost = scene.issue("DD")           # never arrives
    later = scene.do(c.CallNext(counter=1))
    update = state.receive(later[0])
    assert update.resync and update.applied == []
    assert state.last_seq == lost[-1]["seq"] - 1  # nothing past the gap was applied
    update = state.load_snapshot(scene.snapshot())
    assert comparable(state.state) == comparable(scene.snapshot())
    nxt = scene.do(c.Finish(counter=1))
    assert [e["seq"] for e in state.receive(nxt[0]).applied] == [nxt[0]["seq"]]


def test_a_snapshot_older_than_an_applied_event_is_brought_up_to_date():
    scene = Scene()
    state = HallState()
    scene.issue("CT")
    state.load_snapshot(scene.snapshot())
    old = scene.snapshot()
    called = scene.do(c.CallNext(counter=4))
    assert [e["seq"] for e in state.receive(called[0]).applied] == [called[0]["seq"]]
    update = state.load_snapshot(old)  # computed before the call, delivered after it
    assert update.applied == []        # replayed, not reported twice
    assert comparable(state.state) == comparable(scene.snapshot())


def test_state_follows_the_engine_through_a_busy_morning():
    """Random issues, calls, recalls, no-shows, pauses and transfers: the board's copy stays exact."""
    rng = random.Random(7)
    scene = Scene()
    state = HallState()
    state.load_snapshot(scene.snapshot())
    fields = list(CONFIG.fields)
    for _ in range(400):
        n = rng.randint(1, 8)
        # the chosen lambda is called at once; n=n binds this iteration's counter all the same
        command = rng.choice([
            lambda: c.IssueTicket(field=rng.choice(fields), priority=rng.choice([None, None, "elderly"]),
                                  channel="kiosk", tracking_id=f"r{rng.random()}"),
            lambda n=n: c.CallNext(counter=n), lambda n=n: c.CallNext(counter=n), lambda n=n: c.Recall(counter=n),
            lambda n=n: c.StartServing(counter=n), lambda n=n: c.Finish(counter=n), lambda n=n: c.NoShow(counter=n),
            lambda n=n: c.PauseCounter(counter=n), lambda n=n: c.ResumeCounter(counter=n),
            lambda n=n: c.Transfer(counter=n, field=rng.choice(fields)),
        ])()
        try:
            events = scene.do(command)
        except DomainError:
            continue
        resync = False
        for event in events:
            resync = state.receive(event).resync or resync
        if resync:  # the board would ask; the server answers with its snapshot
            state.load_snapshot(scene.snapshot())
        assert comparable(state.state) == comparable(scene.snapshot())


# ---------------------------------------------------------------------- the call queue
def test_five_calls_at_once_are_each_shown_for_the_minimum_time():
    clock, heard, shown = Clock(1000.0), [], []
    board = make_board(clock, heard, min_show=4.0)
    scene = Scene()
    for field in ("DD", "HT", "CT", "KD", "GD"):
        scene.issue(field)
    board.load_snapshot(scene.snapshot())
    events = []
    for counter in (1, 3, 4, 5, 7):
        events += scene.do(c.CallNext(counter=counter))
    feed(board, events)  # all five arrive in the same instant
    codes = [e["data"]["ticket"]["code"] for e in events if e["kind"] == "ticket_called"]
    assert len(codes) == 5
    for _ in range(300):  # 30 s of frames, 0.1 s apart
        board.tick()
        view = board.view()
        if not shown or shown[-1][0] != view.call.code:
            shown.append((view.call.code, clock.at))
        if board.calls.pending or clock.at - shown[-1][1] < board.calls.highlight:
            assert view.call.highlighted
        else:
            assert not view.call.highlighted  # the last one calms down after its time
        clock.at += 0.1
    assert [code for code, _ in shown] == codes  # every one, in call order
    starts = [t for _, t in shown]
    assert all(b - a >= 4.0 - 1e-9 for a, b in zip(starts, starts[1:]))
    assert all(b - a < 4.2 for a, b in zip(starts, starts[1:]))  # and no longer than needed
    assert [call.code for call in heard] == codes  # each announced once, as it went up


def test_a_voice_still_speaking_holds_the_call_but_not_forever():
    clock, speaking = Clock(1000.0), [True]
    board = make_board(clock, [], min_show=4.0, max_hold=12.0, busy=lambda: speaking[0])
    queue = board.calls
    queue.push(Call(1, "A001", 1))
    queue.push(Call(2, "A002", 2))
    queue.push(Call(3, "A003", 3))
    board.tick()
    clock.at += 6
    board.tick()
    assert board.view().call.code == "A001"  # past min_show, but the voice is not done
    speaking[0] = False
    board.tick()
    assert board.view().call.code == "A002"
    speaking[0] = True
    clock.at += 12
    board.tick()
    assert board.view().call.code == "A003"  # a stuck voice never freezes the board


def test_a_recall_is_highlighted_and_announced_again():
    clock, heard = Clock(1000.0), []
    board = make_board(clock, heard, highlight=10.0)
    scene = Scene()
    scene.issue("HT")
    board.load_snapshot(scene.snapshot())
    feed(board, scene.do(c.CallNext(counter=3)))
    clock.at += 30
    board.tick()
    view = board.view()
    assert view.call.code == "B001" and not view.call.highlighted and not view.call.recall
    feed(board, scene.do(c.Recall(counter=3)))
    view = board.view()
    assert view.call.highlighted and view.call.recall
    assert [(h.code, h.counter, h.recall) for h in heard] == [("B001", 3, False), ("B001", 3, True)]
    feed(board, scene.do(c.Recall(counter=3)))  # a second recall is a new call too
    clock.at += 4
    board.tick()
    assert [h.recall for h in heard] == [False, True, True]


def test_a_new_board_is_quiet_and_a_reconnection_announces_what_it_missed():
    clock, heard = Clock(1000.0), []
    board = make_board(clock, heard)
    scene = Scene()
    for field in ("DD", "DD", "HT", "CT"):
        scene.issue(field)
    scene.do(c.CallNext(counter=1))
    board.load_snapshot(scene.snapshot())
    view = board.view()
    assert view.call.code == "A001" and not view.call.highlighted and heard == []
    # the link drops; meanwhile two counters call and one of them already starts serving
    scene.do(c.CallNext(counter=3))
    scene.do(c.CallNext(counter=4))
    scene.do(c.StartServing(counter=4))
    board.set_online(False, text("vi", "offline"))
    assert not board.view().online
    board.load_snapshot(scene.snapshot())  # the snapshot of the new connection
    assert board.view().online
    assert [h.code for h in heard] == ["B001"]  # still called, not yet served: announce it
    assert board.view().call.code == "B001"


def test_a_server_that_starts_over_is_followed_not_ignored():
    """A server on a new database counts events (and tickets) from 1 again."""
    clock, heard = Clock(1000.0), []
    board = make_board(clock, heard)
    old = Scene()
    for _ in range(6):
        old.issue("HT")
    board.load_snapshot(old.snapshot())
    for _ in range(3):
        feed(board, old.do(c.CallNext(counter=3)) + old.do(c.Finish(counter=3)))
        clock.at += 30
        board.tick()
    assert len(heard) == 3 and board.last_seq > 10
    new = Scene()  # seq 0, ticket ids from 1 again
    new.issue("HT")
    assert not board.load_snapshot(new.snapshot())
    assert board.last_seq == new.hall.seq
    assert feed(board, new.do(c.CallNext(counter=3))) is False
    clock.at += 30
    board.tick()
    assert [h.code for h in heard][-1] == "B001" and len(heard) == 4  # ticket 1 again, announced
    assert board.view().call.code == "B001"


def test_notice_comes_from_the_snapshot_and_the_notice_event():
    board = make_board()
    board.load_snapshot(Scene().snapshot(notice="Chiều nay nghỉ."))
    assert board.view().notice == "Chiều nay nghỉ."
    board.set_notice(unicodedata.normalize("NFD", "Thứ Bảy   làm việc buổi sáng"))
    assert board.view().notice == "Thứ Bảy làm việc buổi sáng"  # NFC, spaces collapsed
    board.set_notice("")
    assert board.view().notice == ""


def test_view_shows_open_counters_with_officers_and_waiting_per_field():
    board = make_board()
    scene = Scene()
    for field in ("DD", "DD", "LD"):
        scene.issue(field)
    scene.do(c.PauseCounter(counter=8))
    board.load_snapshot(scene.snapshot())
    feed(board, scene.do(c.CallNext(counter=1)))
    view = board.view()
    assert [k.number for k in view.counters] == list(range(1, 9))  # 9 and 10 are closed
    one = view.counters[0]
    assert (one.code, one.called, one.officer_name, one.officer_title) == (
        "A001", True, "Nguyễn Văn An", "Công chức Địa chính – Xây dựng")
    assert view.counters[7].paused
    waits = {w.code: (w.name, w.count) for w in view.waiting}
    assert waits["DD"] == ("Đất đai", 1) and waits["LD"] == ("Lao động – Thương binh và Xã hội", 1)
    assert view.clock == "08:05" and view.date == "Thứ Năm, 26/11/2026"  # the centre's time zone
    assert view.call.officer_name == "Nguyễn Văn An"


def test_call_queue_refuses_bad_settings():
    with pytest.raises(ValueError):
        CallQueue(min_show=0)
    with pytest.raises(ValueError):
        CallQueue(min_show=5, max_hold=4)


# ---------------------------------------------------------------------- drawing
@pytest.fixture(scope="module")
def pygame():
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    import pygame

    pygame.display.init()
    pygame.font.init()
    yield pygame


@pytest.fixture(scope="module")
def renderer(pygame):
    from display_board.render import Renderer

    return Renderer()


def _board_in(state: str):
    """A board in one of the states the screenshots show."""
    clock = Clock(1000.0)
    board = make_board(clock)
    scene = Scene()
    for field in ("DD", "HT", "CT", "KD", "GD", "DD", "HT", "XD", "LD", "MT", "NN", "GT", "YT", "VH", "CT"):
        scene.issue(field)
    scene.do(c.PauseCounter(counter=8))
    board.load_snapshot(scene.snapshot(notice="Thứ Bảy này Trung tâm làm việc buổi sáng từ 7 giờ 30 đến 11 giờ 30. "
                                              "Công dân vui lòng chuẩn bị đầy đủ giấy tờ khi đến quầy."))
    if state == "idle":
        board.set_notice("")
        return board, clock
    events = []
    for counter in ((1,) if state in ("call", "recall", "offline") else (1, 3, 4, 5, 7)):
        events += scene.do(c.CallNext(counter=counter))
    feed(board, events)
    if state == "recall":
        clock.at += 30
        board.tick()
        feed(board, scene.do(c.Recall(counter=1)))
    if state == "offline":
        board.set_online(False, f"{text('vi', 'unreachable')} http://10.0.0.2:8080")
    return board, clock


def _colour(surface, point):
    return tuple(surface.get_at((int(point[0]), int(point[1]))))[:3]


@pytest.mark.parametrize("state", ["idle", "call", "burst", "recall", "offline"])
def test_board_screenshots_show_what_each_state_needs(pygame, renderer, state, tmp_path):
    from display_board.render import COLOURS

    board, clock = _board_in(state)
    view = board.view()
    screen = pygame.display.set_mode((1920, 1080))
    drawn = renderer.draw(screen, view)
    out = (IMAGES if SCREENSHOTS else tmp_path) / f"board-{state}.png"
    out.parent.mkdir(parents=True, exist_ok=True)
    pygame.image.save(screen, str(out))
    boxes = drawn.boxes
    inside_call = (boxes.call.x + 2 * boxes.margin, boxes.call.bottom - 2 * boxes.margin)  # below any banner

    # the offline banner is there only when offline, in its own colour
    if state == "offline":
        assert drawn.offline is not None
        assert _colour(screen, (drawn.offline.x + 5, drawn.offline.y + 5)) == COLOURS["banner"]
    else:
        assert drawn.offline is None
        assert _colour(screen, (5, boxes.offline.centery)) != COLOURS["banner"]

    if state == "idle":
        assert view.call is None and drawn.call_code is None
        assert _colour(screen, inside_call) == COLOURS["panel"]
        assert boxes.notice is None
        return

    # a fresh call: the panel has the highlight colour, the code is drawn where we say
    assert view.call.highlighted
    assert _colour(screen, inside_call) == COLOURS["highlight"]
    code = view.call.code
    alone = renderer.ts.fit_tight(code, 10_000, drawn.call_code.height, COLOURS["ink"])
    assert alone.get_size() == drawn.call_code.size
    expected = pygame.Surface(alone.get_size())
    expected.fill(COLOURS["highlight"])
    expected.blit(alone, (0, 0))
    region = screen.subsurface(drawn.call_code)
    assert pygame.image.tobytes(region, "RGB") == pygame.image.tobytes(expected, "RGB")
    assert drawn.call_code.height > 0.25 * boxes.call.height  # large, readable across the hall
    ink = sum(1 for x in range(0, region.get_width(), 3) for y in range(0, region.get_height(), 3)
              if tuple(region.get_at((x, y)))[:3] != COLOURS["highlight"])
    assert ink > 100
    assert (drawn.recall_badge is not None) == (state == "recall")
    if drawn.recall_badge is not None:
        assert _colour(screen, (drawn.recall_badge.centerx, drawn.recall_badge.y + 3)) == COLOURS["header"]

    # the notice strip, the recent calls, the counters
    assert boxes.notice is not None
    assert _colour(screen, (3, boxes.notice.centery)) == COLOURS["banner" if state == "offline" else "notice"]
    assert len(drawn.recent) == len(view.recent) == (5 if state == "burst" else 1)
    on_panel = [row for item, row in zip(view.recent, drawn.recent) if item.code == view.call.code]
    assert [_colour(screen, (row.x + 3, row.centery)) for row in drawn.recent].count(COLOURS["gold"]) == 1
    assert _colour(screen, (on_panel[0].x + 3, on_panel[0].centery)) == COLOURS["gold"]
    assert len(drawn.counters) == 8
    if state == "burst":
        assert view.call.code == "A001" and board.calls.pending  # the others wait their turn
        clock.at += 4
        board.tick()
        assert board.view().call.code == view.recent[-2].code


def test_layout_scales_from_720p_to_4k(pygame, renderer):
    board, _ = _board_in("call")
    view = board.view()
    heights = {}
    for size in ((1280, 720), (1920, 1080), (3840, 2160), (1366, 768), (1920, 1200)):
        screen = pygame.display.set_mode(size)
        drawn = renderer.draw(screen, view)
        b = drawn.boxes
        regions = [b.header, b.call, b.counters, b.recent, b.waits, b.notice]
        for r in regions:
            assert screen.get_rect().contains(r), (size, r)
        for i, r in enumerate(regions):
            for other in regions[i + 1:]:
                assert not r.colliderect(other), (size, r, other)
        for card in drawn.counters:
            assert b.counters.contains(card)
        for row in drawn.recent:
            assert b.recent.contains(row)
        for chip in drawn.waits:
            assert b.waits.contains(chip)
        assert b.call.contains(drawn.call_code)
        heights[size] = drawn.call_code.height
    assert 2.6 < heights[(3840, 2160)] / heights[(1280, 720)] < 3.4


def test_fonts_cover_every_vietnamese_letter(pygame):
    from display_board.fonts import font_paths

    vowels, tones = "aăâeêioôơuưy", ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
    letters = {unicodedata.normalize("NFC", v + t) for v in vowels + vowels.upper() for t in tones} | {"đ", "Đ"}
    for path in font_paths().values():
        font = pygame.font.Font(str(path), 40)
        blank = [ch for ch in sorted(letters) if (m := font.metrics(ch)[0]) is None or m[1] <= m[0]]
        assert blank == [], f"{path.name} has no glyph for {blank}"


# ---------------------------------------------------------------------- the voice
@pytest.fixture(scope="module")
def clip_library(tmp_path_factory):
    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    from audio.clips import build_library

    # shared with test_announce_web: built once per run
    return build_library(tmp_path_factory.getbasetemp() / "espeak-clips", "espeak-ng", CENTRE["announcement"])


@pytest.fixture(scope="module")
def disk_audio(tmp_path_factory):
    """pygame.mixer on SDL's disk driver: real mixing, written to a file in real time."""
    import pygame

    out = tmp_path_factory.mktemp("sdl-disk") / "audio.raw"
    saved = {k: os.environ.get(k) for k in ("SDL_AUDIODRIVER", "SDL_DISKAUDIOFILE")}
    if pygame.mixer.get_init() is not None:
        pygame.mixer.quit()
    os.environ["SDL_AUDIODRIVER"] = "disk"
    os.environ["SDL_DISKAUDIOFILE"] = str(out)
    yield out
    if pygame.mixer.get_init() is not None:
        pygame.mixer.quit()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def test_the_board_speaks_a_call_and_says_a_recall_twice(clip_library, disk_audio):
    from audio import pcm
    from audio.announce import announcement_clips
    from display_board.voice import Voice

    voice = Voice(clip_library)
    try:
        assert voice.configure(CENTRE["announcement"], CENTRE["ticket_reading"])
        clock = Clock(1000.0)
        board = make_board(clock, None, busy=voice.busy)
        board.on_call = voice.say
        scene = Scene()
        scene.issue("KD")
        board.load_snapshot(scene.snapshot())
        feed(board, scene.do(c.CallNext(counter=5)))
        call = voice.last
        assert call is not None and call.wait_started(1.0) and call.status == "playing"
        assert call.latency < 0.3
        body = announcement_clips(CENTRE["announcement"], "D001", 5)[1:]
        assert call.clip_keys == ["chime"] + body
        assert "letter_d" in body and body[-1] == "w_nam"  # "… đê một … quầy số năm"
        time.sleep(0.5)  # let the chime reach the device
        assert voice.busy()
        heard = pcm.decode_frames(disk_audio.read_bytes()[-4 * 22050:], 2, 2)
        assert pcm.peak(heard) > 3000  # the chime really went through the mixer

        feed(board, scene.do(c.Recall(counter=5)))
        clock.at += 30   # past min_show; the hold lasts while the first announcement plays
        board.tick()
        recall = voice.last
        assert recall is not call and recall.status == "queued"  # never over the first one
        voice.queue.backend.stop()  # cut the first announcement short
        assert recall.wait_started(2.0) and call.status == "done"
        assert recall.started_at >= call.finished_at
        assert recall.clip_keys == ["chime"] + body + ["pause"] + body
        assert recall.duration > 1.8 * (call.duration - 1.0)
        voice.queue.backend.stop()
        assert recall.wait(2.0)
    finally:
        voice.close()


def test_voice_keeps_its_sentence_when_the_library_cannot_say_the_centres(clip_library, disk_audio, caplog):
    from display_board.voice import Voice

    voice = Voice(clip_library)
    try:
        assert not voice.configure("Mời công dân số {ticket} lên quầy {counter}", "digits")
        assert voice.template == clip_library.template and voice.mode == "digits"
        assert "motcua audio build" in caplog.text
        assert voice.say(Call(1, "A1", 2)) is not None
        assert voice.say(Call(2, "A1!", 2)) is None  # a bad code is logged, never raised
    finally:
        voice.close()


# ---------------------------------------------------------------------- a real server
@pytest.fixture(scope="module")
def server(tmp_path_factory):
    with LiveServer(tmp_path_factory.mktemp("board-live")) as srv:
        yield srv


def post(server, path, token, json=None):
    resp = requests.post(server.url + "/api/v1" + path, json=json, headers={"Authorization": f"Bearer {token}"},
                         timeout=5)
    assert resp.ok, resp.text
    return resp.json()


def test_live_board_gets_a_call_within_a_second_and_resyncs_after_a_restart(server):
    heard = []
    board = Board(on_call=lambda call: heard.append(call))
    client = BoardClient(server.url, DISPLAY, board, backoff=Backoff(0.2, 1.0))
    try:
        client.start()
        assert client.wait_online(5)
        assert board.view().centre_name == CENTRE["name"]
        ticket = post(server, "/tickets", KIOSK, {"field": "HT"})["ticket"]
        started = time.monotonic()
        post(server, "/counters/3/call-next", BUTTONS_1)
        assert wait_until(lambda: board.view().call and board.view().call.code == ticket["code"], 1.0)
        elapsed = time.monotonic() - started
        assert elapsed < 1.0 and [h.code for h in heard] == [ticket["code"]]
        assert board.view().call.officer_name == "Lê Thu Cúc"

        server.kill()  # the server machine loses power
        assert wait_until(lambda: not board.view().online, 3.0)
        assert board.view().status  # the banner says why
        snapshots = client.snapshots
        server.start()  # the same database on the same port
        second = post(server, "/tickets", KIOSK, {"field": "CT"})["ticket"]
        post(server, "/counters/4/call-next", BUTTONS_1)
        seq = requests.get(server.url + "/api/v1/health", timeout=5).json()["seq"]

        def caught_up():
            board.tick()
            return board.view().online and board.last_seq == seq and len(heard) == 2

        wait_until(caught_up, 10.0, step=0.05,
                   what=lambda: f"the board to catch up: {(board.view().online, board.last_seq, seq, heard)}")
        assert client.snapshots > snapshots
        assert [h.code for h in heard] == [ticket["code"], second["code"]]  # announced once each
        wait_until(lambda: board.tick() or board.view().call.code == second["code"], 6.0, step=0.05)
        view = board.view()
        assert view.call.code == second["code"] and view.call.counter == 4
        assert [k.code for k in view.counters if k.number in (3, 4)] == [ticket["code"], second["code"]]
    finally:
        client.stop()


def test_a_supervisors_notice_reaches_the_live_board(server):
    board = Board()
    client = BoardClient(server.url, DISPLAY, board)
    session = requests.Session()
    try:
        client.start()
        assert client.wait_online(5)
        login = session.post(server.url + "/api/v1/auth/login", json={"username": "giamsat", "password": "demo-giamsat"},
                             timeout=10)
        assert login.ok, login.text
        text_vi = "Chiều thứ Sáu Trung tâm nghỉ để bảo trì hệ thống."
        resp = session.put(server.url + "/api/v1/notice", json={"text": text_vi},
                           headers={"X-CSRF-Token": login.json()["csrf_token"]}, timeout=5)
        need(resp.status_code != 404, "the supervisor notice endpoint (PUT /api/v1/notice) is not built yet")
        assert resp.ok, resp.text
        assert wait_until(lambda: board.view().notice == text_vi, 2.0)  # the `notice` socket event
        session.put(server.url + "/api/v1/notice", json={"text": ""},
                    headers={"X-CSRF-Token": login.json()["csrf_token"]}, timeout=5)
        assert wait_until(lambda: board.view().notice == "", 2.0)
    finally:
        client.stop()
        session.close()


def test_a_refused_token_is_shown_on_the_banner(server):
    board = Board()
    client = BoardClient(server.url, "not-the-display-token", board, refused_delay=60)
    try:
        client.start()
        assert wait_until(lambda: board.view().status == text("vi", "refused"), 5.0)
        assert not board.view().online and not client.online
    finally:
        client.stop()


def test_the_app_draws_a_live_call_on_screen(pygame, server):
    from display_board.app import BoardApp
    from display_board.render import COLOURS

    app = BoardApp(server.url, DISPLAY, fullscreen=False, size=(1280, 720), sound=False)
    try:
        app.start()
        assert app.client.wait_online(5)
        ticket = post(server, "/tickets", KIOSK, {"field": "GD"})["ticket"]
        post(server, "/counters/7/call-next", BUTTONS_2)
        deadline = time.monotonic() + 3
        while time.monotonic() < deadline and not (app.view and app.view.call
                                                   and app.view.call.code == ticket["code"]):
            app.step()
        assert app.view.call.code == ticket["code"]
        screen = app.screen
        boxes = app.drawn.boxes
        assert screen.get_size() == (1280, 720)
        assert tuple(screen.get_at((boxes.call.x + 20, boxes.call.y + 20)))[:3] == COLOURS["highlight"]
        redraws = app.redraws
        for _ in range(5):
            app.step()
        assert app.redraws - redraws <= 1  # nothing changed: no full redraws (one if the minute turned)
    finally:
        app.close()


def test_the_board_program_runs_connects_and_stops_on_sigterm(server, tmp_path):
    """``python -m display_board`` (what ``motcua board`` and the systemd unit run), headless."""
    import signal
    import subprocess
    import sys

    log = tmp_path / "board.log"
    env = os.environ | {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "MOTCUA_DEVICE_TOKEN": DISPLAY}
    with open(log, "wb") as out:
        proc = subprocess.Popen([sys.executable, "-m", "display_board", "--server", server.url, "--no-sound",
                                 "--windowed", "--size", "1280x720"], cwd=ROOT, env=env, stdout=out, stderr=out)
    try:
        wait_until(lambda: "connected to" in log.read_text(), 15.0, step=0.1, what=lambda: log.read_text())
        assert proc.poll() is None
        proc.send_signal(signal.SIGTERM)
        assert proc.wait(10) == 0  # a clean stop for systemctl stop / restart
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(5)
    assert "Traceback" not in log.read_text()


# ---------------------------------------------------------------------- the command line
def test_board_command_checks_its_options():
    from display_board.cli import board as board_command
    from hall_server.cli import main

    runner = CliRunner()
    result = runner.invoke(main, ["board", "--help"])
    assert result.exit_code == 0 and "--server" in result.output and "--min-show" in result.output
    bad = runner.invoke(board_command, ["--server", "ftp://x", "--token", "t"])
    assert bad.exit_code == 2 and "not a server address" in bad.output
    bad = runner.invoke(board_command, ["--server", "http://127.0.0.1:1", "--token", "t", "--size", "12x5"])
    assert bad.exit_code == 2 and "not a size" in bad.output
    missing = runner.invoke(board_command, ["--server", "http://127.0.0.1:1"], env={"MOTCUA_DEVICE_TOKEN": ""})
    assert missing.exit_code == 2 and "--token" in missing.output
    with pytest.raises(ValueError):
        check_server_url("http://host:99999")



# ---------------------------------------------------------------------- the board's words and the web's
def test_the_boards_text_table_agrees_with_the_webs():
    """One format (key -> {"vi", "en"}, like hall_server/web/i18n.py) and the same words: a key
    both tables have reads the same, and the weekdays are the reports' (the Pi never imports
    these server modules; only this test does)."""
    from display_board.texts import LANGS, TEXT
    from hall_server.reports.labels import WEEKDAYS
    from hall_server.web import i18n

    assert LANGS == i18n.LANGS
    for key, entry in TEXT.items():
        assert set(entry) == set(LANGS), key
        assert all(unicodedata.is_normalized("NFC", v) for v in entry.values()), key
    shared = sorted(set(TEXT) & set(i18n.TEXT))
    assert len(shared) >= 10, shared
    different = {k: (TEXT[k], i18n.TEXT[k]) for k in shared if TEXT[k] != i18n.TEXT[k]}
    assert different == {}
    board_only = {k for k in TEXT if k not in i18n.TEXT and not k.startswith("weekday_")}
    assert board_only == {"connecting", "refused", "unreachable"}, "a new board text: add it to the web's table too?"
    assert [(TEXT[f"weekday_{d}"]["vi"], TEXT[f"weekday_{d}"]["en"]) for d in range(7)] == list(WEEKDAYS)


def test_a_board_file_is_read_like_every_device_file(tmp_path):
    from display_board.cli import board as board_command
    from display_board.cli import parse_board_file

    bad = tmp_path / "board.toml"
    bad.write_text('server = "ftp://x"\nlang = "fr"\nsize = "12x5"\ncolour = 1\n', encoding="utf-8")
    result = CliRunner().invoke(board_command, ["--config", str(bad)])
    assert result.exit_code == 2
    for line in ("server: String should match", "lang: String should match", "size: '12x5' is not a size",
                 "colour: unknown key"):
        assert f"{bad}: {line}" in result.output, result.output
    good = parse_board_file({"server": "http://10.0.0.2:8080", "lang": "en", "size": "1280x720", "sound": False})
    assert (good.lang, good.size, good.sound, good.min_show) == ("en", "1280x720", False, 4.0)
