"""Announcement clip sequences, PCM helpers, the espeak-ng clip library and the CLI."""

from __future__ import annotations

import json
import math
import re
import shutil
import unicodedata
import wave
from array import array

import pytest
from click.testing import CliRunner

from audio import pcm
from audio.announce import (
    DEFAULT_TEMPLATE,
    ClipSpec,
    announcement_clips,
    announcement_text,
    parse_template,
    required_clips,
)
from audio.cli import audio as audio_cli
from audio.clips import (
    FORMAT_VERSION,
    MANIFEST_NAME,
    ClipLibrary,
    LibraryError,
    MissingClipError,
    assemble,
    build_library,
)
from audio.keys import WORD_KEYS, phrase_key, word_key
from audio.letters import LETTERS
from audio.numbers import NUMBER_WORDS
from audio.tts import EngineUnavailable, get_engine
from tests.conftest import need

KEY_RE = re.compile(r"[a-z0-9_]+")
INTRO = "xin_moi_cong_dan_co_so_thu_tu"
TO = "den_quay_so"

# -- clip sequences -------------------------------------------------------------------

# (template, ticket, counter, mode, recall, expected keys)
SEQUENCES = [
    (None, "A023", 3, "number", False,
     ["chime", INTRO, "letter_a", "w_hai", "w_muoi_ngang", "w_ba", TO, "w_ba"]),
    (None, "A023", 3, "digits", False,
     ["chime", INTRO, "letter_a", "w_khong", "w_hai", "w_ba", TO, "w_ba"]),
    (None, "A023", 3, "number", True,
     ["chime", INTRO, "letter_a", "w_hai", "w_muoi_ngang", "w_ba", TO, "w_ba",
      "pause", INTRO, "letter_a", "w_hai", "w_muoi_ngang", "w_ba", TO, "w_ba"]),
    (None, "B001", 12, "number", False, ["chime", INTRO, "letter_b", "w_mot", TO, "w_muoi", "w_hai"]),
    (None, "B001", 12, "digits", True,
     ["chime", INTRO, "letter_b", "w_khong", "w_khong", "w_mot", TO, "w_muoi", "w_hai",
      "pause", INTRO, "letter_b", "w_khong", "w_khong", "w_mot", TO, "w_muoi", "w_hai"]),
    (None, "Đ015", 21, "number", False,
     ["chime", INTRO, "letter_dd", "w_muoi", "w_lam", TO, "w_hai", "w_muoi_ngang", "w_mot_sac"]),
    (None, "S105", 24, "number", False,
     ["chime", INTRO, "letter_s", "w_mot", "w_tram", "w_linh", "w_nam", TO, "w_hai", "w_muoi_ngang", "w_tu"]),
    (None, "L1005", 999, "number", False,
     ["chime", INTRO, "letter_l", "w_mot", "w_nghin", "w_khong", "w_tram", "w_linh", "w_nam", TO,
      "w_chin", "w_tram", "w_chin", "w_muoi_ngang", "w_chin"]),
    (None, "AB9999", "7", "number", False,
     ["chime", INTRO, "letter_a", "letter_b", "w_chin", "w_nghin", "w_chin", "w_tram", "w_chin",
      "w_muoi_ngang", "w_chin", TO, "w_bay"]),
    (None, "X25", 100, "number", False,
     ["chime", INTRO, "letter_x", "w_hai", "w_muoi_ngang", "w_lam", TO, "w_mot", "w_tram"]),
    (None, "Y0", 0, "digits", False, ["chime", INTRO, "letter_y", "w_khong", TO, "w_khong"]),
    ("Mời số {ticket} tới quầy {counter}", "q7", 5, "number", False,
     ["chime", "moi_so", "letter_q", "w_bay", "toi_quay", "w_nam"]),
    ("Số {ticket}, mời đến quầy {counter}.", "M11", 101, "number", False,
     ["chime", "so", "letter_m", "w_muoi", "w_mot", "moi_den_quay", "w_mot", "w_tram", "w_linh", "w_mot"]),
    ("{ticket}", "W1", 2, "number", False, ["chime", "letter_w", "w_mot"]),
    ("{counter} gọi {ticket}", "H44", 31, "number", True,
     ["chime", "w_ba", "w_muoi_ngang", "w_mot_sac", "goi", "letter_h", "w_bon", "w_muoi_ngang", "w_tu",
      "pause", "w_ba", "w_muoi_ngang", "w_mot_sac", "goi", "letter_h", "w_bon", "w_muoi_ngang", "w_tu"]),
]


