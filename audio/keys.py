"""ASCII clip keys: the names under which spoken clips are stored.

An announcement is a list of clip keys.  Keys are plain ASCII (``[a-z0-9_]``)
so they are safe as file names on any system.  There are four kinds:

* ``"chime"`` and ``"pause"``: synthesised in Python, never spoken;
* ``"w_…"``: one Vietnamese number word each (see :data:`WORD_KEYS`);
* ``"letter_…"``: one letter name each (see :mod:`audio.letters`);
* anything else: a phrase of an announcement template, named by
  :func:`phrase_key`.

::

    >>> from audio.keys import word_key, phrase_key
    >>> word_key("mười"), word_key("mươi")
    ('w_muoi', 'w_muoi_ngang')
    >>> phrase_key("Xin mời công dân có số thứ tự")
    'xin_moi_cong_dan_co_so_thu_tu'

Number words that differ only by their tone marks get distinct keys: the
variant is named after its tone (*mươi* has the level tone, *ngang*; *mốt*
has the rising tone, *sắc*).
"""

from __future__ import annotations

import re
import unicodedata

__all__ = [
    "CHIME",
    "PAUSE",
    "WORD_KEYS",
    "word_key",
    "words_to_keys",
    "phrase_key",
    "is_reserved",
]

#: Key of the synthesised two-tone chime that opens every announcement.
CHIME = "chime"
#: Key of the synthesised silence between the two readings of a recall.
PAUSE = "pause"

#: Vietnamese number word -> clip key.
WORD_KEYS: dict[str, str] = {
    "không": "w_khong",
    "một": "w_mot",
    "hai": "w_hai",
    "ba": "w_ba",
    "bốn": "w_bon",
    "năm": "w_nam",
    "sáu": "w_sau",
    "bảy": "w_bay",
    "tám": "w_tam",
    "chín": "w_chin",
    "mười": "w_muoi",
    "mươi": "w_muoi_ngang",
    "mốt": "w_mot_sac",
    "tư": "w_tu",
    "lăm": "w_lam",
    "trăm": "w_tram",
    "linh": "w_linh",
    "lẻ": "w_le",
    "nghìn": "w_nghin",
    "ngàn": "w_ngan",
    "triệu": "w_trieu",
    "tỷ": "w_ty",
}

_NON_KEY = re.compile(r"[^a-z0-9]+")
_RESERVED_PREFIXES = ("w_", "letter_")


def word_key(word: str) -> str:
    """Return the clip key of one number word.

    >>> word_key("lăm")
    'w_lam'

    Raises :class:`ValueError` for a word that is not a number word.
    """
    key = WORD_KEYS.get(unicodedata.normalize("NFC", word))
    if key is None:
        raise ValueError(f"{word!r} is not a Vietnamese number word with a clip")
    return key


def words_to_keys(text: str) -> list[str]:
    """Split a reading from :mod:`audio.numbers` into number word clip keys.

    >>> words_to_keys("hai mươi mốt")
    ['w_hai', 'w_muoi_ngang', 'w_mot_sac']
    """
    return [word_key(word) for word in text.split()]


def _ascii_fold(text: str) -> str:
    text = unicodedata.normalize("NFD", text.replace("đ", "d").replace("Đ", "D"))
    return "".join(ch for ch in text if not unicodedata.combining(ch))


def is_reserved(key: str) -> bool:
    """True if ``key`` belongs to the chime, pause, word or letter clips."""
    return key in (CHIME, PAUSE) or key.startswith(_RESERVED_PREFIXES)


def phrase_key(text: str) -> str:
    """Return the ASCII clip key of a template phrase.

    Diacritics are dropped, letters lower-cased, and every run of other
    characters becomes one underscore.  A phrase whose key would clash with
    the reserved names gets a ``phrase_`` prefix.

    >>> phrase_key("đến quầy số")
    'den_quay_so'
    >>> phrase_key("Chime")
    'phrase_chime'

    Raises :class:`ValueError` if nothing speakable is left.
    """
    key = _NON_KEY.sub("_", _ascii_fold(text).lower()).strip("_")
    if not key:
        raise ValueError(f"phrase {text!r} has nothing to speak")
    if is_reserved(key):
        key = "phrase_" + key
    return key
