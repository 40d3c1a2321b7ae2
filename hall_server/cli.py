"""The ``motcua`` command line.

    motcua serve --config config/demo_hall.toml --db sqlite:///data/hall.db
    motcua config check config/demo_hall.toml
    motcua staff hash
"""

from __future__ import annotations

import os
import sys

import click

from .config import DEMO_HALL, ConfigError, load_hall

DEFAULT_DB = "sqlite:///data/hall.db"


# Commands that live in other packages, loaded only when asked for: a Pi running
# `motcua printer` does not pay for the simulator's or the reports' imports.
LAZY = {
    "audio": ("audio.cli", "audio"),
    "printer": ("ticket_printer.cli", "printer"),
    "buttons": ("counter_buttons.cli", "buttons"),
    "rating-box": ("counter_buttons.cli", "rating_box"),
    "board": ("display_board.cli", "board"),
    "simulate": ("hall_server.sim.cli", "simulate"),
    "advise": ("hall_server.sim.cli", "advise"),
    "report": ("hall_server.reports.cli", "report"),
}


class LazyGroup(click.Group):
    def list_commands(self, ctx):
        return sorted(set(super().list_commands(ctx)) | {n for n in LAZY if self._load(n) is not None})

    def get_command(self, ctx, name):
        return super().get_command(ctx, name) or self._load(name)

    def _load(self, name):
        import importlib

        if name not in LAZY:
            return None
        module, attr = LAZY[name]
        try:
            mod = importlib.import_module(module)
        except ModuleNotFoundError as exc:
            if exc.name and (exc.name == module or module.startswith(exc.name + ".")):
                return None  # that part is not installed
            raise
        return getattr(mod, attr, None)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(package_name="motcua-queue")
def main() -> None:
    """MotCua Queue: queue management for one-stop public service centres."""


# ---------------------------------------------------------------------- config
@main.group()
def config() -> None:
    """Check hall files."""


@config.command("check")
@click.argument("file", type=click.Path(dir_okay=False))
def config_check(file: str) -> None:
    """Validate a hall FILE and print every error with its key."""
    try:
        hall = load_hall(file)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(1)
    click.echo(
        f"{file}: OK — {hall.centre.name}: {len(hall.fields)} fields, {len(hall.counters)} counters, "
        f"{len(hall.officers)} officers, {len(hall.devices)} devices, {len(hall.staff)} staff logins"
    )


# ---------------------------------------------------------------------- staff
@main.group()
def staff() -> None:
    """Staff accounts."""


@staff.command("hash")
@click.password_option("--password", prompt="Password", help="The password to hash (asked if not given).")
def staff_hash(password: str) -> None:
    """Print an argon2 hash to paste into the hall file's [[staff]] password_hash."""
    from argon2 import PasswordHasher

    if len(password) < 8:
        raise click.BadParameter("use at least 8 characters", param_hint="--password")
    click.echo(PasswordHasher().hash(password))


# ---------------------------------------------------------------------- serve
@main.command()
@click.option("--config", "config_files", default=[str(DEMO_HALL)], show_default=True, multiple=True,
              type=click.Path(dir_okay=False),
              help="Hall file (TOML). Repeat for several centres: each is then served under /c/<centre id>/.")
@click.option("--province", "province_file", default=None, type=click.Path(dir_okay=False),
              help="Province file (name, province admins): serves /province/ with cross-centre figures.")
@click.option("--db", default=lambda: os.environ.get("MOTCUA_DB", DEFAULT_DB), show_default=DEFAULT_DB,
              help="Database URL: sqlite:///path or postgresql+psycopg://user@host/db.")
@click.option("--host", default="127.0.0.1", show_default=True, help="Address to listen on (0.0.0.0 for the LAN).")
@click.option("--port", default=8080, show_default=True, type=int)
@click.option("--threads", default=32, show_default=True, type=int,
              help="Worker threads for HTTP requests and for the blocking part of socket messages.")
@click.option("--max-connections", default=None, type=int,
              help="Public live connections (phones, pages) per process; past it they are refused at once "
                   "[default: $MOTCUA_MAX_CONNECTIONS or 10000].")
@click.option("--reserved-connections", default=None, type=int,
              help="Connections above the cap kept for devices and staff "
                   "[default: $MOTCUA_RESERVED_CONNECTIONS or 500].")
@click.option("--connects-per-minute", default=None, type=int,
              help="New live connections per client address per minute [default: $MOTCUA_CONNECTS_PER_MINUTE or 300].")
@click.option("--redis", "message_queue", default=None, help="Redis URL for Socket.IO fan-out across processes.")
def serve(config_files: tuple[str, ...], province_file: str | None, db: str, host: str, port: int, threads: int,
          max_connections: int | None, reserved_connections: int | None, connects_per_minute: int | None,
          message_queue: str | None) -> None:
    """Run the hall server: uvicorn, Socket.IO on asyncio, Flask beside it (docs/decisions/0001-live-layer.md)."""
    try:
        halls = [load_hall(f) for f in config_files]
        province = None
        if province_file:
            from .web.province import load_province

            province = load_province(province_file)
    except ConfigError as exc:
        click.echo(str(exc), err=True)
        click.echo("The server did not start: fix the hall file (motcua config check FILE).", err=True)
        sys.exit(2)
    from .web.live import capacity_from_env
    from .web.server import run_server

    try:
        capacity = capacity_from_env(max_connections=max_connections, reserved=reserved_connections,
                                     connects_per_minute=connects_per_minute)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None
    run_server(halls, db=db, host=host, port=port, threads=threads, message_queue=message_queue,
               province=province, capacity=capacity)
