"""The supervisor console: the live hall, alerts, the display notice, the audit log, and reports.

Pages (staff session, supervisor or admin only):

* ``/supervisor``: every field and counter live (Socket.IO, the same snapshot/event protocol as
  the other pages), alerts with what to do, and the supervisor's actions: open, close, pause a
  counter, seat an officer, change a counter's fields, cancel a waiting ticket, set the notice.
  Actions go through the REST API (``X-CSRF-Token``, ``Idempotency-Key``), so the engine applies
  them at the counter's next call and the service writes them to the audit log.
* ``/reports``: figures for a day, month, quarter, year or any range, by field, counter, officer,
  hour or weekday, with charts and CSV/XLSX downloads.

JSON endpoints (in the OpenAPI document): ``GET /api/v1/supervisor/hall``,
``GET /api/v1/supervisor/audit``, ``GET|PUT /api/v1/notice``, ``GET /api/v1/reports``.

Wait alerts are computed by :func:`hall_server.reports.alerts.wait_alerts`; a background checker
(one per app) recomputes them every ``MOTCUA_ALERT_SECONDS`` (10) seconds and soon after every
event, and sends ``wait_alerts`` (a list of alerts) to the centre room when they change::

    socket.on("wait_alerts", alerts => ...)   # [{id, kind, severity, message_vi, action_vi, ...}]
    socket.on("notice", data => ...)          # {"text": "..."} when a supervisor changes the notice
"""

from __future__ import annotations

import logging
import os
import re
import threading
import time
import unicodedata
import weakref
from datetime import timedelta
from functools import wraps

from flask import Blueprint, Response, current_app, g, render_template, request
from flask_login import current_user, login_required
from pydantic import BaseModel, ConfigDict, Field, StrictStr
from sqlalchemy import insert, select, update

from ...reports import charts, export, figures, labels
from ...reports.alerts import AlertSettings, alert_signature, wait_alerts
from ...reports.live import hall_view, today_visits
from ...store import schema as t
from .. import schemas as s
from ..i18n import Texts
from ..api import BadRequest, add_query
from ..auth import Forbidden, current_actor

log = logging.getLogger(__name__)
bp = Blueprint("supervisor", __name__)

ROLES = ("supervisor", "admin")
NOTICE_MAX = 500
AUDIT_ROWS = 100
CHECK_SECONDS = 10.0

