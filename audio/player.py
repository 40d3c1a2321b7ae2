"""Play announcements one after another, never overlapping.

:class:`AnnouncementQueue` assembles each announcement from a clip library
as soon as it is asked for, then a background thread plays the queue in
order through a :class:`PlaybackBackend` (``pygame.mixer`` by default)::

    from audio.player import AnnouncementQueue
    with AnnouncementQueue("/var/lib/motcua/audio") as speaker:
        call = speaker.announce("A023", 3)
        again = speaker.announce("A023", 3, recall=True)
        again.wait(timeout=30)                                   # → True
        print(f"first sound after {call.latency * 1000:.0f} ms")  # → first sound after 4 ms

Each call returns an :class:`Announcement` handle that records when it was
queued, started and finished, so the call-to-first-sound latency can be
measured (:attr:`Announcement.latency`, :attr:`AnnouncementQueue.latencies`).
Asking again for an announcement that is still waiting (same clips) does not
queue it twice.

Headless machines and tests can use SDL's ``disk`` or ``dummy`` audio driver:
set ``SDL_AUDIODRIVER`` (and ``SDL_DISKAUDIOFILE`` for ``disk``) before the
first :class:`PygameBackend` is created.
"""

from __future__ import annotations

import collections
import io
import logging
import os
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Protocol

from .announce import announcement_clips
from .clips import DEFAULT_GAP_MS, ClipLibrary, MissingClipError
from .pcm import wav_duration

__all__ = [
    "PlaybackBackend",
    "PygameBackend",
    "NullBackend",
    "Announcement",
    "AnnouncementQueue",
]

log = logging.getLogger(__name__)


class PlaybackBackend(Protocol):
    """The one thing the queue needs from an audio output.

    ``play`` is called from the queue's worker thread, one call at a time.
    It must call ``started()`` once, as soon as the sound has been handed to
    the audio device, and return only when the sound has finished or
    :meth:`stop` was called.  ``stop`` may be called from any thread.
    """

    def play(self, wav: bytes, started: Callable[[], None]) -> None: ...

    def stop(self) -> None: ...

    def close(self) -> None: ...


class PygameBackend:
    """Plays WAV bytes through ``pygame.mixer`` on a reserved channel.

    ::

        backend = PygameBackend(frequency=22050)

    Initialises the mixer unless something else already did (then it is
    shared and left running on :meth:`close`).  The channel ``channel_id``
    is reserved so other sounds of the same program never land on it.
    Raises ``pygame.error`` if no audio device can be opened.
    """

    def __init__(
        self,
        *,
        frequency: int = 22050,
        channels: int = 2,
        buffer: int = 512,
        channel_id: int = 0,
        poll_interval: float = 0.005,
    ):
        os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
        import pygame  # imported here so SDL_* variables set by the caller apply

        self._pygame = pygame
        self._owns_mixer = pygame.mixer.get_init() is None
        if self._owns_mixer:
            pygame.mixer.init(frequency=frequency, size=-16, channels=channels, buffer=buffer)
        if pygame.mixer.get_num_channels() <= channel_id:
            pygame.mixer.set_num_channels(channel_id + 1)
        pygame.mixer.set_reserved(max(channel_id + 1, 0))
        self._channel = pygame.mixer.Channel(channel_id)
        self._poll = poll_interval
        self._stop = threading.Event()
        self._closed = False

    def play(self, wav: bytes, started: Callable[[], None]) -> None:
        if self._closed:
            raise RuntimeError("the pygame backend is closed")
        self._stop.clear()
        sound = self._pygame.mixer.Sound(file=io.BytesIO(wav))
        self._channel.play(sound)
        started()
        # Wait for the end; the deadline guards against a driver that never
        # reports the channel idle.
        deadline = time.monotonic() + sound.get_length() + 2.0
        while self._channel.get_busy() and time.monotonic() < deadline:
            if self._stop.wait(self._poll):
                self._channel.stop()
                break

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        if self._closed:
            return
        self._closed = True
        self.stop()
        if self._pygame.mixer.get_init() is not None:
            self._channel.stop()
            if self._owns_mixer:
                self._pygame.mixer.quit()


