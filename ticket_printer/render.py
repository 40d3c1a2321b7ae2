"""Render queue tickets as 1-bit images for ESC/POS thermal printers.

Thermal printers' Vietnamese code pages are unreliable (CP1258 turns tone
marks into ``?``), so a ticket is never sent as text: it is drawn here with a
TrueType font that covers Vietnamese fully and sent to the printer as a raster
image (see :mod:`ticket_printer.printer`).

All text is NFC-normalised before it is measured or drawn, so decomposed
input (``"a" + U+0301``) and precomposed input (``"á"``) give the same ticket.

Typical use::

    from datetime import datetime, timezone
    from ticket_printer.render import TicketInfo, render_ticket

    info = TicketInfo(
        centre_name="Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh",
        field_name="Đăng ký hộ tịch",
        code="A023",
        priority="Người cao tuổi",
        issued_at=datetime.now(timezone.utc),
        people_ahead=5,
        estimated_wait_min=15,
        tracking_url="https://motcua.example.vn/t/A023",
    )
    image = render_ticket(info, width_px=576)   # PIL image, mode "1"
    image.save("ticket.png")

An example ticket can be written from the command line::

    python -m ticket_printer.render --example docs/images/ticket-example.png

Fonts: the renderer uses Be Vietnam Pro vendored in ``ticket_printer/fonts/``
(SIL OFL 1.1). If those files are missing it falls back to DejaVu Sans from
Debian's ``fonts-dejavu-core``; if that is missing too it raises
:class:`FontNotFoundError`. Pass ``fonts=TicketFonts(regular=..., bold=...)``
to use other files.
"""

from __future__ import annotations

import argparse
import functools
import sys
import threading
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from zoneinfo import ZoneInfo

import qrcode
from PIL import Image, ImageDraw, ImageFont

__all__ = [
    "DEFAULT_FOOTER",
    "DEJAVU_BOLD",
    "DEJAVU_REGULAR",
    "FONT_DIR",
    "LOCAL_TZ",
    "MAX_WIDTH_PX",
    "MIN_WIDTH_PX",
    "QR_CAPTION",
    "VENDORED_BOLD",
    "VENDORED_REGULAR",
    "Box",
    "FontNotFoundError",
    "RenderedTicket",
    "TicketFonts",
    "TicketInfo",
    "example_ticket_info",
    "format_issued_at",
    "format_wait",
    "main",
    "nfc",
    "qr_matrix",
    "render_ticket",
    "render_ticket_detailed",
    "wrap_text",
]

#: Time zone in which the issue time is printed.
LOCAL_TZ = ZoneInfo("Asia/Ho_Chi_Minh")

#: Footer printed when :attr:`TicketInfo.footer` is not given.
DEFAULT_FOOTER = "Vui lòng chờ đến lượt. Xin cảm ơn!"

#: Caption printed under the QR code.
QR_CAPTION = "Quét mã để theo dõi lượt"

#: Narrowest and widest images :func:`render_ticket` accepts. Thermal
#: printers use 384 px (58 mm paper) and 512 or 576 px (80 mm paper).
MIN_WIDTH_PX = 256
MAX_WIDTH_PX = 2048

#: Directory holding the vendored fonts.
FONT_DIR = Path(__file__).resolve().with_name("fonts")
VENDORED_REGULAR = FONT_DIR / "BeVietnamPro-Medium.ttf"
VENDORED_BOLD = FONT_DIR / "BeVietnamPro-Bold.ttf"

#: Fallback fonts from Debian's ``fonts-dejavu-core``.
DEJAVU_DIR = Path("/usr/share/fonts/truetype/dejavu")
DEJAVU_REGULAR = DEJAVU_DIR / "DejaVuSans.ttf"
DEJAVU_BOLD = DEJAVU_DIR / "DejaVuSans-Bold.ttf"

