"""The clip library: pre-rendered speech clips on disk, and their assembly.

A library is a directory of 16-bit mono WAV files, all at one sample rate,
plus ``manifest.json`` recording the engine, voice, sample rate and each
clip's text.  It is built once (offline with espeak-ng) and then every
announcement is a fast concatenation of clips, with no TTS at call time::

    from audio.clips import build_library, assemble
    library = build_library("/var/lib/motcua/audio")
    wav = assemble("/var/lib/motcua/audio", ["chime", "letter_a", "w_mot"])
    wav[:4]                                                     # → b'RIFF'

Building is incremental: a clip whose text and engine settings are
unchanged is not synthesised again, so adding a second template only
renders its new phrases.  A centre may replace any speech clip with a human
recording: keep the file name; any PCM WAV rate or channel count is
converted when the library loads it.
"""

from __future__ import annotations

import json
import os
import threading
from array import array
from collections.abc import Callable, Iterable
from datetime import datetime, timezone
from pathlib import Path

from . import pcm
from .announce import DEFAULT_TEMPLATE, ClipSpec, parse_template, required_clips
from .tts import TTSEngine, get_engine

__all__ = [
    "MANIFEST_NAME",
    "FORMAT_VERSION",
    "DEFAULT_SAMPLE_RATE",
    "DEFAULT_GAP_MS",
    "PAUSE_MS",
    "LibraryError",
    "MissingClipError",
    "ClipLibrary",
    "build_library",
    "assemble",
]

#: File name of the manifest inside a library directory.
MANIFEST_NAME = "manifest.json"
#: Version of the manifest layout.
FORMAT_VERSION = 1
#: espeak-ng's native rate, so its clips need no resampling.
DEFAULT_SAMPLE_RATE = 22050
#: Silence inserted between two consecutive clips by :func:`assemble`.
DEFAULT_GAP_MS = 60
#: Length of the ``pause`` clip between the two readings of a recall.
PAUSE_MS = 700

# Engine settings that, when changed, invalidate every speech clip.
_SETTINGS = ("engine", "voice", "speed", "pitch", "tld", "sample_rate")


class LibraryError(RuntimeError):
    """A clip library directory is missing, unreadable or inconsistent."""


class MissingClipError(LookupError):
    """An announcement needs a clip that the library does not have."""

    def __init__(self, key: str, library: str | os.PathLike, detail: str = "the manifest has no such clip"):
        self.key = key
        self.library = os.fspath(library)
        super().__init__(
            f"clip {key!r} is missing from the clip library at {self.library} ({detail}); "
            f"rebuild it with: motcua audio build --out {self.library}"
        )

    def __str__(self) -> str:  # LookupError would repr() the message
        return self.args[0]


def _now() -> str:
    return datetime.now(timezone.utc).isoformat(timespec="seconds")


