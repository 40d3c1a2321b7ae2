"""16-bit mono PCM in plain Python: read, convert, trim, synthesise, write.

Clips are kept as :class:`array.array` of signed 16-bit samples (typecode
``"h"``) plus a sample rate.  Nothing here needs ``audioop`` (removed in
Python 3.13) or numpy::

    >>> from audio.pcm import chime, silence, wav_bytes, read_wav, duration
    >>> tone = chime(22050)
    >>> samples, rate = read_wav(wav_bytes(tone + silence(22050, 100), 22050))
    >>> rate, round(duration(samples, rate), 2)
    (22050, 1.12)
"""

from __future__ import annotations

import io
import math
import os
import sys
import wave
from array import array
from pathlib import Path

__all__ = [
    "read_wav",
    "decode_frames",
    "wav_bytes",
    "write_wav",
    "duration",
    "wav_duration",
    "resample",
    "trim_silence",
    "normalize_peak",
    "peak",
    "rms",
    "silence",
    "chime",
]

_FULL_SCALE = 32767


def _little_endian(samples: array) -> array:
    if sys.byteorder == "big":
        samples = array(samples.typecode, samples)
        samples.byteswap()
    return samples


def decode_frames(frames: bytes, width: int, channels: int) -> array:
    """Decode interleaved little-endian PCM of any common width to mono int16."""
    if width == 1:  # unsigned 8-bit
        values = array("h", ((b - 128) << 8 for b in frames))
    elif width == 2:
        values = _little_endian(array("h", frames))
    elif width == 3:
        values = array(
            "h", (int.from_bytes(frames[i : i + 3], "little", signed=True) >> 8 for i in range(0, len(frames), 3))
        )
    elif width == 4:
        wide = _little_endian(array("i", frames))
        values = array("h", (v >> 16 for v in wide))
    else:
        raise ValueError(f"unsupported WAV sample width: {width} bytes")
    if channels == 1:
        return values
    count = len(values) // channels
    return array("h", (sum(values[i * channels : (i + 1) * channels]) // channels for i in range(count)))


def read_wav(source: str | os.PathLike | bytes) -> tuple[array, int]:
    """Read a PCM WAV file (a path, or the file's bytes) as mono 16-bit samples.

    Returns ``(samples, sample_rate)``.  Multi-channel audio is mixed down and
    8, 24 and 32-bit integer samples are converted.  Raises
    :class:`ValueError` for a file that is not a PCM WAV.
    """
    stream = io.BytesIO(source) if isinstance(source, (bytes, bytearray)) else open(source, "rb")
    with stream:
        try:
            with wave.open(stream, "rb") as wav:
                width, channels, rate = wav.getsampwidth(), wav.getnchannels(), wav.getframerate()
                frames = wav.readframes(wav.getnframes())
        except (wave.Error, EOFError) as exc:
            name = "WAV data" if isinstance(source, (bytes, bytearray)) else os.fspath(source)
            raise ValueError(f"{name} is not a readable PCM WAV file: {exc}") from None
    frames = frames[: len(frames) - len(frames) % (width * channels)]
    return decode_frames(frames, width, channels), rate


def wav_bytes(samples: array, rate: int) -> bytes:
    """Encode mono 16-bit samples as a complete WAV file (RIFF bytes)."""
    buffer = io.BytesIO()
    with wave.open(buffer, "wb") as wav:
        wav.setnchannels(1)
        wav.setsampwidth(2)
        wav.setframerate(rate)
        wav.writeframes(_little_endian(samples).tobytes())
    return buffer.getvalue()


def write_wav(path: str | os.PathLike, samples: array, rate: int) -> None:
    """Write mono 16-bit samples to ``path`` atomically (temp file, then rename)."""
    path = Path(path)
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(wav_bytes(samples, rate))
    os.replace(tmp, path)


def duration(samples: array, rate: int) -> float:
    """Length of ``samples`` in seconds."""
    return len(samples) / rate


def wav_duration(wav: bytes) -> float:
    """Duration in seconds of a WAV file given as bytes.

    Raises :class:`ValueError` if ``wav`` is not a PCM WAV file.
    """
    try:
        with wave.open(io.BytesIO(wav), "rb") as reader:
            return reader.getnframes() / reader.getframerate()
    except (wave.Error, EOFError, TypeError, ZeroDivisionError) as exc:
        raise ValueError(f"not a playable PCM WAV file: {exc}") from None


def resample(samples: array, src_rate: int, dst_rate: int) -> array:
    """Change the sample rate by linear interpolation.

    Good enough for speech between common rates (16-48 kHz); TTS engines used
    here already produce the library rate, so this is a fallback.
    """
    if src_rate <= 0 or dst_rate <= 0:
        raise ValueError("sample rates must be positive")
    if src_rate == dst_rate or not samples:
        return array("h", samples)
    count = max(1, round(len(samples) * dst_rate / src_rate))
    step = src_rate / dst_rate
    last = len(samples) - 1
    out = array("h", bytes(2 * count))
    for i in range(count):
        pos = i * step
        j = int(pos)
        if j >= last:
            out[i] = samples[last]
        else:
            frac = pos - j
            out[i] = int(round(samples[j] + (samples[j + 1] - samples[j]) * frac))
    return out


def peak(samples: array) -> int:
    """Largest absolute sample value (0 for empty audio)."""
    return max((abs(v) for v in samples), default=0)


def rms(samples: array) -> float:
    """Root mean square level, in sample units (0 for empty audio)."""
    if not samples:
        return 0.0
    return math.sqrt(sum(v * v for v in samples) / len(samples))


def trim_silence(samples: array, rate: int, *, threshold: float = 0.02, pad_ms: float = 15.0) -> array:
    """Cut leading and trailing silence, keeping ``pad_ms`` of margin each side.

    A sample is sound if its magnitude is at least ``threshold`` times the
    clip's peak (and above a fixed floor, so hiss is never taken for speech).
    All-silent input returns an empty array.
    """
    top = peak(samples)
    level = max(int(top * threshold), 64)
    if top < level:
        return array("h")
    first = next(i for i, v in enumerate(samples) if abs(v) >= level)
    last = next(i for i in range(len(samples) - 1, -1, -1) if abs(samples[i]) >= level)
    pad = int(rate * pad_ms / 1000)
    return samples[max(0, first - pad) : min(len(samples), last + pad + 1)]


def normalize_peak(samples: array, target: float = 0.89) -> array:
    """Scale so the loudest sample is ``target`` of full scale (about -1 dBFS)."""
    top = peak(samples)
    if top == 0:
        return array("h", samples)
    gain = target * _FULL_SCALE / top
    return array("h", (max(-_FULL_SCALE, min(_FULL_SCALE, int(round(v * gain)))) for v in samples))


def silence(rate: int, ms: float) -> array:
    """``ms`` milliseconds of digital silence."""
    return array("h", bytes(2 * int(rate * ms / 1000)))


def chime(
    rate: int,
    *,
    tones: tuple[float, ...] = (659.25, 523.25),
    tone_ms: float = 420.0,
    tail_ms: float = 180.0,
    level: float = 0.45,
) -> array:
    """Synthesise the "ding-dong" that opens an announcement.

    Two sine tones (E5 then C5 by default), each with a soft 10 ms attack, an
    exponential decay and a faint octave overtone so it sounds like a bell,
    followed by ``tail_ms`` of silence before the speech starts.

    >>> from audio.pcm import chime, duration
    >>> round(duration(chime(22050), 22050), 2)
    1.02
    """
    n = int(rate * tone_ms / 1000)
    attack = max(1, int(rate * 0.010))
    release = max(1, int(rate * 0.030))
    out = array("h")
    for freq in tones:
        w = 2 * math.pi * freq / rate
        for i in range(n):
            env = math.exp(-3.0 * i / n)
            if i < attack:
                env *= i / attack
            if i >= n - release:
                env *= (n - i) / release
            value = math.sin(w * i) + 0.25 * math.sin(2 * w * i)
            out.append(int(level * _FULL_SCALE * env * value / 1.25))
    out.extend(silence(rate, tail_ms))
    return out