@pytest.mark.parametrize("template, ticket, counter, mode, recall, expected", SEQUENCES)
def test_announcement_clips(template, ticket, counter, mode, recall, expected):
    assert announcement_clips(template, ticket, counter, mode, recall=recall) == expected


def test_announcement_clips_options():
    assert announcement_clips(None, "A1", 1, chime=False)[0] == INTRO
    assert "w_le" in announcement_clips(None, "A101", 1, style="lẻ")
    assert "w_ngan" in announcement_clips(None, "A1000", 1, thousand="ngàn")


@pytest.mark.parametrize(
    "ticket, counter, error",
    [("A", 1, ValueError), ("A1", -1, ValueError), ("A1", "x", ValueError), ("A1", "", ValueError),
     ("?1", 1, ValueError), ("A1", 1.5, TypeError), ("A1", True, TypeError)],
)
def test_announcement_clips_rejects(ticket, counter, error):
    with pytest.raises(error):
        announcement_clips(None, ticket, counter)
    with pytest.raises(ValueError, match="mode"):
        announcement_clips(None, "A1", 1, "spell")


def test_announcement_text():
    assert announcement_text(None, "A023", 3) == "Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba"
    assert announcement_text(None, "L005", 15, "digits") == (
        "Xin mời công dân có số thứ tự e-lờ không không năm đến quầy số mười lăm"
    )


@pytest.mark.parametrize(
    "template, message",
    [
        ("Mời quầy {counter}", "no {ticket}"),
        ("Mời {ticket} {name}", "unknown"),
        ("Mời {ticket:>4}", "format spec"),
        ("Mời {ticket!r}", "format spec"),
        ("Mời {ticket", "malformed"),
        ("Mời {0}", "unknown"),
        ("Số {ticket} số {counter} sớ", "share the clip key"),
    ],
)
def test_bad_templates(template, message):
    with pytest.raises(ValueError, match=message):
        parse_template(template)


def test_template_braces_and_decomposed_text():
    parts = parse_template(unicodedata.normalize("NFD", "Mời {{khách}} số {ticket}"))
    assert parts[0].text == "Mời {khách} số" and parts[0].key == "moi_khach_so"
    assert all(p.text == unicodedata.normalize("NFC", p.text) for p in parts)


def test_required_clips_is_finite_and_covers_everything():
    clips = required_clips()
    assert len(clips) == 2 + 2 + len(LETTERS) + len(WORD_KEYS) == 59
    assert all(KEY_RE.fullmatch(k) for k in clips)
    assert clips["chime"] == ClipSpec("chime", "chime") and clips["pause"].kind == "silence"
    assert clips[INTRO].text == "Xin mời công dân có số thứ tự"
    assert {spec.text for spec in clips.values() if spec.key.startswith("w_")} == set(NUMBER_WORDS)
    needed: set[str] = set()
    for n in range(10_000):  # every ticket number, both readings
        needed.update(announcement_clips(None, f"A{n:03d}", n % 1000, "number", recall=True))
        needed.update(announcement_clips(None, f"A{n:04d}", 1, "digits"))
    for letter in LETTERS:
        needed.update(announcement_clips(None, f"{letter}{letter}1", 1))
    for big in (1_000_000, 1_000_000_000):  # only huge numbers need triệu and tỷ
        needed.update(announcement_clips(None, "A1", big))
    for style in ("linh", "lẻ"):
        for thousand in ("nghìn", "ngàn"):
            needed.update(announcement_clips(None, "A1101", 1, style=style, thousand=thousand))
    assert needed == set(clips)


def test_required_clips_for_custom_template():
    clips = required_clips("Mời số {ticket} tới quầy {counter}")
    assert clips["moi_so"].text == "Mời số" and clips["toi_quay"].text == "tới quầy"
    assert INTRO not in clips


def test_keys_are_distinct_for_tone_variants():
    assert len(set(WORD_KEYS.values())) == len(WORD_KEYS)
    assert word_key("mười") != word_key("mươi") and word_key("một") != word_key("mốt")
    assert phrase_key("Đến   quầy-số!") == "den_quay_so"
    assert phrase_key("w_1") == "phrase_w_1"
    with pytest.raises(ValueError):
        phrase_key("!!")
    with pytest.raises(ValueError):
        word_key("mưa")


# -- PCM helpers ------------------------------------------------------------------------


