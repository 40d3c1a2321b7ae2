"""The board's voice: each call shown is spoken through an :class:`audio.player.AnnouncementQueue`.

    >>> voice = Voice("/var/lib/motcua/audio")                       # doctest: +SKIP
    >>> voice.configure("Xin mời số {ticket} đến quầy {counter}", "number")  # doctest: +SKIP
    >>> board = Board(on_call=voice.say, busy=voice.busy)            # doctest: +SKIP

Announcements are assembled from the clip library built by ``motcua audio build`` (no
network, no TTS at call time) and played one after another, never overlapping. The
centre's sentence and reading mode come from ``GET /api/v1/centre`` (``announcement``,
``ticket_reading``); if the library lacks clips for that sentence the voice keeps the
sentence the library was built for and logs how to rebuild it. Nothing here ever raises
into the board once the voice is open.
"""

from __future__ import annotations

import logging
import os
import time

from audio.announce import announcement_clips
from audio.clips import ClipLibrary, LibraryError, MissingClipError
from audio.player import Announcement, AnnouncementQueue, PlaybackBackend

from .calls import Call

__all__ = ["Voice", "open_voice"]

log = logging.getLogger(__name__)


class Voice:
    """Speaks calls (see the module docs).

    Raises :class:`audio.clips.LibraryError` if ``library`` is not a clip library,
    :class:`audio.clips.MissingClipError` if it cannot say every ticket, and
    ``pygame.error`` if no audio output can be opened.
    """

    def __init__(self, library: ClipLibrary | str | os.PathLike, *, backend: PlaybackBackend | None = None):
        self.library = library if isinstance(library, ClipLibrary) else ClipLibrary(library)
        self.queue = AnnouncementQueue(self.library, backend=backend)
        self.last: Announcement | None = None

    @property
    def template(self) -> str:
        return self.queue.template

    @property
    def mode(self) -> str:
        return self.queue.mode

    def configure(self, template: str | None, mode: str | None) -> bool:
        """Use the centre's sentence and ticket reading; False if it had to keep the old ones."""
        template = template or self.library.template
        mode = mode or "number"
        try:
            announcement_clips(template, "A1", 1, mode)
        except (TypeError, ValueError) as exc:
            log.error("the centre's announcement cannot be spoken (%s); keeping %r", exc, self.queue.template)
            return False
        missing = self.library.missing_for_template(template)
        if missing:
            log.error("the clip library at %s has no clip for %s of the centre's announcement %r; "
                      "rebuild it with: motcua audio build --out %s --template '%s'",
                      self.library.directory, ", ".join(missing), template, self.library.directory, template)
            template = self.queue.template
        self.queue.template, self.queue.mode = template, mode
        return not missing

    def say(self, call: Call) -> Announcement | None:
        """Queue the announcement of ``call`` (twice over for a recall); never blocks on audio."""
        try:
            self.last = self.queue.announce(call.code, call.counter, recall=call.recall)
        except (ValueError, TypeError, MissingClipError, LibraryError, RuntimeError) as exc:
            log.error("cannot announce %s at counter %s: %s", call.code, call.counter, exc)
            return None
        return self.last

    def starting(self, within: float = 0.3) -> bool:
        """True while the announcement just queued has not reached the audio device yet.

        The window waits for this before redrawing, so on a slow Pi the sound is not held
        up behind drawing the new call (at most ``within`` seconds).
        """
        last = self.last
        return (last is not None and last.started_at is None and last.status == "queued"
                and time.perf_counter() - last.queued_at < within)

    def busy(self) -> bool:
        """True while an announcement is playing or waiting."""
        return not self.queue.wait_idle(0)

    def close(self) -> None:
        self.queue.close()


def open_voice(library: str | os.PathLike | None, *, backend: PlaybackBackend | None = None) -> Voice | None:
    """A :class:`Voice` on ``library``, or None (logged) when the board must stay silent."""
    if library is None:
        log.warning("no clip library given: the board stays silent")
        return None
    try:
        return Voice(library, backend=backend)
    except (LibraryError, MissingClipError) as exc:
        log.error("the board stays silent: %s", exc)
    except Exception as exc:  # pygame.error: no audio device
        log.error("the board stays silent: cannot open the audio output (%s)", exc)
    return None
