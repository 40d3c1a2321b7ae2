"""Fonts for the wall board: Be Vietnam Pro, with DejaVu Sans as the fallback.

Be Vietnam Pro (SIL OFL 1.1) covers every Vietnamese letter with every tone mark; its
files are vendored once, in ``ticket_printer/fonts`` (see the README and OFL.txt there),
and the board reuses them. Debian's ``fonts-dejavu-core`` is the fallback::

    >>> paths = font_paths()
    >>> sorted(paths)
    ['bold', 'regular']
    >>> paths["bold"].name in ("BeVietnamPro-Bold.ttf", "DejaVuSans-Bold.ttf")
    True

Raises :class:`FontNotFoundError` when neither family is installed.
"""

from __future__ import annotations

import os
from pathlib import Path

__all__ = ["FontNotFoundError", "font_paths", "VENDORED", "DEJAVU"]

#: The fonts shipped with the ticket printer, reused here.
VENDORED = Path(__file__).resolve().parent.parent / "ticket_printer" / "fonts"
#: Debian's DejaVu (package fonts-dejavu-core).
DEJAVU = Path("/usr/share/fonts/truetype/dejavu")

_CANDIDATES = {
    "bold": [VENDORED / "BeVietnamPro-Bold.ttf", DEJAVU / "DejaVuSans-Bold.ttf"],
    "regular": [VENDORED / "BeVietnamPro-Medium.ttf", DEJAVU / "DejaVuSans.ttf"],
}


class FontNotFoundError(FileNotFoundError):
    """No font with full Vietnamese coverage was found."""


def font_paths(directory: str | os.PathLike | None = None) -> dict[str, Path]:
    """The ``bold`` and ``regular`` font files to use.

    ``directory`` (or the ``MOTCUA_BOARD_FONTS`` environment variable) may hold a
    replacement ``Bold.ttf`` and ``Regular.ttf``; otherwise Be Vietnam Pro, then DejaVu.
    """
    directory = directory or os.environ.get("MOTCUA_BOARD_FONTS")
    out: dict[str, Path] = {}
    for style, candidates in _CANDIDATES.items():
        if directory:
            candidates = [Path(directory) / f"{style.capitalize()}.ttf", *candidates]
        found = next((p for p in candidates if p.is_file()), None)
        if found is None:
            raise FontNotFoundError(
                f"no {style} font for the board: looked for {', '.join(map(str, candidates))}; "
                "install fonts-dejavu-core (apt-get install fonts-dejavu-core)"
            )
        out[style] = found
    return out
