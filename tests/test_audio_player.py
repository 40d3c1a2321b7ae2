"""The announcement queue, played for real through pygame.mixer on SDL's disk audio driver."""

from __future__ import annotations

import math
import os
import shutil
import statistics
import threading
import time
from array import array

import pytest

from audio import pcm
from audio.announce import announcement_clips
from audio.clips import MissingClipError, build_library
from tests.conftest import need

LATENCY_BUDGET = 0.300  # seconds from announce() to first sound


@pytest.fixture(scope="module")
def library(tmp_path_factory):
    """A full library spoken by espeak-ng."""
    need(shutil.which("espeak-ng") is not None, "espeak-ng is not installed (apt-get install espeak-ng)")
    return build_library(tmp_path_factory.mktemp("audio-lib"), "espeak-ng")


class ToneEngine:
    """A stand-in TTS engine: each text becomes a short tone (for queue logic tests)."""

    name = "tone"
    voice = "test"

    def describe(self):
        return {"engine": self.name, "voice": self.voice}

    def synthesize(self, text):
        n = int(22050 * (0.08 + 0.01 * len(text)))
        return array("h", (int(12000 * math.sin(2 * math.pi * 330 * i / 22050)) for i in range(n))), 22050


@pytest.fixture(scope="module")
def tones(tmp_path_factory):
    """A full library of tones: every clip present, no espeak-ng needed."""
    return build_library(tmp_path_factory.mktemp("tone-lib"), ToneEngine())


@pytest.fixture(scope="module")
def disk_audio_file(tmp_path_factory):
    """Where SDL's disk audio driver writes what the mixer plays."""
    return tmp_path_factory.mktemp("sdl") / "sdlaudio.raw"


@pytest.fixture(scope="module")
def pygame(disk_audio_file):
    """pygame with SDL's ``disk`` audio driver: real mixing, written to a file in real time."""
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError:
        pygame = None
    need(pygame is not None, "pygame is not installed (pip install pygame)")
    saved = {k: os.environ.get(k) for k in ("SDL_AUDIODRIVER", "SDL_DISKAUDIOFILE")}
    was_running = pygame.mixer.get_init() is not None
    if was_running:  # someone else's mixer: restart it on our driver
        pygame.mixer.quit()
    os.environ["SDL_AUDIODRIVER"] = "disk"
    os.environ["SDL_DISKAUDIOFILE"] = str(disk_audio_file)
    yield pygame
    if pygame.mixer.get_init() is not None:
        pygame.mixer.quit()
    for key, value in saved.items():
        if value is None:
            os.environ.pop(key, None)
        else:
            os.environ[key] = value


def _recording_backend(pygame):
    from audio.player import PygameBackend

    class RecordingBackend(PygameBackend):
        """The real pygame backend, logging (start, end, mixer busy at start) per sound."""

        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.log: list[tuple[float, float, bool]] = []

        def play(self, wav, started):
            busy_before = pygame.mixer.get_busy()
            t0 = []
            super().play(wav, lambda: (t0.append(time.perf_counter()), started()))
            self.log.append((t0[0], time.perf_counter(), busy_before))

    return RecordingBackend(frequency=22050)


def _disk_audio(path) -> array:
    """Everything the mixer has written to the disk device so far (mono samples).

    PygameBackend opens the mixer as 16-bit stereo.
    """
    raw = path.read_bytes()
    raw = raw[: len(raw) - len(raw) % 4]
    return pcm.decode_frames(raw, 2, 2)


def test_announcement_starts_within_budget_and_reaches_the_device(library, pygame, disk_audio_file):
    from audio.player import AnnouncementQueue

    with AnnouncementQueue(library) as speaker:
        latencies = []
        for ticket, counter in [("A023", 3), ("B105", 12), ("Đ7", 1)]:
            call = speaker.announce(ticket, counter)
            assert call.wait_started(timeout=2.0)
            assert call.status == "playing"
            latencies.append(call.latency)
            time.sleep(0.4)  # let the chime reach the device
            speaker.backend.stop()  # cut it short; the benchmark is about the start
            assert call.wait(timeout=2.0)
        assert max(latencies) < LATENCY_BUDGET, latencies
        assert list(speaker.latencies) == latencies and speaker.last_latency == latencies[-1]
        print(f"call -> first sound: median {statistics.median(latencies) * 1000:.1f} ms, "
              f"max {max(latencies) * 1000:.1f} ms")
        heard = _disk_audio(disk_audio_file)
    assert pcm.peak(heard) > 3000  # the chime really went through the mixer to the device


def test_queue_never_overlaps(tones, pygame):
    from audio.player import AnnouncementQueue

    backend = _recording_backend(pygame)
    with AnnouncementQueue(tones, backend=backend) as speaker:
        clips = ["letter_a", "w_hai", "letter_l", "w_muoi_ngang"]
        handles = [speaker.play(tones.assemble([key] * 3), label=key) for key in clips]
        assert speaker.pending >= 2  # they really queued up
        assert speaker.wait_idle(timeout=10.0)
    assert [h.status for h in handles] == ["done"] * len(clips)
    assert len(backend.log) == len(clips)
    for (start, end, busy), handle in zip(backend.log, handles):
        assert not busy, "another sound was still playing when this one started"
        assert end - start >= 0.5 * handle.duration  # played in real time, not skipped
    for (_, end, _), (next_start, _, _) in zip(backend.log, backend.log[1:]):
        assert next_start >= end
    starts = [h.started_at for h in handles]
    assert starts == sorted(starts)  # first in, first out
    for a, b in zip(handles, handles[1:]):
        assert b.started_at >= a.finished_at


