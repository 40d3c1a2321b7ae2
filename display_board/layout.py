"""Where each part of the wall board goes, for any screen from 1280×720 to 3840×2160.

Everything is proportional to the screen, so a 4K TV shows the same picture as a
720p one, only sharper::

    >>> import pygame
    >>> boxes = board_layout(1920, 1080, notice=True)
    >>> boxes.call.width > boxes.recent.width, boxes.notice.bottom == 1080
    (True, True)
    >>> round(board_layout(3840, 2160).call.height / board_layout(1920, 1080).call.height, 2)
    2.0

``grid`` places counter cards, ``rows`` the lines of a list.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import pygame

__all__ = ["Boxes", "board_layout", "grid", "rows", "BASE_SIZE"]

#: The size the proportions were designed at (16:9).
BASE_SIZE = (1280, 720)


@dataclass(frozen=True)
class Boxes:
    """The board's regions, as :class:`pygame.Rect` in screen pixels."""

    size: tuple[int, int]
    scale: float  # 1.0 at 1280×720, 3.0 at 3840×2160
    margin: int
    header: pygame.Rect
    title: pygame.Rect  # centre name and address, in the header
    clock: pygame.Rect  # time and date, in the header
    call: pygame.Rect
    counters_title: pygame.Rect
    counters: pygame.Rect
    recent_title: pygame.Rect
    recent: pygame.Rect
    waits_title: pygame.Rect
    waits: pygame.Rect
    notice: pygame.Rect | None
    offline: pygame.Rect  # the banner, drawn over the bottom of the board (notice strip included) when offline


def board_layout(width: int, height: int, *, notice: bool = False) -> Boxes:
    """The regions of a ``width``×``height`` board; ``notice`` reserves the bottom strip."""
    if width < 320 or height < 180:
        raise ValueError(f"the board needs at least 320×180 pixels, not {width}×{height}")
    scale = min(width / BASE_SIZE[0], height / BASE_SIZE[1])
    m = max(4, round(10 * scale))
    header_h = round(height * 0.10)
    notice_h = round(height * 0.07) if notice else 0
    title_h = round(height * 0.045)
    top, bottom = header_h + m, height - notice_h - m
    content_h = bottom - top
    left_w = round((width - 3 * m) * 0.62)
    right_x = 2 * m + left_w
    right_w = width - m - right_x
    call_h = round(content_h * 0.56)
    call = pygame.Rect(m, top, left_w, call_h)
    below = call.bottom + m
    counters_title = pygame.Rect(m, below, left_w, title_h)
    counters = pygame.Rect(m, counters_title.bottom + m // 2, left_w, bottom - counters_title.bottom - m // 2)
    recent_title = pygame.Rect(right_x, top, right_w, title_h)
    recent = pygame.Rect(right_x, recent_title.bottom + m // 2, right_w, call.bottom - recent_title.bottom - m // 2)
    waits_title = pygame.Rect(right_x, below, right_w, title_h)
    waits = pygame.Rect(right_x, waits_title.bottom + m // 2, right_w, bottom - waits_title.bottom - m // 2)
    header = pygame.Rect(0, 0, width, header_h)
    clock_w = round(width * 0.24)
    return Boxes(
        size=(width, height),
        scale=scale,
        margin=m,
        header=header,
        title=pygame.Rect(2 * m, 0, width - clock_w - 5 * m, header_h),
        clock=pygame.Rect(width - clock_w - 2 * m, 0, clock_w, header_h),
        call=call,
        counters_title=counters_title,
        counters=counters,
        recent_title=recent_title,
        recent=recent,
        waits_title=waits_title,
        waits=waits,
        notice=pygame.Rect(0, height - notice_h, width, notice_h) if notice else None,
        offline=pygame.Rect(0, height - round(height * 0.11), width, round(height * 0.11)),
    )


def grid(count: int, area: pygame.Rect, gap: int, *, aspect: float = 1.25,
         max_aspect: float = 1.9) -> list[pygame.Rect]:
    """``count`` cards in ``area``, as large as fits, in reading order.

    The number of columns is chosen to make cards as large as possible near
    ``aspect`` (width / height); cards are never wider than ``max_aspect``.

    >>> [tuple(r) for r in grid(2, pygame.Rect(0, 0, 200, 100), 10)]
    [(0, 0, 95, 100), (105, 0, 95, 100)]
    """
    if count <= 0:
        return []
    best = None
    for cols in range(1, count + 1):
        rows_n = math.ceil(count / cols)
        w = (area.width - (cols - 1) * gap) / cols
        h = (area.height - (rows_n - 1) * gap) / rows_n
        if w <= 0 or h <= 0:
            continue
        score = min(w, h * aspect)
        if best is None or score > best[0]:
            best = (score, cols, w, h)
    if best is None:
        return []
    _, cols, w, h = best
    w = min(w, h * max_aspect)
    out = []
    for i in range(count):
        r, c = divmod(i, cols)
        out.append(pygame.Rect(round(area.x + c * (w + gap)), round(area.y + r * (h + gap)), int(w), int(h)))
    return out


def rows(count: int, area: pygame.Rect, gap: int, *, columns: int = 1,
         max_height: int | None = None) -> list[pygame.Rect]:
    """``count`` list lines in ``columns`` columns (filled top to bottom, then left to right).

    >>> [tuple(r) for r in rows(3, pygame.Rect(0, 0, 100, 100), 5, columns=2)]
    [(0, 0, 47, 47), (0, 52, 47, 47), (52, 0, 47, 47)]
    """
    if count <= 0:
        return []
    per_col = math.ceil(count / columns)
    w = (area.width - (columns - 1) * gap) / columns
    h = (area.height - (per_col - 1) * gap) / per_col
    if max_height is not None:
        h = min(h, max_height)
    out = []
    for i in range(count):
        c, r = divmod(i, per_col)
        out.append(pygame.Rect(round(area.x + c * (w + gap)), round(area.y + r * (h + gap)), int(w), int(h)))
    return out
