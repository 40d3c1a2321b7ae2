"""Text-to-speech engines that turn Vietnamese text into PCM samples.

Two engines are supported:

* ``"espeak-ng"`` (default): offline, Debian package ``espeak-ng``, voice
  ``vi`` (northern; ``vi-vn-x-central`` and ``vi-vn-x-south`` also exist).
  Runs ``espeak-ng -v vi -w FILE.wav`` with the text on standard input.
* ``"gtts"``: Google Translate's voice through the optional ``gTTS`` package.
  It needs the internet, is imported only when asked for, and is never used
  by the tests.  Its MP3 is decoded with ``sox`` (if built with MP3 support)
  or with ``pygame``.

::

    from audio.tts import get_engine
    engine = get_engine("espeak-ng")
    samples, rate = engine.synthesize("xin chào")
"""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import tempfile
import unicodedata
from array import array
from pathlib import Path
from typing import Protocol

from .pcm import read_wav

__all__ = ["ENGINES", "ESPEAK_RESPELLINGS", "EngineUnavailable", "TTSEngine", "EspeakNG", "GTTS", "get_engine"]

#: Names accepted by :func:`get_engine`.
ENGINES = ("espeak-ng", "gtts")


class EngineUnavailable(RuntimeError):
    """The requested TTS engine is not installed or cannot run here."""


class TTSEngine(Protocol):
    """What the clip library builder needs from a TTS engine."""

    name: str
    voice: str

    def describe(self) -> dict:
        """Settings to record in the library manifest (engine, voice, version …)."""

    def synthesize(self, text: str) -> tuple[array, int]:
        """Speak ``text``; return mono 16-bit samples and their sample rate."""


#: Words espeak-ng's Vietnamese rules mispronounce, and a spelling it reads right.
#: A lone "gi" (the letter J) comes out as a bare consonant; "di" sounds the same
#: in the northern accent.
ESPEAK_RESPELLINGS: dict[str, str] = {"gi": "di"}


class EspeakNG:
    """The offline ``espeak-ng`` engine.

    ::

        EspeakNG(voice="vi", speed=150).describe()["voice"]  # → 'vi' (runs espeak-ng --version)

    ``speed`` is in words per minute (espeak-ng's default is 175; slower is
    clearer over a hall loudspeaker).  Raises :class:`EngineUnavailable` if
    the executable is not found.
    """

    name = "espeak-ng"

    def __init__(self, voice: str = "vi", *, speed: int = 150, pitch: int = 50, executable: str = "espeak-ng"):
        path = shutil.which(executable)
        if path is None:
            raise EngineUnavailable(
                f"{executable!r} was not found on PATH; install it with 'apt-get install espeak-ng'"
            )
        self.executable = path
        self.voice = voice
        self.speed = int(speed)
        self.pitch = int(pitch)

    def version(self) -> str:
        """The ``espeak-ng --version`` line, e.g. ``"eSpeak NG text-to-speech: 1.51 …"``."""
        out = subprocess.run([self.executable, "--version"], capture_output=True, text=True, timeout=10)
        return out.stdout.strip().split("  Data at:")[0]

    def describe(self) -> dict:
        return {
            "engine": self.name,
            "voice": self.voice,
            "speed": self.speed,
            "pitch": self.pitch,
            "engine_version": self.version(),
        }

    def synthesize(self, text: str) -> tuple[array, int]:
        text = unicodedata.normalize("NFC", text).strip()
        if not text:
            raise ValueError("cannot synthesise empty text")
        text = " ".join(ESPEAK_RESPELLINGS.get(word.lower(), word) for word in text.split())
        with tempfile.TemporaryDirectory(prefix="motcua-espeak-") as tmp:
            out = Path(tmp) / "clip.wav"
            cmd = [
                self.executable,
                "-v", self.voice,
                "-s", str(self.speed),
                "-p", str(self.pitch),
                "-b", "1",  # UTF-8 input
                "-z",  # no final sentence pause
                "-w", str(out),
                "--stdin",
            ]
            try:
                result = subprocess.run(cmd, input=text.encode("utf-8"), capture_output=True, timeout=60)
            except subprocess.TimeoutExpired:
                raise RuntimeError(f"espeak-ng took too long to speak {text!r}") from None
            if result.returncode != 0 or not out.exists():
                err = result.stderr.decode("utf-8", "replace").strip()
                raise RuntimeError(f"espeak-ng failed on {text!r} (exit {result.returncode}): {err}")
            return read_wav(out)