# ---------------------------------------------------------------------- page text
TEXT: dict[str, tuple[str, str]] = {
    "sup_title": ("Giám sát sảnh", "Hall supervision"),
    "reports_title": ("Báo cáo", "Reports"),
    "nav_supervisor": ("Giám sát", "Supervision"),
    "nav_reports": ("Báo cáo", "Reports"),
    "nav_counter": ("Quầy", "Counters"),
    "forbidden_page": ("Trang này chỉ dành cho cán bộ giám sát và quản trị viên.",
                       "This page is for supervisors and administrators only."),
    "alerts": ("Cảnh báo", "Alerts"),
    "no_alerts": ("Không có cảnh báo. Mọi lĩnh vực đang trong mục tiêu.", "No alerts. Every field is within target."),
    "what_to_do": ("Nên làm", "Suggested"),
    "do_resume": ("Cho quầy {n} làm việc lại", "Resume counter {n}"),
    "do_open": ("Mở quầy {n}", "Open counter {n}"),
    "do_seat": ("Xếp {officer} vào quầy {n} và mở", "Seat {officer} at counter {n} and open"),
    "do_add_field": ("Quầy {n} nhận thêm {field}", "Counter {n} also serves {field}"),
    "apply": ("Thực hiện", "Do it"),
    "today": ("Hôm nay", "Today"),
    "issued_today": ("Đã cấp số", "Tickets issued"),
    "served_today": ("Đã phục vụ", "Served"),
    "waiting_now": ("Đang chờ", "Waiting now"),
    "mean_wait": ("Chờ trung bình", "Mean wait"),
    "service_level": ("Đúng hẹn", "Service level"),
    "within_target": ("gọi trong {target} phút", "called within {target} min"),
    "fields_now": ("Lĩnh vực", "Fields"),
    "col_field": ("Lĩnh vực", "Field"),
    "col_waiting": ("Đang chờ", "Waiting"),
    "col_longest": ("Chờ lâu nhất", "Longest wait"),
    "col_mean_today": ("Chờ TB hôm nay", "Mean wait today"),
    "col_served_today": ("Đã phục vụ", "Served today"),
    "col_sl_today": ("Đúng hẹn", "Within target"),
    "col_counters": ("Quầy đang nhận", "Open counters"),
    "counters": ("Các quầy", "Counters"),
    "current": ("Đang xử lý", "Now at the counter"),
    "nobody_at_counter": ("Không có công dân", "Nobody at the counter"),
    "served_today_n": ("Đã phục vụ hôm nay", "Served today"),
    "queue_n": ("Người chờ cho quầy", "Waiting for this counter"),
    "pending_officer": ("Cán bộ mới khi quầy rảnh", "New officer when free"),
    "pending_leave": ("Cán bộ rời quầy khi quầy rảnh", "Officer leaves when free"),
    "choose_officer": ("— Chọn cán bộ —", "— Choose an officer —"),
    "assign": ("Xếp vào quầy", "Seat here"),
    "unassign": ("Cho rời quầy", "Unseat"),
    "seated_at": ("đang ở quầy {n}", "at counter {n}"),
    "not_seated": ("chưa xếp quầy", "not seated"),
    "change_fields": ("Đổi lĩnh vực", "Change fields"),
    "save_fields": ("Lưu lĩnh vực", "Save fields"),
    "pick_one_field": ("Chọn ít nhất một lĩnh vực.", "Choose at least one field."),
    "pick_officer_first": ("Hãy chọn cán bộ trước.", "Choose an officer first."),
    "saved": ("Đã ghi nhận.", "Done."),
    "saved_next_call": ("Đã ghi nhận – áp dụng từ lượt gọi sau của quầy.", "Done – applies from the counter's next call."),
    "waiting_tickets": ("Phiếu đang chờ", "Waiting tickets"),
    "all_fields": ("Tất cả lĩnh vực", "All fields"),
    "cancel_ticket": ("Hủy phiếu", "Cancel"),
    "confirm_cancel": ("Bấm lần nữa để hủy", "Click again to cancel"),
    "no_waiting": ("Không có ai đang chờ.", "Nobody is waiting."),
    "waited": ("đã chờ", "waited"),
    "transferred": ("chuyển đến", "transferred"),
    "notice": ("Thông báo trên màn hình phòng chờ", "Notice on the waiting-room display"),
    "notice_help": ("Dòng chữ hiện dưới màn hình phòng chờ, tối đa 500 ký tự. Để trống để gỡ.",
                    "A line shown under the waiting-room display, at most 500 characters. Empty removes it."),
    "notice_save": ("Đăng thông báo", "Post notice"),
    "notice_clear": ("Gỡ thông báo", "Remove notice"),
    "notice_current": ("Đang hiển thị", "Showing now"),
    "notice_none": ("Chưa có thông báo.", "No notice."),
    "notice_saved": ("Đã cập nhật thông báo.", "Notice updated."),
    "audit": ("Nhật ký thao tác", "Audit log"),
    "audit_help": ("100 thao tác gần nhất của cán bộ, giám sát và quản trị.", "The last 100 actions by staff."),
    "col_time": ("Thời gian", "Time"),
    "col_who": ("Người thực hiện", "Who"),
    "col_action": ("Thao tác", "Action"),
    "col_detail": ("Chi tiết", "Detail"),
    "col_result": ("Kết quả", "Result"),
    "result_ok": ("Thành công", "Done"),
    "updated_at": ("Cập nhật lúc", "Updated"),
    "minutes_short": ("phút", "min"),
    "ticket": ("Phiếu", "Ticket"),
    "officer_word": ("Cán bộ", "Officer"),
    "counter_word": ("Quầy", "Counter"),
    # audit actions
    "act_issue_ticket": ("Cấp số", "Issue a ticket"),
    "act_call_next": ("Gọi số tiếp theo", "Call next"),
    "act_call_ticket": ("Gọi số cụ thể", "Call a ticket"),
    "act_recall": ("Gọi lại", "Recall"),
    "act_start_serving": ("Bắt đầu phục vụ", "Start serving"),
    "act_finish": ("Hoàn thành", "Finish"),
    "act_no_show": ("Vắng mặt", "No-show"),
    "act_transfer": ("Chuyển lĩnh vực", "Transfer"),
    "act_cancel": ("Hủy phiếu", "Cancel a ticket"),
    "act_open_counter": ("Mở quầy", "Open a counter"),
    "act_close_counter": ("Đóng quầy", "Close a counter"),
    "act_pause_counter": ("Tạm nghỉ", "Pause"),
    "act_resume_counter": ("Tiếp tục", "Resume"),
    "act_assign_officer": ("Xếp cán bộ", "Seat an officer"),
    "act_unassign_officer": ("Cho cán bộ rời quầy", "Unseat an officer"),
    "act_set_counter_fields": ("Đổi lĩnh vực của quầy", "Change a counter's fields"),
    "act_set_notice": ("Đổi thông báo", "Change the notice"),
    # reports page
    "from": ("Từ ngày", "From"),
    "to": ("Đến ngày", "To"),
    "period": ("Kỳ", "Period"),
    "period_auto": ("— theo ngày đã chọn —", "— the dates chosen —"),
    "by": ("Chia theo", "Break down by"),
    "show_report": ("Xem báo cáo", "Show report"),
    "report_help": ("Chọn «Từ ngày» và một kỳ để xem cả ngày, tháng, quý hay năm chứa ngày đó. "
                    "Chọn thêm «Đến ngày» để xem một khoảng bất kỳ; kỳ khi đó chia khoảng ra từng phần.",
                    "Pick “From” and a period to see the whole day, month, quarter or year containing it. "
                    "Add “To” for any range; the period then splits the range into parts."),
    "quick_today": ("Hôm nay", "Today"),
    "quick_yesterday": ("Hôm qua", "Yesterday"),
    "quick_month": ("Tháng này", "This month"),
    "quick_quarter": ("Quý này", "This quarter"),
    "quick_year": ("Năm nay", "This year"),
    "quick_30": ("30 ngày qua", "Last 30 days"),
    "download_csv": ("Tải CSV (bảng này)", "Download CSV (this table)"),
    "download_xlsx": ("Tải Excel (mọi cách chia)", "Download Excel (every breakdown)"),
    "charts": ("Biểu đồ", "Charts"),
    "table": ("Bảng số liệu", "Figures"),
    "definitions": ("Chờ: từ lúc lấy số (hoặc được chuyển đến) tới lúc được gọi. Đúng hẹn: tỷ lệ được gọi trong "
                    "{target} phút. Phục vụ: từ lúc bắt đầu tới lúc hoàn thành. Mọi số liệu tính từ nhật ký "
                    "chuyển trạng thái của từng phiếu.",
                    "Wait: from taking the ticket (or being transferred) to the call. Service level: share called "
                    "within {target} minutes. Service: from start to finish. Every figure is computed from each "
                    "ticket's recorded state changes."),
    "bad_request": ("Yêu cầu không hợp lệ", "Invalid request"),
}
_TEXTS = Texts(TEXT)


