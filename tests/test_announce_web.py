"""Spoken calls for the browser board: GET /announce.wav and static/js/display-sound.js.

The endpoint is exercised through Flask's test client on a real app with a real espeak-ng
clip library; the sound script runs in Debian's chromium against a real server.
"""

from __future__ import annotations

import io
import os
import shutil
import threading
import time
import wave

import pytest

from audio.announce import announcement_clips
from audio.clips import build_library
from hall_server.config import DEMO_HALL, load_hall
from hall_server.testing import LiveServer
from hall_server.web import create_app
from hall_server.web.announce import ClipStore, NotReady

from .conftest import need

CONFIG = load_hall(DEMO_HALL)
TEMPLATE = CONFIG.centre.announcement


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """The demo hall's espeak-ng library (shared with test_display_board: built once per run)."""
    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    return build_library(tmp_path_factory.getbasetemp() / "espeak-clips", "espeak-ng", TEMPLATE)


def make_client(tmp_path, monkeypatch, clips):
    monkeypatch.setenv("MOTCUA_CLIPS", str(clips))
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    app = create_app(CONFIG, f"sqlite:///{tmp_path / 'hall.db'}", secret_key="test")
    return app, app.test_client()


@pytest.fixture(scope="module")
def web(tmp_path_factory, library):
    """One app on the espeak-ng library, for the whole module."""
    with pytest.MonkeyPatch.context() as monkeypatch:
        yield make_client(tmp_path_factory.mktemp("web"), monkeypatch, library.directory)


def wav_info(data: bytes) -> tuple[int, float]:
    with wave.open(io.BytesIO(data)) as w:
        assert (w.getnchannels(), w.getsampwidth()) == (1, 2)
        return w.getframerate(), w.getnframes() / w.getframerate()


def test_announce_wav_is_the_spoken_call(web, library):
    app, client = web
    resp = client.get("/announce.wav?ticket=A023&counter=5")
    assert resp.status_code == 200, resp.get_json()
    assert resp.mimetype == "audio/wav"
    rate, seconds = wav_info(resp.data)
    assert rate == library.sample_rate and 2.5 < seconds < 12
    # the very sound the Pi board plays: chime, then the centre's sentence
    keys = announcement_clips(TEMPLATE, "A023", 5, CONFIG.centre.ticket_reading)
    assert resp.data == library.assemble(keys)

    recall = client.get("/announce.wav?ticket=A023&counter=5&recall=1")
    assert recall.status_code == 200
    _, twice = wav_info(recall.data)
    assert 1.8 * (seconds - 1.2) < twice < 2.2 * seconds

    # a browser's range request for the media element
    part = client.get("/announce.wav?ticket=A023&counter=5", headers={"Range": "bytes=0-99"})
    assert part.status_code == 206 and part.data == resp.data[:100]

    store = app.extensions["motcua"].clip_store
    hits = store._cached.cache_info().hits
    assert client.get("/announce.wav?ticket=A023&counter=5").data == resp.data
    assert store._cached.cache_info().hits > hits  # served from memory


@pytest.mark.parametrize("query", [
    "ticket=a023&counter=5", "ticket=A&counter=5", "ticket=ABC1&counter=5", "ticket=A12345&counter=5",
    "ticket=A-1&counter=5", "ticket=Đ1&counter=5", "ticket=A1%0A&counter=5", "counter=5",
    "ticket=A1&counter=0", "ticket=A1&counter=1000", "ticket=A1&counter=5a", "ticket=A1&counter=-1",
    "ticket=A1&counter=05", "ticket=A1", "ticket=A1&counter=5&recall=2", "ticket=A1&counter=5&recall=yes",
])
def test_bad_input_gets_a_clear_400(web, query):
    app, client = web
    resp = client.get("/announce.wav?" + query)
    assert resp.status_code == 400 and resp.mimetype == "application/json"
    body = resp.get_json()
    assert body["error"] == "invalid_query" and body["message"]


def test_a_missing_library_is_built_once_meanwhile_503(tmp_path, monkeypatch):
    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    clips = tmp_path / "clips"
    app, client = make_client(tmp_path, monkeypatch, clips)
    first = client.get("/announce.wav?ticket=B7&counter=12")
    assert first.status_code == 503
    assert first.get_json()["error"] == "audio_building" and str(clips) in first.get_json()["message"]
    assert int(first.headers["Retry-After"]) > 0
    store = app.extensions["motcua"].clip_store
    again = client.get("/announce.wav?ticket=B7&counter=12")
    assert again.status_code == 503  # still building, and not a second build
    assert store.wait_ready(60)
    done = client.get("/announce.wav?ticket=B7&counter=12")
    assert done.status_code == 200 and wav_info(done.data)[1] > 2
    assert (clips / "manifest.json").is_file()


def test_a_failed_build_is_reported_and_not_retried_at_once(tmp_path):
    calls = []

    def broken(directory, template):
        calls.append(directory)
        raise RuntimeError("espeak-ng: command not found")

    store = ClipStore(tmp_path / "clips", TEMPLATE, builder=broken)
    with pytest.raises(NotReady) as building:
        store.wav("A1", 1)
    assert building.value.code == "audio_building"
    assert not store.wait_ready(10)
    for _ in range(3):
        with pytest.raises(NotReady) as failed:
            store.wav("A1", 1)
        assert failed.value.code == "audio_unavailable" and "espeak-ng" in failed.value.message
    assert len(calls) == 1