class GTTS:
    """Google Translate TTS through the optional ``gTTS`` package (online).

    ``tld`` picks the Google domain (``"com.vn"`` by default).  Raises
    :class:`EngineUnavailable` if ``gTTS`` is not installed.
    """

    name = "gtts"

    def __init__(self, voice: str = "vi", *, tld: str = "com.vn", sample_rate: int = 22050):
        try:
            import gtts  # noqa: F401  (optional dependency, imported only when asked for)
        except ImportError:
            raise EngineUnavailable("the gtts engine needs the gTTS package: pip install gTTS") from None
        self.voice = voice
        self.tld = tld
        self.sample_rate = sample_rate

    def describe(self) -> dict:
        from importlib.metadata import version

        return {"engine": self.name, "voice": self.voice, "tld": self.tld, "engine_version": version("gTTS")}

    def synthesize(self, text: str) -> tuple[array, int]:
        from gtts import gTTS

        mp3 = io.BytesIO()
        gTTS(unicodedata.normalize("NFC", text), lang=self.voice, tld=self.tld).write_to_fp(mp3)
        return decode_mp3(mp3.getvalue(), self.sample_rate)


def _sox_reads_mp3(sox: str) -> bool:
    try:
        out = subprocess.run([sox, "--help"], capture_output=True, text=True, timeout=10).stdout
    except (OSError, subprocess.SubprocessError):
        return False
    formats = next((line for line in out.splitlines() if line.startswith("AUDIO FILE FORMATS")), "")
    return " mp3" in formats


def decode_mp3(data: bytes, sample_rate: int) -> tuple[array, int]:
    """Decode MP3 bytes to mono 16-bit samples at ``sample_rate``.

    Uses ``sox`` when it can read MP3 (Debian: ``libsox-fmt-mp3``), otherwise
    ``pygame.mixer`` (which resamples to the mixer's rate).
    """
    sox = shutil.which("sox")
    if sox and _sox_reads_mp3(sox):
        with tempfile.TemporaryDirectory(prefix="motcua-mp3-") as tmp:
            src, dst = Path(tmp) / "in.mp3", Path(tmp) / "out.wav"
            src.write_bytes(data)
            cmd = [sox, str(src), "-r", str(sample_rate), "-c", "1", "-b", "16", str(dst)]
            subprocess.run(cmd, check=True, capture_output=True, timeout=60)
            return read_wav(dst)
    return _decode_with_pygame(data, sample_rate)


def _decode_with_pygame(data: bytes, sample_rate: int) -> tuple[array, int]:
    os.environ.setdefault("PYGAME_HIDE_SUPPORT_PROMPT", "1")
    try:
        import pygame
    except ImportError:
        raise EngineUnavailable("decoding MP3 needs sox with MP3 support or pygame") from None
    from .pcm import decode_frames, resample

    owned = pygame.mixer.get_init() is None
    if owned:
        try:
            pygame.mixer.init(frequency=sample_rate, size=-16, channels=1)
        except pygame.error:
            # No sound card (a build server): decoding needs no real device.
            saved = os.environ.get("SDL_AUDIODRIVER")
            os.environ["SDL_AUDIODRIVER"] = "dummy"
            try:
                pygame.mixer.init(frequency=sample_rate, size=-16, channels=1)
            finally:
                if saved is None:
                    os.environ.pop("SDL_AUDIODRIVER", None)
                else:
                    os.environ["SDL_AUDIODRIVER"] = saved
    try:
        freq, size, channels = pygame.mixer.get_init()
        raw = pygame.mixer.Sound(file=io.BytesIO(data)).get_raw()
    finally:
        if owned:
            pygame.mixer.quit()
    if abs(size) != 16:
        raise RuntimeError(f"pygame mixer uses {abs(size)}-bit samples; 16-bit expected")
    return resample(decode_frames(raw, 2, channels), freq, sample_rate), sample_rate


def get_engine(name: str = "espeak-ng", voice: str | None = None, **options) -> TTSEngine:
    """Create a TTS engine by name (``"espeak-ng"`` or ``"gtts"``).

    >>> get_engine("festival")
    Traceback (most recent call last):
    ...
    ValueError: unknown TTS engine 'festival'; choose one of 'espeak-ng', 'gtts'

    ``voice`` defaults to ``"vi"``.  Extra keyword options go to the engine's
    constructor.  Raises :class:`EngineUnavailable` if it cannot run here.
    """
    if name == "espeak-ng":
        return EspeakNG(voice or "vi", **options)
    if name == "gtts":
        return GTTS(voice or "vi", **options)
    raise ValueError(f"unknown TTS engine {name!r}; choose one of {', '.join(map(repr, ENGINES))}")
