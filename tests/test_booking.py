"""Booked appointments: capacity, codes, check-in windows, routing ahead of walk-ins, no-shows.

The hall runs in process with an explicit clock: T0 is Thursday 26 November 2026, 08:00 in
Hà Nội; the demo hall opens 07:30–11:30 and 13:30–17:00 on weekdays, 07:30–11:30 on Saturday.
"""

from __future__ import annotations

import base64
import io
import threading
from datetime import date, datetime, timedelta

from sqlalchemy import func, select

from hall_server.citizen import schema as cs
from hall_server.citizen.booking import ALPHABET, BookingDesk, BookingError, normalize_code
from hall_server.citizen.settings import BookingSettings
from hall_server.engine import CallNext, Finish, Hall, IssueTicket
from hall_server.testing import BUTTONS_1, KIOSK

from .conftest import T0, need
from .test_api import conforms

TOMORROW = "2026-11-27"  # a Friday


def local(day: str, hhmm: str, config) -> datetime:
    return datetime.combine(date.fromisoformat(day), datetime.strptime(hhmm, "%H:%M").time(), tzinfo=config.tz)


from .citizen_app import any_app, app, bearer, client, clock, make_app, spec  # noqa: E402,F401  (fixtures)


def book(client, start="08:00", field="DD", phone="0912345678", name="Nguyễn Văn An", day=TOMORROW):
    return client.post("/api/v1/bookings", json={"field": field, "day": day, "start": start, "name": name,
                                                  "phone": phone})


def phones():
    for i in range(100):
        yield f"09{i:08d}"


def count_bookings(app):
    with app.extensions["motcua"].store.engine.connect() as conn:
        return conn.execute(select(func.count()).select_from(cs.bookings)).scalar_one()


def login(client, username, password):
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return {"X-CSRF-Token": r.json["csrf_token"]}


# ---------------------------------------------------------------------- slots and capacity
def test_days_and_slots_follow_the_opening_hours(client, spec):
    r = client.get("/api/v1/booking/options")
    conforms(spec, "/api/v1/booking/options", "get", r)
    days = r.json["days"]
    assert days[:4] == ["2026-11-26", "2026-11-27", "2026-11-28", "2026-11-30"]  # no Sunday 29th
    assert days[-1] == "2026-12-10" and len(r.json["fields"]) == 16
    r = client.get(f"/api/v1/booking/slots?field=DD&day={TOMORROW}")
    conforms(spec, "/api/v1/booking/slots", "get", r)
    slots = r.json["slots"]
    assert [s["start"] for s in slots][:3] == ["07:30", "08:00", "08:30"] and len(slots) == 8 + 7
    assert slots[-1] == {"start": "16:30", "end": "17:00", "starts_at": "2026-11-27T16:30:00+07:00",
                         "ends_at": "2026-11-27T17:00:00+07:00", "capacity": 4, "booked": 0, "left": 4,
                         "bookable": True}
    today = client.get("/api/v1/booking/slots?field=DD&day=2026-11-26").json["slots"]
    # at 08:00 with 30 minutes' notice: 08:30 is the first slot still open today
    assert [s["start"] for s in today if s["bookable"]][0] == "08:30"
    assert client.get("/api/v1/booking/slots?field=DD&day=2026-11-29").json["slots"] == []  # Sunday
    assert client.get("/api/v1/booking/slots?field=ZZ&day=2026-11-27").status_code == 404


def test_a_slot_takes_its_capacity_and_no_more(app, client, spec):
    numbers = phones()
    for _ in range(4):
        r = book(client, phone=next(numbers))
        assert r.status_code == 201, r.json
    conforms(spec, "/api/v1/bookings", "post", r)
    full = book(client, phone=next(numbers))
    assert (full.status_code, full.json["error"]) == (409, "slot_full")
    assert full.json["details"]["message_vi"] == "Khung giờ này đã đủ chỗ. Vui lòng chọn khung giờ khác."
    conforms(spec, "/api/v1/bookings", "post", full)
    assert book(client, field="XD", phone=next(numbers)).status_code == 201  # another field: its own seats
    slot = next(s for s in client.get(f"/api/v1/booking/slots?field=DD&day={TOMORROW}").json["slots"]
                if s["start"] == "08:00")
    assert (slot["booked"], slot["left"], slot["bookable"]) == (4, 0, False)
    assert count_bookings(app) == 5


