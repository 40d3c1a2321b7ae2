"""Tests for ticket_printer.render: layout, Vietnamese text, QR code."""

from __future__ import annotations

import dataclasses
import unicodedata
from datetime import datetime, timedelta, timezone

import pytest
import qrcode
from PIL import Image, ImageChops

from tests.conftest import ROOT, need
from ticket_printer import render
from ticket_printer.render import (
    DEFAULT_FOOTER,
    DEJAVU_BOLD,
    DEJAVU_REGULAR,
    FontNotFoundError,
    TicketFonts,
    TicketInfo,
    example_ticket_info,
    format_issued_at,
    format_wait,
    main,
    nfc,
    render_ticket,
    render_ticket_detailed,
    wrap_text,
)

WIDTHS = (384, 512, 576)
HAVE_DEJAVU = DEJAVU_REGULAR.is_file() and DEJAVU_BOLD.is_file()

# Every Vietnamese letter: the 12 vowels with the 6 tones, plus đ, upper and lower.
_VOWELS = "aăâeêioôơuưy"
_TONES = ("", "\u0300", "\u0301", "\u0303", "\u0309", "\u0323")
VIETNAMESE_LETTERS = sorted(
    {unicodedata.normalize("NFC", v + t) for v in _VOWELS for t in _TONES}
    | {unicodedata.normalize("NFC", v.upper() + t) for v in _VOWELS for t in _TONES}
    | {"đ", "Đ"}
)


def ink_bbox(image: Image.Image, box=None):
    """Bounding box of the black pixels of a mode "1" image (or a part of it)."""
    part = image.crop(box) if box else image
    bbox = part.convert("L").point(lambda v: 255 - v).getbbox()
    if bbox and box:
        bbox = (bbox[0] + box[0], bbox[1] + box[1], bbox[2] + box[0], bbox[3] + box[1])
    return bbox


def black_fraction(image: Image.Image, box) -> float:
    part = image.crop(box).convert("L")
    hist = part.histogram()
    return hist[0] / max(1, sum(hist))


def row_bands(image: Image.Image):
    """(top, bottom) of every run of consecutive rows that hold ink."""
    grey = image.convert("L")
    width = image.width
    bands, start = [], None
    data = grey.tobytes()
    for y in range(image.height):
        inked = min(data[y * width:(y + 1) * width]) == 0
        if inked and start is None:
            start = y
        elif not inked and start is not None:
            bands.append((start, y))
            start = None
    if start is not None:
        bands.append((start, image.height))
    return bands


@pytest.fixture(scope="module")
def info() -> TicketInfo:
    return example_ticket_info()


@pytest.fixture(scope="module")
def rendered(info):
    return {w: render_ticket_detailed(info, w) for w in WIDTHS}


# -- size, mode, margins ----------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_size_and_mode(rendered, width):
    image = rendered[width].image
    assert image.mode == "1"
    assert image.width == width
    assert width < image.height < 4 * width


@pytest.mark.parametrize("width", WIDTHS)
def test_no_ink_in_side_margins(rendered, width):
    image = rendered[width].image
    left, top, right, bottom = ink_bbox(image)
    assert left >= 8 and right <= width - 8


@pytest.mark.parametrize("width", WIDTHS)
def test_regions_are_in_order_and_inside(rendered, width):
    ticket = rendered[width]
    order = ["centre", "field", "code", "priority", "issued_at", "people_ahead", "wait", "qr",
             "qr_caption", "footer"]
    tops = [ticket.regions[name][1] for name in order]
    assert tops == sorted(tops)
    for name in order:
        x0, y0, x1, y1 = ticket.regions[name]
        assert 0 <= x0 < x1 <= width and 0 <= y0 < y1 <= ticket.image.height
        assert ink_bbox(ticket.image, ticket.regions[name]) is not None, name


def test_render_ticket_is_render_ticket_detailed_image(info, rendered):
    assert render_ticket(info, 576).tobytes() == rendered[576].image.tobytes()


@pytest.mark.parametrize("width", [100, 255, 2049, 576.0])
def test_rejects_bad_width(info, width):
    with pytest.raises(ValueError):
        render_ticket(info, width)


# -- the number ---------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_number_fills_most_of_the_width(rendered, width):
    ticket = rendered[width]
    ink = ink_bbox(ticket.image, ticket.regions["code"])
    ink_width, ink_height = ink[2] - ink[0], ink[3] - ink[1]
    assert ink_width >= 0.85 * width
    assert ink_height >= 0.2 * width
    # Horizontally centred.
    assert abs((ink[0] + ink[2]) / 2 - width / 2) <= 0.02 * width


