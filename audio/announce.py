"""Announcement templates and the clip sequences that speak them.

A centre configures one sentence with two fields, ``{ticket}`` and
``{counter}``.  An announcement is that sentence turned into an ordered list
of clip keys (see :mod:`audio.keys`), always opened by a chime::

    >>> from audio.announce import announcement_clips
    >>> announcement_clips(None, "A023", 3)
    ['chime', 'xin_moi_cong_dan_co_so_thu_tu', 'letter_a', 'w_hai', 'w_muoi_ngang', 'w_ba', 'den_quay_so', 'w_ba']
    >>> announcement_clips("Mời số {ticket} tới quầy {counter}", "B7", 12, mode="digits")
    ['chime', 'moi_so', 'letter_b', 'w_bay', 'toi_quay', 'w_muoi', 'w_hai']

A recall speaks the sentence twice, with a pause in between::

    >>> announcement_clips("Mời {ticket}", "C1", 1, recall=True)
    ['chime', 'moi', 'letter_c', 'w_mot', 'pause', 'moi', 'letter_c', 'w_mot']

Numbers are assembled from single word clips, so the clips a library needs
do not depend on the numbers at all: :func:`required_clips` lists a finite
set (the template's phrases, every letter, every number word, the chime and
the pause) that can say every ticket and counter :mod:`audio.numbers` reads.
"""

from __future__ import annotations

import re
import string
import unicodedata
from dataclasses import dataclass

from .keys import CHIME, PAUSE, WORD_KEYS, phrase_key, words_to_keys
from .letters import LETTERS, letter_key
from .numbers import parse_ticket, read_digits, read_number, read_ticket

__all__ = [
    "DEFAULT_TEMPLATE",
    "FIELDS",
    "ClipSpec",
    "Part",
    "parse_template",
    "ticket_clips",
    "counter_clips",
    "announcement_clips",
    "announcement_text",
    "required_clips",
]

#: The announcement used when a centre configures none.
DEFAULT_TEMPLATE = "Xin mời công dân có số thứ tự {ticket} đến quầy số {counter}"

#: The fields a template may use.
FIELDS = ("ticket", "counter")

_MODES = ("number", "digits")
# Spaces and punctuation trimmed from both ends of a phrase (letters and digits stay).
_EDGE = re.compile(r"^[\W_]+|[\W_]+$")


@dataclass(frozen=True)
class ClipSpec:
    """One clip of a library: its key, how it is made and what it says.

    ``kind`` is ``"speech"`` (synthesised from ``text`` by a TTS engine),
    ``"chime"`` or ``"silence"`` (both generated in Python, ``text`` empty).
    """

    key: str
    kind: str
    text: str = ""


@dataclass(frozen=True)
class Part:
    """One piece of a parsed template: a fixed ``phrase`` or a ``field``.

    For a phrase, ``text`` is the NFC text to speak and ``key`` its clip key;
    for a field, ``text`` is the field name (``"ticket"`` or ``"counter"``).
    """

    kind: str
    text: str
    key: str = ""


def parse_template(template: str | None) -> list[Part]:
    """Split a template into phrases and fields.

    >>> [(p.kind, p.text) for p in parse_template("Mời số {ticket}, đến quầy {counter}.")]
    [('phrase', 'Mời số'), ('field', 'ticket'), ('phrase', 'đến quầy'), ('field', 'counter')]

    ``None`` means :data:`DEFAULT_TEMPLATE`.  Punctuation around a phrase is
    dropped; ``{{`` and ``}}`` are literal braces.  Raises :class:`ValueError`
    for an unknown field, a format spec or conversion (``{ticket:>4}``), a
    template without ``{ticket}``, or two phrases that would share a key.
    """
    if template is None:
        template = DEFAULT_TEMPLATE
    if not isinstance(template, str):
        raise TypeError(f"a template must be a str, not {type(template).__name__}")
    template = unicodedata.normalize("NFC", template)
    try:
        pieces = list(string.Formatter().parse(template))
    except ValueError as exc:
        raise ValueError(f"template {template!r} is malformed: {exc}") from None
    parts: list[Part] = []
    keys: dict[str, str] = {}
    literal = ""
    for index, (text, field, spec, conversion) in enumerate(pieces):
        literal += text  # "{{" and "}}" split a literal into several pieces
        if field is None and index + 1 < len(pieces):
            continue
        phrase = " ".join(_EDGE.sub("", literal).split())
        literal = ""
        if phrase:
            key = phrase_key(phrase)
            if keys.setdefault(key, phrase) != phrase:
                raise ValueError(
                    f"template phrases {keys[key]!r} and {phrase!r} would share the clip key {key!r}"
                )
            parts.append(Part("phrase", phrase, key))
        if field is None:
            continue
        if field not in FIELDS:
            raise ValueError(
                f"template field {{{field}}} is unknown; use {{ticket}} and {{counter}} only"
            )
        if spec or conversion:
            raise ValueError(f"template field {{{field}}} must not have a format spec or conversion")
        parts.append(Part("field", field))
    if not any(p.kind == "field" and p.text == "ticket" for p in parts):
        raise ValueError(f"template {template!r} has no {{ticket}} field")
    return parts