def test_two_stores_building_the_same_directory_build_once(tmp_path, library):
    calls = []

    def counted(directory, template):  # a quick stand-in for espeak-ng: copy a built library
        calls.append(threading.get_ident())
        time.sleep(0.3)
        shutil.copytree(library.directory, directory, dirs_exist_ok=True)

    stores = [ClipStore(tmp_path / "clips", TEMPLATE, builder=counted) for _ in range(2)]
    for store in stores:  # two server processes asking at the same moment
        with pytest.raises(NotReady):
            store.wav("C3", 2)
    assert all(store.wait_ready(60) for store in stores)
    assert len(calls) == 1
    assert stores[0].wav("C3", 2) == stores[1].wav("C3", 2)


# ---------------------------------------------------------------------- in the browser
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
                 "--disable-sync", "--no-first-run"]

# Speeds sounds up 16× and logs each sound's play() and end (the test's view of the speaker).
# The "ended" listener is added when the element is made, so it runs before the page's own.
# With ``blockUntilGesture`` it also refuses to play, as Chrome's "user-gesture-required"
# policy does, until the page has had a real user gesture (headless chromium ignores the policy).
INSTRUMENT = """(blockUntilGesture) => {
  window.__log = [];
  let gesture = false;  // a trusted pointer press (page.evaluate counts as a gesture for Chrome itself)
  document.addEventListener("pointerdown", (e) => { if (e.isTrusted) gesture = true; }, true);
  const watch = (src) => src.indexOf("/announce.wav") >= 0;
  const Original = window.Audio;
  window.Audio = function (src) {
    const audio = new Original(src);
    audio.addEventListener("ended", () => { if (watch(audio.src)) window.__log.push(["end", audio.src]); });
    return audio;
  };
  const play = HTMLMediaElement.prototype.play;
  HTMLMediaElement.prototype.play = function () {
    if (blockUntilGesture && !gesture) {
      return Promise.reject(new DOMException("play() needs a user gesture", "NotAllowedError"));
    }
    if (watch(this.src)) window.__log.push(["start", this.src]);
    this.playbackRate = 16;
    return play.call(this);
  };
}"""


@pytest.fixture(scope="module")
def sound_server(tmp_path_factory, library):
    need(os.path.exists(CHROMIUM), f"Debian's chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    with LiveServer(tmp_path_factory.mktemp("sound"), extra_env={"MOTCUA_CLIPS": str(library.directory)}) as srv:
        yield srv


@pytest.fixture(scope="module")
def browser(sound_server):
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover - playwright is a test dependency
        need(False, "the playwright Python package is not installed")

    with sync_playwright() as pw:
        chromium = pw.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def _open_board(browser, server, block_until_gesture):
    context = browser.new_context(viewport={"width": 1280, "height": 720})
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.goto(server.url + "/display")
    page.evaluate(INSTRUMENT, block_until_gesture)
    page.add_script_tag(url="/static/js/display-sound.js")
    return context, page, errors


@pytest.mark.browser
def test_browser_board_speaks_calls_in_order_without_overlap(browser, sound_server):
    context, page, errors = _open_board(browser, sound_server, False)
    try:
        fetched = []
        page.on("response", lambda r: "/announce.wav" in r.url and fetched.append((r.status, r.url)))
        done = page.evaluate("""() => {
            const M = window.MOTCUA, order = [];
            const calls = [
                M.onCall({code: "A023", counter: 5}, {number: 5}, false),
                M.onCall({code: "B105", counter: 12}, null, true),
                M.onCall("C7", 3, false),
            ];
            calls.forEach((p, i) => p.then(() => order.push(i)));
            return Promise.all(calls).then(() => order);
        }""")
        assert done == [0, 1, 2]
        log = page.evaluate("window.__log")
        urls = [entry[1].split("/announce.wav?")[1] for entry in log if entry[0] == "start"]
        assert urls == ["ticket=A023&counter=5", "ticket=B105&counter=12&recall=1", "ticket=C7&counter=3"]
        assert [entry[0] for entry in log] == ["start", "end"] * 3  # each ends before the next starts
        assert [entry[1] for entry in log[::2]] == [entry[1] for entry in log[1::2]]
        assert all(status in (200, 206) for status, _ in fetched) and fetched
        # a bad call is skipped at once, without a request
        assert page.evaluate("() => window.MOTCUA.onCall({code: 'x'}, null, false)") is False
        assert errors == []
    finally:
        context.close()


@pytest.mark.browser
def test_browser_blocking_sound_gets_a_one_time_enable_button(browser, sound_server):
    context, page, errors = _open_board(browser, sound_server, True)
    try:
        started = time.monotonic()
        page.evaluate("() => window.MOTCUA.onCall({code: 'A1', counter: 1}, {number: 1}, false)")
        assert time.monotonic() - started < 3  # a refused sound never holds the board
        button = page.locator("#sound-enable")
        button.wait_for(state="visible")
        assert "Bật âm thanh" in button.inner_text()
        assert page.evaluate("window.MOTCUA.sound.isBlocked()") is True
        button.click()
        button.wait_for(state="detached")
        page.evaluate("() => window.MOTCUA.onCall({code: 'A2', counter: 1}, {number: 1}, false)")
        log = page.evaluate("window.__log")
        assert [e[1].split("?")[1] for e in log if e[0] == "start"] == ["ticket=A2&counter=1"]
        assert page.locator("#sound-enable").count() == 0  # once enabled, never asked again
        assert errors == []
    finally:
        context.close()