# Text used to measure how far marks reach above and below the baseline:
# Vietnamese stacks a tone mark on top of a circumflex or breve ("Ễ", "Ẫ").
_TALL_SAMPLE = "ỄỖẪẴÁÀẢ"
_DEEP_SAMPLE = "gjpqyỵẠ"

Box = tuple[int, int, int, int]
"""A pixel box ``(left, top, right, bottom)``, right and bottom exclusive."""


class FontNotFoundError(FileNotFoundError):
    """No font covering Vietnamese could be found.

    Raised by :meth:`TicketFonts.find` when neither the vendored fonts nor
    Debian's DejaVu Sans are installed.
    """


# --------------------------------------------------------------------------
# Text helpers
# --------------------------------------------------------------------------


def nfc(text: str) -> str:
    """Return *text* NFC-normalised, with runs of blanks collapsed.

    Line breaks are kept; spaces and tabs inside a line collapse to one
    space; every line is stripped, and so is the whole text::

        >>> nfc("Ho\u0302\u0300  Chi\u0301\\tMinh ")
        'Hồ Chí Minh'
    """
    text = unicodedata.normalize("NFC", str(text))
    lines = [" ".join(line.split()) for line in text.splitlines()]
    return "\n".join(lines).strip()


def format_issued_at(issued_at: datetime) -> str:
    """Format an aware datetime as local Vietnamese time, ``dd/mm/yyyy HH:MM``.

    ::

        >>> from datetime import datetime, timezone
        >>> format_issued_at(datetime(2025, 11, 26, 2, 5, tzinfo=timezone.utc))
        '26/11/2025 09:05'

    :raises ValueError: if *issued_at* is naive.
    """
    if issued_at.tzinfo is None or issued_at.utcoffset() is None:
        raise ValueError("issued_at must be a timezone-aware datetime")
    return issued_at.astimezone(LOCAL_TZ).strftime("%d/%m/%Y %H:%M")


def format_wait(estimated_wait_min: int | None) -> str | None:
    """Return the estimated-wait line, or ``None`` when there is no estimate.

    ::

        >>> format_wait(15)
        'Thời gian chờ dự kiến: khoảng 15 phút'
        >>> format_wait(0)
        'Thời gian chờ dự kiến: dưới 1 phút'
        >>> format_wait(None) is None
        True
    """
    if estimated_wait_min is None:
        return None
    if estimated_wait_min < 1:
        return "Thời gian chờ dự kiến: dưới 1 phút"
    return f"Thời gian chờ dự kiến: khoảng {estimated_wait_min} phút"


def _graphemes_prefix_end(word: str, end: int) -> int:
    """Move *end* left so that it does not split a base letter from its marks."""
    while 0 < end < len(word) and unicodedata.combining(word[end]):
        end -= 1
    return end


def _split_long_word(word: str, font: ImageFont.FreeTypeFont, max_width: float) -> tuple[str, str]:
    """Split a word wider than *max_width* into a fitting head and the rest.

    Prefers breaking after ``/``, ``-`` or ``.`` (URLs, codes); otherwise
    breaks between characters. The head always holds at least one character.
    """
    lo, hi = 1, len(word)
    # Largest prefix length that fits (binary search; getlength is monotonic).
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if font.getlength(word[:mid]) <= max_width:
            lo = mid
        else:
            hi = mid - 1
    end = _graphemes_prefix_end(word, lo) or lo
    for sep in ("/", "-", "."):
        pos = word.rfind(sep, 0, end)
        if pos > end // 2:
            end = pos + 1
            break
    return word[:end], word[end:]