def text(key: str, lang: str | None = None, **fmt) -> str:
    return _TEXTS.get(key, lang, **fmt)


def text_table(lang: str) -> dict[str, str]:
    return _TEXTS.table(lang)


# ---------------------------------------------------------------------- API bodies and answers
class NoticeBody(s.Body):
    text: StrictStr = Field(max_length=2000, description="The notice; empty removes it (at most 500 characters)")


class NoticeOut(s.Out):
    text: str


class FieldNowOut(s.Out):
    code: str
    name: str
    name_en: str
    waiting: int
    oldest_issued_at: str | None
    longest_wait_minutes: float | None
    served_today: int
    issued_today: int
    mean_wait_today: float | None
    service_level_today: float | None
    counters: list[int]


class CurrentTicketOut(s.Out):
    id: int
    code: str
    field: str
    state: str
    since: str | None
    for_minutes: float | None


class CounterNowOut(s.Out):
    number: int
    name: str
    status: str
    officer: str | None
    officer_name: str | None
    fields: list[str]
    pending_fields: list[str] | None
    has_pending_officer: bool
    pending_officer: str | None
    pending_officer_name: str | None
    current: CurrentTicketOut | None
    queue: int
    served_today: int
    called_today: int


class WaitingTicketOut(s.Out):
    id: int
    code: str
    field: str
    priority: str | None
    issued_at: str
    waited_minutes: float | None
    transfers: int


