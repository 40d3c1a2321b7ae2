"""``motcua printer``: run the ticket dispenser on a Raspberry Pi (or any Linux).

::

    motcua printer --config /etc/motcua/dispenser.toml
    motcua printer --config dispenser.toml --server http://192.168.1.10:8080 --token TOKEN
    motcua printer --config dispenser.toml --check        # check file, printer and server, then exit
    motcua printer --config dispenser.toml --test-print   # print an example ticket, then exit

The same command without the rest of the ``motcua`` tools (less memory)::

    python -m ticket_printer --config /etc/motcua/dispenser.toml

The token may come from the environment (``MOTCUA_DEVICE_TOKEN``) so that it
does not show in the process list; the server address too (``MOTCUA_SERVER``). Exit status: 0 after a clean stop
(SIGTERM, Ctrl-C) or a passing check, 1 when a check fails, 2 for a wrong
device file or missing GPIO.
"""

from __future__ import annotations

import logging
import os
import signal
import sys
import threading

import click

__all__ = ["printer"]

log = logging.getLogger("ticket_printer")


def _setup_logging(level: str) -> None:
    # Under systemd, journald adds the time; in a terminal, we do.
    fmt = "%(levelname)s %(name)s: %(message)s"
    if not os.environ.get("JOURNAL_STREAM"):
        fmt = "%(asctime)s " + fmt
    logging.basicConfig(level=getattr(logging, level.upper()), format=fmt, stream=sys.stderr)
    # python-escpos logs every connection ("Network printer enabled") on the root logger:
    # with a status poll every few seconds that would bury everything else.
    for handler in logging.getLogger().handlers:
        handler.addFilter(_quiet_escpos)
    logging.getLogger("socketio").setLevel(logging.WARNING)
    logging.getLogger("engineio").setLevel(logging.WARNING)
    logging.getLogger("urllib3").setLevel(logging.WARNING)


def _quiet_escpos(record: logging.LogRecord) -> bool:
    """Drop python-escpos' routine messages (below WARNING); keep everything else."""
    return record.levelno >= logging.WARNING or f"{os.sep}escpos{os.sep}" not in record.pathname


@click.command("printer", context_settings={"help_option_names": ["-h", "--help"]})
@click.option("--config", "config_file", required=True, envvar="MOTCUA_DEVICE_CONFIG",
              type=click.Path(dir_okay=False), help="Device file (TOML); see config/dispenser.example.toml.")
@click.option("--server", default=None, metavar="URL", envvar="MOTCUA_SERVER", show_envvar=True,
              help="Hall server URL, e.g. http://192.168.1.10:8080 (default: the device file's).")
@click.option("--token", default=None, envvar="MOTCUA_DEVICE_TOKEN", show_envvar=True,
              help="This dispenser's device token (default: the device file's).")
@click.option("--check", is_flag=True, help="Check the device file, the printer and the server, then exit.")
@click.option("--test-print", is_flag=True, help="Print an example ticket, then exit.")
@click.option("--log-level", default="info", show_default=True,
              type=click.Choice(["debug", "info", "warning", "error"], case_sensitive=False))
def printer(config_file: str, server: str | None, token: str | None, check: bool, test_print: bool,
            log_level: str) -> None:
    """Run the ticket dispenser: GPIO buttons and touch-screen print jobs to the thermal printer."""
    from device_link.config import DeviceConfigError

    from .config import load_device_config

    _setup_logging(log_level)
    try:
        config = load_device_config(config_file, server=server, token=token)
    except DeviceConfigError as exc:
        click.echo(str(exc), err=True)
        click.echo("The dispenser did not start: fix the device file.", err=True)
        sys.exit(2)
    if check:
        sys.exit(0 if _check(config) else 1)
    if test_print:
        sys.exit(0 if _test_print(config) else 1)
    sys.exit(_run(config))


def _run(config) -> int:
    from .dispenser import Dispenser

    try:
        dispenser = Dispenser(config)
    except Exception as exc:  # gpiozero: no GPIO here, pin busy, no permission
        if not _is_gpio_error(exc):
            raise
        click.echo(f"GPIO: {exc}", err=True)
        click.echo("On a Raspberry Pi: is the user in the 'gpio' group, and is another program using "
                   "the pin? On a PC without GPIO: remove [[buttons]], [priority] and [led] from the "
                   "device file (touch screen only), or try it with GPIOZERO_PIN_FACTORY=mock.", err=True)
        return 2
    stop = threading.Event()

    def on_signal(signum, frame):
        log.info("stopping (%s)", signal.Signals(signum).name)
        stop.set()

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    log.info("dispenser for %s: %d button(s)%s%s, printer %r", config.server, len(config.buttons),
             ", priority button" if config.priority else "", ", status LED" if config.led else "",
             dispenser.printer)
    dispenser.start()
    try:
        while not stop.wait(3600):
            pass
    finally:
        dispenser.stop()
    return 0


def _is_gpio_error(exc: Exception) -> bool:
    try:
        from gpiozero import GPIOZeroError
    except ImportError:  # pragma: no cover - gpiozero is needed only with buttons or an LED
        return False
    return isinstance(exc, (GPIOZeroError, PermissionError))


def _check(config) -> bool:
    """Print one line per check; True if all passed."""
    from device_link.link import DeviceLink, Offline

    from .config import problems_with_centre
    from .printer import PrinterStatus, TicketPrinter

    ok = True

    def line(passed: bool, text: str, warn: bool = False) -> None:
        nonlocal ok
        ok &= passed
        click.echo(f"{'FAIL' if not passed else 'WARN' if warn else 'OK  '} {text}")

    line(True, f"device file: {len(config.buttons)} button(s), "
               f"priority button: {'yes' if config.priority else 'no'}, LED: {'yes' if config.led else 'no'}")
    tp = TicketPrinter(config.printer)
    status = tp.status()
    unknown_ok = status is PrinterStatus.UNKNOWN and config.print_when_status_unknown
    line(status.can_print or unknown_ok, f"printer {tp!r}: {status.value} ({status.label_vi})"
         + ("; it will print without status checks" if unknown_ok else ""),
         warn=status is not PrinterStatus.OK)
    link = DeviceLink(config.server, config.token, name="dispenser-check",
                      connect_timeout=config.timing.connect_timeout)
    try:
        me = link.get_json("/me")
        line(me.get("role") == "dispenser",
             f"server {config.server}: token accepted as {me.get('role')} {me.get('id')!r}")
        centre = link.get_json("/centre")
        problems = problems_with_centre(config, centre)
        for problem in problems:
            line(False, f"device file: {problem}")
        if not problems:
            line(True, f"centre {centre.get('name')!r}: every button's field and priority code exists")
    except Offline as exc:
        hint = " (wrong token?)" if "401" in str(exc) else ""
        line(False, f"server {config.server}: {exc}{hint}")
    finally:
        link.stop()
    return ok


def _test_print(config) -> bool:
    from .printer import PrinterError, TicketPrinter
    from .render import example_ticket_info, render_ticket

    tp = TicketPrinter(config.printer)
    try:
        status = tp.print_ticket(render_ticket(example_ticket_info(), width_px=tp.width_px))
    except PrinterError as exc:
        click.echo(f"FAIL {tp!r}: {exc}", err=True)
        return False
    click.echo(f"OK   printed an example ticket on {tp!r} (printer state before: {status.value})")
    return True
