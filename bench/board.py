"""Wall board: resident memory of the board process, and call → first sound.

Run with ``python -m bench.board`` (``make bench`` runs every benchmark); the figures go to
``bench/results/board.json`` and docs/pi/display.md.

1. **Memory.** The real board program (``python -m display_board``, what ``motcua board``
   runs) in its own process, with pygame on SDL's dummy video and audio drivers, at
   1920×1080 and at 3840×2160, connected to a live server (tests/live.py) and speaking
   through an espeak-ng clip library. Counters call 36 citizens over REST (12 rounds of 3
   counters); the process's resident set size (RSS) is sampled every 0.1 s with psutil.
   Target: under 80 MB at 1080p.
2. **Call → first sound.** The board's own parts in this process (:class:`BoardApp` with
   its pygame loop on the dummy video driver, :class:`Voice` on SDL's ``disk`` audio
   driver), connected to the same kind of server: from just before ``POST
   /counters/N/call-next`` to the moment the announcement queue hands the sound to the
   audio device (:attr:`audio.player.Announcement.started_at`). Each call is made with
   the board idle (calls arriving while another is up wait their turn by design), and
   its sound is cut once started. Target: under 300 ms.
3. **Drawing.** A full redraw of a busy board (what happens at each change), at 1080p and
   4K, first draw (nothing cached) and then the median of 20.
"""

from __future__ import annotations

import json
import os
import platform
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import psutil
import requests

from hall_server.testing import BUTTONS_1, BUTTONS_2, DISPLAY, KIOSK, LiveServer

from .record import write_result

ROOT = Path(__file__).resolve().parent.parent
FIELDS_BY_COUNTER = {1: "DD", 3: "HT", 5: "KD", 6: "LD", 7: "GD", 8: "NN"}


def _post(server, path, token, body=None):
    resp = requests.post(server.url + "/api/v1" + path, json=body, headers={"Authorization": f"Bearer {token}"},
                         timeout=10)
    if not resp.ok:
        raise RuntimeError(f"{path}: {resp.status_code} {resp.text[:300]}")
    return resp.json()


def _token(counter: int) -> str:
    return BUTTONS_1 if counter <= 5 else BUTTONS_2


def _free(server, counter: int) -> None:
    """Finish the counter's current citizen, if any (a called one must be finished first)."""
    requests.post(server.url + f"/api/v1/counters/{counter}/finish",
                  headers={"Authorization": f"Bearer {_token(counter)}"}, timeout=10)


def _call(server, counter: int) -> dict:
    _post(server, "/tickets", KIOSK, {"field": FIELDS_BY_COUNTER[counter]})
    _free(server, counter)
    return _post(server, f"/counters/{counter}/call-next", _token(counter))["ticket"]


def build_clips(tmp: Path) -> Path:
    from audio.clips import build_library

    return build_library(tmp / "clips", "espeak-ng").directory


# ---------------------------------------------------------------------- memory
def measure_memory(server: LiveServer, clips: Path, size: str, rounds: int = 12) -> dict:
    env = os.environ | {"SDL_VIDEODRIVER": "dummy", "SDL_AUDIODRIVER": "dummy", "PYTHONUNBUFFERED": "1"}
    proc = subprocess.Popen(
        [sys.executable, "-m", "display_board", "--server", server.url, "--library", str(clips),
         "--windowed", "--size", size, "--log-level", "warning"],
        cwd=ROOT, env=env | {"MOTCUA_DEVICE_TOKEN": DISPLAY}, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
    )
    ps = psutil.Process(proc.pid)
    samples: list[float] = []
    stop = threading.Event()

    def sample():
        while not stop.wait(0.1):
            try:
                samples.append(ps.memory_info().rss / 2**20)
            except psutil.Error:
                return

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    try:
        time.sleep(4)  # start-up: pygame, fonts, clip library, first snapshot and draw
        if proc.poll() is not None:
            raise RuntimeError(f"the board exited: {proc.stderr.read().decode()[-2000:]}")
        started = samples[-1]
        for _ in range(rounds):
            for counter in (1, 3, 5):
                _call(server, counter)
            time.sleep(0.5)
        time.sleep(5)  # the calls are shown and spoken in turn
        final = ps.memory_info().rss / 2**20
        uss = ps.memory_full_info().uss / 2**20
    finally:
        stop.set()
        proc.terminate()
        try:
            proc.wait(10)
        except subprocess.TimeoutExpired:
            proc.kill()
        sampler.join(2)
    return {
        "size": size, "calls": 3 * rounds,
        "rss_after_start_mb": round(started, 1), "rss_peak_mb": round(max(samples), 1),
        "rss_final_mb": round(final, 1), "uss_final_mb": round(uss, 1),
    }


