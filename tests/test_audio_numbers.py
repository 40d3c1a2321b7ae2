"""Vietnamese readings of numbers, digits, letters and ticket codes (audio.numbers, audio.letters)."""

from __future__ import annotations

import re
import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from audio.letters import LETTERS, letter_key, letter_name, normalize_letter
from audio.numbers import DIGITS, MAX_NUMBER, NUMBER_WORDS, parse_ticket, read_digits, read_number, read_ticket

# fmt: off
NUMBERS = [
    # 0-30, every one
    (0, "không"), (1, "một"), (2, "hai"), (3, "ba"), (4, "bốn"), (5, "năm"), (6, "sáu"),
    (7, "bảy"), (8, "tám"), (9, "chín"), (10, "mười"), (11, "mười một"), (12, "mười hai"),
    (13, "mười ba"), (14, "mười bốn"), (15, "mười lăm"), (16, "mười sáu"), (17, "mười bảy"),
    (18, "mười tám"), (19, "mười chín"), (20, "hai mươi"), (21, "hai mươi mốt"),
    (22, "hai mươi hai"), (23, "hai mươi ba"), (24, "hai mươi tư"), (25, "hai mươi lăm"),
    (26, "hai mươi sáu"), (27, "hai mươi bảy"), (28, "hai mươi tám"), (29, "hai mươi chín"),
    (30, "ba mươi"),
    # tens: mốt / tư / lăm after mươi
    (31, "ba mươi mốt"), (34, "ba mươi tư"), (35, "ba mươi lăm"), (39, "ba mươi chín"),
    (40, "bốn mươi"), (41, "bốn mươi mốt"), (44, "bốn mươi tư"), (45, "bốn mươi lăm"),
    (50, "năm mươi"), (51, "năm mươi mốt"), (54, "năm mươi tư"), (55, "năm mươi lăm"),
    (59, "năm mươi chín"), (60, "sáu mươi"), (61, "sáu mươi mốt"), (64, "sáu mươi tư"),
    (65, "sáu mươi lăm"), (70, "bảy mươi"), (71, "bảy mươi mốt"), (74, "bảy mươi tư"),
    (75, "bảy mươi lăm"), (77, "bảy mươi bảy"), (80, "tám mươi"), (81, "tám mươi mốt"),
    (84, "tám mươi tư"), (85, "tám mươi lăm"), (88, "tám mươi tám"), (90, "chín mươi"),
    (91, "chín mươi mốt"), (94, "chín mươi tư"), (95, "chín mươi lăm"), (99, "chín mươi chín"),
    # hundreds: linh for an empty tens digit, năm (not lăm) after linh
    (100, "một trăm"), (101, "một trăm linh một"), (102, "một trăm linh hai"),
    (104, "một trăm linh bốn"), (105, "một trăm linh năm"), (109, "một trăm linh chín"),
    (110, "một trăm mười"), (111, "một trăm mười một"), (114, "một trăm mười bốn"),
    (115, "một trăm mười lăm"), (119, "một trăm mười chín"), (120, "một trăm hai mươi"),
    (121, "một trăm hai mươi mốt"), (124, "một trăm hai mươi tư"), (125, "một trăm hai mươi lăm"),
    (200, "hai trăm"), (201, "hai trăm linh một"), (205, "hai trăm linh năm"),
    (210, "hai trăm mười"), (211, "hai trăm mười một"), (215, "hai trăm mười lăm"),
    (250, "hai trăm năm mươi"), (255, "hai trăm năm mươi lăm"), (300, "ba trăm"),
    (404, "bốn trăm linh bốn"), (444, "bốn trăm bốn mươi tư"), (500, "năm trăm"),
    (505, "năm trăm linh năm"), (515, "năm trăm mười lăm"), (555, "năm trăm năm mươi lăm"),
    (600, "sáu trăm"), (707, "bảy trăm linh bảy"), (800, "tám trăm"),
    (871, "tám trăm bảy mươi mốt"), (900, "chín trăm"), (999, "chín trăm chín mươi chín"),
    # thousands: không trăm for an empty hundreds digit below the leading group
    (1000, "một nghìn"), (1001, "một nghìn không trăm linh một"),
    (1005, "một nghìn không trăm linh năm"), (1010, "một nghìn không trăm mười"),
    (1011, "một nghìn không trăm mười một"), (1015, "một nghìn không trăm mười lăm"),
    (1021, "một nghìn không trăm hai mươi mốt"), (1023, "một nghìn không trăm hai mươi ba"),
    (1050, "một nghìn không trăm năm mươi"), (1099, "một nghìn không trăm chín mươi chín"),
    (1100, "một nghìn một trăm"), (1101, "một nghìn một trăm linh một"),
    (1234, "một nghìn hai trăm ba mươi tư"), (1500, "một nghìn năm trăm"),
    (1999, "một nghìn chín trăm chín mươi chín"), (2000, "hai nghìn"),
    (2001, "hai nghìn không trăm linh một"), (2024, "hai nghìn không trăm hai mươi tư"),
    (2025, "hai nghìn không trăm hai mươi lăm"), (2500, "hai nghìn năm trăm"),
    (5000, "năm nghìn"), (5555, "năm nghìn năm trăm năm mươi lăm"),
    (9999, "chín nghìn chín trăm chín mươi chín"), (10_000, "mười nghìn"),
    (10_001, "mười nghìn không trăm linh một"), (10_500, "mười nghìn năm trăm"),
    (11_000, "mười một nghìn"), (15_000, "mười lăm nghìn"), (20_000, "hai mươi nghìn"),
    (21_000, "hai mươi mốt nghìn"), (24_000, "hai mươi tư nghìn"), (25_000, "hai mươi lăm nghìn"),
    (99_999, "chín mươi chín nghìn chín trăm chín mươi chín"), (100_000, "một trăm nghìn"),
    (100_001, "một trăm nghìn không trăm linh một"), (101_000, "một trăm linh một nghìn"),
    (105_000, "một trăm linh năm nghìn"), (110_000, "một trăm mười nghìn"),
    (115_000, "một trăm mười lăm nghìn"),
    (123_456, "một trăm hai mươi ba nghìn bốn trăm năm mươi sáu"),
    (500_500, "năm trăm nghìn năm trăm"),
    (999_999, "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    # millions: an all-zero group is skipped, a partial one is read in full
    (1_000_000, "một triệu"), (1_000_001, "một triệu không trăm linh một"),
    (1_000_010, "một triệu không trăm mười"), (1_000_100, "một triệu một trăm"),
    (1_001_000, "một triệu không trăm linh một nghìn"),
    (1_005_000, "một triệu không trăm linh năm nghìn"),
    (1_010_000, "một triệu không trăm mười nghìn"), (1_100_000, "một triệu một trăm nghìn"),
    (1_500_000, "một triệu năm trăm nghìn"), (2_000_500, "hai triệu năm trăm"),
    (2_000_005, "hai triệu không trăm linh năm"), (2_000_023, "hai triệu không trăm hai mươi ba"),
    (2_500_000, "hai triệu năm trăm nghìn"), (10_000_000, "mười triệu"),
    (15_000_000, "mười lăm triệu"), (21_000_000, "hai mươi mốt triệu"),
    (25_000_025, "hai mươi lăm triệu không trăm hai mươi lăm"), (100_000_000, "một trăm triệu"),
    (105_000_000, "một trăm linh năm triệu"),
    (123_456_789, "một trăm hai mươi ba triệu bốn trăm năm mươi sáu nghìn bảy trăm tám mươi chín"),
    (999_999_999, "chín trăm chín mươi chín triệu chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
    # billions (tỷ)
    (1_000_000_000, "một tỷ"), (1_000_000_001, "một tỷ không trăm linh một"),
    (1_000_001_000, "một tỷ không trăm linh một nghìn"),
    (1_001_000_000, "một tỷ không trăm linh một triệu"), (1_000_000_500, "một tỷ năm trăm"),
    (1_200_000_000, "một tỷ hai trăm triệu"), (2_000_000_000, "hai tỷ"),
    (1_234_567_890, "một tỷ hai trăm ba mươi tư triệu năm trăm sáu mươi bảy nghìn tám trăm chín mươi"),
    (5_005_005_005, "năm tỷ không trăm linh năm triệu không trăm linh năm nghìn không trăm linh năm"),
    (10_000_000_000, "mười tỷ"), (21_000_000_000, "hai mươi mốt tỷ"), (100_000_000_000, "một trăm tỷ"),
    (115_000_000_015, "một trăm mười lăm tỷ không trăm mười lăm"),
    (999_999_999_999, "chín trăm chín mươi chín tỷ chín trăm chín mươi chín triệu "
                       "chín trăm chín mươi chín nghìn chín trăm chín mươi chín"),
]
# fmt: on


def test_table_is_large_and_unique():
    numbers = [n for n, _ in NUMBERS]
    assert len(NUMBERS) >= 150
    assert len(set(numbers)) == len(numbers)
    assert set(range(31)) <= set(numbers)


@pytest.mark.parametrize("n, expected", NUMBERS, ids=[str(n) for n, _ in NUMBERS])
def test_read_number(n, expected):
    assert read_number(n) == expected


@pytest.mark.parametrize(
    "n, expected",
    [
        (101, "một trăm lẻ một"),
        (105, "một trăm lẻ năm"),
        (1005, "một nghìn không trăm lẻ năm"),
        (2_000_005, "hai triệu không trăm lẻ năm"),
        (110, "một trăm mười"),
        (121, "một trăm hai mươi mốt"),
    ],
)
def test_le_style(n, expected):
    assert read_number(n, style="lẻ") == expected


@pytest.mark.parametrize(
    "n, expected",
    [
        (1000, "một ngàn"),
        (1005, "một ngàn không trăm linh năm"),
        (21_000, "hai mươi mốt ngàn"),
        (1_001_000, "một triệu không trăm linh một ngàn"),
    ],
)
def test_southern_thousand(n, expected):
    assert read_number(n, thousand="ngàn") == expected


def test_style_accepts_decomposed_unicode():
    assert read_number(101, style=unicodedata.normalize("NFD", "lẻ")) == "một trăm lẻ một"


@pytest.mark.parametrize(
    "bad, error",
    [
        (-1, ValueError),
        (MAX_NUMBER + 1, ValueError),
        (10**15, ValueError),
        (1.0, TypeError),
        ("12", TypeError),
        (None, TypeError),
        (True, TypeError),
    ],
)
def test_read_number_rejects(bad, error):
    with pytest.raises(error) as info:
        read_number(bad)
    assert str(info.value)  # a message, in English


def test_read_number_rejects_unknown_style():
    with pytest.raises(ValueError, match="style must be one of"):
        read_number(101, style="le")
    with pytest.raises(ValueError, match="thousand must be one of"):
        read_number(1000, thousand="ngan")


def _is_clean(text: str) -> bool:
    return text == unicodedata.normalize("NFC", text) and text == text.lower() and "  " not in text


def _parse(text: str) -> int:
    """Independent reader of the produced Vietnamese, checking the grammar on the way."""
    units = {w: i for i, w in enumerate(DIGITS)} | {"mốt": 1, "tư": 4, "lăm": 5}
    scales = {"nghìn": 10**3, "ngàn": 10**3, "triệu": 10**6, "tỷ": 10**9}
    words = text.split()
    total = group = pending = 0
    for i, word in enumerate(words):
        prev = words[i - 1] if i else ""
        nxt = words[i + 1] if i + 1 < len(words) else ""
        if word in ("mốt", "tư"):
            assert prev == "mươi", f"{word!r} must follow mươi in {text!r}"
        if word == "lăm":
            assert prev in ("mười", "mươi"), f"lăm must follow mười/mươi in {text!r}"
        if word == "năm":
            assert prev not in ("mười", "mươi"), f"năm after {prev} in {text!r}"
        if word in ("một", "bốn"):
            assert prev != "mươi", f"{word!r} after mươi in {text!r}"
        if word == "không":
            assert nxt == "trăm" or text == "không", f"stray không in {text!r}"
        if word in ("linh", "lẻ"):
            assert prev == "trăm" and nxt in DIGITS[1:], f"bad {word} in {text!r}"
        if word in units:
            pending = units[word]
        elif word == "trăm":
            group, pending = group + pending * 100, 0
        elif word == "mười":
            group += 10
        elif word == "mươi":
            assert pending >= 2, f"mươi after {prev!r} in {text!r}"
            group, pending = group + pending * 10, 0
        elif word in ("linh", "lẻ"):
            pass
        elif word in scales:
            total += (group + pending) * scales[word]
            group = pending = 0
        else:
            raise AssertionError(f"unknown word {word!r} in {text!r}")
    return total + group + pending


@pytest.mark.parametrize("n, expected", NUMBERS[:60])
def test_parser_agrees_with_table(n, expected):
    assert _parse(expected) == n


def test_first_twelve_thousand_round_trip():
    for n in range(12_000):
        text = read_number(n)
        assert _is_clean(text), text
        assert _parse(text) == n, (n, text)


@settings(max_examples=400, deadline=None)
@given(st.integers(min_value=0, max_value=MAX_NUMBER), st.sampled_from(["linh", "lẻ"]), st.sampled_from(["nghìn", "ngàn"]))
def test_round_trip_any_number(n, style, thousand):
    text = read_number(n, style=style, thousand=thousand)
    assert _is_clean(text)
    assert set(text.split()) <= set(NUMBER_WORDS)
    assert _parse(text) == n


# -- digits ---------------------------------------------------------------------


@pytest.mark.parametrize(
    "digits, expected",
    [
        ("0", "không"),
        ("015", "không một năm"),
        ("007", "không không bảy"),
        ("105", "một không năm"),
        ("1234567890", "một hai ba bốn năm sáu bảy tám chín không"),
        (" 44 ", "bốn bốn"),
        (25, "hai năm"),
        (0, "không"),
    ],
)
def test_read_digits(digits, expected):
    assert read_digits(digits) == expected


@pytest.mark.parametrize("bad", ["", "   ", "12a", "-1", "1 2", "١٢", "²", "1.5", -3])
def test_read_digits_rejects(bad):
    with pytest.raises(ValueError):
        read_digits(bad)


@pytest.mark.parametrize("bad", [None, 1.5, True, b"12"])
def test_read_digits_rejects_types(bad):
    with pytest.raises(TypeError):
        read_digits(bad)


# -- letters ----------------------------------------------------------------------


def test_letter_names_are_clean_and_keys_unique_ascii():
    keys = [letter_key(ch) for ch in LETTERS]
    assert len(set(keys)) == len(keys)
    for ch, (name, _) in LETTERS.items():
        assert _is_clean(name), name
        assert ch == unicodedata.normalize("NFC", ch) and ch == ch.upper()
        assert re.fullmatch(r"letter_[a-z]+", letter_key(ch))
    assert set("ABCDEFGHIJKLMNOPQRSTUVWXYZ") <= set(LETTERS)


@pytest.mark.parametrize(
    "letter, name",
    [
        ("A", "a"), ("B", "bê"), ("C", "xê"), ("D", "dê"), ("Đ", "đê"), ("E", "e"), ("G", "giê"),
        ("H", "hát"), ("K", "ca"), ("L", "e-lờ"), ("M", "em-mờ"), ("N", "en-nờ"), ("P", "pê"),
        ("Q", "quy"), ("S", "ét-xì"), ("T", "tê"), ("V", "vê"), ("X", "ích-xì"), ("Y", "i dài"),
        ("đ", "đê"), ("x", "ích-xì"),
    ],
)
def test_letter_names(letter, name):
    assert letter_name(letter) == name


def test_normalize_letter():
    assert normalize_letter(unicodedata.normalize("NFD", "ư")) == "Ư"
    for bad in ["", "AB", "1", "Ç", "-"]:
        with pytest.raises(ValueError):
            normalize_letter(bad)


# -- tickets ----------------------------------------------------------------------

TICKETS = [
    ("A023", "number", "a hai mươi ba"),
    ("A023", "digits", "a không hai ba"),
    ("a023", "number", "a hai mươi ba"),
    (" A023 ", "number", "a hai mươi ba"),
    ("A001", "number", "a một"),
    ("A001", "digits", "a không không một"),
    ("A000", "number", "a không"),
    ("B105", "number", "bê một trăm linh năm"),
    ("B105", "digits", "bê một không năm"),
    ("C010", "number", "xê mười"),
    ("D014", "number", "dê mười bốn"),
    ("Đ015", "number", "đê mười lăm"),
    ("đ015", "number", "đê mười lăm"),
    ("E021", "number", "e hai mươi mốt"),
    ("G024", "number", "giê hai mươi tư"),
    ("H025", "number", "hát hai mươi lăm"),
    ("K100", "number", "ca một trăm"),
    ("L1005", "number", "e-lờ một nghìn không trăm linh năm"),
    ("L005", "digits", "e-lờ không không năm"),
    ("M999", "number", "em-mờ chín trăm chín mươi chín"),
    ("N1000", "number", "en-nờ một nghìn"),
    ("P011", "number", "pê mười một"),
    ("Q7", "number", "quy bảy"),
    ("S404", "number", "ét-xì bốn trăm linh bốn"),
    ("T9999", "number", "tê chín nghìn chín trăm chín mươi chín"),
    ("T9999", "digits", "tê chín chín chín chín"),
    ("V050", "number", "vê năm mươi"),
    ("X115", "number", "ích-xì một trăm mười lăm"),
    ("Y1", "number", "i dài một"),
    ("AB012", "number", "a bê mười hai"),
    ("ĐX-1", "number", "đê ích-xì một"),
    ("K 21", "number", "ca hai mươi mốt"),
    ("123", "number", "một trăm hai mươi ba"),
    ("0123", "digits", "không một hai ba"),
]


@pytest.mark.parametrize("code, mode, expected", TICKETS)
def test_read_ticket(code, mode, expected):
    assert read_ticket(code, mode) == expected


def test_read_ticket_style_passthrough():
    assert read_ticket("B105", style="lẻ") == "bê một trăm lẻ năm"
    assert read_ticket("B1000", thousand="ngàn") == "bê một ngàn"


def test_read_ticket_is_nfc_for_decomposed_input():
    decomposed = unicodedata.normalize("NFD", "Đ015")
    assert read_ticket(decomposed) == "đê mười lăm"
    assert parse_ticket(decomposed) == ("Đ", "015")


@pytest.mark.parametrize(
    "bad",
    ["", "   ", "A", "A-", "023A", "A0B1", "A 0 23", "@12", "A12.5", "Ç12", "A--1", "A_1", "A\n1", "A١٢"],
)
def test_read_ticket_rejects_bad_codes(bad):
    with pytest.raises(ValueError, match="ticket code"):
        read_ticket(bad)


def test_read_ticket_rejects_bad_mode_and_huge_numbers():
    with pytest.raises(ValueError, match="mode must be one of"):
        read_ticket("A1", mode="letters")
    with pytest.raises(ValueError, match="too large"):
        read_ticket("A" + "9" * 13)
    assert read_ticket("A" + "0" * 20 + "5") == "a năm"
    assert read_ticket("A" + "9" * 13, mode="digits").count("chín") == 13
    with pytest.raises(TypeError):
        read_ticket(23)