def test_two_citizens_never_take_the_last_seat_together(any_app):
    ext = any_app.extensions["motcua"]
    desk = BookingDesk(ext.store.engine, ext.config, BookingSettings(capacity=3))
    results: list = []
    barrier = threading.Barrier(8)

    def one(i):
        barrier.wait()
        try:
            results.append(desk.book("HT", date(2026, 11, 27), "09:00", f"Công dân {i}", f"09{i:08d}", T0).code)
        except BookingError as exc:
            results.append(exc.code)

    threads = [threading.Thread(target=one, args=(i,)) for i in range(8)]
    for th in threads:
        th.start()
    for th in threads:
        th.join()
    assert sorted(r for r in results if r == "slot_full") == ["slot_full"] * 5
    assert len({r for r in results if r != "slot_full"}) == 3


def test_the_code_and_its_qr(client):
    r = book(client)
    b = r.json
    assert len(b["code"]) == 8 and set(b["code"]) <= set(ALPHABET) and not set(b["code"]) & set("01OIL")
    assert b["code_display"] == b["code"][:4] + "-" + b["code"][4:]
    assert b["phone_masked"] == "091****678" and b["name"] == "Nguyễn Văn An"
    assert (b["start"], b["end"], b["checkin_opens_at"]) == ("08:00", "08:30", "2026-11-27T07:45:00+07:00")
    assert normalize_code(b["code_display"].lower()) == b["code"]
    assert client.get("/api/v1/bookings/" + b["code_display"].lower()).json["code"] == b["code"]
    assert b["qr_png"].startswith("data:image/png;base64,")
    try:
        from PIL import Image
        from pyzbar.pyzbar import decode
    except ImportError:  # pragma: no cover
        need(False, "pyzbar (and libzbar0) are needed to read the QR code")
    image = Image.open(io.BytesIO(base64.b64decode(b["qr_png"].split(",", 1)[1])))
    assert [d.data.decode() for d in decode(image)] == [b["code"]]
    assert client.get("/api/v1/bookings/AAAAAAAA").status_code == 404


BAD = [
    ({"phone": "0212345678"}, 400, "invalid_phone"),
    ({"phone": "091234"}, 400, "invalid_phone"),
    ({"name": " "}, 400, "invalid_name"),
    ({"field": "ZZ"}, 404, "unknown_field"),
    ({"start": "08:10"}, 404, "no_such_slot"),
    ({"day": "2026-11-29"}, 404, "no_such_slot"),  # a Sunday
    ({"day": "2026-11-26", "start": "08:00"}, 409, "slot_closed"),  # has started
    ({"day": "2026-12-11"}, 409, "slot_closed"),  # beyond the 14 days
    ({"day": "27/11/2026"}, 400, "invalid_query"),
    ({"day": 20261127}, 400, "invalid_body"),
]


def test_guessing_codes_is_slowed_down_for_the_public_only(client):
    answers = [client.get("/api/v1/bookings/ABCDEFGH").status_code for _ in range(31)]
    assert answers[:30] == [404] * 30 and answers[30] == 429
    assert client.get("/api/v1/bookings/ABCDEFGH", headers=bearer(KIOSK)).status_code == 404


def test_bad_bookings_are_refused_and_change_nothing(app, client):
    body = {"field": "DD", "day": TOMORROW, "start": "08:00", "name": "Trần Thị Bích", "phone": "0987654321"}
    for changes, status, error in BAD:
        r = client.post("/api/v1/bookings", json=body | changes)
        assert (r.status_code, r.json["error"]) == (status, error), (changes, r.json)
        if error not in ("invalid_query", "invalid_body"):
            assert r.json["details"]["message_vi"]
    assert count_bookings(app) == 0


def test_one_phone_holds_at_most_two_bookings_a_day(client):
    assert book(client, "08:00").status_code == 201
    assert book(client, "09:00", field="HT").status_code == 201
    r = book(client, "10:00")
    assert (r.status_code, r.json["error"]) == (409, "too_many_bookings")
    assert r.json["details"]["message_vi"] == "Số điện thoại này đã có 2 lịch hẹn trong ngày 27/11/2026."
    assert book(client, "10:00", day="2026-11-30").status_code == 201


def test_cancelling_with_the_code_frees_the_seat(app, client):
    numbers = phones()
    codes = [book(client, "10:00", phone=next(numbers)).json["code"] for _ in range(4)]
    assert book(client, "10:00", phone=next(numbers)).json["error"] == "slot_full"
    r = client.post(f"/api/v1/bookings/{codes[0]}/cancel")
    assert r.status_code == 200 and r.json["status"] == "cancelled"
    assert book(client, "10:00", phone=next(numbers)).status_code == 201  # the freed seat
    again = client.post(f"/api/v1/bookings/{codes[0]}/cancel")
    assert (again.status_code, again.json["error"]) == (409, "booking_cancelled")
    assert client.post(f"/api/v1/bookings/{codes[0]}/check-in").json["error"] == "booking_cancelled"