# ---------------------------------------------------------------------- latency
def measure_latency(server: LiveServer, clips: Path, rounds: int = 25) -> dict:
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    os.environ["SDL_AUDIODRIVER"] = "disk"
    os.environ["SDL_DISKAUDIOFILE"] = os.devnull
    from display_board.app import BoardApp
    from display_board.voice import Voice

    voice = Voice(clips)
    app = BoardApp(server.url, DISPLAY, fullscreen=False, size=(1920, 1080), voice=voice, min_show=1.0)
    latencies: list[float] = []
    queued: list[float] = []  # REST call → announcement queued (network, server, board)
    errors: list[BaseException] = []

    def rounds_thread():
        try:
            if not app.client.wait_online(10):
                raise RuntimeError("the board did not connect")
            for i in range(rounds):
                counter = (1, 3, 5, 6, 7, 8)[i % 6]
                _post(server, "/tickets", KIOSK, {"field": FIELDS_BY_COUNTER[counter]})
                _free(server, counter)
                while not voice.queue.wait_idle(0) or app.board.calls.pending:
                    time.sleep(0.01)
                time.sleep(1.1)  # past min_show: the board is idle
                t0 = time.perf_counter()
                code = _post(server, f"/counters/{counter}/call-next", _token(counter))["ticket"]["code"]
                deadline = time.monotonic() + 5
                while time.monotonic() < deadline:
                    last = voice.last
                    if last is not None and last.ticket == code and last.wait_started(0.001):
                        break
                else:
                    raise RuntimeError(f"no sound for {code}")
                latencies.append((last.started_at - t0) * 1000)
                queued.append((last.queued_at - t0) * 1000)
                voice.queue.backend.stop()  # cut the announcement short
        except BaseException as exc:  # reported by the main thread
            errors.append(exc)
        finally:
            app.running = False

    app.start()
    worker = threading.Thread(target=rounds_thread, daemon=True)
    worker.start()
    try:
        while app.step():
            pass
    finally:
        app.close()
    worker.join(5)
    if errors:
        raise errors[0]
    latencies.sort()
    queued.sort()
    return {
        "rounds": len(latencies),
        "to_queued_p50_ms": round(statistics.median(queued), 1),
        "to_queued_max_ms": round(queued[-1], 1),
        "p50_ms": round(statistics.median(latencies), 1),
        "p90_ms": round(statistics.quantiles(latencies, n=10)[8], 1),
        "max_ms": round(latencies[-1], 1),
        "min_ms": round(latencies[0], 1),
    }


# ---------------------------------------------------------------------- drawing
def measure_drawing(server: LiveServer, repeats: int = 20) -> list[dict]:
    """Milliseconds for a full redraw of a busy board (8 counters, 16 fields, a notice)."""
    os.environ["SDL_VIDEODRIVER"] = "dummy"
    import pygame

    from display_board.board import Board
    from display_board.client import BoardClient
    from display_board.render import Renderer

    board = Board()
    client = BoardClient(server.url, DISPLAY, board).start()
    try:
        if not client.wait_online(10):
            raise RuntimeError("the board did not connect")
        board.set_notice("Thứ Bảy này Trung tâm làm việc buổi sáng từ 7 giờ 30 đến 11 giờ 30.")
        view = board.view()
    finally:
        client.stop()
    pygame.display.init()
    pygame.font.init()
    out = []
    for size in ((1920, 1080), (3840, 2160)):
        screen = pygame.display.set_mode(size)
        renderer = Renderer()
        t0 = time.perf_counter()
        renderer.draw(screen, view)
        cold = (time.perf_counter() - t0) * 1000
        times = []
        for _ in range(repeats):
            t0 = time.perf_counter()
            renderer.draw(screen, view)
            times.append((time.perf_counter() - t0) * 1000)
        out.append({"size": f"{size[0]}x{size[1]}", "first_draw_ms": round(cold, 1),
                    "redraw_p50_ms": round(statistics.median(times), 1)})
    pygame.display.quit()
    return out


def main() -> dict:
    tmp = Path(tempfile.mkdtemp(prefix="motcua-bench-board-"))
    clips = build_clips(tmp)
    server = LiveServer(tmp).start()
    try:
        memory = [measure_memory(server, clips, size) for size in ("1920x1080", "3840x2160")]
        drawing = measure_drawing(server)
        latency = measure_latency(server, clips)
    finally:
        server.stop()
    return {
        "benchmark": "board",
        "memory": memory,
        "call_to_first_sound": latency,
        "drawing": drawing,
        "machine": f"{platform.machine()} {platform.processor() or ''} cores={os.cpu_count()}",
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": sys.version.split()[0],
    }


if __name__ == "__main__":
    result = main()
    print(json.dumps(result, indent=2))
    write_result("board", result)
