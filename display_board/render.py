"""Drawing the wall board with pygame: a :class:`~display_board.board.BoardView` in, pixels out.

    >>> import os; os.environ.setdefault("SDL_VIDEODRIVER", "dummy")   # doctest: +SKIP
    >>> import pygame; pygame.display.init(); pygame.font.init()       # doctest: +SKIP
    >>> screen = pygame.display.set_mode((1920, 1080))                 # doctest: +SKIP
    >>> drawn = Renderer().draw(screen, board.view())                  # doctest: +SKIP
    >>> screen.get_at(drawn.boxes.call.center)                         # doctest: +SKIP

:meth:`Renderer.draw` paints the whole board and returns :class:`Drawn`: the layout
boxes plus where the call code, counters and banner ended up (tests check pixels there).
:meth:`Renderer.draw_notice` repaints only the scrolling notice strip, for the frames in
between. The colours follow the browser board (``static/app.css``).
"""

from __future__ import annotations

from dataclasses import dataclass, field

import pygame

from .board import BoardView, CallView, CounterView
from .layout import Boxes, board_layout, grid, rows
from .texts import text
from .typeset import Typesetter

__all__ = ["Renderer", "Drawn", "COLOURS"]

#: The board's palette (RGB).
COLOURS = {
    "background": (4, 14, 36),
    "header": (176, 18, 31),
    "panel": (11, 42, 92),
    "border": (40, 90, 170),
    "gold": (255, 210, 31),
    "highlight": (255, 210, 31),  # the call panel while a call is fresh
    "ink": (16, 20, 24),
    "white": (255, 255, 255),
    "muted": (185, 198, 220),
    "dim": (120, 135, 160),
    "zero": (52, 70, 104),
    "banner": (214, 72, 0),  # offline banner: orange, unlike the red header
    "notice": (255, 210, 31),
}


@dataclass
class Drawn:
    """Where things were drawn (screen pixels), for tests and partial updates."""

    boxes: Boxes
    call_code: pygame.Rect | None = None  # the painted pixels of the big ticket code
    recall_badge: pygame.Rect | None = None  # the "Gọi lại" badge of a recall
    counters: list[pygame.Rect] = field(default_factory=list)
    recent: list[pygame.Rect] = field(default_factory=list)
    waits: list[pygame.Rect] = field(default_factory=list)
    offline: pygame.Rect | None = None  # the banner, when offline