def test_recall_repeats_the_announcement(tones, pygame):
    from audio.player import AnnouncementQueue

    with AnnouncementQueue(tones) as speaker:
        first = speaker.announce("A023", 3)
        again = speaker.announce("A023", 3, recall=True)
        assert again is not first and again.recall
        body = announcement_clips(None, "A023", 3)[1:]
        assert again.clip_keys == ["chime"] + body + ["pause"] + body
        assert 2 * first.duration - 1.2 < again.duration < 2 * first.duration
        assert first.wait_started(2.0)
        # the same announcement still waiting is not queued twice
        assert speaker.announce("A023", 3, recall=True) is again
        assert speaker.pending == 1


def test_close_cancels_pending_or_drains(tones, pygame):
    from audio.player import AnnouncementQueue

    speaker = AnnouncementQueue(tones)
    playing = speaker.announce("A1", 1)
    waiting = speaker.announce("A2", 2)
    assert playing.wait_started(2.0)
    speaker.close()
    assert playing.status == "cancelled" and waiting.status == "cancelled"
    assert waiting.started_at is None and waiting.latency is None
    with pytest.raises(RuntimeError, match="closed"):
        speaker.announce("A3", 3)
    speaker.close()  # twice is fine

    short = tones.assemble(["w_mot"])
    speaker = AnnouncementQueue(tones)
    handles = [speaker.play(short), speaker.play(short)]
    speaker.close(drain=True, timeout=5.0)
    assert [h.status for h in handles] == ["done", "done"]


def test_bad_input_is_rejected_at_once(tones, pygame):
    from audio.player import AnnouncementQueue

    with AnnouncementQueue(tones) as speaker:
        with pytest.raises(ValueError, match="ticket code"):
            speaker.announce("A-", 1)
        with pytest.raises(ValueError, match="counter"):
            speaker.announce("A1", "x")
        assert speaker.pending == 0
        with pytest.raises(ValueError, match="not a playable PCM WAV"):
            speaker.play(b"RIFF....junk")
    with pytest.raises(MissingClipError, match="moi_ban"):
        AnnouncementQueue(tones, template="Mời bạn {ticket}")
    with pytest.raises(ValueError, match="mode"):
        AnnouncementQueue(tones, mode="spell")


def test_a_failing_backend_does_not_stop_the_queue(tones):
    from audio.player import AnnouncementQueue, NullBackend

    class Flaky(NullBackend):
        def __init__(self):
            super().__init__(speed=50)
            self.calls = 0

        def play(self, wav, started):
            self.calls += 1
            if self.calls == 1:
                raise OSError("audio device unplugged")
            super().play(wav, started)

    with AnnouncementQueue(tones, backend=Flaky()) as speaker:
        broken = speaker.announce("A1", 1)
        fine = speaker.announce("A2", 2)
        assert fine.wait(5.0)
    assert broken.status == "failed" and isinstance(broken.error, OSError)
    assert fine.status == "done" and fine.latency is not None


def test_announce_is_thread_safe(tones):
    from audio.player import AnnouncementQueue, NullBackend

    with AnnouncementQueue(tones, backend=NullBackend(speed=200)) as speaker:
        handles = []
        lock = threading.Lock()

        def caller(n):
            for i in range(5):
                h = speaker.announce(f"A{n}{i}", n)
                with lock:
                    handles.append(h)

        threads = [threading.Thread(target=caller, args=(n,)) for n in range(1, 5)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        assert speaker.wait_idle(timeout=20.0)
    assert len(handles) == 20 and all(h.status == "done" for h in handles)
    spans = sorted((h.started_at, h.finished_at) for h in handles)
    assert all(b[0] >= a[1] for a, b in zip(spans, spans[1:]))


def test_dummy_driver_works_too(tones, pygame, monkeypatch):
    from audio.player import AnnouncementQueue

    assert pygame.mixer.get_init() is None  # every queue above released its mixer
    monkeypatch.setenv("SDL_AUDIODRIVER", "dummy")
    with AnnouncementQueue(tones) as speaker:
        handle = speaker.play(tones.assemble(["letter_a"] * 5))
        assert handle.wait(timeout=5.0) and handle.status == "done"
        assert handle.latency < LATENCY_BUDGET
        assert handle.finished_at - handle.started_at >= 0.5 * handle.duration  # real time, not skipped
    assert pygame.mixer.get_init() is None


def test_cli_say_plays_through_the_mixer(library, pygame, disk_audio_file):
    from click.testing import CliRunner

    from audio.cli import audio as audio_cli

    started = time.perf_counter()
    result = CliRunner().invoke(audio_cli, ["say", "--library", str(library.directory), "--template", "{ticket}",
                                            "A1", "1"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "a một"
    assert time.perf_counter() - started > 1.0  # it waited for the chime and the speech to play
    assert pcm.peak(_disk_audio(disk_audio_file)) > 3000

