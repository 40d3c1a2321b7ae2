"""Spoken Vietnamese announcements for the MotCua Queue display board.

The package turns "ticket A023, counter 3" into speech without any network
or TTS at call time:

* :mod:`audio.numbers` reads numbers and ticket codes in Vietnamese;
* :mod:`audio.letters` names the letters of ticket codes;
* :mod:`audio.keys` names the clips (ASCII);
* :mod:`audio.announce` turns a template, ticket and counter into clip keys;
* :mod:`audio.pcm` handles 16-bit mono PCM in plain Python;
* :mod:`audio.tts` renders text with espeak-ng (offline) or gTTS (optional);
* :mod:`audio.clips` builds a clip library once and assembles announcements;
* :mod:`audio.player` plays them in order through pygame;
* :mod:`audio.cli` is the ``motcua audio`` command group.

::

    >>> from audio import read_number, read_ticket, announcement_clips
    >>> read_number(2024)
    'hai nghìn không trăm hai mươi tư'
    >>> read_ticket("A023")
    'a hai mươi ba'

Building the clip library (espeak-ng) and speaking (pygame) need the machine's tools::

    from audio import build_library, AnnouncementQueue
    build_library("/var/lib/motcua/audio")
    with AnnouncementQueue("/var/lib/motcua/audio") as speaker:
        speaker.announce("A023", 3).wait()
"""

from .announce import DEFAULT_TEMPLATE, announcement_clips, announcement_text, required_clips
from .clips import ClipLibrary, LibraryError, MissingClipError, assemble, build_library
from .numbers import read_digits, read_number, read_ticket

__all__ = [
    "DEFAULT_TEMPLATE",
    "read_number",
    "read_digits",
    "read_ticket",
    "announcement_clips",
    "announcement_text",
    "required_clips",
    "ClipLibrary",
    "LibraryError",
    "MissingClipError",
    "build_library",
    "assemble",
    "AnnouncementQueue",
]


def __getattr__(name: str):
    # The player is imported lazily so that importing the package never
    # imports pygame (callers set SDL_* variables first).
    if name == "AnnouncementQueue":
        from .player import AnnouncementQueue

        return AnnouncementQueue
    raise AttributeError(f"module 'audio' has no attribute {name!r}")