# ---------------------------------------------------------------------- check-in
def test_check_in_only_within_the_window(any_app, clock, spec):
    client = any_app.test_client()
    config = any_app.extensions["motcua"].config
    code = book(client, "08:00").json["code"]
    late_code = book(client, "08:00", phone="0911111111").json["code"]

    clock.at = local(TOMORROW, "07:40", config)  # check-in opens 15 minutes before 08:00
    r = client.post(f"/api/v1/bookings/{code}/check-in", headers=bearer(KIOSK))
    assert (r.status_code, r.json["error"]) == (409, "too_early")
    conforms(spec, "/api/v1/bookings/{code}/check-in", "post", r)
    assert r.json["details"]["message_vi"] == ("Chưa đến giờ nhận số. Lịch hẹn của bạn: 08:00–08:30 ngày 27/11/2026. "
                                               "Bạn có thể nhận số từ 07:45 ngày 27/11/2026.")
    clock.at = local(TOMORROW, "07:50", config)
    r = client.post(f"/api/v1/bookings/{code}/check-in", headers=bearer(KIOSK))
    assert r.status_code == 201, r.json
    conforms(spec, "/api/v1/bookings/{code}/check-in", "post", r)
    ticket = r.json["ticket"]
    assert ticket["channel"] == "booking" and ticket["field"] == "DD" and ticket["code"] == "A001"
    assert r.json["booking"]["status"] == "checked_in" and r.json["booking"]["ticket_code"] == "A001"
    assert r.json["tracking_url"].endswith("/t/" + ticket["tracking_id"])
    again = client.post(f"/api/v1/bookings/{code}/check-in")
    assert (again.status_code, again.json["error"]) == (409, "already_checked_in")
    assert again.json["details"]["ticket_code"] == "A001"
    assert client.get("/api/v1/snapshot").json["waiting"]["DD"] == 1  # one booking, one ticket

    clock.at = local(TOMORROW, "08:30", config)  # the slot is over
    r = client.post(f"/api/v1/bookings/{late_code}/check-in")
    assert (r.status_code, r.json["error"]) == (409, "too_late")
    assert r.json["details"]["message_vi"].startswith("Đã quá giờ hẹn (08:00–08:30 ngày 27/11/2026).")
    assert client.get(f"/api/v1/bookings/{late_code}").json["status"] == "no_show"
    assert client.post(f"/api/v1/bookings/{late_code}/check-in").json["error"] == "booking_no_show"
    assert client.get("/api/v1/snapshot").json["waiting"]["DD"] == 1


def test_a_booked_citizen_goes_after_priority_citizens_and_before_walk_ins(app, client, clock):
    """Counter 1 (DD, XD) calls: the walk-in who came long before, the priority citizen,
    the booked citizen, then the walk-ins who came within the booking head start (10 min)."""
    config = app.extensions["motcua"].config
    code = book(client, "08:00").json["code"]
    arrivals = [("07:40", "W0", None), ("07:55", "W1", None), ("07:58", "W2", "XD")]
    issued = {}
    for hhmm, who, field in arrivals:
        clock.at = local(TOMORROW, hhmm, config)
        issued[who] = client.post("/api/v1/tickets", json={"field": field or "DD"},
                                  headers=bearer(KIOSK)).json["ticket"]["code"]
    clock.at = local(TOMORROW, "08:02", config)
    booked = client.post(f"/api/v1/bookings/{code}/check-in", headers=bearer(KIOSK)).json["ticket"]
    issued["B"] = booked["code"]
    assert booked["people_ahead"] == 1  # only W0 (same field) is ahead of it
    clock.at = local(TOMORROW, "08:03", config)
    issued["P"] = client.post("/api/v1/tickets", json={"field": "DD", "priority": "elderly"},
                              headers=bearer(KIOSK)).json["ticket"]["code"]
    order = []
    for _ in range(5):
        clock.advance(minutes=1)
        called = client.post("/api/v1/counters/1/call-next", headers=bearer(BUTTONS_1)).json["ticket"]["code"]
        order.append(next(who for who, c in issued.items() if c == called))
        client.post("/api/v1/counters/1/finish", headers=bearer(BUTTONS_1))
    assert order == ["W0", "P", "B", "W1", "W2"]


def test_the_engine_head_start_of_a_booking(demo_config):
    hall = Hall(demo_config)
    at = lambda m: T0 + timedelta(minutes=m)  # noqa: E731
    walk = hall.execute(IssueTicket(field="HT"), at(0)).ticket
    booked = hall.execute(IssueTicket(field="HT", channel="booking"), at(9)).ticket  # within 10 minutes
    late = hall.execute(IssueTicket(field="HT", channel="booking"), at(11)).ticket  # more than 10 minutes later
    assert hall.people_ahead(booked) == 0 and hall.people_ahead(late) == 2
    prio = hall.execute(IssueTicket(field="HT", channel="booking", priority="elderly"), at(13)).ticket
    assert hall.people_ahead(prio) == 0  # the larger head start of the two (15 minutes)
    calls = []
    for i in range(4):
        calls.append(hall.execute(CallNext(counter=3), at(20 + i)).ticket.id)
        hall.execute(Finish(counter=3), at(20.5 + i))
    assert calls == [prio.id, booked.id, walk.id, late.id]