class Renderer:
    """Draws board views onto a surface; keep one per board (it caches text)."""

    def __init__(self, typesetter: Typesetter | None = None):
        self.ts = typesetter or Typesetter()
        self._notice_key: tuple | None = None
        self._notice_surface: pygame.Surface | None = None

    # ------------------------------------------------------------------ whole board
    def draw(self, surface: pygame.Surface, view: BoardView) -> Drawn:
        """Paint the whole board for ``view``; returns where things went."""
        width, height = surface.get_size()
        # keep about half a screen of rendered text: every text of a frame, not every code of the day
        self.ts.cache_bytes = max(2 * 2**20, width * height * 2)
        boxes = board_layout(width, height, notice=bool(view.notice))
        drawn = Drawn(boxes)
        surface.fill(COLOURS["background"])
        self._header(surface, view, boxes)
        self._call(surface, view, boxes, drawn)
        drawn.counters = self._counters(surface, view, boxes)
        drawn.recent = self._recent(surface, view, boxes)
        drawn.waits = self._waits(surface, view, boxes)
        if view.notice:
            self.draw_notice(surface, view, 0.0, boxes)
        if not view.online:
            drawn.offline = self._offline(surface, view, boxes)
        return drawn

    # ------------------------------------------------------------------ pieces
    def _text(self, surface, value, size, colour, *, bold=False, centre=None, left=None, right=None, midy=None):
        image = self.ts.render(value, size, colour, bold)
        rect = image.get_rect()
        if centre is not None:
            rect.center = centre
        else:
            rect.centery = midy
            if left is not None:
                rect.left = left
            else:
                rect.right = right
        surface.blit(image, rect)
        return rect

    def _header(self, surface, view: BoardView, b: Boxes) -> None:
        pygame.draw.rect(surface, COLOURS["header"], b.header)
        t = b.title
        name_size = self.ts.fit(view.centre_name or " ", t.width, t.height * 0.46, bold=True)
        name = self.ts.ellipsize(view.centre_name, name_size, t.width, bold=True)
        self._text(surface, name, name_size, COLOURS["white"], bold=True, left=t.x, midy=t.y + t.height * 0.36)
        if view.centre_line:
            size = max(8, round(t.height * 0.22))
            line = self.ts.ellipsize(view.centre_line, size, t.width)
            self._text(surface, line, size, COLOURS["white"], left=t.x, midy=t.y + t.height * 0.76)
        c = b.clock
        self._text(surface, view.clock, c.height * 0.58, COLOURS["gold"], bold=True, right=c.right,
                   midy=c.y + c.height * 0.38)
        self._text(surface, view.date, c.height * 0.2, COLOURS["white"], right=c.right, midy=c.y + c.height * 0.8)

    def _call(self, surface, view: BoardView, b: Boxes, drawn: Drawn) -> None:
        box = b.call
        call: CallView | None = view.call
        radius = b.margin
        if call is not None and call.highlighted:
            pygame.draw.rect(surface, COLOURS["highlight"], box, border_radius=radius)
            ink, code_colour, accent = COLOURS["ink"], COLOURS["ink"], COLOURS["header"]
        else:
            pygame.draw.rect(surface, COLOURS["panel"], box, border_radius=radius)
            pygame.draw.rect(surface, COLOURS["border"], box, width=max(2, b.margin // 3), border_radius=radius)
            ink, code_colour, accent = COLOURS["white"], COLOURS["gold"], COLOURS["gold"]
        if call is None:
            size = self.ts.fit(text(view.lang, "no_calls_yet"), box.width * 0.8, box.height * 0.12)
            self._text(surface, text(view.lang, "no_calls_yet"), size, COLOURS["muted"], centre=box.center)
            return
        inner = box.inflate(-2 * b.margin, -2 * b.margin)
        cx = inner.centerx

        # "Xin mời số", with a "Gọi lại" badge for a recall
        invite = text(view.lang, "invite")
        size = self.ts.fit(invite, inner.width * 0.6, inner.height * 0.14, bold=True)
        rect = self._text(surface, invite, size, ink, bold=True, centre=(cx, inner.y + inner.height * 0.09))
        if call.recall:
            label = text(view.lang, "recalled").upper()
            bsize = round(size * 0.6)
            image = self.ts.render(label, bsize, COLOURS["white"], True)
            badge = image.get_rect().inflate(bsize, bsize * 0.3)
            badge.midleft = (rect.right + bsize, rect.centery)
            if badge.right > inner.right:
                badge.topright = (inner.right, inner.y)
            pygame.draw.rect(surface, COLOURS["header"], badge, border_radius=badge.height // 2)
            surface.blit(image, image.get_rect(center=badge.center))
            drawn.recall_badge = badge

        # the ticket code, as large as fits
        code_area = pygame.Rect(inner.x, inner.y + inner.height * 0.2, inner.width, inner.height * 0.46)
        image = self.ts.fit_tight(call.code, code_area.width * 0.9, code_area.height, code_colour)
        drawn.call_code = image.get_rect(center=code_area.center)
        surface.blit(image, drawn.call_code)

        # "đến quầy số 5"
        to = text(view.lang, "to_counter") + " "
        number = str(call.counter)
        line_h = inner.height * 0.15
        size = self.ts.fit(to + number, inner.width * 0.8, line_h, bold=True)
        to_w = self.ts.measure(to, size, True)[0]
        num_size = round(size * 1.35)
        num_w = self.ts.measure(number, num_size, True)[0]
        left = cx - (to_w + num_w) // 2
        midy = inner.y + inner.height * 0.76
        self._text(surface, to, size, ink, bold=True, left=left, midy=midy)
        self._text(surface, number, num_size, accent, bold=True, left=left + to_w, midy=midy)

        # the officer at that counter
        who = " – ".join(p for p in (call.officer_name, call.officer_title) if p)
        if who:
            size = max(8, round(inner.height * 0.075))
            who = self.ts.ellipsize(who, size, inner.width)
            self._text(surface, who, size, ink, centre=(cx, inner.y + inner.height * 0.93))

    def _section_title(self, surface, label: str, box: pygame.Rect) -> None:
        size = self.ts.fit(label.upper(), box.width, box.height * 0.95, bold=True)
        self._text(surface, label.upper(), size, COLOURS["gold"], bold=True, left=box.x, midy=box.centery)

    def _counters(self, surface, view: BoardView, b: Boxes) -> list[pygame.Rect]:
        self._section_title(surface, text(view.lang, "counters_now"), b.counters_title)
        if not view.counters:
            size = round(b.counters.height * 0.1)
            self._text(surface, text(view.lang, "no_open_counter"), size, COLOURS["muted"],
                       left=b.counters.x, midy=b.counters.y + size)
            return []
        cards = grid(len(view.counters), b.counters, b.margin)
        for counter, card in zip(view.counters, cards):
            self._counter_card(surface, view, counter, card, b.margin)
        return cards

    def _counter_card(self, surface, view: BoardView, counter: CounterView, card: pygame.Rect, m: int) -> None:
        pygame.draw.rect(surface, COLOURS["panel"], card, border_radius=m)
        pygame.draw.rect(surface, COLOURS["border"], card, width=max(1, m // 4), border_radius=m)
        inner = card.inflate(-m, -m * 0.6)
        h = inner.height
        faded = counter.paused
        label = f"{text(view.lang, 'counter_no')} {counter.number}"
        size = self.ts.fit(label, inner.width, h * 0.16, bold=True)
        self._text(surface, label, size, COLOURS["dim"] if faded else COLOURS["muted"], bold=True,
                   centre=(inner.centerx, inner.y + h * 0.1))
        colour = COLOURS["gold"] if counter.called else COLOURS["white"]
        if faded:
            colour = COLOURS["dim"]
        if counter.code:
            image = self.ts.fit_tight(counter.code, inner.width * 0.92, h * 0.3, colour)
            surface.blit(image, image.get_rect(center=(inner.centerx, inner.y + h * 0.4)))
        else:  # nobody at the counter now: a short dash, not a ticket-sized bar
            dash = pygame.Rect(0, 0, h * 0.18, max(2, h * 0.035))
            dash.center = (inner.centerx, inner.y + h * 0.4)
            pygame.draw.rect(surface, COLOURS["dim"], dash)
        name = counter.officer_name or text(view.lang, "no_officer")
        size = max(7, min(round(h * 0.12), self.ts.fit(name, inner.width, h * 0.14, bold=True)))
        self._text(surface, self.ts.ellipsize(name, size, inner.width, True), size,
                   COLOURS["dim"] if faded or not counter.officer_name else COLOURS["white"], bold=True,
                   centre=(inner.centerx, inner.y + h * 0.66))
        if counter.paused:
            label = text(view.lang, "paused")
            bsize = max(7, round(h * 0.1))
            image = self.ts.render(label, bsize, COLOURS["ink"], True)
            badge = image.get_rect().inflate(bsize * 1.2, bsize * 0.2)
            badge.center = (inner.centerx, inner.y + h * 0.86)
            pygame.draw.rect(surface, COLOURS["gold"], badge, border_radius=badge.height // 2)
            surface.blit(image, image.get_rect(center=badge.center))
        elif counter.officer_title:
            size = max(7, round(h * 0.095))
            lines = self.ts.wrap(counter.officer_title, size, inner.width, 2)
            line_h = self.ts.measure("Ág", size)[1] * 0.95
            y0 = inner.y + h * 0.80
            for i, line in enumerate(lines):
                self._text(surface, line, size, COLOURS["muted"], centre=(inner.centerx, y0 + i * line_h))

    def _recent(self, surface, view: BoardView, b: Boxes) -> list[pygame.Rect]:
        self._section_title(surface, text(view.lang, "recent_calls"), b.recent_title)
        slots = rows(7, b.recent, max(2, b.margin // 2))
        label = text(view.lang, "counter_no")
        for item, row in zip(view.recent, slots):
            latest = item.current  # the call on the big panel stands out in the list too
            pygame.draw.rect(surface, COLOURS["gold"] if latest else COLOURS["panel"], row, border_radius=b.margin // 2)
            ink = COLOURS["ink"] if latest else COLOURS["white"]
            pad = b.margin
            size = self.ts.fit("A000", row.width * 0.3, row.height * 0.95, bold=True)
            self._text(surface, item.code, size, ink, bold=True, left=row.x + pad, midy=row.centery)
            _arrow(surface, COLOURS["ink"] if latest else COLOURS["muted"],
                   (row.x + row.width * 0.45, row.centery), row.height * 0.42)
            if item.counter is not None:
                small = round(size * 0.72)
                self._text(surface, f"{label} {item.counter}", small, ink, bold=True, right=row.right - pad,
                           midy=row.centery)
        if not view.recent:
            size = round(b.recent.height * 0.07)
            self._text(surface, text(view.lang, "no_calls_yet"), size, COLOURS["muted"], left=b.recent.x,
                       midy=b.recent.y + size)
        return slots[: len(view.recent)]

    def _waits(self, surface, view: BoardView, b: Boxes) -> list[pygame.Rect]:
        self._section_title(surface, text(view.lang, "waiting_by_field"), b.waits_title)
        n = len(view.waiting)
        columns = 1 if n <= 4 else 2 if n <= 18 else 3
        gap = max(2, b.margin // 2)
        chips = rows(n, b.waits, gap, columns=columns, max_height=round(b.size[1] * 0.05))
        for item, chip in zip(view.waiting, chips):
            pygame.draw.rect(surface, COLOURS["panel"], chip, border_radius=b.margin // 2)
            pad = max(3, b.margin // 2)
            badge = pygame.Rect(0, 0, chip.height * 1.4, chip.height * 0.78)
            badge.midright = (chip.right - pad, chip.centery)
            pygame.draw.rect(surface, COLOURS["gold"] if item.count else COLOURS["zero"], badge,
                             border_radius=b.margin // 2)
            size = round(chip.height * 0.5)
            count = str(item.count)
            self._text(surface, count, self.ts.fit(count, badge.width * 0.9, badge.height * 1.05, bold=True),
                       COLOURS["ink"] if item.count else COLOURS["muted"], bold=True, centre=badge.center)
            name = self.ts.ellipsize(item.name, size, badge.left - chip.x - 3 * pad)
            self._text(surface, name, size, COLOURS["white"] if item.count else COLOURS["muted"],
                       left=chip.x + 2 * pad, midy=chip.centery)
        return chips

    def _offline(self, surface, view: BoardView, b: Boxes) -> pygame.Rect:
        banner = b.offline
        pygame.draw.rect(surface, COLOURS["banner"], banner)
        message = text(view.lang, "offline")
        detail = view.status if view.status and view.status != message else ""
        size = self.ts.fit(message, banner.width * 0.9, banner.height * (0.5 if detail else 0.7), bold=True)
        midy = banner.y + banner.height * (0.36 if detail else 0.5)
        self._text(surface, message, size, COLOURS["white"], bold=True, centre=(banner.centerx, midy))
        if detail:
            small = round(banner.height * 0.22)
            detail = self.ts.ellipsize(detail, small, banner.width * 0.9)
            self._text(surface, detail, small, COLOURS["white"],
                       centre=(banner.centerx, banner.y + banner.height * 0.78))
        return banner

    # ------------------------------------------------------------------ the notice strip
    def draw_notice(self, surface: pygame.Surface, view: BoardView, seconds: float,
                    boxes: Boxes | None = None) -> pygame.Rect | None:
        """Paint the notice strip as it is ``seconds`` into its scroll; returns the strip.

        A notice that fits is centred and still; a longer one scrolls right to left,
        one pass every ``(text width + strip width) / speed`` seconds.
        """
        if not view.notice:
            return None
        boxes = boxes or board_layout(*surface.get_size(), notice=True)
        strip = boxes.notice
        size = round(strip.height * 0.55)
        key = (view.notice, size)
        if key != self._notice_key:
            self._notice_key = key
            self._notice_surface = self.ts.font(size, bold=True).render(view.notice, True, COLOURS["ink"])
        image = self._notice_surface
        pygame.draw.rect(surface, COLOURS["notice"], strip)
        width = image.get_width()
        if width <= strip.width - 2 * boxes.margin:
            surface.blit(image, image.get_rect(center=strip.center))
            return strip
        speed = strip.width * 0.07  # px per second: about 134 px/s on a 1080p screen
        period = width + strip.width  # px: the text leaves on the left, then comes in from the right
        start = strip.x + boxes.margin
        x = start - (seconds * speed) % period
        if x + width < strip.x:
            x += period
        clip = surface.get_clip()
        surface.set_clip(strip)
        surface.blit(image, image.get_rect(midleft=(round(x), strip.centery)))
        surface.set_clip(clip)
        return strip

    def notice_scrolls(self, surface: pygame.Surface, view: BoardView) -> bool:
        """Whether the notice is too long for its strip (so it needs animation frames)."""
        if not view.notice:
            return False
        boxes = board_layout(*surface.get_size(), notice=True)
        size = round(boxes.notice.height * 0.55)
        return self.ts.measure(view.notice, size, True)[0] > boxes.notice.width - 2 * boxes.margin


def _arrow(surface: pygame.Surface, colour, centre: tuple[float, float], length: float) -> None:
    """A right arrow (→) drawn as a polygon: the fonts have no glyph for it."""
    cx, cy = centre
    half, shaft, head = length / 2, length * 0.09, length * 0.28
    points = [
        (cx - half, cy - shaft), (cx + half - head, cy - shaft), (cx + half - head, cy - head),
        (cx + half, cy), (cx + half - head, cy + head), (cx + half - head, cy + shaft), (cx - half, cy + shaft),
    ]
    pygame.draw.polygon(surface, colour, [(round(x), round(y)) for x, y in points])
