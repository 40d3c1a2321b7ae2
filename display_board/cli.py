"""Command line: ``motcua board`` runs the wall display on the TV.

The :data:`board` click command is attached to the ``motcua`` CLI automatically::

    $ motcua board --server http://10.0.0.2:8080 --token "$TOKEN" --library /var/lib/motcua/audio
    $ motcua board --server http://127.0.0.1:8080 --token demo-display-1-token-change-me --windowed --size 1280x720

The token may also come from ``MOTCUA_DEVICE_TOKEN`` (keep it out of ``ps``), the server
from ``MOTCUA_SERVER`` and the clip library from ``MOTCUA_CLIPS``. It also runs alone as
``python -m display_board``.
"""

from __future__ import annotations

import logging
import re

import click

__all__ = ["board", "parse_size"]

DEFAULT_LIBRARY = "/var/lib/motcua/audio"
_SIZE = re.compile(r"(\d{3,5})[x×](\d{3,5})")


def parse_size(value: str | None) -> tuple[int, int] | None:
    """``"1280x720"`` → ``(1280, 720)``; :class:`ValueError` for anything else.

    >>> parse_size("1920x1080")
    (1920, 1080)
    """
    if value is None:
        return None
    match = _SIZE.fullmatch(value.strip().lower())
    if not match:
        raise ValueError(f"{value!r} is not a size like 1280x720")
    width, height = int(match.group(1)), int(match.group(2))
    if not (320 <= width <= 7680 and 180 <= height <= 4320):
        raise ValueError(f"{value!r} is out of range (320x180 to 7680x4320)")
    return width, height


def _size(ctx, param, value):
    try:
        return parse_size(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _server(ctx, param, value):
    from device_link.config import check_server_url

    try:
        return check_server_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


@click.command(name="board")
@click.option("--server", envvar="MOTCUA_SERVER", required=True, callback=_server,
              help="The hall server, e.g. http://10.0.0.2:8080 (env MOTCUA_SERVER).")
@click.option("--token", envvar="MOTCUA_DEVICE_TOKEN", required=True,
              help="This display's device token from the hall file (env MOTCUA_DEVICE_TOKEN).")
@click.option("--library", envvar="MOTCUA_CLIPS", default=DEFAULT_LIBRARY, show_default=True,
              type=click.Path(file_okay=False), help="Clip library made by 'motcua audio build' (env MOTCUA_CLIPS).")
@click.option("--fullscreen/--windowed", default=True, show_default=True,
              help="Full screen at the TV's resolution, or a window.")
@click.option("--size", callback=_size, default=None, metavar="WxH", help="Window size with --windowed (default 1280x720).")
@click.option("--min-show", type=click.FloatRange(1.0, 60.0), default=4.0, show_default=True,
              help="Seconds each call stays on the big panel at least.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="Board language.")
@click.option("--no-sound", is_flag=True, help="Do not speak the calls.")
@click.option("--display", "display_index", type=click.IntRange(0, 7), default=0, show_default=True,
              help="Which screen to use when several are connected.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info", show_default=True)
def board(server, token, library, fullscreen, size, min_show, lang, no_sound, display_index, log_level) -> None:
    """Show and speak the calls on the waiting-room TV (pygame, full screen)."""
    logging.basicConfig(level=log_level.upper(), format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    from .lean import lean_imports

    lean_imports()  # before pygame and socketio are imported
    from .app import BoardApp

    try:
        app = BoardApp(server, token, library=library, fullscreen=fullscreen, size=size, min_show=min_show,
                       lang=lang, sound=not no_sound, display=display_index)
    except ValueError as exc:
        raise click.ClickException(str(exc)) from exc
    except Exception as exc:  # pygame.error: no video device
        raise click.ClickException(
            f"cannot open the screen ({exc}); on a Pi without a desktop run it from the console (KMS) "
            "or set SDL_VIDEODRIVER; see docs/pi/display.md"
        ) from exc
    raise SystemExit(app.run())


if __name__ == "__main__":  # pragma: no cover
    board()
