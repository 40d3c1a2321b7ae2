"""Reports: the JSON report, the ``/reports`` page, CSV/XLSX downloads and charts."""

from __future__ import annotations

from datetime import timedelta

from flask import Response, g, render_template, request

from ...reports import charts, export, figures, labels
from .. import schemas as s
from ..api import BadRequest, add_query
from . import WHO, app_ext, bp, require_supervisor, supervision, supervisor_page
from .texts import text


class ReportRowOut(s.Out):
    key: str
    label: str
    period: str | None
    called: int
    waiting: int
    issued: int | None
    served: int
    no_shows: int
    transfers: int
    cancelled: int
    expired: int
    wait_mean: float | None
    wait_median: float | None
    wait_p90: float | None
    service_level: float | None
    service_mean: float | None
    service_median: float | None


class ReportOut(s.Out):
    centre: str
    first_day: str
    last_day: str
    period: str
    by: str
    split: str | None
    target_minutes: float
    lang: str
    generated_at: str | None
    rows: list[ReportRowOut]


def report_request(params) -> tuple[figures.Period, str | None, str, str]:
    """(period, split, by, lang) from query parameters ``from``, ``to``, ``period``, ``by``, ``lang``."""
    kind = params.get("period") or None
    period = figures.Period.parse(params.get("from"), params.get("to") or None, kind)
    split = kind if params.get("to") else None
    by = params.get("by") or "field"
    if by not in figures.BREAKDOWNS and by != "all":
        raise figures.ReportError(f"by must be one of {', '.join(figures.BREAKDOWNS)}, not {by[:20]!r}")
    lang = params.get("lang") or getattr(g, "lang", "vi")
    return period, split, by, (lang if lang in labels.LANGS else "vi")


def _report(period, split, by, lang):
    ext = app_ext()
    visits = supervision().visits_for(ext, period)
    now = ext.service.clock()
    kinds = list(figures.BREAKDOWNS) if by == "all" else [by]
    reports = [figures.build_report(visits, ext.config, period, by=k, split=split, as_of=now, lang=lang)
               for k in kinds]
    return visits, reports


@add_query("GET", "/reports", "A report from the stored records (query: from, to as YYYY-MM-DD; period "
           "day|month|quarter|year; by field|counter|officer|hour|weekday; lang vi|en)", WHO, ReportOut,
           public=False)
def report_json(args):
    require_supervisor()
    try:
        period, split, by, lang = report_request(request.args)
        if by == "all":
            raise figures.ReportError("by=all is for the Excel download; ask for one breakdown here")
    except figures.ReportError as exc:
        raise BadRequest("invalid_query", str(exc)) from None
    _, reports = _report(period, split, by, lang)
    return reports[0].to_dict()


# ---------------------------------------------------------------------- pages
def _report_error_page(exc, status=400):
    return render_template("reports.html", error=str(exc), report=None, params={}, quick=_quick_links(),
                           by_names=_by_names(), period_names=_period_names()), status


def _quick_links() -> list[tuple[str, dict]]:
    ext = app_ext()
    today = ext.service.clock().astimezone(ext.config.tz).date()
    return [
        (text("quick_today"), {"from": today.isoformat()}),
        (text("quick_yesterday"), {"from": (today - timedelta(days=1)).isoformat()}),
        (text("quick_30"), {"from": (today - timedelta(days=29)).isoformat(), "to": today.isoformat()}),
        (text("quick_month"), {"from": today.isoformat(), "period": "month"}),
        (text("quick_quarter"), {"from": today.isoformat(), "period": "quarter"}),
        (text("quick_year"), {"from": today.isoformat(), "period": "year"}),
    ]


def _by_names():
    return [(k, labels.breakdown_name(k, g.lang)) for k in figures.BREAKDOWNS]


def _period_names():
    return [(k, labels.PERIOD_KINDS[k][1 if g.lang == "en" else 0]) for k in figures.PERIOD_KINDS]


@bp.get("/reports")
@supervisor_page
def reports_page():
    ext = app_ext()
    params = {k: request.args.get(k, "") for k in ("from", "to", "period", "by")}
    if not params["from"]:
        params["from"] = ext.service.clock().astimezone(ext.config.tz).date().isoformat()
    params["by"] = params["by"] or "field"
    try:
        period, split, by, lang = report_request(params)
        if by == "all":
            raise figures.ReportError("choose one breakdown")
    except figures.ReportError as exc:
        return _report_error_page(exc)
    visits, reports = _report(period, split, by, lang)
    query = {k: v for k, v in params.items() if v} | {"lang": lang}
    return render_template("reports.html", error=None, report=reports[0], params=params, query=query,
                           query_all=query | {"by": "all"},
                           columns=export.columns(reports[0]), headers=export.headers(reports[0]),
                           cell=export._text, quick=_quick_links(), by_names=_by_names(),
                           period_names=_period_names(), charts=list(charts.CHARTS))


@bp.get("/reports/export.<fmt>")
@supervisor_page
def report_download(fmt: str):
    if fmt not in export.CONTENT_TYPES:
        return _report_error_page(f"format must be csv or xlsx, not {fmt[:10]!r}", 404)
    try:
        period, split, by, lang = report_request(request.args)
        if fmt == "csv" and by == "all":
            raise figures.ReportError("a CSV file holds one breakdown")
    except figures.ReportError as exc:
        return _report_error_page(exc)
    _, reports = _report(period, split, by, lang)
    ext = app_ext()
    if fmt == "csv":
        data = export.to_csv(reports[0])
        name = export.filename(reports[0], "csv")
    else:
        try:
            data = export.to_xlsx(reports, ext.config.centre.name if lang == "vi" else ext.config.centre.name_en)
        except ImportError:
            return _report_error_page("Excel export needs the openpyxl package (pip install openpyxl)", 503)
        name = export.filename(reports[0], "xlsx").replace(f"_{reports[0].by}.", "_all." if by == "all" else f"_{by}.")
    return Response(data, content_type=export.CONTENT_TYPES[fmt],
                    headers={"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"})


@bp.get("/reports/chart/<name>.png")
@supervisor_page
def report_chart(name: str):
    if name not in charts.CHARTS:
        return _report_error_page(f"no chart {name[:20]!r}", 404)
    try:
        period, _, _, lang = report_request(request.args)
    except figures.ReportError as exc:
        return _report_error_page(exc)
    ext = app_ext()
    visits = supervision().visits_for(ext, period)
    try:
        png = charts.render(name, visits, ext.config, period, as_of=ext.service.clock(), lang=lang)
    except ImportError:
        return _report_error_page("charts need the matplotlib package (pip install matplotlib)", 503)
    return Response(png, content_type="image/png", headers={"Cache-Control": "private, max-age=60"})