class TodayOut(s.Out):
    issued: int
    served: int
    no_shows: int
    waiting: int
    mean_wait: float | None
    service_level: float | None


class SupervisorHallOut(s.Out):
    seq: int
    now: str
    day: str
    wait_target_minutes: float
    queue_limit: int
    today: TodayOut
    fields: list[FieldNowOut]
    counters: list[CounterNowOut]
    waiting_tickets: list[WaitingTicketOut]
    alerts: list[dict]
    device_alerts: list[dict]
    notice: str


class AuditRowOut(s.Out):
    id: int
    at: str
    actor: str
    role: str
    action: str
    detail: dict
    outcome: str


class AuditOut(s.Out):
    rows: list[AuditRowOut]


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


# ---------------------------------------------------------------------- who may
def _ext():
    return current_app.extensions["motcua"]


def own_centre(requested: str | None) -> None:
    """Staff act only for the centre whose hall file lists them (one centre per app today)."""
    cid = _ext().config.id
    if requested not in (None, "") and requested != cid:
        raise Forbidden(f"you act only for centre {cid}", 403)


def require_supervisor():
    """The calling actor, if a supervisor or admin of this centre; else :class:`Forbidden`."""
    actor = current_actor()
    if actor.role == "anonymous":
        raise Forbidden("log in first", 401)
    if actor.role not in ROLES:
        raise Forbidden(f"{actor.role} may not use the supervisor console")
    own_centre(request.args.get("centre"))
    return actor


def supervisor_page(view):
    """A page for supervisors and admins: log in first; others get a 403 page."""

    @login_required
    @wraps(view)
    def wrapped(*args, **kwargs):
        if current_user.actor.role not in ROLES:
            return render_template("supervisor.html", forbidden=True, st=text, page_data={}), 403
        try:
            own_centre(request.args.get("centre"))
        except Forbidden:
            return render_template("supervisor.html", forbidden=True, st=text, page_data={}), 403
        return view(*args, **kwargs)

    return wrapped


# ---------------------------------------------------------------------- the notice
def load_notice(store, centre_id: str) -> str:
    with store.engine.connect() as conn:
        value = conn.execute(select(t.centres.c.notice).where(t.centres.c.id == centre_id)).scalar()
    return value or ""


def clean_notice(raw: str) -> str:
    """NFC, one line, at most :data:`NOTICE_MAX` characters; :class:`BadRequest` otherwise."""
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFC", raw)).strip()
    if any(unicodedata.category(ch) in ("Cc", "Cf", "Co", "Cs") for ch in value):
        raise BadRequest("invalid_body", "text: control characters are not allowed")
    if len(value) > NOTICE_MAX:
        raise BadRequest("invalid_body", f"text: at most {NOTICE_MAX} characters (got {len(value)})")
    return value


def set_notice(ext, value: str, actor) -> None:
    """Store the notice and its audit row in one transaction, then show it everywhere."""
    from ..sockets import centre_room

    at = ext.service.clock()
    with ext.store.engine.begin() as conn:
        conn.execute(update(t.centres).where(t.centres.c.id == ext.config.id).values(notice=value))
        conn.execute(insert(t.audit).values(centre_id=ext.config.id, at=at, actor=actor.id, role=actor.role,
                                            action="set_notice", detail={"text": value}, outcome="ok"))
    ext.notice = value
    if ext.live is not None:
        ext.live.emit("notice", {"text": value}, to=centre_room(ext.config.id))


