"""``motcua report``: report figures on the terminal, or as CSV/XLSX files and PNG charts.

    motcua report --from 2026-11-01 --period month                      # November, by field, as a table
    motcua report --from 2026-01-01 --to 2026-12-31 --period quarter --by counter --format xlsx --out q.xlsx
    motcua report --from 2026-11-26 --by hour --format csv --out hom-nay.csv --charts bieu-do/

``--from`` alone is one day; with ``--period`` it is the day, month, quarter or year containing it.
``--from`` and ``--to`` give any range (inclusive); ``--period`` then splits it into days, months,
quarters or years, each with its total. Dates are local days of the centre's time zone.
"""

from __future__ import annotations

import os
import sys
from datetime import datetime, timezone
from pathlib import Path

import click

from ..config import DEMO_HALL, ConfigError, load_hall
from . import charts, export, figures, labels


def _open_store(db: str):
    from ..store import Store

    if db.startswith("sqlite"):
        path = db.split("///", 1)[-1]
        if path and path != ":memory:" and not Path(path).exists():
            raise click.BadParameter(f"no database file at {path}", param_hint="--db")
    return Store(db)


@click.command("report")
@click.option("--from", "start", required=True, metavar="DATE", help="First day (YYYY-MM-DD).")
@click.option("--to", "end", default=None, metavar="DATE", help="Last day, inclusive (YYYY-MM-DD).")
@click.option("--period", type=click.Choice(figures.PERIOD_KINDS), default=None,
              help="Without --to: the period containing --from. With --to: one block per period.")
@click.option("--by", "by", type=click.Choice(figures.BREAKDOWNS + ("all",)), multiple=True,
              help="Breakdown (repeat for several; 'all' for every one). Default: field.")
@click.option("--format", "fmt", type=click.Choice(["table", "csv", "xlsx"]), default="table", show_default=True)
@click.option("--out", type=click.Path(dir_okay=False, writable=True), default=None,
              help="Output file (default: the terminal; required for xlsx).")
@click.option("--charts", "charts_dir", type=click.Path(file_okay=False), default=None,
              help="Also write the PNG charts (arrivals, waits, service level) into this folder.")
@click.option("--lang", type=click.Choice(labels.LANGS), default="vi", show_default=True, help="Language of headers.")
@click.option("--config", "config_file", default=str(DEMO_HALL), show_default=True,
              type=click.Path(dir_okay=False), help="Hall file (TOML).")
@click.option("--db", default=lambda: os.environ.get("MOTCUA_DB", "sqlite:///data/hall.db"),
              show_default="sqlite:///data/hall.db", help="Database URL.")
def report(start, end, period, by, fmt, out, charts_dir, lang, config_file, db) -> None:
    """Report tickets, waits, service level and service times from the stored records."""
    try:
        config = load_hall(config_file)
    except ConfigError as exc:
        raise click.ClickException(str(exc)) from None
    try:
        span = figures.Period.parse(start, end, period)
    except figures.ReportError as exc:
        raise click.BadParameter(str(exc), param_hint="--from/--to/--period") from None
    split = period if end else None
    kinds = list(figures.BREAKDOWNS) if "all" in by else list(dict.fromkeys(by or ("field",)))
    if fmt == "csv" and len(kinds) > 1:
        raise click.BadParameter("a CSV file holds one table: give one --by, or use --format xlsx", param_hint="--by")
    if fmt == "xlsx" and not out:
        raise click.BadParameter("an XLSX file needs --out FILE", param_hint="--out")

    store = _open_store(db)
    try:
        visits = figures.load_visits(store.engine, config, span)
    finally:
        store.close()
    now = datetime.now(timezone.utc)
    reports = [figures.build_report(visits, config, span, by=k, split=split, as_of=now, lang=lang) for k in kinds]

    if fmt == "xlsx":
        data: bytes | str = export.to_xlsx(reports, config.centre.name if lang == "vi" else config.centre.name_en)
    elif fmt == "csv":
        data = export.to_csv(reports[0])
    else:
        data = "\n".join(export.to_table(r) for r in reports)
    if out:
        Path(out).write_bytes(data if isinstance(data, bytes) else data.encode("utf-8"))
        click.echo(f"{out}: {len(visits)} visits, {reports[0].total.issued} tickets "
                   f"({span.label(lang)})", err=True)
    elif isinstance(data, bytes):
        sys.stdout.buffer.write(data)
    else:
        click.echo(data, nl=False)

    if charts_dir:
        folder = Path(charts_dir)
        folder.mkdir(parents=True, exist_ok=True)
        for name in charts.CHARTS:
            path = folder / f"{name}_{span.slug}.png"
            path.write_bytes(charts.render(name, visits, config, span, as_of=now, lang=lang))
            click.echo(f"{path}", err=True)
