"""Report exports: CSV (UTF-8 with a byte-order mark, so Excel shows Vietnamese) and XLSX.

    Path("bao-cao.csv").write_bytes(to_csv(report))
    Path("bao-cao.xlsx").write_bytes(to_xlsx([report_by_field, report_by_counter]))

Headers are Vietnamese by default ("Lĩnh vực", "Số phiếu đã cấp", "Chờ trung bình (phút)", …);
minutes keep one decimal, the service level is a percentage. In XLSX the numbers stay numbers
(formatted, not text), so a supervisor can sum and chart them in Excel.
"""

from __future__ import annotations

import csv
import io

from . import labels
from .figures import Report, Row

PERCENT = {"service_level"}
COUNTS = {"issued", "served", "no_shows", "transfers", "cancelled", "expired"}


def columns(report: Report) -> list[str]:
    """The value columns of a report (counter and officer rows have no 'issued')."""
    cols = list(Row.COLUMNS)
    if report.by in ("counter", "officer"):
        cols.remove("issued")
    return cols


def headers(report: Report) -> list[str]:
    lang = report.lang
    first = [labels.word("period", lang)] if report.split else []
    return first + [labels.breakdown_name(report.by, lang)] + [labels.header(c, lang) for c in columns(report)]


def _text(value, column: str) -> str:
    """A value as CSV and table text: counts as integers, minutes to 0.1, shares as 87.5%."""
    if value is None:
        return ""
    if column in PERCENT:
        return f"{value * 100:.1f}%"
    if column in COUNTS:
        return str(int(value))
    return f"{value:.1f}"


def rows_as_text(report: Report) -> list[list[str]]:
    cols = columns(report)
    out = []
    for row in report.rows:
        first = [row.period or ""] if report.split else []
        out.append(first + [row.label] + [_text(getattr(row, c), c) for c in cols])
    return out


def to_csv(report: Report) -> bytes:
    """The report as CSV text in UTF-8 with a BOM (Excel opens it with the right letters)."""
    buf = io.StringIO()
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow(headers(report))
    writer.writerows(rows_as_text(report))
    return buf.getvalue().encode("utf-8-sig")


def to_table(report: Report) -> str:
    """The report as an aligned plain-text table (for the terminal)."""
    head = headers(report)
    body = rows_as_text(report)
    widths = [max(len(h), *(len(r[i]) for r in body)) if body else len(h) for i, h in enumerate(head)]
    lead = 2 if report.split else 1

    def line(cells):
        return "  ".join(c.ljust(w) if i < lead else c.rjust(w) for i, (c, w) in enumerate(zip(cells, widths)))

    title = (f"{labels.word('report_title', report.lang)} – {report.period.label(report.lang)} – "
             f"{labels.word('by', report.lang)} {labels.breakdown_name(report.by, report.lang).lower()}")
    out = [title, line(head), "  ".join("-" * w for w in widths)]
    for cells, row in zip(body, report.rows):
        if row.key == "total":
            out.append(line(cells))
            out.append("")
        else:
            out.append(line(cells))
    return "\n".join(out).rstrip() + "\n"


def sheet_name(report: Report) -> str:
    """An Excel sheet name (at most 31 characters, none of []:*?/\\)."""
    name = labels.breakdown_name(report.by, report.lang)
    for bad in "[]:*?/\\":
        name = name.replace(bad, " ")
    return name[:31]


def to_xlsx(reports: list[Report] | Report, centre_name: str = "") -> bytes:
    """The reports as one workbook, a sheet per report (e.g. one per breakdown)."""
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
    from openpyxl.utils import get_column_letter

    if isinstance(reports, Report):
        reports = [reports]
    wb = Workbook()
    wb.remove(wb.active)
    head_fill = PatternFill("solid", fgColor="072A66")
    total_fill = PatternFill("solid", fgColor="E8EDF4")
    thin = Side(style="thin", color="C9D1DB")
    for report in reports:
        lang = report.lang
        ws = wb.create_sheet(sheet_name(report))
        cols = columns(report)
        head = headers(report)
        title = f"{labels.word('report_title', lang)} – {report.period.label(lang)}"
        ws.append([title])
        ws["A1"].font = Font(bold=True, size=14)
        info = []
        if centre_name:
            info.append(f"{labels.word('centre', lang)}: {centre_name}")
        info.append(f"{labels.word('target', lang)}: {report.target_minutes:g} {labels.word('minutes', lang)}")
        if report.generated_at is not None:
            info.append(f"{labels.word('generated', lang)}: {report.generated_at.strftime('%d/%m/%Y %H:%M')} UTC")
        ws.append([" · ".join(info)])
        ws.append([])
        ws.append(head)
        header_row = ws.max_row
        for cell in ws[header_row]:
            cell.font = Font(bold=True, color="FFFFFF")
            cell.fill = head_fill
            cell.alignment = Alignment(wrap_text=True, vertical="center", horizontal="center")
        lead = 2 if report.split else 1
        for row in report.rows:
            values = ([row.period or ""] if report.split else []) + [row.label]
            for c in cols:
                v = getattr(row, c)
                if v is not None:
                    v = round(v, 4) if c in PERCENT else v if c in COUNTS else round(v, 2)
                values.append(v)
            ws.append(values)
            r = ws.max_row
            for j, c in enumerate(cols, start=lead + 1):
                cell = ws.cell(row=r, column=j)
                cell.number_format = "0.0%" if c in PERCENT else "0" if c in COUNTS else "0.0"
                cell.border = Border(bottom=thin)
            for j in range(1, lead + 1):
                ws.cell(row=r, column=j).border = Border(bottom=thin)
            if row.key == "total":
                for cell in ws[r]:
                    cell.font = Font(bold=True)
                    cell.fill = total_fill
        ws.freeze_panes = ws.cell(row=header_row + 1, column=lead + 1)
        ws.row_dimensions[header_row].height = 48
        for i, h in enumerate(head, start=1):
            if i <= lead:
                width = max([len(h)] + [len(str(ws.cell(row=r, column=i).value or ""))
                                        for r in range(header_row + 1, ws.max_row + 1)]) + 2
            else:
                width = 14
            ws.column_dimensions[get_column_letter(i)].width = min(max(width, 12), 48)
    buf = io.BytesIO()
    wb.save(buf)
    return buf.getvalue()


CONTENT_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


def filename(report: Report, fmt: str) -> str:
    """Names like bao-cao_demo_2026-11_field.csv (ASCII, safe everywhere)."""
    return f"bao-cao_{report.centre}_{report.period.slug}_{report.by}.{fmt}"