@pytest.mark.parametrize("width", WIDTHS)
def test_number_is_tallest_text_band(rendered, width):
    """Independent of the regions: find the number as the tallest wide band of ink."""
    ticket = rendered[width]
    image = ticket.image
    qr_top, qr_bottom = ticket.regions["qr"][1], ticket.regions["qr"][3]
    bands = [b for b in row_bands(image) if not (b[0] >= qr_top and b[1] <= qr_bottom)]
    top, bottom = max(bands, key=lambda b: b[1] - b[0])
    ink = ink_bbox(image, (0, top, width, bottom))
    assert bottom - top >= 0.2 * width
    assert ink[2] - ink[0] >= 0.85 * width
    # ... and it is the number: much taller than any other band.
    others = sorted((b[1] - b[0] for b in bands), reverse=True)[1]
    assert bottom - top > 2 * others


@pytest.mark.parametrize("code", ["A1", "A023", "B1024", "VIP-007"])
def test_other_codes_fit(info, code):
    ticket = render_ticket_detailed(dataclasses.replace(info, code=code), 384)
    x0, _, x1, _ = ticket.regions["code"]
    assert 0 < x0 and x1 < 384
    assert ink_bbox(ticket.image, ticket.regions["code"]) is not None


# -- Vietnamese text ------------------------------------------------------------


def test_nfd_input_renders_like_nfc(info):
    decomposed = {
        name: unicodedata.normalize("NFD", getattr(info, name))
        for name in ("centre_name", "field_name", "priority", "footer")
    }
    assert decomposed["centre_name"] != info.centre_name  # really decomposed
    nfd_info = TicketInfo(
        centre_name=decomposed["centre_name"],
        field_name=decomposed["field_name"],
        code=info.code,
        priority=decomposed["priority"],
        issued_at=info.issued_at,
        people_ahead=info.people_ahead,
        estimated_wait_min=info.estimated_wait_min,
        tracking_url=info.tracking_url,
        footer=decomposed["footer"],
    )
    assert nfd_info == info
    assert render_ticket(nfd_info, 384).tobytes() == render_ticket(info, 384).tobytes()


def test_nfc_helper():
    assert nfc("Ho\u0302\u0300  Chi\u0301\tMinh ") == "Hồ Chí Minh"
    assert nfc(" a \n  b ") == "a\nb"


@pytest.mark.parametrize("face", ["regular", "bold"])
def test_font_covers_every_vietnamese_letter(face):
    fonts = TicketFonts.find()
    font = getattr(fonts, f"{face}_at")(40)
    missing = font.getmask("\ue000")  # private-use: renders as .notdef
    notdef = (missing.size, bytes(missing))
    bad = []
    for letter in VIETNAMESE_LETTERS:
        mask = font.getmask(letter)
        if (mask.size, bytes(mask)) == notdef or not mask.getbbox():
            bad.append(letter)
    assert not bad, f"{fonts} lacks glyphs for {''.join(bad)}"


def test_vendored_font_is_used_by_default():
    assert TicketFonts.find() == TicketFonts(render.VENDORED_REGULAR, render.VENDORED_BOLD)
    assert (render.FONT_DIR / "OFL.txt").is_file()


def test_wrap_text_fits_and_keeps_words():
    font = TicketFonts.find().regular_at(22)
    text = ("Bộ phận Tiếp nhận và Trả kết quả giải quyết thủ tục hành chính "
            "Ủy ban nhân dân phường Nguyễn Thái Bình, Quận 1, Thành phố Hồ Chí Minh")
    lines = wrap_text(text, font, 300)
    assert len(lines) >= 3
    assert all(font.getlength(line) <= 300 for line in lines)
    assert " ".join(lines) == text
    assert all(line == line.strip() and line for line in lines)


def test_wrap_text_breaks_overlong_word():
    font = TicketFonts.find().regular_at(22)
    url = "https://motcua.example.vn/theo-doi/luot/A023-7F3K-9Q2M-XXXXXXXXXXXXXXXX"
    lines = wrap_text(url, font, 150)
    assert len(lines) > 1
    assert "".join(lines) == url
    assert all(font.getlength(line) <= 150 for line in lines)


def test_wrap_text_keeps_explicit_newlines():
    font = TicketFonts.find().regular_at(22)
    assert wrap_text("Dòng một\nDòng hai", font, 500) == ["Dòng một", "Dòng hai"]


def test_long_centre_name_wraps_on_ticket(info):
    long_name = ("Bộ phận Tiếp nhận và Trả kết quả giải quyết thủ tục hành chính "
                 "Ủy ban nhân dân phường Nguyễn Thái Bình, Quận 1, Thành phố Hồ Chí Minh")
    short = render_ticket_detailed(dataclasses.replace(info, centre_name="UBND Phường 1"), 384)
    long = render_ticket_detailed(dataclasses.replace(info, centre_name=long_name), 384)
    short_h = short.regions["centre"][3] - short.regions["centre"][1]
    long_h = long.regions["centre"][3] - long.regions["centre"][1]
    assert long_h >= 4 * short_h
    left, _, right, _ = ink_bbox(long.image)
    assert left >= 8 and right <= 384 - 8