def _tone(rate: int, ms: float, freq: float = 440.0, level: float = 0.5) -> array:
    n = int(rate * ms / 1000)
    return array("h", (int(level * 32767 * math.sin(2 * math.pi * freq * i / rate)) for i in range(n)))


def test_wav_round_trip_and_formats(tmp_path):
    tone = _tone(16000, 100)
    samples, rate = pcm.read_wav(pcm.wav_bytes(tone, 16000))
    assert rate == 16000 and samples == tone
    path = tmp_path / "t.wav"
    pcm.write_wav(path, tone, 16000)
    assert pcm.read_wav(path)[0] == tone and not (tmp_path / "t.wav.tmp").exists()
    # stereo 8-bit and 32-bit files are converted to mono 16-bit
    for width, frames in [(1, bytes([128, 128, 255, 255, 0, 0])), (4, array("i", [0, 0, 2**30, 2**30]).tobytes())]:
        path = tmp_path / f"w{width}.wav"
        with wave.open(str(path), "wb") as w:
            w.setnchannels(2)
            w.setsampwidth(width)
            w.setframerate(8000)
            w.writeframes(frames)
        samples, rate = pcm.read_wav(path)
        assert rate == 8000 and samples[0] == 0 and samples[1] > 16000
    with pytest.raises(ValueError, match="not a readable PCM WAV"):
        pcm.read_wav(b"not a wav at all")


def test_resample_trim_normalise():
    tone = _tone(16000, 500)
    up = pcm.resample(tone, 16000, 22050)
    assert abs(len(up) - 11025) <= 1 and pcm.peak(up) > 15000
    padded = pcm.silence(22050, 300) + up + pcm.silence(22050, 400)
    trimmed = pcm.trim_silence(padded, 22050, pad_ms=10)
    assert abs(pcm.duration(trimmed, 22050) - 0.52) < 0.01
    assert len(pcm.trim_silence(pcm.silence(22050, 100), 22050)) == 0
    loud = pcm.normalize_peak(_tone(22050, 50, level=0.1))
    assert abs(pcm.peak(loud) - int(0.89 * 32767)) < 200


def test_chime_is_two_tones_with_fade():
    rate = 22050
    ding = pcm.chime(rate)
    assert 0.9 < pcm.duration(ding, rate) < 1.2
    assert abs(ding[0]) < 200  # soft attack
    assert pcm.peak(ding[-int(rate * 0.15):]) == 0  # ends in silence
    half = int(rate * 0.42)
    crossings = [sum(1 for a, b in zip(part, part[1:]) if a < 0 <= b) for part in (ding[:half], ding[half:2 * half])]
    assert crossings[0] > crossings[1] > 150  # a higher tone, then a lower one


# -- a library from a fake engine (no espeak-ng needed) ----------------------------------


class FakeEngine:
    """Speaks every text as a 16 kHz tone padded with silence; counts calls."""

    name = "fake"
    voice = "test"

    def __init__(self):
        self.calls: list[str] = []

    def describe(self) -> dict:
        return {"engine": self.name, "voice": self.voice}

    def synthesize(self, text):
        self.calls.append(text)
        return pcm.silence(16000, 200) + _tone(16000, 100 + 10 * len(text), level=0.2) + pcm.silence(16000, 300), 16000


def test_build_with_fake_engine_is_incremental(tmp_path):
    engine = FakeEngine()
    library = build_library(tmp_path, engine, keys=["chime", "pause", "letter_a", "w_mot", INTRO])
    assert engine.calls == ["a", "một", "Xin mời công dân có số thứ tự"]
    assert library.sample_rate == 22050 and len(library) == 5
    samples = library.samples("letter_a")
    assert abs(pcm.duration(samples, 22050) - 0.14) < 0.01  # trimmed, resampled
    assert pcm.peak(samples) > 28000  # normalised
    build_library(tmp_path, engine, keys=["letter_a", "w_hai"])
    assert engine.calls[3:] == ["hai"]  # only the new clip was rendered
    build_library(tmp_path, engine, "Mời {ticket}", keys=["moi", "letter_a"])
    assert engine.calls[4:] == ["Mời"]
    build_library(tmp_path, engine, keys=["letter_a"], force=True)
    assert engine.calls[5:] == ["a"]
    library = ClipLibrary(tmp_path)
    assert set(library.keys) == {"chime", "pause", "letter_a", "w_mot", INTRO, "w_hai", "moi"}
    assert library.template == DEFAULT_TEMPLATE
    with pytest.raises(ValueError, match="unknown clip keys"):
        build_library(tmp_path, engine, keys=["letter_zz"])


