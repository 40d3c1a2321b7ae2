"""``motcua buttons``: run a counter button box on a Raspberry Pi.

    motcua buttons --server http://192.168.1.10:8080 --token TOKEN --config /etc/motcua/buttons.toml
    motcua buttons --config /etc/motcua/buttons.toml --check      # validate the file only

The server and token may also come from the environment (``MOTCUA_SERVER``,
``MOTCUA_DEVICE_TOKEN``) or from the box file (``server``, ``token``), which keeps the token
out of the process list; the systemd unit ``deploy/motcua-buttons.service`` reads them from
``/etc/motcua/buttons.env``.
gpiozero picks the pin factory (lgpio on a Pi 5 and on Raspberry Pi OS Bookworm);
``GPIOZERO_PIN_FACTORY=mock`` runs the box without hardware.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading
import time

import click

from device_link.config import DeviceConfigError, check_server_url

from .config import load_box


def _check_server(ctx, param, value):
    if value is None:
        return None
    try:
        return check_server_url(value)
    except ValueError as exc:
        raise click.BadParameter(str(exc)) from None


def _setup_logging(level: str) -> None:
    # Under systemd, journald adds the time; in a terminal, we do.
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not os.environ.get("JOURNAL_STREAM"):
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=getattr(logging, level.upper()), format=fmt, stream=sys.stderr)
    for noisy in ("socketio", "engineio", "urllib3", "websocket"):
        logging.getLogger(noisy).setLevel(logging.WARNING)


def _check_link(server: str, token: str, numbers: list[int]) -> bool:
    """Connect once, print what the server says about this box's counters; False on failure."""
    from device_link.link import DeviceLink, Offline

    snapshots: list[dict] = []
    link = DeviceLink(server, token, name="buttons-check", on_snapshot=snapshots.append, connect_timeout=5)
    link.start()
    try:
        deadline = time.monotonic() + 5
        while not link.synced and link.problem is None and time.monotonic() < deadline:
            time.sleep(0.02)
        if not link.synced:
            if link.problem or not link.connected:
                click.echo(f"{server}: cannot connect with this token ({link.problem or 'no answer'}); check the "
                           "address, the network and the token against the hall file", err=True)
            else:
                click.echo(f"{server}: connected but no snapshot came within 5 s", err=True)
            return False
        snap = snapshots[-1]
        try:
            me = link.get_json("/me")
        except Offline as exc:
            click.echo(f"{server}: GET /api/v1/me failed: {exc}", err=True)
            return False
    finally:
        link.stop()
    if me.get("role") != "button_box":
        click.echo(f"this token belongs to a {me.get('role')!r} device, not a button box", err=True)
        return False
    known = {c["number"]: c for c in snap.get("counters", [])}
    ok = True
    for number in numbers:
        c = known.get(number)
        if c is None or number not in me.get("counters", []):
            click.echo(f"counter {number}: device {me.get('id')} may not act for it (its counters in the hall "
                       f"file: {', '.join(map(str, me.get('counters', []))) or 'none'})", err=True)
            ok = False
            continue
        current = (c.get("current") or {}).get("code")
        click.echo(f"counter {number}: {c['status']}, officer {c.get('officer') or '-'}"
                   f"{f', ticket {current}' if current else ''}")
    if ok:
        click.echo(f"{server}: OK — device {me.get('id')} may act for every counter in the box file")
    return ok


@click.command("buttons", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--server", envvar="MOTCUA_SERVER", show_envvar=True, callback=_check_server, metavar="URL",
              help="Hall server URL, e.g. http://192.168.1.10:8080 (default: the box file's).")
@click.option("--token", envvar="MOTCUA_DEVICE_TOKEN", show_envvar=True,
              help="This box's device token from the hall file (default: the box file's).")
@click.option("--config", "config_file", envvar="MOTCUA_DEVICE_CONFIG", show_envvar=True, required=True,
              type=click.Path(dir_okay=False), help="Button box file (TOML); see config/buttons.example.toml.")