class NullBackend:
    """Plays nothing, but takes as long as the sound lasts (divided by ``speed``).

    For machines without audio and for development::

        >>> backend = NullBackend(speed=100)
    """

    def __init__(self, *, speed: float = 1.0):
        self.speed = speed
        self._stop = threading.Event()

    def play(self, wav: bytes, started: Callable[[], None]) -> None:
        self._stop.clear()
        started()
        self._stop.wait(wav_duration(wav) / self.speed)

    def stop(self) -> None:
        self._stop.set()

    def close(self) -> None:
        self.stop()


class Announcement:
    """Handle of one queued announcement and its timeline.

    Times are :func:`time.perf_counter` readings; ``None`` until reached.
    ``status`` goes ``"queued"`` → ``"playing"`` → ``"done"`` (or
    ``"cancelled"`` if the queue closed first, ``"failed"`` if the backend
    raised; ``error`` then holds the exception).
    """

    def __init__(self, wav: bytes, *, label: str = "", clip_keys: list[str] | None = None,
                 ticket: str | None = None, counter: int | str | None = None, recall: bool = False,
                 queued_at: float | None = None):
        self.wav = wav
        self.label = label
        self.clip_keys = list(clip_keys or [])
        self.ticket = ticket
        self.counter = counter
        self.recall = recall
        self.duration = wav_duration(wav)
        self.queued_at = time.perf_counter() if queued_at is None else queued_at
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self.status = "queued"
        self.error: BaseException | None = None
        self._started = threading.Event()
        self._finished = threading.Event()

    @property
    def latency(self) -> float | None:
        """Seconds from the ``announce()`` call to the start of playback."""
        if self.started_at is None:
            return None
        return self.started_at - self.queued_at

    def wait_started(self, timeout: float | None = None) -> bool:
        """Block until playback starts (or the announcement ends unplayed)."""
        return self._started.wait(timeout)

    def wait(self, timeout: float | None = None) -> bool:
        """Block until playback finishes, is cancelled or fails; False on timeout."""
        return self._finished.wait(timeout)

    def __repr__(self) -> str:
        return f"<Announcement {self.label!r} {self.status}>"