def _check_mode(mode: str) -> str:
    if mode not in _MODES:
        raise ValueError(f"mode must be 'number' or 'digits', not {mode!r}")
    return mode


def ticket_clips(code: str, mode: str = "number", *, style: str = "linh", thousand: str = "nghìn") -> list[str]:
    """Clip keys that speak a ticket code (letters, then the number).

    >>> ticket_clips("A105")
    ['letter_a', 'w_mot', 'w_tram', 'w_linh', 'w_nam']
    >>> ticket_clips("A105", mode="digits")
    ['letter_a', 'w_mot', 'w_khong', 'w_nam']
    """
    _check_mode(mode)
    letters, digits = parse_ticket(code)
    if mode == "digits":
        words = read_digits(digits)
    else:
        words = read_ticket(digits, style=style, thousand=thousand)
    return [letter_key(ch) for ch in letters] + words_to_keys(words)


def _counter_number(counter: int | str) -> int:
    if isinstance(counter, bool):
        raise TypeError("a counter number must be an int or a str of digits, not bool")
    if isinstance(counter, str):
        text = counter.strip()
        if not text or not all("0" <= ch <= "9" for ch in text):
            raise ValueError(f"counter {counter!r} is not a number")
        return int(text)
    if not isinstance(counter, int):
        raise TypeError(f"a counter number must be an int or a str of digits, not {type(counter).__name__}")
    if counter < 0:
        raise ValueError(f"counter number must not be negative ({counter})")
    return counter


def counter_clips(counter: int | str, *, style: str = "linh", thousand: str = "nghìn") -> list[str]:
    """Clip keys that speak a counter number (always read as a number).

    >>> counter_clips(15)
    ['w_muoi', 'w_lam']
    """
    return words_to_keys(read_number(_counter_number(counter), style=style, thousand=thousand))


def announcement_clips(
    template: str | None,
    ticket: str,
    counter: int | str,
    mode: str = "number",
    *,
    recall: bool = False,
    style: str = "linh",
    thousand: str = "nghìn",
    chime: bool = True,
) -> list[str]:
    """Turn a template, a ticket code and a counter into an ordered clip list.

    ``template`` ``None`` means :data:`DEFAULT_TEMPLATE`.  ``mode`` reads the
    ticket number as a ``"number"`` or digit by digit (``"digits"``); the
    counter is always read as a number.  ``recall=True`` speaks the sentence
    twice with a :data:`~audio.keys.PAUSE` between; ``chime=False`` leaves the
    opening chime out.

    >>> announcement_clips(None, "A1", 21, chime=False)
    ['xin_moi_cong_dan_co_so_thu_tu', 'letter_a', 'w_mot', 'den_quay_so', 'w_hai', 'w_muoi_ngang', 'w_mot_sac']

    Raises :class:`ValueError` for a bad template, ticket code, counter or mode.
    """
    parts = parse_template(template)
    _check_mode(mode)
    counter_keys = counter_clips(counter, style=style, thousand=thousand)
    body: list[str] = []
    for part in parts:
        if part.kind == "phrase":
            body.append(part.key)
        elif part.text == "ticket":
            body += ticket_clips(ticket, mode, style=style, thousand=thousand)
        else:
            body += counter_keys
    sequence = [CHIME] if chime else []
    sequence += body
    if recall:
        sequence += [PAUSE] + body
    return sequence


def announcement_text(
    template: str | None,
    ticket: str,
    counter: int | str,
    mode: str = "number",
    *,
    style: str = "linh",
    thousand: str = "nghìn",
) -> str:
    """The sentence an announcement speaks, as Vietnamese text (NFC).

    >>> announcement_text(None, "A023", 3)
    'Xin mời công dân có số thứ tự a hai mươi ba đến quầy số ba'

    Useful for logs, captions and a whole-sentence TTS fallback.
    """
    parts = parse_template(template)
    _check_mode(mode)
    values = {
        "ticket": read_ticket(ticket, mode, style=style, thousand=thousand),
        "counter": read_number(_counter_number(counter), style=style, thousand=thousand),
    }
    return " ".join(p.text if p.kind == "phrase" else values[p.text] for p in parts)


def required_clips(template: str | None = None) -> dict[str, ClipSpec]:
    """Every clip needed to announce any ticket and counter with ``template``.

    Returns an ordered ``{key: ClipSpec}``: chime, pause, the template's
    phrases, every letter of :data:`audio.letters.LETTERS` and every number
    word of every reading style.

    >>> clips = required_clips()
    >>> clips["den_quay_so"]
    ClipSpec(key='den_quay_so', kind='speech', text='đến quầy số')
    >>> clips["letter_l"].text, clips["w_mot_sac"].text
    ('e-lờ', 'mốt')
    >>> len(clips)
    59
    """
    specs = [ClipSpec(CHIME, "chime"), ClipSpec(PAUSE, "silence")]
    specs += [ClipSpec(p.key, "speech", p.text) for p in parse_template(template) if p.kind == "phrase"]
    specs += [ClipSpec(letter_key(ch), "speech", name) for ch, (name, _) in LETTERS.items()]
    specs += [ClipSpec(key, "speech", word) for word, key in WORD_KEYS.items()]
    return {spec.key: spec for spec in specs}