@click.option("--check", is_flag=True, help="Only validate the config file, then exit.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False))
def buttons(server: str | None, token: str | None, config_file: str, check: bool, log_level: str) -> None:
    """Run the counter button box: Next, Recall, No-show, Finish buttons, LEDs and LCDs."""
    try:
        config = load_box(config_file)
    except DeviceConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    server = server or (config.server.rstrip("/") if config.server else None)
    token = (token or config.token or "").strip()
    if check:
        lcds = sum(1 for c in config.counters if c.lcd_enable is not None)
        leds = sum(1 for c in config.counters if c.led is not None)
        click.echo(f"{config_file}: OK — counters {', '.join(map(str, config.counter_numbers()))}; "
                   f"{leds} LED(s), {lcds} LCD(s); hold Next {config.hold_seconds:g} s to pause")
        if server and token:
            sys.exit(0 if _check_link(server, token, config.counter_numbers()) else 1)
        return
    if not server:
        raise click.UsageError("give the hall server URL with --server, MOTCUA_SERVER or the box file's server")
    if not token:
        raise click.UsageError("give this box's device token with --token, MOTCUA_DEVICE_TOKEN or the box file's token")

    _setup_logging(log_level)
    from gpiozero.exc import BadPinFactory, GPIOPinInUse

    from .box import ButtonBox

    try:
        box = ButtonBox(config, server, token)
    except BadPinFactory as exc:
        click.echo(f"no GPIO pin factory could be loaded ({exc}). On a Raspberry Pi install python3-lgpio "
                   "(see docs/pi/buttons.md); to try the box without hardware set GPIOZERO_PIN_FACTORY=mock.",
                   err=True)
        sys.exit(3)
    except GPIOPinInUse as exc:
        click.echo(f"a GPIO pin is already in use ({exc}); is another motcua buttons running?", err=True)
        sys.exit(3)

    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    logging.getLogger(__name__).info("button box for counters %s, server %s",
                                     ", ".join(map(str, config.counter_numbers())), server)
    box.start()
    try:
        stop.wait()
    finally:
        box.close()


@click.command("rating-box", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", envvar="MOTCUA_DEVICE_CONFIG", show_envvar=True, default=None,
              type=click.Path(dir_okay=False), help="Rating box file (TOML): server, token, counter, [pins].")
@click.option("--server", envvar="MOTCUA_SERVER", show_envvar=True, callback=_check_server, metavar="URL",
              help="Hall server URL (default: the file's).")
@click.option("--token", envvar="MOTCUA_DEVICE_TOKEN", show_envvar=True,
              help="The button-box token of this counter (default: the file's).")
@click.option("--counter", type=click.IntRange(1, 999), default=None, help="The counter (default: the file's).")
@click.option("--pins", default=None, metavar="V,S,U",
              help="BCM pins of very satisfied, satisfied, unsatisfied, e.g. 17,27,22 (default: the file's).")
@click.option("--led", type=click.IntRange(2, 27), default=None, help="BCM pin of the LED (optional).")
@click.option("--check", is_flag=True, help="Only validate the file and options, then exit.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False))
def rating_box(config_file, server, token, counter, pins, led, check, log_level) -> None:
    """Run a three-button satisfaction rating box at one counter."""
    from .rating_box import RatingBox, RatingPins, load_rating_file, parse_rating_file

    data: dict = {}
    source = "command line"
    try:
        if config_file:
            file = load_rating_file(config_file)
            data, source = file.model_dump(exclude_none=True), config_file
        if counter is not None:
            data["counter"] = counter
        if pins is not None:
            try:
                very, ok, bad = (int(p) for p in pins.split(","))
            except ValueError:
                raise click.BadParameter("three pin numbers separated by commas, e.g. 17,27,22",
                                         param_hint="--pins") from None
            data["pins"] = {"very_satisfied": very, "satisfied": ok, "unsatisfied": bad}
        if led is not None:
            data.setdefault("pins", {})["led"] = led
        config = parse_rating_file(data, source)
    except DeviceConfigError as exc:
        click.echo(str(exc), err=True)
        sys.exit(2)
    server = server or config.server
    token = (token or config.token or "").strip()
    if check:
        click.echo(f"{source}: OK — counter {config.counter}, pins {config.pins.very_satisfied}, "
                   f"{config.pins.satisfied}, {config.pins.unsatisfied}, LED {config.pins.led or '-'}")
        return
    if not server:
        raise click.UsageError("give the hall server URL with --server, MOTCUA_SERVER or the file's server")
    if len(token) < 16:
        raise click.UsageError("give this counter's button-box token with --token, MOTCUA_DEVICE_TOKEN or the file")
    _setup_logging(log_level)
    box = RatingBox(server, token, config.counter, RatingPins(config.pins.very_satisfied, config.pins.satisfied,
                                                              config.pins.unsatisfied, config.pins.led))
    stop = threading.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda *_: stop.set())
    box.start()
    try:
        stop.wait()
    finally:
        box.close()
