"""Read numbers and ticket codes aloud in Vietnamese.

Everything returned is NFC-normalised, lower case Vietnamese, one word per
space, ready to be shown, synthesised or split into word clips::

    >>> from audio.numbers import read_number, read_digits, read_ticket
    >>> read_number(21)
    'hai mươi mốt'
    >>> read_number(105)
    'một trăm linh năm'
    >>> read_number(1023)
    'một nghìn không trăm hai mươi ba'
    >>> read_digits("015")
    'không một năm'
    >>> read_ticket("A023")
    'a hai mươi ba'
    >>> read_ticket("A023", mode="digits")
    'a không hai ba'

The rules (the formal reading used on cheques, invoices and by announcers):

* Units: không, một, hai, ba, bốn, năm, sáu, bảy, tám, chín.
* 10 is *mười*; 20, 30 … 90 are *hai mươi*, *ba mươi* … *chín mươi*.
* After *mươi* (21 and up) a final 1 is *mốt* and a final 4 is *tư*
  (21 *hai mươi mốt*, 24 *hai mươi tư*); after *mười* they stay *một* and
  *bốn* (11 *mười một*, 14 *mười bốn*).
* After *mười* or *mươi* a final 5 is *lăm* (15 *mười lăm*, 25 *hai mươi
  lăm*); elsewhere it stays *năm* (5 *năm*, 105 *một trăm linh năm*).
* A zero tens digit after a hundreds digit is *linh* (or *lẻ* in the
  southern style): 101 *một trăm linh một*.
* Scales go by groups of three digits: *nghìn* (or southern *ngàn*),
  *triệu*, *tỷ*.  A group below the leading one is read in full, so an empty
  hundreds digit is spoken *không trăm*: 1005 *một nghìn không trăm linh năm*,
  2 000 023 *hai triệu không trăm hai mươi ba*.
* A group that is all zeros (below the leading one) is skipped entirely:
  2 000 500 *hai triệu năm trăm*, 1 000 000 001 *một tỷ không trăm linh một*.

The supported range is 0 … 999 999 999 999 (just under a thousand *tỷ*).
"""

from __future__ import annotations

import re
import unicodedata

from .letters import LETTERS, letter_name

__all__ = [
    "MAX_NUMBER",
    "DIGITS",
    "NUMBER_WORDS",
    "read_number",
    "read_digits",
    "read_ticket",
    "parse_ticket",
]

#: Largest number :func:`read_number` reads.
MAX_NUMBER = 999_999_999_999

#: Spoken digits 0-9.
DIGITS: tuple[str, ...] = ("không", "một", "hai", "ba", "bốn", "năm", "sáu", "bảy", "tám", "chín")

#: Every word :func:`read_number` and :func:`read_digits` can produce, in any style.
NUMBER_WORDS: tuple[str, ...] = DIGITS + (
    "mười",
    "mươi",
    "mốt",
    "tư",
    "lăm",
    "trăm",
    "linh",
    "lẻ",
    "nghìn",
    "ngàn",
    "triệu",
    "tỷ",
)

_STYLES = ("linh", "lẻ")
_THOUSANDS = ("nghìn", "ngàn")
_MODES = ("number", "digits")
_TICKET_RE = re.compile(r"(?P<letters>[^\W\d_]*)[ -]?(?P<digits>[0-9]+)")


def _nfc(text: str) -> str:
    return unicodedata.normalize("NFC", text)


def _check_choice(name: str, value: str, choices: tuple[str, ...]) -> str:
    if isinstance(value, str):
        value = _nfc(value)
    if value not in choices:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")
    return value


def _read_group(group: int, full: bool, linh: str) -> list[str]:
    """Words for a group of three digits (1 … 999).

    ``full`` is true for every group below the leading one: those always say
    their hundreds digit, even when it is zero (*không trăm*).
    """
    hundreds, rest = divmod(group, 100)
    tens, units = divmod(rest, 10)
    words: list[str] = []
    if full or hundreds:
        words += [DIGITS[hundreds], "trăm"]
    if tens == 0:
        if units:
            if words:
                words.append(linh)
            words.append(DIGITS[units])
    elif tens == 1:
        words.append("mười")
        if units:
            words.append("lăm" if units == 5 else DIGITS[units])
    else:
        words += [DIGITS[tens], "mươi"]
        if units == 1:
            words.append("mốt")
        elif units == 4:
            words.append("tư")
        elif units == 5:
            words.append("lăm")
        elif units:
            words.append(DIGITS[units])
    return words


