"""Text for the board: fonts by size, cached renderings, and fitting text into boxes.

    >>> import pygame
    >>> pygame.font.init()
    >>> ts = Typesetter()
    >>> size = ts.fit("Xin mời số", 400, 60, bold=True)
    >>> ts.font(size, bold=True).size("Xin mời số")[0] <= 400
    True
    >>> ts.ellipsize("Lao động – Thương binh và Xã hội", 18, 150).endswith("…")
    True

Sizes are rounded down to a few steps so a board uses a handful of font objects, and
renderings are kept in an LRU cache bounded in bytes (``cache_bytes``), so redrawing a
board is cheap without memory growing with every ticket code ever shown.
All text is NFC-normalised first (Be Vietnam Pro has every precomposed Vietnamese letter).
"""

from __future__ import annotations

import collections
import os
import unicodedata

import pygame

from .fonts import font_paths

__all__ = ["Typesetter", "step_size"]

_PROBE = 100  # px: the size text is measured at before scaling


def _size(surface: pygame.Surface) -> int:
    return surface.get_pitch() * surface.get_height()


def step_size(size: float) -> int:
    """Round a font size down to a step (1 px below 24, 2 px below 64, then 4 and 8)."""
    size = int(size)
    if size < 6:
        return 6
    for limit, step in ((24, 1), (64, 2), (160, 4)):
        if size < limit:
            return size - size % step
    return size - size % 8


class Typesetter:
    """Fonts and rendered text for one board (see the module docs)."""

    def __init__(self, paths: dict[str, os.PathLike] | None = None, *, fonts: int = 24,
                 cache_bytes: int = 4 * 2**20):
        self.paths = paths or font_paths()
        self._fonts: collections.OrderedDict = collections.OrderedDict()
        self._texts: collections.OrderedDict = collections.OrderedDict()
        self._max_fonts = fonts
        #: Pixel bytes of rendered text kept for reuse (the least recently used go first).
        self.cache_bytes = cache_bytes
        self._bytes = 0

    def font(self, size: float, bold: bool = False) -> pygame.font.Font:
        """The font at ``size`` px (stepped, see :func:`step_size`)."""
        key = (step_size(size), bold)
        font = self._fonts.get(key)
        if font is None:
            font = pygame.font.Font(os.fspath(self.paths["bold" if bold else "regular"]), key[0])
            self._fonts[key] = font
            while len(self._fonts) > self._max_fonts:
                self._fonts.popitem(last=False)
        else:
            self._fonts.move_to_end(key)
        return font

    def render(self, text: str, size: float, colour, bold: bool = False, *, tight: bool = False) -> pygame.Surface:
        """``text`` rendered antialiased in ``colour`` on a transparent surface (cached).

        ``tight`` crops the surface to the painted pixels (for large codes and numbers,
        whose line height would otherwise include room for tone marks above).
        """
        text = unicodedata.normalize("NFC", text)
        key = (text, step_size(size), bold, tuple(colour), tight)
        surface = self._texts.get(key)
        if surface is None:
            surface = self.font(size, bold).render(text, True, colour)
            if tight:
                box = surface.get_bounding_rect()
                surface = surface.subsurface(box).copy() if box.width and box.height else surface
            self._texts[key] = surface
            self._bytes += _size(surface)
            while self._bytes > self.cache_bytes and len(self._texts) > 1:
                _, old = self._texts.popitem(last=False)
                self._bytes -= _size(old)
        else:
            self._texts.move_to_end(key)
        return surface

    def measure(self, text: str, size: float, bold: bool = False) -> tuple[int, int]:
        """Width and line height of ``text`` at ``size``."""
        return self.font(size, bold).size(unicodedata.normalize("NFC", text))

    def fit(self, text: str, max_w: float, max_h: float, bold: bool = False, *, max_size: float | None = None) -> int:
        """The largest (stepped) size at which ``text`` fits ``max_w``×``max_h`` (line height)."""
        w, h = self.measure(text or " ", _PROBE, bold)
        size = step_size(min(max_w * _PROBE / max(w, 1), max_h * _PROBE / max(h, 1), max_size or 10_000))
        while size > 6:
            w, h = self.measure(text or " ", size, bold)
            if w <= max_w and h <= max_h:
                break
            size = step_size(size - 1)
        return size

    def fit_tight(self, text: str, max_w: float, max_h: float, colour, bold: bool = True) -> pygame.Surface:
        """``text`` as large as its painted pixels fit ``max_w``×``max_h`` (see ``tight``)."""
        probe = self.render(text, _PROBE, colour, bold, tight=True)
        pw, ph = probe.get_size()
        size = step_size(min(max_w * _PROBE / max(pw, 1), max_h * _PROBE / max(ph, 1)))
        while True:
            surface = self.render(text, size, colour, bold, tight=True)
            if (surface.get_width() <= max_w and surface.get_height() <= max_h) or size <= 6:
                return surface
            size = step_size(size - 1)

    def ellipsize(self, text: str, size: float, max_w: float, bold: bool = False) -> str:
        """``text``, cut with "…" if needed so it is at most ``max_w`` wide at ``size``."""
        text = unicodedata.normalize("NFC", text)
        font = self.font(size, bold)
        if font.size(text)[0] <= max_w:
            return text
        lo, hi = 0, len(text)
        while lo < hi:  # the longest prefix that fits with the ellipsis
            mid = (lo + hi + 1) // 2
            if font.size(text[:mid].rstrip() + "…")[0] <= max_w:
                lo = mid
            else:
                hi = mid - 1
        return text[:lo].rstrip() + "…"

    def wrap(self, text: str, size: float, max_w: float, lines: int, bold: bool = False) -> list[str]:
        """Split ``text`` into at most ``lines`` lines no wider than ``max_w`` (the last cut with "…")."""
        font = self.font(size, bold)
        words = unicodedata.normalize("NFC", text).split()
        out: list[str] = []
        line = ""
        for i, word in enumerate(words):
            candidate = f"{line} {word}".strip()
            if font.size(candidate)[0] <= max_w or not line:
                line = candidate
                continue
            if len(out) == lines - 1:
                line = " ".join([line] + words[i:])
                break
            out.append(line)
            line = word
        if line:
            out.append(line)
        return [self.ellipsize(part, size, max_w, bold) for part in out[:lines]]