class ClipLibrary:
    """A built clip library, opened for assembling announcements.

    ::

        library = ClipLibrary("/var/lib/motcua/audio")
        library.sample_rate, library.engine, "letter_a" in library  # → (22050, 'espeak-ng', True)
        wav = library.assemble(["chime", "letter_a"])

    Clips are read on first use and kept in memory (a full library is about
    3 MB); :meth:`load_all` reads them all up front so the first announcement
    is as fast as the others.  Safe to use from several threads.
    """

    def __init__(self, directory: str | os.PathLike, *, preload: bool = False):
        self.directory = Path(directory)
        path = self.directory / MANIFEST_NAME
        try:
            manifest = json.loads(path.read_text(encoding="utf-8"))
        except FileNotFoundError:
            raise LibraryError(
                f"no clip library at {self.directory} ({MANIFEST_NAME} not found); "
                f"build one with: motcua audio build --out {self.directory}"
            ) from None
        except (OSError, ValueError) as exc:
            raise LibraryError(f"cannot read {path}: {exc}") from None
        if not isinstance(manifest, dict) or not isinstance(manifest.get("clips"), dict):
            raise LibraryError(f"{path} is not a clip library manifest")
        if manifest.get("format") != FORMAT_VERSION:
            raise LibraryError(f"{path} has format {manifest.get('format')!r}; this version reads {FORMAT_VERSION}")
        for key, entry in manifest["clips"].items():
            name = entry.get("file", "") if isinstance(entry, dict) else ""
            if not name or Path(name).name != name:
                raise LibraryError(f"{path}: clip {key!r} has an invalid file name {name!r}")
        rate = manifest.get("sample_rate")
        if not isinstance(rate, int) or rate <= 0:
            raise LibraryError(f"{path} has no valid sample_rate ({rate!r})")
        self.manifest: dict = manifest
        self.sample_rate: int = rate
        self._cache: dict[str, array] = {}
        self._lock = threading.Lock()
        if preload:
            self.load_all()

    # -- what is in it ----------------------------------------------------

    @property
    def engine(self) -> str:
        """Name of the TTS engine that rendered the speech clips."""
        return self.manifest.get("engine", "")

    @property
    def voice(self) -> str:
        """Voice the speech clips were rendered with."""
        return self.manifest.get("voice", "")

    @property
    def template(self) -> str:
        """The template the library was last built for (the default one if unset)."""
        return self.manifest.get("template") or DEFAULT_TEMPLATE

    @property
    def keys(self) -> list[str]:
        """All clip keys, in manifest order."""
        return list(self.manifest["clips"])

    def __contains__(self, key: object) -> bool:
        return key in self.manifest["clips"]

    def __len__(self) -> int:
        return len(self.manifest["clips"])

    def text(self, key: str) -> str:
        """The Vietnamese text a speech clip says (``""`` for chime and pause)."""
        return self._entry(key).get("text", "")

    def missing(self, keys: Iterable[str]) -> list[str]:
        """The keys among ``keys`` that the library lacks, in order, without repeats."""
        return list(dict.fromkeys(k for k in keys if k not in self))

    def missing_for_template(self, template: str | None) -> list[str]:
        """Keys :func:`~audio.announce.required_clips` needs for ``template`` that are absent."""
        return self.missing(required_clips(template))

    # -- audio ------------------------------------------------------------

    def _entry(self, key: str) -> dict:
        entry = self.manifest["clips"].get(key)
        if entry is None:
            raise MissingClipError(key, self.directory)
        return entry

    def samples(self, key: str) -> array:
        """The clip's mono 16-bit samples at :attr:`sample_rate` (cached)."""
        cached = self._cache.get(key)
        if cached is not None:
            return cached
        entry = self._entry(key)
        path = self.directory / entry["file"]
        if not path.is_file():
            raise MissingClipError(key, self.directory, f"file {entry['file']} is gone")
        try:
            samples, rate = pcm.read_wav(path)
        except ValueError as exc:
            raise LibraryError(f"clip {key!r}: {exc}") from None
        if rate != self.sample_rate:  # e.g. a hand-recorded replacement clip
            samples = pcm.resample(samples, rate, self.sample_rate)
        with self._lock:
            self._cache[key] = samples
        return samples

    def load_all(self) -> None:
        """Read every clip into memory now."""
        for key in self.keys:
            self.samples(key)

    def assemble_samples(self, keys: Iterable[str], *, gap_ms: float = DEFAULT_GAP_MS) -> array:
        """Concatenate clips (see :meth:`assemble`) and return raw samples."""
        keys = list(keys)
        if not keys:
            raise ValueError("cannot assemble an announcement from no clips")
        for key in keys:  # report the first missing clip before doing any work
            self._entry(key)
        gap = pcm.silence(self.sample_rate, gap_ms)
        out = array("h")
        for i, key in enumerate(keys):
            out.extend(self.samples(key))
            spaced = self.manifest["clips"][key].get("kind", "speech") == "speech"
            if spaced and i + 1 < len(keys):
                out.extend(gap)
        return out

    def assemble(self, keys: Iterable[str], *, gap_ms: float = DEFAULT_GAP_MS) -> bytes:
        """Concatenate clips into one WAV file (RIFF bytes).

        ``gap_ms`` of silence follows each speech clip except the last; the
        chime and the pause carry their own silence.  Raises
        :class:`MissingClipError` naming the first clip the library lacks.
        """
        return pcm.wav_bytes(self.assemble_samples(keys, gap_ms=gap_ms), self.sample_rate)