def test_long_footer_wraps(info):
    footer = "Vui lòng chờ đến lượt. " * 8 + "Xin cảm ơn!"
    ticket = render_ticket_detailed(dataclasses.replace(info, footer=footer), 384)
    default = render_ticket_detailed(info, 384)
    assert ticket.image.height > default.image.height
    assert ink_bbox(ticket.image)[2] <= 384 - 8


# -- dates and counts ------------------------------------------------------------


def test_issue_time_is_local_vietnam_time():
    assert format_issued_at(datetime(2025, 11, 26, 2, 5, tzinfo=timezone.utc)) == "26/11/2025 09:05"
    # Across midnight, from another zone.
    paris = timezone(timedelta(hours=1))
    assert format_issued_at(datetime(2025, 12, 31, 19, 30, tzinfo=paris)) == "01/01/2026 01:30"
    with pytest.raises(ValueError):
        format_issued_at(datetime(2025, 11, 26, 9, 5))


def test_wait_line():
    assert format_wait(15) == "Thời gian chờ dự kiến: khoảng 15 phút"
    assert format_wait(0) == "Thời gian chờ dự kiến: dưới 1 phút"
    assert format_wait(None) is None


def test_optional_parts_omitted(info):
    bare = dataclasses.replace(info, priority=None, estimated_wait_min=None, tracking_url=None)
    ticket = render_ticket_detailed(bare, 512)
    for name in ("priority", "wait", "qr", "qr_caption"):
        assert name not in ticket.regions
    assert ticket.qr_module_px == 0
    assert ticket.image.height < render_ticket(info, 512).height


@pytest.mark.parametrize("kwargs", [
    {"issued_at": datetime(2025, 11, 26, 9, 5)},
    {"people_ahead": -1},
    {"people_ahead": 1.5},
    {"estimated_wait_min": -3},
    {"code": "  "},
])
def test_ticket_info_validation(info, kwargs):
    with pytest.raises(ValueError):
        dataclasses.replace(info, **kwargs)


def test_defaults():
    ticket = TicketInfo(centre_name="UBND Phường 1", field_name="Chứng thực", code="B007",
                        issued_at=datetime.now(timezone.utc), people_ahead=0)
    assert ticket.footer == DEFAULT_FOOTER
    assert ticket.priority is None and ticket.tracking_url is None
    assert render_ticket(ticket, 384).width == 384


# -- priority mark ---------------------------------------------------------------


@pytest.mark.parametrize("width", WIDTHS)
def test_priority_mark_is_inverted_box(rendered, width):
    ticket = rendered[width]
    x0, y0, x1, y1 = ticket.regions["priority"]
    assert x1 - x0 >= 0.9 * width
    # Mostly black (white text on black) ...
    assert black_fraction(ticket.image, (x0, y0, x1, y1)) > 0.6
    # ... with white text inside.
    assert black_fraction(ticket.image, (x0, y0, x1, y1)) < 0.98


def longest_dark_run(ticket) -> int:
    """Longest run of consecutive rows more than half black, outside the number and QR."""
    image = ticket.image.convert("L")
    width, data = image.width, image.tobytes()
    skip = [ticket.regions[name] for name in ("code", "qr") if name in ticket.regions]
    best = run = 0
    for y in range(image.height):
        if any(top <= y < bottom for _, top, _, bottom in skip):
            run = 0
            continue
        run = run + 1 if data[y * width:(y + 1) * width].count(0) > width / 2 else 0
        best = max(best, run)
    return best


@pytest.mark.parametrize("width", WIDTHS)
def test_no_priority_mark_without_priority(info, rendered, width):
    plain = render_ticket_detailed(dataclasses.replace(info, priority=None), width)
    assert "priority" not in plain.regions
    assert longest_dark_run(plain) <= 2  # only the thin rules
    with_mark = rendered[width]
    box = with_mark.regions["priority"]
    assert longest_dark_run(with_mark) >= box[3] - box[1]
    assert plain.image.height < with_mark.image.height


# -- QR code ---------------------------------------------------------------------


def reference_matrix(url: str):
    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    return qr.get_matrix()