def test_walk_in_kiosks_cannot_issue_booking_tickets(client):
    for headers in ({}, bearer(KIOSK)):
        r = client.post("/api/v1/tickets", json={"field": "DD", "channel": "booking"}, headers=headers)
        assert (r.status_code, r.json["error"]) == (400, "invalid_body")
    assert client.get("/api/v1/snapshot").json["waiting"]["DD"] == 0


# ---------------------------------------------------------------------- supervisors and no-shows
def test_no_shows_free_the_seat_and_supervisors_see_the_day(app, client, clock, spec):
    config = app.extensions["motcua"].config
    numbers = phones()
    codes = [book(client, "11:00", phone=next(numbers)).json["code"] for _ in range(4)]
    assert client.post(f"/api/v1/bookings/{codes[0]}/no-show").status_code == 401
    assert client.get(f"/api/v1/bookings?day={TOMORROW}").status_code == 401

    citizens = app.test_client()
    h = login(client, "giamsat", "demo-giamsat")
    r = client.post(f"/api/v1/bookings/{codes[0]}/no-show", headers=h)  # the citizen phoned to say so
    assert r.status_code == 200 and r.json["status"] == "no_show"
    assert book(citizens, "11:00", phone=next(numbers)).status_code == 201  # someone else takes the seat
    assert book(citizens, "11:00", phone=next(numbers)).json["error"] == "slot_full"
    r = client.put("/api/v1/booking/capacity", json={"field": "DD", "day": TOMORROW, "start": "11:00",
                                                     "capacity": 5}, headers=h)
    assert r.status_code == 200, r.json
    assert book(citizens, "11:00", phone=next(numbers)).status_code == 201  # the supervisor added a seat

    clock.at = local(TOMORROW, "10:50", config)
    assert citizens.post(f"/api/v1/bookings/{codes[1]}/check-in", headers=bearer(KIOSK)).status_code == 201
    clock.at = local(TOMORROW, "11:45", config)  # the slot is over: the others did not come
    r = client.get(f"/api/v1/bookings?day={TOMORROW}", headers=h)
    conforms(spec, "/api/v1/bookings", "get", r)
    assert r.json["counts"] == {"booked": 0, "checked_in": 1, "cancelled": 0, "no_show": 5}
    first = r.json["bookings"][0]
    assert first["phone"].startswith("09") and first["name"] == "Nguyễn Văn An"
    assert {b["changed_by"] for b in r.json["bookings"] if b["status"] == "no_show"} == {"supervisor:giamsat",
                                                                                         "system"}
    officer = login(citizens, "canbo1", "demo-canbo")
    assert citizens.get(f"/api/v1/bookings?day={TOMORROW}").status_code == 200
    r = citizens.post(f"/api/v1/bookings/{codes[2]}/no-show", headers=officer)
    assert r.status_code == 403


def test_pages_render(client):
    assert "Đặt lịch hẹn" in client.get("/booking").get_data(as_text=True)
    assert "Nhận số theo lịch hẹn" in client.get("/checkin").get_data(as_text=True)
    r = client.get("/bookings")
    assert r.status_code == 302 and "/login" in r.headers["Location"]
    assert client.get("/rating?counter=1&device=wrong-token-xxxxxxxxx").status_code == 403


# ---------------------------------------------------------------------- the migration
def test_migration_matches_the_tables_and_goes_down_again(any_db_url):
    from alembic import command
    from alembic.autogenerate import compare_metadata
    from alembic.config import Config
    from alembic.migration import MigrationContext

    from hall_server.store import Store
    from hall_server.store.db import MIGRATIONS
    from hall_server.store.schema import metadata

    store = Store(any_db_url)
    try:
        with store.engine.connect() as conn:
            assert compare_metadata(MigrationContext.configure(conn), metadata) == []
        cfg = Config()
        cfg.set_main_option("script_location", str(MIGRATIONS))
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.downgrade(cfg, "0002")
        from sqlalchemy import inspect

        names = set(inspect(store.engine).get_table_names())
        assert not names & {t.name for t in cs.TABLES} and "tickets" in names
        with store.engine.begin() as conn:
            cfg.attributes["connection"] = conn
            command.upgrade(cfg, "head")
        assert {t.name for t in cs.TABLES} <= set(inspect(store.engine).get_table_names())
    finally:
        store.close()
