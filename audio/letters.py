"""Vietnamese names of the letters that can start a ticket code.

When a ticket code such as ``"B017"`` is announced, its letters are spoken by
their everyday Vietnamese names: the names people use to spell out an
abbreviation or a car number plate (``"bê"``, ``"xê"``, ``"e-lờ"`` ...), not the
school phonics names (``"bờ"``, ``"cờ"``, ``"lờ"``), which are too short and
too easy to confuse over a hall loudspeaker::

    >>> from audio.letters import letter_name, letter_key
    >>> letter_name("b")
    'bê'
    >>> letter_name("Đ")
    'đê'
    >>> letter_key("Đ")
    'letter_dd'

The table (upper case letter, spoken name, clip key suffix):

====  ===========  =====   ====  ===========  =====
A     a            a       N     en-nờ        n
Ă     á            aw      O     o            o
Â     ớ            aa      Ô     ô            oo
B     bê           b       Ơ     ơ            ow
C     xê           c       P     pê           p
D     dê           d       Q     quy          q
Đ     đê           dd      R     e-rờ         r
E     e            e       S     ét-xì        s
Ê     ê            ee      T     tê           t
F     ép           f       U     u            u
G     giê          g       Ư     ư            uw
H     hát          h       V     vê           v
I     i            i       W     vê kép       w
J     gi           j       X     ích-xì       x
K     ca           k       Y     i dài        y
L     e-lờ         l       Z     dét          z
M     em-mờ        m
====  ===========  =====   ====  ===========  =====

The clip key suffixes of the Vietnamese-only letters follow the Telex typing
convention (``Đ`` is typed ``dd``, ``Ư`` is typed ``uw`` ...), so every key
stays plain ASCII and no two letters share one.
"""

from __future__ import annotations

import unicodedata

__all__ = ["LETTERS", "letter_name", "letter_key", "normalize_letter"]

#: Upper case letter -> (spoken Vietnamese name, ASCII clip key suffix).
LETTERS: dict[str, tuple[str, str]] = {
    "A": ("a", "a"),
    "Ă": ("á", "aw"),
    "Â": ("ớ", "aa"),
    "B": ("bê", "b"),
    "C": ("xê", "c"),
    "D": ("dê", "d"),
    "Đ": ("đê", "dd"),
    "E": ("e", "e"),
    "Ê": ("ê", "ee"),
    "F": ("ép", "f"),
    "G": ("giê", "g"),
    "H": ("hát", "h"),
    "I": ("i", "i"),
    "J": ("gi", "j"),
    "K": ("ca", "k"),
    "L": ("e-lờ", "l"),
    "M": ("em-mờ", "m"),
    "N": ("en-nờ", "n"),
    "O": ("o", "o"),
    "Ô": ("ô", "oo"),
    "Ơ": ("ơ", "ow"),
    "P": ("pê", "p"),
    "Q": ("quy", "q"),
    "R": ("e-rờ", "r"),
    "S": ("ét-xì", "s"),
    "T": ("tê", "t"),
    "U": ("u", "u"),
    "Ư": ("ư", "uw"),
    "V": ("vê", "v"),
    "W": ("vê kép", "w"),
    "X": ("ích-xì", "x"),
    "Y": ("i dài", "y"),
    "Z": ("dét", "z"),
}


def normalize_letter(letter: str) -> str:
    """Return ``letter`` as one NFC upper case letter of :data:`LETTERS`.

    >>> normalize_letter("đ")
    'Đ'

    Raises :class:`ValueError` for anything that is not a single known letter.
    """
    if not isinstance(letter, str):
        raise TypeError(f"a letter must be a str, not {type(letter).__name__}")
    norm = unicodedata.normalize("NFC", letter).upper()
    if norm not in LETTERS:
        raise ValueError(
            f"{letter!r} is not a letter that can be announced "
            f"(expected one of {''.join(LETTERS)})"
        )
    return norm


def letter_name(letter: str) -> str:
    """Return the spoken Vietnamese name of ``letter`` (NFC, lower case).

    >>> letter_name("S")
    'ét-xì'
    """
    return LETTERS[normalize_letter(letter)][0]


def letter_key(letter: str) -> str:
    """Return the ASCII clip key of ``letter``, e.g. ``"letter_a"``.

    >>> letter_key("w")
    'letter_w'
    """
    return "letter_" + LETTERS[normalize_letter(letter)][1]