# ---------------------------------------------------------------------- alerts in the background
class AlertChecker:
    """Recomputes the wait alerts now and then and on events; sends ``wait_alerts`` when they change."""

    COALESCE = 0.3

    def __init__(self, ext, interval: float = CHECK_SECONDS):
        self._ext = weakref.ref(ext)
        self.interval = interval
        self.settings = AlertSettings.from_config(ext.config)
        self.current: list[dict] = []
        self._signature = None
        self._wake = threading.Event()
        self._lock = threading.Lock()
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        if self.interval > 0 and self._thread is None:
            self._thread = threading.Thread(target=self._run, name="wait-alerts", daemon=True)
            self._thread.start()

    def poke(self, events=None, service=None) -> None:
        """A service listener: something happened, look again soon."""
        self._wake.set()

    def _run(self) -> None:
        from ...background import stopping

        while not stopping.is_set():
            woken = self._wake.wait(self.interval)
            if woken:
                time.sleep(self.COALESCE)
            self._wake.clear()
            ext = self._ext()
            if ext is None or stopping.is_set():
                return  # the app is gone
            try:
                self.check(ext)
            except Exception:  # the checker must outlive any one bad moment
                log.exception("wait alert check failed")
            del ext

    def check(self, ext=None) -> list[dict]:
        """Compute the alerts now; send them if they differ from the last ones sent."""
        ext = ext or self._ext()
        with ext.service.read() as hall:
            alerts = wait_alerts(hall, ext.service.clock(), self.settings)
        with self._lock:
            signature = alert_signature(alerts)
            changed = signature != self._signature
            self._signature = signature
            self.current = alerts
        if changed and ext.live is not None:
            from ..sockets import centre_room

            ext.live.emit("wait_alerts", alerts, to=centre_room(ext.config.id))
        return alerts


class Supervision:
    """Per-app state of the console: the alert checker and small caches of visits.

    A report page asks for its figures and three charts at once; they share one read of the
    period's transitions as long as nothing happened in the hall in between (same ``seq``).
    """

    REPORT_CACHE = 3

    def __init__(self, ext, interval: float):
        self.checker = AlertChecker(ext, interval)
        self._visits_key = None
        self._visits: list = []
        self._reports: dict = {}
        self._lock = threading.Lock()

    def visits_for(self, ext, period: figures.Period) -> list:
        key = (period.first, period.last, ext.service.hall.seq)
        with self._lock:
            if key in self._reports:
                return self._reports[key]
        visits = figures.load_visits(ext.store.engine, ext.config, period)
        with self._lock:
            self._reports[key] = visits
            while len(self._reports) > self.REPORT_CACHE:
                self._reports.pop(next(iter(self._reports)))
        return visits

    def visits_today(self, ext, seq: int, now):
        key = (seq, now.astimezone(ext.config.tz).date())
        with self._lock:
            if key == self._visits_key:
                return self._visits
        visits = today_visits(ext.store.engine, ext.config, now)
        with self._lock:
            self._visits_key, self._visits = key, visits
        return visits


def _supervision() -> Supervision:
    return current_app.extensions["motcua_supervisor"]


@bp.record_once
def _setup(state) -> None:
    app = state.app
    ext = app.extensions["motcua"]
    ext.notice = load_notice(ext.store, ext.config.id)
    interval = float(app.config.get("MOTCUA_ALERT_SECONDS", os.environ.get("MOTCUA_ALERT_SECONDS", CHECK_SECONDS)))
    sup = Supervision(ext, interval)
    app.extensions["motcua_supervisor"] = sup
    ext.service.listeners.append(sup.checker.poke)
    sup.checker.start()


@bp.context_processor
def _page_text():
    return {"st": text}


# ---------------------------------------------------------------------- JSON endpoints
WHO = "a supervisor or admin of this centre (staff session)"


@add_query("GET", "/supervisor/hall", "The live hall for supervisors: fields and counters now and today, "
           "waiting tickets, wait and device alerts", WHO, SupervisorHallOut, public=False)
def hall_now(args):
    require_supervisor()
    ext = _ext()
    sup = _supervision()
    now = ext.service.clock()
    with ext.service.read() as hall:
        seq = hall.seq
    visits = sup.visits_today(ext, seq, now)
    with ext.service.read() as hall:
        view = hall_view(hall, visits, now, sup.checker.settings)
    view["device_alerts"] = ext.devices.snapshot()["alerts"]
    view["notice"] = ext.notice
    return view


@add_query("GET", "/supervisor/audit", "The audit log, newest first (query: limit, at most 500; default 100)",
           WHO, AuditOut, public=False)