def wrap_text(text: str, font: ImageFont.FreeTypeFont, max_width: float) -> list[str]:
    """Wrap *text* at word boundaries so every line fits in *max_width* pixels.

    The text is NFC-normalised first. Explicit line breaks are kept. A single
    word wider than the line (a long URL, say) is broken inside the word.
    Returns at least one line (possibly empty)::

        >>> from ticket_printer.render import TicketFonts
        >>> font = TicketFonts.find().regular_at(24)
        >>> lines = wrap_text("Trung tâm Phục vụ hành chính công", font, 200)
        >>> all(font.getlength(line) <= 200 for line in lines)
        True
    """
    text = nfc(text)
    lines: list[str] = []
    for paragraph in text.split("\n"):
        words = paragraph.split(" ")
        current = ""
        for word in words:
            if not word:
                continue
            candidate = f"{current} {word}" if current else word
            if font.getlength(candidate) <= max_width:
                current = candidate
                continue
            if current:
                lines.append(current)
            while font.getlength(word) > max_width and len(word) > 1:
                head, word = _split_long_word(word, font, max_width)
                lines.append(head)
            current = word
        lines.append(current)
    return lines or [""]


# --------------------------------------------------------------------------
# Fonts
# --------------------------------------------------------------------------


# FreeType faces are shared through the cache below and are not safe to use
# from two threads at once: rendering is serialised.
_RENDER_LOCK = threading.RLock()


# Each cached face holds ~180 KB of FreeType state. The number's size differs from
# code to code (A001, A111, ...), so a large cache fills with sizes used once: 24
# faces keep the dispenser ~6 MB smaller than 64 did, at no measurable speed cost.
@functools.lru_cache(maxsize=24)
def _load_font(path: str, size: int) -> ImageFont.FreeTypeFont:
    return ImageFont.truetype(path, size)


@dataclass(frozen=True)
class TicketFonts:
    """The pair of TrueType files a ticket is drawn with.

    *regular* is the body-text face (Be Vietnam Pro Medium when vendored,
    DejaVu Sans otherwise); *bold* is used for headings and the number.

    ::

        fonts = TicketFonts.find()            # vendored, else DejaVu Sans
        fonts = TicketFonts(regular="/path/Regular.ttf", bold="/path/Bold.ttf")
        image = render_ticket(info, fonts=fonts)
    """

    regular: Path
    bold: Path

    def __post_init__(self) -> None:
        object.__setattr__(self, "regular", Path(self.regular))
        object.__setattr__(self, "bold", Path(self.bold))

    @classmethod
    def find(cls) -> TicketFonts:
        """Return the vendored Be Vietnam Pro, else Debian's DejaVu Sans.

        :raises FontNotFoundError: if neither pair of files exists.
        """
        for regular, bold in ((VENDORED_REGULAR, VENDORED_BOLD), (DEJAVU_REGULAR, DEJAVU_BOLD)):
            if regular.is_file() and bold.is_file():
                return cls(regular=regular, bold=bold)
        raise FontNotFoundError(
            "No font covering Vietnamese was found. Expected the vendored "
            f"{VENDORED_REGULAR.name} and {VENDORED_BOLD.name} in {FONT_DIR}, "
            f"or DejaVu Sans in {DEJAVU_DIR} (Debian package 'fonts-dejavu-core': "
            "sudo apt-get install fonts-dejavu-core)."
        )

    def regular_at(self, size: int) -> ImageFont.FreeTypeFont:
        """The regular face at *size* pixels (cached)."""
        return _load_font(str(self.regular), int(size))

    def bold_at(self, size: int) -> ImageFont.FreeTypeFont:
        """The bold face at *size* pixels (cached)."""
        return _load_font(str(self.bold), int(size))


