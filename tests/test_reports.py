"""Reports: figures from a hand-built two-day log, exports read back, charts, the CLI, wait alerts.

The log (local times, Asia/Ho_Chi_Minh; the demo hall, wait target 15 minutes):

Thursday 26/11/2026
  08:00 A001 (Đất đai) issued      08:05 called at 1 (wait 5)   08:08 started   08:12 done (service 4)
  08:02 A002 (Đất đai) issued      08:14 called at 2 (wait 12)  08:15 recalled  08:17 no-show
  08:03 B001 (Hộ tịch) issued      08:06 called at 3 (wait 3)   08:07 started   08:10 transferred to Chứng thực
        B001 in Chứng thực         08:12 called at 4 (wait 2 since the transfer)  08:13 done (service 1)
  08:20 A003 (Đất đai) issued      08:21 cancelled by the supervisor (waited 1, uncalled)
  08:25 T001 (Tiếp công dân) issued, nobody serves it: expires when Friday starts
  08:30 A004 (Đất đai) issued      09:00 called at 1 (wait 30)  09:10 done (service 10)
  09:05 B002 (Hộ tịch) issued      09:06 called at 3 (wait 1)   09:08 started   09:20 done (service 12)
Friday 27/11/2026
  08:00 A001 (Đất đai) issued (numbers restart; T001 expires)   08:04 called at 2 (wait 4)  08:05 started
        08:15 done (service 10)
  08:20 C001 (Chứng thực) issued
  08:30 the supervisor moves Nguyễn Văn An from counter 1 to counter 10 and opens it
  08:40 C001 called at 10 (wait 20)  08:41 started  08:47 done (service 6)
  08:50 B001 (Hộ tịch) issued, still waiting at 09:00 when the report is made
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta, timezone

import pytest
from click.testing import CliRunner

from hall_server.engine import (
    AssignOfficer,
    CallNext,
    Cancel,
    Finish,
    Hall,
    IssueTicket,
    NoShow,
    OpenCounter,
    PauseCounter,
    Recall,
    SetCounterFields,
    StartServing,
    Transfer,
)
from hall_server.reports import charts, export, figures
from hall_server.reports.alerts import AlertSettings, wait_alerts
from hall_server.reports.figures import Period, ReportError
from hall_server.service import Actor, HallService
from hall_server.store import Store

from .conftest import T0, Clock

SUPERVISOR = Actor("giamsat", "supervisor")
THU = date(2026, 11, 26)
FRI = date(2026, 11, 27)
AS_OF = T0 + timedelta(days=1, hours=1)  # Friday 09:00


def at(day: int, hh: int, mm: int) -> datetime:
    """Local time on day 0 (Thursday) or 1 (Friday), as UTC."""
    return T0 + timedelta(days=day, hours=hh - 8, minutes=mm)


def two_days(service: HallService, clock: Clock, shift: timedelta = timedelta(0)) -> None:
    """Play the log (``shift`` moves it in time, e.g. a week back for a live server)."""

    def do(when, command, actor=None):
        clock.at = when + shift
        outcome = service.execute(command, actor=actor or Actor("system", "system"))
        assert outcome.ok, (command, outcome.body)
        return outcome

    do(at(0, 8, 0), IssueTicket(field="DD"))
    do(at(0, 8, 2), IssueTicket(field="DD"))
    do(at(0, 8, 3), IssueTicket(field="HT"))
    assert do(at(0, 8, 5), CallNext(counter=1)).body["ticket"]["code"] == "A001"
    assert do(at(0, 8, 6), CallNext(counter=3)).body["ticket"]["code"] == "B001"
    do(at(0, 8, 7), StartServing(counter=3))
    do(at(0, 8, 8), StartServing(counter=1))
    do(at(0, 8, 10), Transfer(counter=3, field="CT"))
    do(at(0, 8, 12), Finish(counter=1))
    assert do(at(0, 8, 12), CallNext(counter=4)).body["ticket"]["code"] == "B001"
    do(at(0, 8, 13), Finish(counter=4))
    assert do(at(0, 8, 14), CallNext(counter=2)).body["ticket"]["code"] == "A002"
    do(at(0, 8, 15), Recall(counter=2))
    do(at(0, 8, 17), NoShow(counter=2))
    a003 = do(at(0, 8, 20), IssueTicket(field="DD")).body["ticket"]
    do(at(0, 8, 21), Cancel(ticket=a003["id"]), SUPERVISOR)
    assert do(at(0, 8, 25), IssueTicket(field="KN")).body["ticket"]["code"] == "T001"
    do(at(0, 8, 30), IssueTicket(field="DD"))
    assert do(at(0, 9, 0), CallNext(counter=1)).body["ticket"]["code"] == "A004"
    do(at(0, 9, 5), IssueTicket(field="HT"))
    assert do(at(0, 9, 6), CallNext(counter=3)).body["ticket"]["code"] == "B002"
    do(at(0, 9, 8), StartServing(counter=3))
    do(at(0, 9, 10), Finish(counter=1))
    do(at(0, 9, 20), Finish(counter=3))
    # Friday
    assert do(at(1, 8, 0), IssueTicket(field="DD")).body["ticket"]["code"] == "A001"
    assert do(at(1, 8, 4), CallNext(counter=2)).body["ticket"]["code"] == "A001"
    do(at(1, 8, 5), StartServing(counter=2))
    do(at(1, 8, 15), Finish(counter=2))
    do(at(1, 8, 20), IssueTicket(field="CT"))
    do(at(1, 8, 30), AssignOfficer(counter=10, officer="nguyenvanan"), SUPERVISOR)
    do(at(1, 8, 30), OpenCounter(counter=10), SUPERVISOR)
    assert do(at(1, 8, 40), CallNext(counter=10)).body["ticket"]["code"] == "C001"
    do(at(1, 8, 41), StartServing(counter=10))
    do(at(1, 8, 47), Finish(counter=10))
    do(at(1, 8, 50), IssueTicket(field="HT"))
    clock.at = AS_OF + shift


@pytest.fixture(scope="module")
def logged(tmp_path_factory, demo_config):
    """The two-day log in a fresh database (built once for the module)."""
    db_url = f"sqlite:///{tmp_path_factory.mktemp('reports') / 'hall.db'}"
    store = Store(db_url)
    clock = Clock()
    service = HallService(demo_config, store, clock=clock)
    two_days(service, clock)
    yield service, db_url
    store.close()


@pytest.fixture(scope="module")
def visits(logged, demo_config):
    service, _ = logged
    return figures.load_visits(service.store.engine, demo_config, Period(THU, FRI))


def report(visits, demo_config, by, split=None, first=THU, last=FRI, lang="vi"):
    return figures.build_report(visits, demo_config, Period(first, last), by=by, split=split, as_of=AS_OF, lang=lang)


def rows(rep):
    return {r.key: r for r in rep.rows}


def approx(x):
    return pytest.approx(x, abs=1e-9)


# ---------------------------------------------------------------------- figures
def test_visits_cut_a_transferred_ticket_in_two(visits):
    b001 = [v for v in visits if v.code == "B001" and v.start.date() == THU]
    assert [(v.field, v.origin, v.outcome, v.counter, v.wait_seconds / 60) for v in b001] == [
        ("HT", "issue", "transfer", 3, 3.0), ("CT", "transfer", "done", 4, 2.0)]
    assert b001[1].service_seconds == 60
    a002 = next(v for v in visits if v.code == "A002")
    assert a002.outcome == "no_show" and a002.recalls == 1 and a002.wait_seconds == 12 * 60
    t001 = next(v for v in visits if v.code == "T001")
    assert t001.outcome == "expired" and t001.end == at(1, 8, 0)  # expired when Friday began
    assert len(visits) == 11


def test_report_by_field(visits, demo_config):
    r = rows(report(visits, demo_config, "field"))
    assert list(r) == ["DD", "HT", "CT", "KN", "total"]  # the hall file's order, then the total
    dd = r["DD"]
    assert dd.label == "Đất đai"
    assert (dd.issued, dd.served, dd.no_shows, dd.transfers, dd.cancelled, dd.expired) == (5, 3, 1, 0, 1, 0)
    # waits 5, 12, 30, 4 minutes
    assert dd.wait_mean == approx(12.75) and dd.wait_median == approx(8.5)
    assert dd.wait_p90 == approx(24.6)  # 12 + 0.7 × (30 − 12)
    assert dd.service_level == approx(3 / 4)  # the cancelled A003 waited 1 minute: not counted
    assert dd.service_mean == approx(8.0) and dd.service_median == approx(10.0)  # 4, 10, 10
    ht = r["HT"]
    assert (ht.issued, ht.served, ht.transfers, ht.waiting) == (3, 1, 1, 1)
    assert ht.wait_mean == approx(2.0) and ht.wait_p90 == approx(2.8) and ht.service_level == approx(1.0)
    ct = r["CT"]
    assert (ct.issued, ct.served) == (1, 2)  # B001 came in by transfer
    assert ct.wait_mean == approx(11.0) and ct.service_level == approx(0.5) and ct.service_mean == approx(3.5)
    kn = r["KN"]
    assert (kn.issued, kn.expired, kn.wait_mean) == (1, 1, None)
    assert kn.service_level == approx(0.0)  # waited past the target and never called
    total = r["total"]
    assert total.label == "Tổng cộng"
    assert (total.issued, total.served, total.no_shows, total.transfers, total.cancelled, total.expired) == \
        (10, 6, 1, 1, 1, 1)
    # waits 1 2 3 4 5 12 20 30
    assert total.wait_mean == approx(77 / 8) and total.wait_median == approx(4.5) and total.wait_p90 == approx(23.0)
    assert total.service_level == approx(6 / 9)  # 6 within 15 min, of 8 called + T001
    assert total.service_mean == approx(43 / 6) and total.service_median == approx(8.0)  # 1 4 6 10 10 12


def test_report_by_counter_and_officer_follow_the_move(visits, demo_config):
    by_counter = rows(report(visits, demo_config, "counter"))
    assert list(by_counter) == ["1", "2", "3", "4", "10", "total"]
    assert by_counter["1"].label == "Quầy 1" and by_counter["1"].issued is None
    assert [(k, r.served, r.no_shows, r.transfers) for k, r in by_counter.items() if k != "total"] == [
        ("1", 2, 0, 0), ("2", 1, 1, 0), ("3", 1, 0, 1), ("4", 1, 0, 0), ("10", 1, 0, 0)]
    assert by_counter["10"].wait_mean == approx(20.0) and by_counter["10"].service_level == approx(0.0)
    by_officer = rows(report(visits, demo_config, "officer"))
    an = by_officer["nguyenvanan"]  # counter 1 on Thursday, counter 10 on Friday
    assert an.label == "Nguyễn Văn An"
    assert an.served == 3 and an.wait_median == approx(20.0) and an.wait_mean == approx(55 / 3)
    assert an.service_level == approx(1 / 3) and an.service_median == approx(6.0)
    assert by_officer["phamquocdung"].served == 1 and by_officer["phamquocdung"].wait_mean == approx(2.0)


def test_report_by_hour_and_weekday(visits, demo_config):
    by_hour = rows(report(visits, demo_config, "hour"))
    assert list(by_hour) == ["8", "9", "total"]
    assert by_hour["8"].label == "08:00–09:00"
    assert (by_hour["8"].issued, by_hour["8"].served, by_hour["9"].issued, by_hour["9"].served) == (9, 5, 1, 1)
    by_day = rows(report(visits, demo_config, "weekday"))
    thu, fri = by_day["3"], by_day["4"]
    assert (thu.label, fri.label) == ("Thứ Năm", "Thứ Sáu")
    assert (thu.issued, thu.served, thu.no_shows, thu.cancelled, thu.expired) == (7, 4, 1, 1, 1)
    assert thu.service_level == approx(5 / 7)
    assert (fri.issued, fri.served, fri.waiting) == (3, 2, 1) and fri.service_level == approx(1 / 2)


def test_a_split_report_has_a_block_per_day_and_a_grand_total(visits, demo_config):
    rep = report(visits, demo_config, "field", split="day")
    blocks = [(r.period, r.key, r.issued) for r in rep.rows]
    assert blocks == [
        ("26/11/2026", "DD", 4), ("26/11/2026", "HT", 2), ("26/11/2026", "CT", 0), ("26/11/2026", "KN", 1),
        ("26/11/2026", "total", 7),
        ("27/11/2026", "DD", 1), ("27/11/2026", "HT", 1), ("27/11/2026", "CT", 1), ("27/11/2026", "total", 3),
        (None, "total", 10),
    ]
    # one day alone gives the same figures as its block
    friday = rows(report(visits, demo_config, "field", first=FRI, last=FRI))
    assert friday["total"].issued == 3 and friday["CT"].wait_mean == approx(20.0)


def test_periods(demo_config):
    assert Period.of("quarter", date(2026, 11, 26)) == Period(date(2026, 10, 1), date(2026, 12, 31), "quarter")
    assert Period.of("month", date(2024, 2, 10)).last == date(2024, 2, 29)
    assert Period.parse("2026-11-26", None, "year").label() == "Năm 2026"
    assert Period.parse("2026-11-05", None, "month").label("en") == "Month 11/2026"
    assert Period.parse("2026-11-05", None, "quarter").slug == "2026-Q4"
    parts = Period.parse("2026-01-15", "2026-04-10", "month").split("month")
    assert [(p.first.isoformat(), p.last.isoformat(), p.kind) for p in parts] == [
        ("2026-01-15", "2026-01-31", "range"), ("2026-02-01", "2026-02-28", "month"),
        ("2026-03-01", "2026-03-31", "month"), ("2026-04-01", "2026-04-10", "range")]
    start, end = Period(THU, THU).bounds(demo_config.tz)
    assert start == datetime(2026, 11, 25, 17, 0, tzinfo=timezone.utc) and end - start == timedelta(days=1)
    for bad in (("26/11/2026", None, None), ("2026-11-26", "2026-11-01", None), ("2026-11-26", None, "week"),
                ("2020-01-01", "2026-12-31", None)):
        with pytest.raises(ReportError):
            Period.parse(*bad)


# ---------------------------------------------------------------------- exports
def test_csv_export_opens_with_vietnamese_headers(visits, demo_config):
    data = export.to_csv(report(visits, demo_config, "field"))
    assert data.startswith(b"\xef\xbb\xbf")  # the BOM Excel needs to read UTF-8
    table = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    assert table[0] == ["Lĩnh vực", "Số phiếu đã cấp", "Đã phục vụ", "Vắng mặt", "Chuyển", "Hủy", "Hết hạn",
                        "Chờ trung bình (phút)", "Chờ trung vị (phút)", "Chờ P90 (phút)", "Tỷ lệ đúng hẹn",
                        "Phục vụ trung bình (phút)", "Phục vụ trung vị (phút)"]
    assert table[1] == ["Đất đai", "5", "3", "1", "0", "1", "0", "12.8", "8.5", "24.6", "75.0%", "8.0", "10.0"]
    assert table[4][:2] == ["Tiếp công dân, khiếu nại, tố cáo", "1"] and table[4][7] == ""
    assert table[-1][:3] == ["Tổng cộng", "10", "6"]
    split = list(csv.reader(io.StringIO(export.to_csv(report(visits, demo_config, "counter", split="day"))
                                        .decode("utf-8-sig"))))
    assert split[0][:3] == ["Kỳ báo cáo", "Quầy", "Đã phục vụ"]  # no 'issued' column by counter
    assert split[1][:3] == ["26/11/2026", "Quầy 1", "2"]


def test_xlsx_export_keeps_numbers_as_numbers(visits, demo_config):
    from openpyxl import load_workbook

    reps = [report(visits, demo_config, by) for by in ("field", "officer")]
    book = load_workbook(io.BytesIO(export.to_xlsx(reps, demo_config.centre.name)))
    assert book.sheetnames == ["Lĩnh vực", "Cán bộ"]
    ws = book["Lĩnh vực"]
    assert ws["A1"].value == "Báo cáo hoạt động tiếp nhận – 26/11/2026 – 27/11/2026"
    assert demo_config.centre.name in ws["A2"].value
    header = [c.value for c in ws[4]]
    assert header[:3] == ["Lĩnh vực", "Số phiếu đã cấp", "Đã phục vụ"] and "Tỷ lệ đúng hẹn" in header
    dd = [c for c in ws[5]]
    assert dd[0].value == "Đất đai" and dd[1].value == 5
    sl = dd[header.index("Tỷ lệ đúng hẹn")]
    assert sl.value == pytest.approx(0.75) and sl.number_format == "0.0%"
    assert dd[header.index("Chờ trung bình (phút)")].value == pytest.approx(12.75)
    assert dd[header.index("Chờ P90 (phút)")].value == pytest.approx(24.6)
    last = [c.value for c in ws[ws.max_row]]
    assert last[:3] == ["Tổng cộng", 10, 6]
    officers = book["Cán bộ"]
    assert officers["A4"].value == "Cán bộ" and officers["A5"].value == "Nguyễn Văn An" and officers["B5"].value == 3


# ---------------------------------------------------------------------- charts
def _png_size_and_ink(data: bytes):
    from PIL import Image

    img = Image.open(io.BytesIO(data)).convert("RGB")
    saturation = img.convert("HSV").getchannel("S").histogram()
    return img.size, sum(saturation[100:])  # pixels of a clear colour (not white, grey or black)


@pytest.mark.parametrize("name", sorted(charts.CHARTS))
def test_charts_draw_the_data(visits, demo_config, name):
    png = charts.render(name, visits, demo_config, Period(THU, FRI), as_of=AS_OF)
    (width, height), coloured = _png_size_and_ink(png)
    assert width == 1000 and height >= 200
    assert coloured > 1000, "the chart shows no coloured marks"
    empty = charts.render(name, [], demo_config, Period(THU, FRI), as_of=AS_OF)
    assert _png_size_and_ink(empty)[1] < 50  # the 'no data' card has no data marks


# ---------------------------------------------------------------------- CLI
def test_cli_report_table_csv_xlsx_and_charts(logged, tmp_path):
    from hall_server.cli import main

    _, db_url = logged
    runner = CliRunner()
    out = runner.invoke(main, ["report", "--from", "2026-11-26", "--to", "2026-11-27", "--db", db_url])
    assert out.exit_code == 0, out.output
    lines = out.output.splitlines()
    assert lines[0].startswith("Báo cáo hoạt động tiếp nhận – 26/11/2026 – 27/11/2026")
    assert lines[1].split()[:2] == ["Lĩnh", "vực"]
    assert any(line.startswith("Đất đai") and line.split()[2:4] == ["5", "3"] for line in lines)

    csv_file = tmp_path / "r.csv"
    out = runner.invoke(main, ["report", "--from", "2026-11-26", "--period", "month", "--by", "hour",
                               "--format", "csv", "--out", str(csv_file), "--db", db_url])
    assert out.exit_code == 0, out.output
    table = list(csv.reader(io.StringIO(csv_file.read_bytes().decode("utf-8-sig"))))
    assert table[0][0] == "Giờ trong ngày" and table[1][:2] == ["08:00–09:00", "9"]

    xlsx = tmp_path / "r.xlsx"
    out = runner.invoke(main, ["report", "--from", "2026-11-01", "--to", "2026-11-30", "--period", "day",
                               "--by", "all", "--format", "xlsx", "--out", str(xlsx), "--db", db_url,
                               "--charts", str(tmp_path / "charts")])
    assert out.exit_code == 0, out.output
    from openpyxl import load_workbook

    book = load_workbook(xlsx)
    assert book.sheetnames == ["Lĩnh vực", "Quầy", "Cán bộ", "Giờ trong ngày", "Thứ trong tuần"]
    assert book["Lĩnh vực"]["A4"].value == "Kỳ báo cáo"
    assert sorted(p.name for p in (tmp_path / "charts").iterdir()) == [
        "arrivals_2026-11.png", "service-level_2026-11.png", "waits_2026-11.png"]


@pytest.mark.parametrize("args, message", [
    (["--from", "26/11/2026"], "must be a date like 2026-11-26"),
    (["--from", "2026-11-26", "--to", "2026-11-01"], "ends (2026-11-01) before it starts"),
    (["--from", "2026-11-26", "--format", "xlsx"], "needs --out FILE"),
    (["--from", "2026-11-26", "--by", "field", "--by", "hour", "--format", "csv"], "one table"),
    (["--from", "2026-11-26", "--db", "sqlite:////nonexistent/hall.db"], "no database file"),
])
def test_cli_refuses_bad_input_clearly(logged, args, message, tmp_path):
    from hall_server.cli import main

    _, db_url = logged
    if "--db" not in args:
        args = args + ["--db", db_url]
    out = CliRunner().invoke(main, ["report"] + args)
    assert out.exit_code == 2 and message in out.output, out.output
    assert not list(tmp_path.iterdir())


# ---------------------------------------------------------------------- wait alerts
def issue(hall, field, when):
    return hall.execute(IssueTicket(field=field), when).ticket


def test_no_waiting_no_alert(demo_config):
    assert wait_alerts(Hall(demo_config), T0) == []


def test_a_long_wait_names_who_could_help(demo_config):
    hall = Hall(demo_config)
    issue(hall, "DD", T0)
    assert wait_alerts(hall, T0 + timedelta(minutes=15)) == []  # at the target, not past it
    alerts = wait_alerts(hall, T0 + timedelta(minutes=16), AlertSettings(15, 20))
    assert [(a["id"], a["kind"], a["severity"]) for a in alerts] == [("wait:DD", "long_wait", "warning")]
    a = alerts[0]
    assert a["message_vi"] == "Đất đai: có người đã chờ 16 phút (mục tiêu 15 phút)"
    # counter 9 is closed with nobody seated and Ngô Thị Lan is free; counters 3–8 are open,
    # don't serve Đất đai, and have nobody waiting: the lowest number goes first
    assert [(s["action"], s["counter"], s["officer"]) for s in a["suggestions"]] == [
        ("seat_officer", 9, "ngothilan"), ("add_field", 3, "lethucuc")]
    assert a["action_vi"] == ("Mở quầy 9 với cán bộ Ngô Thị Lan, hoặc cho quầy 3 (đang chờ 0 người) "
                              "nhận thêm lĩnh vực Đất đai.")
    assert a["action_en"].startswith("Open counter 9 with Ngô Thị Lan")
    assert wait_alerts(hall, T0 + timedelta(minutes=31))[0]["severity"] == "error"  # twice the target


def test_the_taker_is_the_open_counter_with_the_shortest_queue(demo_config):
    hall = Hall(demo_config)
    for n in (9, 10):  # no spare counters: only open counters can help
        hall.execute(AssignOfficer(counter=n, officer=("ngothilan", "doquangminh")[n - 9]), T0)
        hall.execute(OpenCounter(counter=n), T0)
    issue(hall, "DD", T0)
    for field in ("HT", "HT", "KD", "LD", "NN", "KN", "CT"):  # every counter but 7 has someone waiting
        issue(hall, field, T0 + timedelta(minutes=1))
    a = wait_alerts(hall, T0 + timedelta(minutes=20))[0]
    assert a["suggestions"] == [{"action": "add_field", "counter": 7, "officer": "dangthihoa", "field": "DD",
                                 "queue": 0}]
    assert a["action_vi"] == "Cho quầy 7 (đang chờ 0 người) nhận thêm lĩnh vực Đất đai."


def test_a_paused_counter_of_the_field_is_asked_back_first(demo_config):
    hall = Hall(demo_config)
    hall.execute(PauseCounter(counter=3), T0)
    issue(hall, "HT", T0)
    a = wait_alerts(hall, T0 + timedelta(minutes=17))[0]
    assert a["suggestions"][0] == {"action": "resume_counter", "counter": 3, "officer": "lethucuc", "field": "HT"}
    assert a["action_vi"].startswith("Cho quầy 3 (Lê Thu Cúc) làm việc trở lại, hoặc")


def test_a_long_queue_and_an_unserved_field(demo_config):
    hall = Hall(demo_config)
    for _ in range(3):
        issue(hall, "CT", T0)
    issue(hall, "KN", T0)  # only counter 9 serves it, and it is closed
    alerts = {a["id"]: a for a in wait_alerts(hall, T0 + timedelta(minutes=2), AlertSettings(15, 2))}
    assert set(alerts) == {"queue:CT", "unserved:KN"}
    assert alerts["queue:CT"]["message_vi"] == "Chứng thực: 3 người đang chờ (ngưỡng 2)"
    kn = alerts["unserved:KN"]
    assert kn["severity"] == "error"
    assert kn["message_vi"] == "Tiếp công dân, khiếu nại, tố cáo: 1 người đang chờ nhưng không có quầy nào mở phục vụ"
    # once a counter is set to take the field at its next call, the field is no longer unserved
    hall.execute(SetCounterFields(counter=5, fields=("KD", "GT", "KN")), T0)
    assert "unserved:KN" not in {a["id"] for a in wait_alerts(hall, T0 + timedelta(minutes=2), AlertSettings(15, 2))}


def test_yesterdays_leftovers_raise_no_alert_before_the_new_day_starts(demo_config):
    hall = Hall(demo_config)
    issue(hall, "DD", T0)  # never called; the hall expires it only at today's first command
    next_morning = T0 + timedelta(days=1)
    assert wait_alerts(hall, T0 + timedelta(minutes=40))[0]["id"] == "wait:DD"
    assert wait_alerts(hall, next_morning) == []