def read_number(n: int, *, style: str = "linh", thousand: str = "nghìn") -> str:
    """Read a non-negative integer aloud in Vietnamese.

    ``style`` is the word for an empty tens digit after a hundreds digit:
    ``"linh"`` (default, standard and northern) or ``"lẻ"`` (southern).
    ``thousand`` is ``"nghìn"`` (default) or the southern ``"ngàn"``.

    >>> read_number(0)
    'không'
    >>> read_number(15)
    'mười lăm'
    >>> read_number(24)
    'hai mươi tư'
    >>> read_number(101, style="lẻ")
    'một trăm lẻ một'
    >>> read_number(2_000_500)
    'hai triệu năm trăm'
    >>> read_number(1_000_000_001)
    'một tỷ không trăm linh một'
    >>> read_number(5_000, thousand="ngàn")
    'năm ngàn'

    Raises :class:`TypeError` if ``n`` is not an ``int`` (``bool`` included)
    and :class:`ValueError` if it is negative or above :data:`MAX_NUMBER`.
    """
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"read_number() needs an int, not {type(n).__name__} ({n!r})")
    if n < 0:
        raise ValueError(f"cannot read a negative number ({n}); only 0 … {MAX_NUMBER:,} are supported")
    if n > MAX_NUMBER:
        raise ValueError(f"{n:,} is too large to read; the largest supported number is {MAX_NUMBER:,}")
    linh = _check_choice("style", style, _STYLES)
    thousand = _check_choice("thousand", thousand, _THOUSANDS)
    if n == 0:
        return DIGITS[0]

    scales = ("", thousand, "triệu", "tỷ")
    groups = []  # least significant first
    while n:
        n, group = divmod(n, 1000)
        groups.append(group)
    lead = len(groups) - 1
    words: list[str] = []
    for index in range(lead, -1, -1):
        group = groups[index]
        if group == 0:
            continue  # an all-zero group below the leading one is not spoken
        words += _read_group(group, full=index != lead, linh=linh)
        if scales[index]:
            words.append(scales[index])
    return " ".join(words)


def read_digits(digits: str | int) -> str:
    """Read a string of digits one digit at a time, keeping leading zeros.

    >>> read_digits("015")
    'không một năm'
    >>> read_digits(7)
    'bảy'

    An ``int`` is read from its decimal form.  Raises :class:`ValueError` for an
    empty string or any character other than the ASCII digits 0-9 (surrounding
    white space is ignored).
    """
    if isinstance(digits, bool):
        raise TypeError("read_digits() needs a str of digits or an int, not bool")
    if isinstance(digits, int):
        if digits < 0:
            raise ValueError(f"cannot read a negative number ({digits}) digit by digit")
        digits = str(digits)
    if not isinstance(digits, str):
        raise TypeError(f"read_digits() needs a str of digits or an int, not {type(digits).__name__}")
    text = digits.strip()
    if not text or not all("0" <= ch <= "9" for ch in text):
        raise ValueError(f"{digits!r} is not a string of digits 0-9")
    return " ".join(DIGITS[int(ch)] for ch in text)


def parse_ticket(code: str) -> tuple[str, str]:
    """Split a ticket code into its (upper case, NFC) letters and its digits.

    >>> parse_ticket(" a023 ")
    ('A', '023')
    >>> parse_ticket("ĐB-7")
    ('ĐB', '7')

    A code is zero or more letters of :data:`audio.letters.LETTERS` followed by
    one or more digits, optionally separated by one space or hyphen.  Raises
    :class:`ValueError` for anything else.
    """
    if not isinstance(code, str):
        raise TypeError(f"a ticket code must be a str, not {type(code).__name__}")
    text = _nfc(code).strip().upper()
    match = _TICKET_RE.fullmatch(text)
    if not match:
        raise ValueError(
            f"{code!r} is not a ticket code: expected letters followed by digits, such as 'A023'"
        )
    letters, digits = match.group("letters"), match.group("digits")
    unknown = [ch for ch in letters if ch not in LETTERS]
    if unknown:
        raise ValueError(
            f"ticket code {code!r} contains {''.join(unknown)!r}, which has no spoken name "
            f"(letters allowed: {''.join(LETTERS)})"
        )
    return letters, digits


def read_ticket(
    code: str,
    mode: str = "number",
    *,
    style: str = "linh",
    thousand: str = "nghìn",
) -> str:
    """Read a ticket code aloud: each letter by name, then its number.

    ``mode="number"`` reads the digits as one number (leading zeros dropped),
    ``mode="digits"`` reads them one by one (leading zeros kept).

    >>> read_ticket("A023")
    'a hai mươi ba'
    >>> read_ticket("B105")
    'bê một trăm linh năm'
    >>> read_ticket("L005", mode="digits")
    'e-lờ không không năm'
    >>> read_ticket("ĐX1000")
    'đê ích-xì một nghìn'

    Raises :class:`ValueError` for a malformed code, an unknown mode or a
    number too large for :func:`read_number`.
    """
    mode = _check_choice("mode", mode, _MODES)
    letters, digits = parse_ticket(code)
    words = [letter_name(ch) for ch in letters]
    if mode == "digits":
        words.append(read_digits(digits))
    else:
        if len(digits.lstrip("0")) > len(str(MAX_NUMBER)):
            raise ValueError(f"the number in ticket code {code!r} is too large to read")
        words.append(read_number(int(digits), style=style, thousand=thousand))
    return " ".join(words)
