"""Command line: ``motcua board`` runs the wall display on the TV.

The :data:`board` click command is attached to the ``motcua`` CLI automatically::

    $ motcua board --server http://10.0.0.2:8080 --token "$TOKEN" --library /var/lib/motcua/audio
    $ motcua board --server http://127.0.0.1:8080 --token demo-display-1-token-change-me --windowed --size 1280x720

The token may also come from ``MOTCUA_DEVICE_TOKEN`` (keep it out of ``ps``), the server
from ``MOTCUA_SERVER`` and the clip library from ``MOTCUA_CLIPS``; or all of them from a board
file (``--config /etc/motcua/board.toml``, read by :mod:`device_link.config` like every device
file; options given on the command line win). It also runs alone as
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

    if value is None:
        return None
    try:
        return check_server_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def parse_board_file(data: dict, source: str = "<board>"):
    """Check a parsed board file; :class:`~device_link.config.DeviceConfigError` lists every problem.

    Keys: ``server``, ``token``, ``library``, ``lang`` ("vi"/"en"), ``min_show`` (seconds),
    ``sound`` (bool), ``fullscreen`` (bool), ``size`` ("1280x720"), ``display`` (0-7).
    """
    from pydantic import BaseModel, ConfigDict, Field, field_validator

    from device_link.config import check_model

    class BoardFile(BaseModel):
        model_config = ConfigDict(extra="forbid", frozen=True, strict=True)
        server: str | None = Field(default=None, pattern=r"^https?://[^/\s]+")
        token: str | None = Field(default=None, min_length=1)
        library: str | None = None
        lang: str = Field(default="vi", pattern="^(vi|en)$")
        min_show: float = Field(default=4.0, ge=1.0, le=60.0)
        sound: bool = True
        fullscreen: bool = True
        size: str | None = None
        display: int = Field(default=0, ge=0, le=7)

        @field_validator("size")
        @classmethod
        def _size(cls, value):
            parse_size(value)
            return value

    return check_model(BoardFile, data, source)


def _default(ctx, name):
    source = ctx.get_parameter_source(name)
    return source is None or source.name in ("DEFAULT",)


@click.command(name="board")
@click.option("--config", "config_file", envvar="MOTCUA_DEVICE_CONFIG", default=None, type=click.Path(dir_okay=False),
              help="Board file (TOML): server, token, library, lang, min_show, sound, fullscreen, size, display. "
                   "Options given here win.")
@click.option("--server", envvar="MOTCUA_SERVER", callback=_server,
              help="The hall server, e.g. http://10.0.0.2:8080 (env MOTCUA_SERVER).")
@click.option("--token", envvar="MOTCUA_DEVICE_TOKEN",
              help="This display's device token from the hall file (env MOTCUA_DEVICE_TOKEN).")
@click.option("--library", envvar="MOTCUA_CLIPS", default=DEFAULT_LIBRARY, show_default=True,
              type=click.Path(file_okay=False), help="Clip library made by 'motcua audio build' (env MOTCUA_CLIPS).")
@click.option("--fullscreen/--windowed", default=True, show_default=True,
              help="Full screen at the TV's resolution, or a window.")
@click.option("--size", callback=_size, default=None, metavar="WxH",
              help="Window size with --windowed (default 1280x720).")
@click.option("--min-show", type=click.FloatRange(1.0, 60.0), default=4.0, show_default=True,
              help="Seconds each call stays on the big panel at least.")
@click.option("--lang", type=click.Choice(["vi", "en"]), default="vi", show_default=True, help="Board language.")
@click.option("--no-sound", is_flag=True, help="Do not speak the calls.")
@click.option("--display", "display_index", type=click.IntRange(0, 7), default=0, show_default=True,
              help="Which screen to use when several are connected.")
@click.option("--log-level", type=click.Choice(["debug", "info", "warning", "error"]), default="info",
              show_default=True)
@click.pass_context
def board(ctx, config_file, server, token, library, fullscreen, size, min_show, lang, no_sound, display_index,
          log_level) -> None:
    """Show and speak the calls on the waiting-room TV (pygame, full screen)."""
    if config_file:
        from device_link.config import DeviceConfigError, load_device_file

        try:
            file = load_device_file(config_file, parse_board_file)
        except DeviceConfigError as exc:
            click.echo(str(exc), err=True)
            raise SystemExit(2) from None
        server = server or (file.server and _server(ctx, None, file.server))
        token = token or file.token
        library = file.library if _default(ctx, "library") and file.library else library
        fullscreen = file.fullscreen if _default(ctx, "fullscreen") else fullscreen
        size = parse_size(file.size) if size is None and file.size else size
        min_show = file.min_show if _default(ctx, "min_show") else min_show
        lang = file.lang if _default(ctx, "lang") else lang
        no_sound = no_sound or not file.sound
        display_index = file.display if _default(ctx, "display_index") else display_index
    if not server:
        raise click.UsageError("give the hall server with --server, MOTCUA_SERVER or the board file's server")
    if not token:
        raise click.UsageError("give this display's token with --token, MOTCUA_DEVICE_TOKEN or the board file's token")
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