def audit_log(args):
    require_supervisor()
    try:
        limit = int(request.args.get("limit", AUDIT_ROWS))
    except ValueError:
        raise BadRequest("invalid_query", "limit must be an integer") from None
    if not 1 <= limit <= 500:
        raise BadRequest("invalid_query", "limit must be between 1 and 500")
    ext = _ext()
    a, tk = t.audit, t.tickets
    with ext.store.engine.connect() as conn:
        rows = conn.execute(select(a).where(a.c.centre_id == ext.config.id).order_by(a.c.id.desc()).limit(limit)).all()
        ids = {r.detail.get("ticket") for r in rows if isinstance(r.detail, dict) and isinstance(r.detail.get("ticket"), int)}
        codes = dict(conn.execute(select(tk.c.id, tk.c.code).where(tk.c.centre_id == ext.config.id,
                                                                  tk.c.id.in_(ids))).all()) if ids else {}
    out = []
    for r in rows:
        detail = dict(r.detail) if isinstance(r.detail, dict) else {}
        if detail.get("ticket") in codes:
            detail["ticket_code"] = codes[detail["ticket"]]
        out.append({"id": r.id, "at": r.at.isoformat(), "actor": r.actor, "role": r.role, "action": r.action,
                    "detail": detail, "outcome": r.outcome})
    return {"rows": out}


@add_query("GET", "/notice", "The notice shown on the waiting-room display", "anyone", NoticeOut)
def get_notice(args):
    return {"text": _ext().notice}


@add_query("PUT", "/notice", "Set the notice shown on the waiting-room display (empty removes it); "
           "broadcast as the socket event `notice` and written to the audit log", WHO, NoticeOut,
           public=False, body=NoticeBody)
def put_notice(args, body: NoticeBody):
    actor = require_supervisor()
    value = clean_notice(body.text)
    set_notice(_ext(), value, actor)
    return {"text": value}


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
    ext = _ext()
    visits = _supervision().visits_for(ext, period)
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
def _officers_for_page(config) -> list[dict]:
    return [{"id": o.id, "name": o.name, "title": o.title} for o in config.officers.values()]


@bp.get("/supervisor")
@supervisor_page
def supervisor():
    ext = _ext()
    settings = _supervision().checker.settings
    data = {"text": text_table(g.lang), "role": current_user.actor.role, "target": settings.wait_target_minutes,
            "queue_limit": settings.queue_limit, "notice": ext.notice, "counter_names": {
                str(n): k.label for n, k in ext.config.counters.items()}}
    return render_template("supervisor.html", forbidden=False, page_data=data, officers=_officers_for_page(ext.config))


def _report_error_page(exc, status=400):
    return render_template("reports.html", error=str(exc), report=None, params={}, quick=_quick_links(),
                           by_names=_by_names(), period_names=_period_names()), status


def _quick_links() -> list[tuple[str, dict]]:
    ext = _ext()
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
    ext = _ext()
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
    ext = _ext()
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
    ext = _ext()
    visits = _supervision().visits_for(ext, period)
    try:
        png = charts.render(name, visits, ext.config, period, as_of=ext.service.clock(), lang=lang)
    except ImportError:
        return _report_error_page("charts need the matplotlib package (pip install matplotlib)", 503)
    return Response(png, content_type="image/png", headers={"Cache-Control": "private, max-age=60"})


# ---------------------------------------------------------------------- staffing advice (issue 9)
class AdviceOut(BaseModel):
    model_config = ConfigDict(extra="allow")
    suggestions: list[dict]


_PLANNERS: dict = {}


def _planner(config, day):
    """The live staffing planner for ``day`` (built once a day: about a second on a big hall)."""
    from ...queueing.advice import LivePlanner, groups_from_hall
    from ...queueing.profile import SMALL_HALL

    key = (config.id, day)
    if key not in _PLANNERS:
        profile = SMALL_HALL.for_fields(config.fields)
        _PLANNERS.clear()
        _PLANNERS[key] = LivePlanner.for_weekday(profile, day.weekday(), groups_from_hall(config),
                                                 target_wait=config.centre.wait_target_minutes)
    return _PLANNERS[key]


@add_query("GET", "/supervisor/advice", "Concrete staffing moves suggested for the hall as it is now",
           "a supervisor or admin", AdviceOut, public=False)
def staffing_advice(args):
    from ...queueing.moves import suggest_moves

    ext = _ext()
    actor = current_actor()
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("supervisors only", 403)
    now = ext.service.clock()
    local_day = now.astimezone(ext.config.tz).date()
    if local_day.weekday() >= 5:
        return {"suggestions": []}  # the synthetic profile has no weekend demand to plan from
    with ext.service.read() as hall:
        moves = suggest_moves(hall, now, _planner(ext.config, local_day))
    return {"suggestions": [m.to_dict() for m in moves]}