def sample_modules(image: Image.Image, box, module_px: int):
    x0, y0, x1, y1 = box
    modules = (x1 - x0) // module_px
    grey = image.convert("L")
    return [
        [grey.getpixel((x0 + c * module_px + module_px // 2, y0 + r * module_px + module_px // 2)) == 0
         for c in range(modules)]
        for r in range(modules)
    ]


@pytest.mark.parametrize("width", WIDTHS)
def test_qr_code_matches_qrcode_matrix(info, rendered, width):
    ticket = rendered[width]
    box = ticket.regions["qr"]
    module_px = ticket.qr_module_px
    assert module_px >= 3  # printable and scannable at 203 dpi
    matrix = reference_matrix(info.tracking_url)
    assert box[2] - box[0] == box[3] - box[1] == len(matrix) * module_px
    assert sample_modules(ticket.image, box, module_px) == matrix
    # Every module is a solid square, not just its centre.
    x0, y0 = box[:2]
    grey = ticket.image.convert("L")
    for r, row in enumerate(matrix):
        for c, dark in enumerate(row):
            cell = grey.crop((x0 + c * module_px, y0 + r * module_px,
                              x0 + (c + 1) * module_px, y0 + (r + 1) * module_px))
            assert cell.getextrema() == ((0, 0) if dark else (255, 255))
    # Quiet zone of 4 modules is white.
    quiet = 4 * module_px
    around = (box[0] - quiet, box[1] - quiet, box[2] + quiet, box[3] + quiet)
    mask = Image.new("1", ticket.image.size, 0)
    mask.paste(1, around)
    mask.paste(0, box)
    inked = Image.new("1", ticket.image.size, 1)
    inked.paste(ticket.image, (0, 0), mask)
    assert ink_bbox(inked) is None


@pytest.mark.parametrize("width", WIDTHS)
def test_qr_code_decodes(rendered, info, width):
    """A phone can read the QR code (decoded with zbar: pip 'pyzbar', Debian 'libzbar0')."""

    try:
        from pyzbar import pyzbar
    except (ImportError, OSError) as exc:
        need(False, f"QR decoding needs pyzbar and libzbar0: {exc}")
    results = pyzbar.decode(rendered[width].image.convert("L"))
    assert [r.data.decode() for r in results] == [info.tracking_url]


# -- fonts and CLI -----------------------------------------------------------------


def test_falls_back_to_dejavu(monkeypatch, tmp_path, info):
    need(HAVE_DEJAVU, "fonts-dejavu-core not installed (apt-get install fonts-dejavu-core)")
    monkeypatch.setattr(render, "VENDORED_REGULAR", tmp_path / "missing.ttf")
    fonts = TicketFonts.find()
    assert fonts == TicketFonts(DEJAVU_REGULAR, DEJAVU_BOLD)
    ticket = render_ticket_detailed(info, 384, fonts=fonts)
    assert ticket.image.width == 384
    assert ink_bbox(ticket.image, ticket.regions["code"])[2] - ink_bbox(ticket.image, ticket.regions["code"])[0] >= 0.85 * 384


def test_no_font_is_a_clear_error(monkeypatch, tmp_path, info):
    monkeypatch.setattr(render, "VENDORED_REGULAR", tmp_path / "missing.ttf")
    monkeypatch.setattr(render, "DEJAVU_REGULAR", tmp_path / "missing-dejavu.ttf")
    with pytest.raises(FontNotFoundError, match="fonts-dejavu-core"):
        render_ticket(info, 576)


def test_cli_writes_example(tmp_path, capsys):
    out = tmp_path / "sub" / "ticket.png"
    assert main(["--example", str(out), "--width", "384"]) == 0
    image = Image.open(out)
    assert image.size[0] == 384 and image.mode == "1"
    assert "ticket.png" in capsys.readouterr().out


def test_docs_example_image_is_current():
    """docs/images/ticket-example.png is what --example renders at 576 px, pixel for pixel."""
    path = ROOT / "docs" / "images" / "ticket-example.png"
    regenerate = "regenerate it with: python -m ticket_printer.render --example docs/images/ticket-example.png"
    assert path.is_file(), f"{path} is missing; {regenerate}"
    expected = render_ticket(example_ticket_info(), 576).convert("1")
    stored = Image.open(path).convert("1")
    assert stored.size == expected.size, f"size {stored.size}, renders as {expected.size}; {regenerate}"
    differ = ImageChops.difference(stored.convert("L"), expected.convert("L")).getbbox()
    assert differ is None, f"the docs image differs from the rendering in the box {differ}; {regenerate}"


def test_counts_are_coerced_to_whole_numbers(info):
    ticket = dataclasses.replace(info, people_ahead=3.0, estimated_wait_min=12.6)
    assert ticket.people_ahead == 3 and type(ticket.people_ahead) is int
    assert ticket.estimated_wait_min == 13


def test_rendering_from_several_threads_is_consistent(info):
    from concurrent.futures import ThreadPoolExecutor

    expected = render_ticket(info, 384).tobytes()
    with ThreadPoolExecutor(max_workers=4) as pool:
        results = list(pool.map(lambda _: render_ticket(info, 384).tobytes(), range(6)))
    assert all(result == expected for result in results)