# --------------------------------------------------------------------------
# Ticket data
# --------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class TicketInfo:
    """Everything printed on one ticket. Keyword-only; text is NFC-normalised.

    ::

        info = TicketInfo(
            centre_name="UBND Phường Bến Thành",
            field_name="Chứng thực",
            code="B007",
            issued_at=datetime.now(timezone.utc),
            people_ahead=0,
        )

    :param centre_name: name of the public-service centre (wrapped as needed).
    :param field_name: the service field (lĩnh vực), in Vietnamese.
    :param code: the ticket number, e.g. ``"A023"``; printed very large.
    :param issued_at: timezone-aware issue time; printed in Asia/Ho_Chi_Minh
        local time as ``dd/mm/yyyy HH:MM``.
    :param people_ahead: number of people waiting before this ticket.
    :param priority: priority label (e.g. ``"Người cao tuổi"``) printed in an
        inverted box, or ``None`` for a normal ticket.
    :param estimated_wait_min: estimated wait in minutes (rounded to a whole
        minute), or ``None`` to omit the line.
    :param tracking_url: URL encoded in a QR code, or ``None`` for no QR code.
    :param footer: closing line(s) at the bottom of the ticket.
    :raises ValueError: on a naive datetime, an empty code or negative counts.
    """

    centre_name: str
    field_name: str
    code: str
    issued_at: datetime
    people_ahead: int
    priority: str | None = None
    estimated_wait_min: int | None = None
    tracking_url: str | None = None
    footer: str = DEFAULT_FOOTER

    def __post_init__(self) -> None:
        for name in ("centre_name", "field_name", "code", "footer"):
            object.__setattr__(self, name, nfc(getattr(self, name)))
        for name in ("priority", "tracking_url"):
            value = getattr(self, name)
            if value is not None:
                value = nfc(value)
                object.__setattr__(self, name, value or None)
        if not self.code:
            raise ValueError("code must not be empty")
        if self.issued_at.tzinfo is None or self.issued_at.utcoffset() is None:
            raise ValueError("issued_at must be a timezone-aware datetime")
        try:
            people = int(self.people_ahead)
            integral = not isinstance(self.people_ahead, bool) and people == self.people_ahead
        except (TypeError, ValueError):
            integral = False
        if not integral:
            raise ValueError(f"people_ahead must be an integer, got {self.people_ahead!r}")
        if people < 0:
            raise ValueError("people_ahead must be >= 0")
        object.__setattr__(self, "people_ahead", people)
        if self.estimated_wait_min is not None:
            # Estimates may come in as floats; "khoảng N phút" needs whole minutes.
            wait = round(float(self.estimated_wait_min))
            if wait < 0:
                raise ValueError("estimated_wait_min must be >= 0 or None")
            object.__setattr__(self, "estimated_wait_min", wait)


def example_ticket_info() -> TicketInfo:
    """A realistic ticket, used for ``--example`` and in the docs."""
    return TicketInfo(
        centre_name="Trung tâm Phục vụ hành chính công tỉnh Bắc Ninh",
        field_name="Hộ tịch – Chứng thực",
        code="A023",
        priority="Người cao tuổi",
        issued_at=datetime(2025, 11, 26, 1, 41, tzinfo=timezone.utc),
        people_ahead=5,
        estimated_wait_min=15,
        tracking_url="https://motcua.example.vn/t/A023-7F3K",
    )


def qr_matrix(url: str) -> list[list[bool]]:
    """The QR symbol for *url* as rows of booleans (``True`` = dark module).

    No quiet zone is included. Error correction level M, smallest version
    that fits. This is exactly what :func:`render_ticket` draws.
    """
    qr = qrcode.QRCode(version=None, error_correction=qrcode.constants.ERROR_CORRECT_M, border=0)
    qr.add_data(url)
    qr.make(fit=True)
    return [[bool(cell) for cell in row] for row in qr.get_matrix()]


# --------------------------------------------------------------------------
# Layout
# --------------------------------------------------------------------------


@dataclass(frozen=True)
class RenderedTicket:
    """A rendered ticket and where its parts are.

    :ivar image: the ticket, PIL image mode ``"1"``.
    :ivar regions: boxes ``(left, top, right, bottom)`` of the parts, keyed
        ``"centre"``, ``"field"``, ``"code"`` (the number's ink box),
        ``"priority"`` (only with a priority), ``"issued_at"``,
        ``"people_ahead"``, ``"wait"`` (only with an estimate), ``"qr"`` (the
        QR symbol without quiet zone, only with a URL), ``"qr_caption"`` and
        ``"footer"``.
    :ivar qr_module_px: size of one QR module in pixels (0 without QR).
    """

    image: Image.Image
    regions: dict[str, Box] = field(default_factory=dict)
    qr_module_px: int = 0