def test_library_errors(tmp_path):
    with pytest.raises(LibraryError, match="no clip library"):
        ClipLibrary(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text("{oops", encoding="utf-8")
    with pytest.raises(LibraryError, match="cannot read"):
        ClipLibrary(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"format": 1, "sample_rate": 22050,
                                                      "clips": {"x": {"file": "../x.wav"}}}))
    with pytest.raises(LibraryError, match="invalid file name"):
        ClipLibrary(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"format": 1, "clips": {}}))
    with pytest.raises(LibraryError, match="sample_rate"):
        ClipLibrary(tmp_path)
    (tmp_path / MANIFEST_NAME).write_text(json.dumps({"format": 99, "sample_rate": 22050, "clips": {}}))
    with pytest.raises(LibraryError, match="format 99"):
        ClipLibrary(tmp_path)
    library = build_library(tmp_path / "lib", FakeEngine(), keys=["chime", "w_mot"])
    with pytest.raises(MissingClipError) as info:
        library.assemble(["chime", "w_mot", "letter_q"])
    assert info.value.key == "letter_q"
    assert "'letter_q' is missing" in str(info.value) and "motcua audio build" in str(info.value)
    (tmp_path / "lib" / "w_mot.wav").unlink()
    with pytest.raises(MissingClipError, match="w_mot.wav is gone"):
        assemble(tmp_path / "lib", ["w_mot"])
    with pytest.raises(ValueError, match="no clips"):
        library.assemble([])


def test_replacement_recording_at_another_rate_is_converted(tmp_path):
    library = build_library(tmp_path, FakeEngine(), keys=["chime", "w_mot"])
    pcm.write_wav(tmp_path / "w_mot.wav", _tone(44100, 300), 44100)
    samples = ClipLibrary(tmp_path).samples("w_mot")
    assert abs(len(samples) - int(22050 * 0.3)) <= 1
    assert library.sample_rate == 22050


# -- the real thing: espeak-ng ---------------------------------------------------------------


def _espeak_available() -> bool:
    return shutil.which("espeak-ng") is not None


@pytest.fixture(scope="module")
def espeak_library(tmp_path_factory):
    need(_espeak_available(), "espeak-ng is not installed (apt-get install espeak-ng)")
    return build_library(tmp_path_factory.mktemp("audio-lib"), "espeak-ng")


def _wav_info(data: bytes):
    import io

    with wave.open(io.BytesIO(data), "rb") as w:
        return w.getnchannels(), w.getsampwidth(), w.getframerate(), w.getnframes()


def test_espeak_library_manifest_and_files(espeak_library):
    manifest = json.loads((espeak_library.directory / MANIFEST_NAME).read_text(encoding="utf-8"))
    assert manifest["format"] == FORMAT_VERSION
    assert manifest["engine"] == "espeak-ng" and manifest["voice"] == "vi"
    assert manifest["sample_rate"] == 22050 and manifest["channels"] == 1 and manifest["sample_width"] == 2
    assert "eSpeak NG" in manifest["engine_version"]
    assert manifest["template"] == DEFAULT_TEMPLATE
    specs = required_clips()
    assert set(manifest["clips"]) == set(specs)
    for key, entry in manifest["clips"].items():
        assert entry["text"] == specs[key].text and entry["kind"] == specs[key].kind
        data = (espeak_library.directory / entry["file"]).read_bytes()
        channels, width, rate, frames = _wav_info(data)
        assert (channels, width, rate) == (1, 2, 22050), key
        seconds = frames / rate
        if entry["kind"] == "speech":
            samples = espeak_library.samples(key)
            limit = 4.0 if len(entry["text"]) > 12 else 1.2
            assert 0.08 < seconds < limit, (key, seconds)
            assert pcm.rms(samples) > 1000, key  # not silent
            edge = int(0.005 * rate)  # trimmed: quiet at the very ends, but speech close by
            assert pcm.peak(samples[:edge]) < 0.5 * 32767 and pcm.peak(samples[-edge:]) < 0.5 * 32767, key


def test_espeak_rebuild_renders_nothing_new(espeak_library):
    rendered = []
    build_library(espeak_library.directory, "espeak-ng", progress=rendered.append)
    assert rendered == []