def assemble(library_dir: str | os.PathLike | ClipLibrary, clip_keys: Iterable[str], *,
             gap_ms: float = DEFAULT_GAP_MS) -> bytes:
    """Concatenate clips of a library into one WAV (RIFF bytes).

    ::

        wav = assemble("/var/lib/motcua/audio", ["chime", "w_mot"])

    Raises :class:`MissingClipError` naming a clip the library lacks and
    :class:`LibraryError` if ``library_dir`` holds no library.
    """
    library = library_dir if isinstance(library_dir, ClipLibrary) else ClipLibrary(library_dir)
    return library.assemble(clip_keys, gap_ms=gap_ms)


def _render(spec: ClipSpec, engine: TTSEngine, rate: int) -> array:
    if spec.kind == "chime":
        return pcm.chime(rate)
    if spec.kind == "silence":
        return pcm.silence(rate, PAUSE_MS)
    samples, src_rate = engine.synthesize(spec.text)
    samples = pcm.resample(samples, src_rate, rate)
    samples = pcm.trim_silence(samples, rate)
    if not samples:
        raise RuntimeError(f"{engine.name} produced only silence for {spec.text!r} (clip {spec.key!r})")
    return pcm.normalize_peak(samples)


def build_library(
    directory: str | os.PathLike,
    engine: str | TTSEngine = "espeak-ng",
    template: str | None = None,
    *,
    voice: str | None = None,
    sample_rate: int = DEFAULT_SAMPLE_RATE,
    keys: Iterable[str] | None = None,
    force: bool = False,
    engine_options: dict | None = None,
    progress: Callable[[ClipSpec], None] | None = None,
) -> ClipLibrary:
    """Render the clips for ``template`` into ``directory`` and return the library.

    ``engine`` is ``"espeak-ng"`` (offline, default), ``"gtts"`` (online,
    optional package) or an object with the :class:`~audio.tts.TTSEngine`
    methods.  ``template`` ``None`` means
    :data:`~audio.announce.DEFAULT_TEMPLATE`.  ``keys`` limits the build to
    some of the clips of :func:`~audio.announce.required_clips` (handy for
    tests); by default all of them are built.  ``force`` re-renders clips
    that are already up to date.  ``progress`` is called with each clip's
    :class:`~audio.announce.ClipSpec` just before it is rendered.

    ::

        library = build_library("/tmp/motcua-audio", "espeak-ng")
        len(library)                                               # → 59

    Raises :class:`~audio.tts.EngineUnavailable` if the engine cannot run and
    :class:`ValueError` for a bad template or an unknown key in ``keys``.
    """
    template = DEFAULT_TEMPLATE if template is None else template
    parse_template(template)  # validate before touching the disk
    specs = required_clips(template)
    if keys is not None:
        wanted = list(dict.fromkeys(keys))
        unknown = [k for k in wanted if k not in specs]
        if unknown:
            raise ValueError(f"unknown clip keys for this template: {', '.join(unknown)}")
        specs = {k: specs[k] for k in wanted}
    if isinstance(engine, str):
        engine = get_engine(engine, voice, **(engine_options or {}))
    settings = {**engine.describe(), "sample_rate": int(sample_rate)}

    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    path = directory / MANIFEST_NAME
    manifest: dict | None = None
    if path.exists():
        try:
            old = json.loads(path.read_text(encoding="utf-8"))
            if old.get("format") == FORMAT_VERSION and all(old.get(k) == settings.get(k) for k in _SETTINGS):
                manifest = old
        except (OSError, ValueError, AttributeError):
            manifest = None
    if manifest is None:
        manifest = {"format": FORMAT_VERSION, "created_at": _now(), "clips": {}}
    manifest.update(settings)
    manifest.update({"channels": 1, "sample_width": 2, "template": template})

    clips: dict = manifest["clips"]
    for spec in specs.values():
        entry = clips.get(spec.key)
        up_to_date = (
            not force
            and entry is not None
            and entry.get("kind") == spec.kind
            and entry.get("text") == spec.text
            and (directory / entry.get("file", "")).is_file()
        )
        if up_to_date:
            continue
        if progress is not None:
            progress(spec)
        samples = _render(spec, engine, sample_rate)
        name = f"{spec.key}.wav"
        pcm.write_wav(directory / name, samples, sample_rate)
        clips[spec.key] = {
            "kind": spec.kind,
            "text": spec.text,
            "file": name,
            "duration_ms": round(1000 * pcm.duration(samples, sample_rate)),
        }
    manifest["updated_at"] = _now()
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(manifest, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    return ClipLibrary(directory)