_Draw = Callable[[ImageDraw.ImageDraw, int], None]


class _Layout:
    """Stack of blocks, each with a height and a draw function.

    Blocks are measured first, then drawn on an image of the exact height.
    """

    def __init__(self, width: int, margin: int) -> None:
        self.width = width
        self.margin = margin
        self.content_width = width - 2 * margin
        self._blocks: list[tuple[int, _Draw, str | None, tuple[int, int, int, int] | None]] = []

    def add(self, height: int, draw: _Draw, region: str | None = None,
            box: tuple[int, int, int, int] | None = None) -> None:
        """Add a block; *box* is the region relative to the block's top-left."""
        self._blocks.append((height, draw, region, box))

    def gap(self, height: int) -> None:
        self.add(height, lambda draw, y: None)

    def render(self) -> tuple[Image.Image, dict[str, Box]]:
        height = sum(block[0] for block in self._blocks)
        image = Image.new("L", (self.width, height), 255)
        draw = ImageDraw.Draw(image)
        regions: dict[str, Box] = {}
        y = 0
        for block_height, block_draw, region, box in self._blocks:
            block_draw(draw, y)
            if region is not None:
                if box is None:
                    box = (0, 0, self.width, block_height)
                regions[region] = (box[0], y + box[1], box[2], y + box[3])
            y += block_height
        return image, regions


def _line_metrics(font: ImageFont.FreeTypeFont) -> tuple[int, int]:
    """Pixels above and below the baseline that Vietnamese text can reach."""
    top = -font.getbbox(_TALL_SAMPLE, anchor="ls")[1]
    bottom = font.getbbox(_DEEP_SAMPLE, anchor="ls")[3]
    return max(top, 1), max(bottom, 0)


def _text_block(layout: _Layout, text: str, font: ImageFont.FreeTypeFont, *,
                region: str | None = None, fill: int = 0,
                max_width: int | None = None, leading: float = 0.18) -> None:
    """Add centred, wrapped lines of *text*."""
    max_width = layout.content_width if max_width is None else max_width
    lines = wrap_text(text, font, max_width)
    above, below = _line_metrics(font)
    line_height = above + below + round(font.size * leading)
    height = line_height * len(lines)
    centre_x = layout.width // 2

    def draw(d: ImageDraw.ImageDraw, y: int) -> None:
        for i, line in enumerate(lines):
            d.text((centre_x, y + i * line_height + above), line, font=font, fill=fill, anchor="ms")

    layout.add(height, draw, region, (layout.margin, 0, layout.width - layout.margin, height))


def _rule(layout: _Layout, thickness: int) -> None:
    def draw(d: ImageDraw.ImageDraw, y: int) -> None:
        d.rectangle((layout.margin, y, layout.width - layout.margin - 1, y + thickness - 1), fill=0)

    layout.add(thickness, draw)


def _fit_code_font(fonts: TicketFonts, code: str, max_width: int, max_height: int) -> ImageFont.FreeTypeFont:
    """Largest bold font whose ink box for *code* fits in the given box."""

    def ink(size: int) -> tuple[int, int]:
        x0, y0, x1, y1 = fonts.bold_at(size).getbbox(code, anchor="ls")
        return x1 - x0, y1 - y0

    probe = 100
    width, height = ink(probe)
    size = int(probe * min(max_width / max(width, 1), max_height / max(height, 1)))
    size = max(size, 8)
    # Hinting makes ink size slightly non-linear: step to the exact fit.
    while size > 8:
        width, height = ink(size)
        if width <= max_width and height <= max_height:
            break
        size -= 1
    while True:
        width, height = ink(size + 1)
        if width > max_width or height > max_height:
            break
        size += 1
    return fonts.bold_at(size)