def test_espeak_full_announcement(espeak_library):
    keys = announcement_clips(None, "A023", 3)
    data = assemble(espeak_library.directory, keys)
    assert data[:4] == b"RIFF" and data[8:12] == b"WAVE"
    channels, width, rate, frames = _wav_info(data)
    assert (channels, width, rate) == (1, 2, 22050)
    seconds = frames / rate
    assert 2.0 < seconds < 8.0
    samples, _ = pcm.read_wav(data)
    assert pcm.rms(samples) > 1000
    # the speech after the chime is not silent either
    assert pcm.rms(samples[int(1.1 * rate):]) > 1000
    # a recall says it twice, with a pause
    again = espeak_library.assemble(announcement_clips(None, "A023", 3, recall=True))
    recall_seconds = _wav_info(again)[3] / rate
    assert 2 * seconds - 1.2 < recall_seconds < 2 * seconds
    # digit mode for a 4-digit ticket at a 3-digit counter is still under 10 s
    long = espeak_library.assemble(announcement_clips(None, "AB1234", 999, "digits"))
    assert _wav_info(long)[3] / rate < 10.0


def test_espeak_letter_j_is_spoken(espeak_library):
    # espeak-ng reads a lone "gi" as a bare consonant; it is respelled.
    assert pcm.duration(espeak_library.samples("letter_j"), 22050) > 0.2


def test_espeak_engine_errors():
    need(_espeak_available(), "espeak-ng is not installed (apt-get install espeak-ng)")
    with pytest.raises(EngineUnavailable, match="apt-get install espeak-ng"):
        get_engine("espeak-ng", executable="no-such-espeak-binary")
    with pytest.raises(ValueError, match="unknown TTS engine"):
        get_engine("festival")
    with pytest.raises(ValueError, match="empty"):
        get_engine("espeak-ng").synthesize("  ")


# -- CLI ------------------------------------------------------------------------------------


def test_cli_read():
    result = CliRunner().invoke(audio_cli, ["read", "A023", "3"])
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0] == "Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba"
    assert lines[1].split()[:3] == ["chime", INTRO, "letter_a"]
    bad = CliRunner().invoke(audio_cli, ["read", "A-", "3"])
    assert bad.exit_code == 1 and "not a ticket code" in bad.output


def test_cli_build_and_say(tmp_path):
    need(_espeak_available(), "espeak-ng is not installed (apt-get install espeak-ng)")
    runner = CliRunner()
    lib = tmp_path / "lib"
    template = "Mời số {ticket} tới quầy {counter}"
    result = runner.invoke(audio_cli, ["build", "--engine", "espeak-ng", "--out", str(lib), "--template", template])
    assert result.exit_code == 0, result.output
    assert "built 59 clips (59 rendered) with espeak-ng/vi at 22050 Hz" in result.output
    out = tmp_path / "call.wav"
    result = runner.invoke(audio_cli, ["say", "--library", str(lib), "B105", "12", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "Mời số bê một trăm linh năm tới quầy mười hai" in result.output
    channels, width, rate, frames = _wav_info(out.read_bytes())
    assert (channels, width, rate) == (1, 2, 22050) and 1.5 < frames / rate < 8
    recall = tmp_path / "recall.wav"
    result = runner.invoke(audio_cli, ["say", "--library", str(lib), "B105", "12", "--recall",
                                       "--mode", "digits", "--out", str(recall)])
    assert result.exit_code == 0 and _wav_info(recall.read_bytes())[3] > frames
    # the library does not have the default template's phrases
    result = runner.invoke(audio_cli, ["say", "--library", str(lib), "B105", "12", "--out", str(out),
                                       "--template", DEFAULT_TEMPLATE])
    assert result.exit_code == 1 and "is missing from the clip library" in result.output
    result = runner.invoke(audio_cli, ["say", "--library", str(tmp_path / "nope"), "A1", "1", "--out", str(out)])
    assert result.exit_code == 1 and "no clip library" in result.output


def test_cli_gtts_without_package_fails_cleanly(tmp_path, monkeypatch):
    import builtins

    real_import = builtins.__import__

    def no_gtts(name, *args, **kwargs):
        if name == "gtts" or name.startswith("gtts."):
            raise ImportError("no gtts here")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_gtts)
    result = CliRunner().invoke(audio_cli, ["build", "--engine", "gtts", "--out", str(tmp_path / "g")])
    assert result.exit_code == 1 and "pip install gTTS" in result.output