class AnnouncementQueue:
    """Speaks announcements in order through one audio output.

    ``library`` is a :class:`~audio.clips.ClipLibrary` or its directory.
    ``template`` defaults to the one the library was built for; ``mode``,
    ``style`` and ``thousand`` are passed to
    :func:`~audio.announce.announcement_clips`.  ``backend`` defaults to a
    :class:`PygameBackend` at the library's sample rate.

    Raises :class:`~audio.clips.MissingClipError` at once if the library
    cannot say every ticket with this template (``check=False`` skips that).
    """

    def __init__(
        self,
        library: ClipLibrary | str | os.PathLike,
        *,
        template: str | None = None,
        mode: str = "number",
        style: str = "linh",
        thousand: str = "nghìn",
        backend: PlaybackBackend | None = None,
        gap_ms: float = DEFAULT_GAP_MS,
        chime: bool = True,
        check: bool = True,
    ):
        self.library = library if isinstance(library, ClipLibrary) else ClipLibrary(Path(library))
        self.template = template if template is not None else self.library.template
        self.mode = mode
        self.style = style
        self.thousand = thousand
        self.gap_ms = gap_ms
        self.chime = chime
        # Validate the settings now rather than on the first call.
        announcement_clips(self.template, "A1", 1, mode, style=style, thousand=thousand)
        if check:
            missing = self.library.missing_for_template(self.template)
            if missing:
                raise MissingClipError(missing[0], self.library.directory,
                                       f"{len(missing)} clip(s) needed by the template are absent")
        self.library.load_all()
        self.backend: PlaybackBackend = backend if backend is not None else PygameBackend(
            frequency=self.library.sample_rate
        )
        #: Call-to-first-sound latencies (seconds) of the most recent announcements.
        self.latencies: collections.deque[float] = collections.deque(maxlen=100)
        self._pending: collections.deque[Announcement] = collections.deque()
        self._current: Announcement | None = None
        self._cond = threading.Condition()
        self._closed = False
        self._worker = threading.Thread(target=self._run, name="motcua-announcer", daemon=True)
        self._worker.start()

    # -- public API ---------------------------------------------------------

    def announce(self, ticket: str, counter: int | str, recall: bool = False) -> Announcement:
        """Queue "ticket ``ticket``, please go to counter ``counter``".

        ``recall=True`` speaks the sentence twice.  Returns at once with the
        :class:`Announcement` handle; if the very same announcement is still
        waiting to be played, that handle is returned instead of a new one.
        Raises :class:`ValueError` for a bad ticket or counter.
        """
        queued_at = time.perf_counter()
        keys = announcement_clips(self.template, ticket, counter, self.mode, recall=recall,
                                  style=self.style, thousand=self.thousand, chime=self.chime)
        self._check_open()
        wav = self.library.assemble(keys, gap_ms=self.gap_ms)
        item = Announcement(wav, label=f"{ticket} → {counter}" + (" (recall)" if recall else ""),
                            clip_keys=keys, ticket=ticket, counter=counter, recall=recall,
                            queued_at=queued_at)
        return self._enqueue(item, dedupe=True)

    def play(self, wav: bytes, label: str = "") -> Announcement:
        """Queue any WAV (RIFF bytes), e.g. a test tone or a custom message.

        Raises :class:`ValueError` if ``wav`` is not a PCM WAV file.
        """
        return self._enqueue(Announcement(wav, label=label))

    @property
    def pending(self) -> int:
        """Number of announcements waiting (not counting the one playing)."""
        with self._cond:
            return len(self._pending)

    @property
    def last_latency(self) -> float | None:
        """Latency of the most recently started announcement, in seconds."""
        return self.latencies[-1] if self.latencies else None

    def wait_idle(self, timeout: float | None = None) -> bool:
        """Block until nothing is playing or waiting; False on timeout."""
        deadline = None if timeout is None else time.monotonic() + timeout
        with self._cond:
            while self._pending or self._current is not None:
                remaining = None if deadline is None else deadline - time.monotonic()
                if remaining is not None and remaining <= 0:
                    return False
                self._cond.wait(remaining)
        return True

    def close(self, *, drain: bool = False, timeout: float | None = 5.0) -> None:
        """Stop the queue and release the audio output.

        By default the sound playing is cut and waiting announcements are
        cancelled; ``drain=True`` plays them all first (``timeout`` bounds the
        wait).  Safe to call twice.
        """
        if drain:
            self.wait_idle(timeout)
        with self._cond:
            already = self._closed
            self._closed = True
            cancelled = list(self._pending)
            self._pending.clear()
            self._cond.notify_all()
        for item in cancelled:
            item.status = "cancelled"
            item._started.set()
            item._finished.set()
        if already:
            return
        # Keep asking the backend to stop until the worker is out: a stop that
        # lands between taking an item and starting to play it would be lost.
        deadline = None if timeout is None else time.monotonic() + timeout
        while self._worker.is_alive():
            self.backend.stop()
            self._worker.join(0.05)
            if deadline is not None and time.monotonic() >= deadline:
                log.warning("announcement worker did not stop within %.1f s", timeout)
                break
        self.backend.close()

    def __enter__(self) -> AnnouncementQueue:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    # -- worker ----------------------------------------------------------------

    def _check_open(self) -> None:
        if self._closed:
            raise RuntimeError("the announcement queue is closed")

    def _enqueue(self, item: Announcement, dedupe: bool = False) -> Announcement:
        with self._cond:
            self._check_open()
            if dedupe:
                for waiting in self._pending:
                    if waiting.clip_keys == item.clip_keys:
                        return waiting
            self._pending.append(item)
            self._cond.notify_all()
        return item

    def _run(self) -> None:
        while True:
            with self._cond:
                while not self._pending and not self._closed:
                    self._cond.wait()
                if self._closed:
                    return
                item = self._current = self._pending.popleft()
            item.status = "playing"

            def started(item: Announcement = item) -> None:
                item.started_at = time.perf_counter()
                self.latencies.append(item.started_at - item.queued_at)
                item._started.set()

            try:
                self.backend.play(item.wav, started)
                item.status = "cancelled" if self._closed else "done"
            except Exception as exc:  # keep speaking the next ones
                item.status, item.error = "failed", exc
                log.exception("playing announcement %s failed", item.label)
            finally:
                item.finished_at = time.perf_counter()
                item._started.set()
                item._finished.set()
                with self._cond:
                    self._current = None
                    self._cond.notify_all()