def _code_block(layout: _Layout, fonts: TicketFonts, code: str) -> None:
    max_width = round(layout.content_width * 0.96)
    max_height = round(layout.width * 0.42)
    font = _fit_code_font(fonts, code, max_width, max_height)
    x0, y0, x1, y1 = font.getbbox(code, anchor="ls")
    ink_w, ink_h = x1 - x0, y1 - y0
    left = (layout.width - ink_w) // 2

    def draw(d: ImageDraw.ImageDraw, y: int) -> None:
        d.text((left - x0, y - y0), code, font=font, fill=0, anchor="ls")

    layout.add(ink_h, draw, "code", (left, 0, left + ink_w, ink_h))


def _priority_block(layout: _Layout, font: ImageFont.FreeTypeFont, label: str) -> None:
    text = f"ƯU TIÊN: {label}".upper()
    pad_x = max(8, layout.width // 40)
    lines = wrap_text(text, font, layout.content_width - 2 * pad_x)
    above, below = _line_metrics(font)
    line_height = above + below + round(font.size * 0.12)
    pad_y = max(6, font.size // 3)
    height = 2 * pad_y + line_height * len(lines)
    centre_x = layout.width // 2

    def draw(d: ImageDraw.ImageDraw, y: int) -> None:
        d.rectangle((layout.margin, y, layout.width - layout.margin - 1, y + height - 1), fill=0)
        for i, line in enumerate(lines):
            d.text((centre_x, y + pad_y + i * line_height + above), line, font=font, fill=255, anchor="ms")

    layout.add(height, draw, "priority", (layout.margin, 0, layout.width - layout.margin, height))


def _qr_block(layout: _Layout, url: str) -> int:
    """Add the QR symbol and its quiet zone; return the module size."""
    matrix = qr_matrix(url)
    modules = len(matrix)
    target = round(layout.width * 0.45)
    module_px = max(3, min(8, target // modules))
    if modules * module_px > layout.content_width:
        module_px = layout.content_width // modules
    if module_px < 2:
        raise ValueError(f"tracking_url is too long for a readable QR code at {layout.width} px")
    size = modules * module_px
    # Mask: 255 where a dark module is, drawn in black by ImageDraw.bitmap.
    mask = Image.new("L", (modules, modules), 0)
    mask.putdata([255 if cell else 0 for row in matrix for cell in row])
    mask = mask.resize((size, size), Image.Resampling.NEAREST)
    left = (layout.width - size) // 2
    quiet = 4 * module_px

    def draw(d: ImageDraw.ImageDraw, y: int) -> None:
        d.bitmap((left, y + quiet), mask, fill=0)

    layout.add(size + 2 * quiet, draw, "qr", (left, quiet, left + size, quiet + size))
    return module_px


def render_ticket_detailed(info: TicketInfo, width_px: int = 576, *,
                           fonts: TicketFonts | None = None) -> RenderedTicket:
    """Render *info* and also return where each part of the ticket is.

    Same drawing as :func:`render_ticket`; the extra :attr:`RenderedTicket.regions`
    are meant for tests, previews and debugging::

        ticket = render_ticket_detailed(info, width_px=384)
        left, top, right, bottom = ticket.regions["code"]

    :raises ValueError: if *width_px* is outside 256..2048.
    :raises FontNotFoundError: if no usable font is installed.
    """
    if not isinstance(width_px, int) or not MIN_WIDTH_PX <= width_px <= MAX_WIDTH_PX:
        raise ValueError(f"width_px must be an integer in {MIN_WIDTH_PX}..{MAX_WIDTH_PX}, got {width_px!r}")
    fonts = fonts or TicketFonts.find()
    with _RENDER_LOCK:
        return _render(info, width_px, fonts)


def _render(info: TicketInfo, w: int, fonts: TicketFonts) -> RenderedTicket:
    """Lay out and draw the ticket (caller holds ``_RENDER_LOCK``)."""

    def px(fraction: float, minimum: int) -> int:
        return max(minimum, round(w * fraction))

    margin = px(0.035, 10)
    layout = _Layout(w, margin)
    heading = fonts.bold_at(px(0.046, 19))
    field_font = fonts.bold_at(px(0.058, 22))
    label_font = fonts.regular_at(px(0.038, 17))
    body = fonts.regular_at(px(0.044, 19))
    small = fonts.regular_at(px(0.038, 17))
    gap = px(0.022, 8)

    layout.gap(margin)
    _text_block(layout, info.centre_name.upper(), heading, region="centre", leading=0.12)
    layout.gap(gap)
    _rule(layout, 2)
    layout.gap(gap)
    _text_block(layout, info.field_name, field_font, region="field", leading=0.12)
    layout.gap(gap)
    _text_block(layout, "SỐ THỨ TỰ CỦA BẠN", label_font)
    layout.gap(gap)
    _code_block(layout, fonts, info.code)
    layout.gap(gap * 2)
    if info.priority:
        _priority_block(layout, fonts.bold_at(px(0.046, 19)), info.priority)
        layout.gap(gap * 2)
    _text_block(layout, f"Giờ lấy số: {format_issued_at(info.issued_at)}", body, region="issued_at")
    _text_block(layout, f"Số người đang chờ trước bạn: {info.people_ahead}", body, region="people_ahead")
    wait = format_wait(info.estimated_wait_min)
    if wait is not None:
        _text_block(layout, wait, body, region="wait")
    module_px = 0
    if info.tracking_url:
        module_px = _qr_block(layout, info.tracking_url)
        _text_block(layout, QR_CAPTION, small, region="qr_caption")
    else:
        layout.gap(gap)
    layout.gap(gap)
    _rule(layout, 2)
    layout.gap(gap)
    _text_block(layout, info.footer, small, region="footer")
    layout.gap(margin + gap)

    grey, regions = layout.render()
    # Hard threshold: a thermal head has no grey, and dithering would fray
    # the glyph edges.
    image = grey.point([0 if v < 128 else 255 for v in range(256)], "1")
    return RenderedTicket(image=image, regions=regions, qr_module_px=module_px)


def render_ticket(info: TicketInfo, width_px: int = 576, *,
                  fonts: TicketFonts | None = None) -> Image.Image:
    """Draw *info* as a 1-bit ticket image *width_px* pixels wide.

    Use the printer's dot width: 384 for 58 mm paper, 512 or 576 for 80 mm.
    The height follows from the content. Black pixels (value 0) are printed
    dots::

        image = render_ticket(info, width_px=384)
        assert image.mode == "1" and image.width == 384

    :raises ValueError: if *width_px* is outside 256..2048.
    :raises FontNotFoundError: if no usable font is installed.
    """
    return render_ticket_detailed(info, width_px, fonts=fonts).image


# --------------------------------------------------------------------------
# Command line
# --------------------------------------------------------------------------


def main(argv: Sequence[str] | None = None) -> int:
    """Command-line entry point: ``python -m ticket_printer.render --example OUT.png``."""
    parser = argparse.ArgumentParser(
        prog="python -m ticket_printer.render",
        description="Render an example MotCua Queue ticket to a PNG file.",
    )
    parser.add_argument("--example", metavar="OUT.png", required=True,
                        help="write an example ticket to this PNG file")
    parser.add_argument("--width", type=int, default=576,
                        help="ticket width in printer dots (384, 512 or 576; default 576)")
    args = parser.parse_args(argv)
    try:
        image = render_ticket(example_ticket_info(), width_px=args.width)
    except (ValueError, FontNotFoundError) as exc:
        parser.exit(2, f"error: {exc}\n")
    out = Path(args.example)
    if out.parent and not out.parent.exists():
        out.parent.mkdir(parents=True, exist_ok=True)
    image.save(out)
    print(f"wrote {out} ({image.width}x{image.height} px)")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
