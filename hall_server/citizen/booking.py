"""Booked appointments: slots within opening hours, a capacity per slot, a code to check in with.

Slots are cut from the hall file's ``[hours]`` (``slot_minutes`` long, whole slots only). A
citizen books one for a field, with a name and a Vietnamese mobile number, and gets an 8-letter
code from an alphabet without look-alikes (no 0/O, 1/I/L) and a QR code of it. At the kiosk the
code is checked in (:meth:`BookingDesk.check_in_allowed`, then the web layer issues a ticket with
channel ``booking``, which the engine serves ahead of walk-ins but after priority citizens)::

    desk = BookingDesk(store.engine, config, settings.booking)
    booking = desk.book("DD", date(2026, 11, 27), "08:00", "Nguyễn Văn An", "0912345678", now)
    booking.code, booking.status
    # → ('K7MQ2XRA', 'booked')

Capacity: ``booking_slots.booked`` counts the slot's active bookings (booked or checked in). A
booking takes a seat with one conditional ``UPDATE … WHERE booked < capacity``, so two citizens
can never take the last seat together. A seat is **released** when the citizen cancels with the
code or when the booking is marked a no-show (by a supervisor, or automatically once its
check-in window has closed); a released seat can be booked again by anyone while the slot is
still bookable (it starts at least ``min_lead_minutes`` from now). A slot already started or
past is never offered again, so a late no-show frees nothing in practice.

Check-in is open from ``checkin_early_minutes`` before the slot starts until
``checkin_late_minutes`` after it ends; earlier or later is refused with the reason and times.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from sqlalchemy import and_, func, insert, select, update
from sqlalchemy.exc import IntegrityError

from ..config import WEEKDAYS
from ..engine.errors import Refusal
from . import schema as t
from .contact import InvalidContact, mask_phone, national, normalize_phone

ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"  # 31 symbols, none that look alike
CODE_LENGTH = 8  # 31⁸ ≈ 8.5 × 10¹¹ codes
ACTIVE = ("booked", "checked_in")
_CODE_JUNK = re.compile(r"[\s\-_.]")


class BookingError(Refusal):
    """A booking request that cannot be met; nothing was changed. ``details`` carries times etc."""


# ---------------------------------------------------------------------- codes and QR
def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def normalize_code(text: str) -> str | None:
    """What a citizen typed or a scanner read (any case, with spaces or dashes) → the code, or None."""
    value = _CODE_JUNK.sub("", unicodedata.normalize("NFKC", str(text))).upper()
    if len(value) != CODE_LENGTH or any(ch not in ALPHABET for ch in value):
        return None
    return value


def display_code(code: str) -> str:
    """``K7MQ2XRA`` → ``K7MQ-2XRA`` (easier to read out and type)."""
    return f"{code[:4]}-{code[4:]}"


def qr_png_data_url(text: str, box_size: int = 8) -> str:
    """A QR code of ``text`` as a ``data:image/png;base64,…`` URL (the page's CSP allows data: images)."""
    import qrcode

    qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, box_size=box_size, border=4)
    qr.add_data(text)
    qr.make(fit=True)
    buf = io.BytesIO()
    qr.make_image(fill_color="black", back_color="white").save(buf, format="PNG")
    return "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode("ascii")


def clean_name(text: str) -> str:
    """The citizen's name: NFC, single spaces, 2–100 characters, no control characters."""
    value = re.sub(r"\s+", " ", unicodedata.normalize("NFC", str(text))).strip()
    if any(unicodedata.category(ch).startswith("C") for ch in value) or not 2 <= len(value) <= 100:
        raise BookingError("invalid_name", "name must be 2 to 100 characters", "Họ tên cần từ 2 đến 100 ký tự.",
                           kind="invalid")
    return value


# ---------------------------------------------------------------------- records
@dataclass(frozen=True)
class Slot:
    field: str
    starts_at: datetime  # local, aware
    ends_at: datetime
    capacity: int
    booked: int
    bookable: bool  # still open for booking (far enough ahead, not closed)

    @property
    def left(self) -> int:
        return max(0, self.capacity - self.booked)

    def to_dict(self) -> dict:
        return {"start": self.starts_at.strftime("%H:%M"), "end": self.ends_at.strftime("%H:%M"),
                "starts_at": self.starts_at.isoformat(), "ends_at": self.ends_at.isoformat(),
                "capacity": self.capacity, "booked": self.booked, "left": self.left,
                "bookable": self.bookable and self.left > 0}


@dataclass(frozen=True)
class Booking:
    id: int
    code: str
    field: str
    day: date
    starts_at: datetime  # local, aware
    ends_at: datetime
    name: str
    phone: str  # E.164
    status: str  # booked | checked_in | cancelled | no_show
    created_at: datetime
    changed_at: datetime
    changed_by: str
    ticket_id: int | None
    ticket_code: str | None
    tracking_id: str | None


class BookingDesk:
    """Bookings of one centre (see the module docstring)."""

    def __init__(self, engine, config, settings):
        self.engine = engine
        self.writer = t.writer(engine)
        self.config = config
        self.settings = settings
        self.centre_id = config.id
        self.tz = config.tz

    # ------------------------------------------------------------------ calendar
    def bookable_fields(self) -> list[str]:
        return list(self.settings.fields) or list(self.config.fields)

    def local(self, at: datetime) -> datetime:
        return at.astimezone(self.tz)

    def slot_times(self, day: date) -> list[tuple[datetime, datetime]]:
        """The day's slots from ``[hours]`` (none on closed days)."""
        if day in self.settings.closed_days:
            return []
        spans = self.config.hours.get(WEEKDAYS[day.weekday()], [])
        length = timedelta(minutes=self.settings.slot_minutes)
        out = []
        for span in spans:
            start = datetime.combine(day, span.start, tzinfo=self.tz)
            end = datetime.combine(day, span.end, tzinfo=self.tz)
            while start + length <= end:
                out.append((start, start + length))
                start += length
        return out

    def window(self, now: datetime) -> tuple[date, date]:
        """The first and last day a slot may be booked for."""
        today = self.local(now).date()
        return today, today + timedelta(days=self.settings.days_ahead)

    def open_days(self, now: datetime) -> list[date]:
        """Days in the booking window that still have a slot to book (capacity aside)."""
        first, last = self.window(now)
        cutoff = now + timedelta(minutes=self.settings.min_lead_minutes)
        days = []
        day = first
        while day <= last:
            if any(start >= cutoff for start, _ in self.slot_times(day)):
                days.append(day)
            day += timedelta(days=1)
        return days

    def slots(self, field: str, day: date, now: datetime) -> list[Slot]:
        """Every slot of ``day`` for ``field``, with its seats taken and whether it may be booked."""
        self._check_field(field)
        times = self.slot_times(day)
        if not times:
            return []
        s = t.booking_slots
        with self.engine.connect() as conn:
            rows = {r.starts_at: r for r in conn.execute(
                select(s).where(s.c.centre_id == self.centre_id, s.c.field == field, s.c.day == day))}
        first, last = self.window(now)
        cutoff = now + timedelta(minutes=self.settings.min_lead_minutes)
        default = self.settings.capacity_for(field)
        out = []
        for start, end in times:
            row = rows.get(start)
            capacity = row.capacity if row is not None and row.capacity is not None else default
            out.append(Slot(field, start, end, capacity, row.booked if row else 0,
                            self.settings.enabled and first <= day <= last and start >= cutoff))
        return out

    # ------------------------------------------------------------------ booking
    def book(self, field: str, day: date, start: str, name: str, phone: str, now: datetime,
             actor: str = "web") -> Booking:
        """Take a seat in the slot of ``day`` starting at ``start`` (``"HH:MM"``); see the module docstring."""
        if not self.settings.enabled:
            raise BookingError("booking_disabled", "this centre does not take bookings",
                               "Trung tâm hiện không nhận đặt lịch hẹn.")
        self._check_field(field)
        name = clean_name(name)
        try:
            phone = normalize_phone(phone)
        except InvalidContact as exc:
            raise BookingError("invalid_phone", str(exc), exc.message_vi, kind="invalid") from None
        slot = next((s for s in self.slots(field, day, now) if s.starts_at.strftime("%H:%M") == start), None)
        if slot is None:
            raise BookingError("no_such_slot", f"no slot starts at {start[:8]!r} on {day}",
                               "Không có khung giờ này trong ngày đã chọn.", kind="not_found")
        if not slot.bookable:
            raise BookingError("slot_closed", f"the slot {start} on {day} can no longer be booked",
                               "Khung giờ này không còn nhận đặt lịch.")
        s, b = t.booking_slots, t.bookings
        default = self.settings.capacity_for(field)
        key = and_(s.c.centre_id == self.centre_id, s.c.field == field, s.c.starts_at == slot.starts_at)
        for _ in range(5):
            code = new_code()
            try:
                with self.writer.begin() as conn:
                    held = conn.execute(select(func.count()).select_from(b).where(
                        b.c.centre_id == self.centre_id, b.c.phone == phone, b.c.day == day,
                        b.c.status.in_(ACTIVE))).scalar_one()
                    if held >= self.settings.per_phone_per_day:
                        raise BookingError(
                            "too_many_bookings", f"this phone already holds {held} booking(s) on {day}",
                            f"Số điện thoại này đã có {held} lịch hẹn trong ngày {day:%d/%m/%Y}.")
                    if conn.execute(select(s.c.booked).where(key)).first() is None:
                        try:
                            with conn.begin_nested():  # a savepoint: PostgreSQL goes on after a clash
                                conn.execute(insert(s).values(centre_id=self.centre_id, field=field,
                                                              starts_at=slot.starts_at, day=day, booked=0))
                        except IntegrityError:
                            pass  # created by another booking meanwhile
                    took = conn.execute(update(s).where(key, s.c.booked < func.coalesce(s.c.capacity, default))
                                        .values(booked=s.c.booked + 1)).rowcount
                    if not took:
                        raise BookingError("slot_full", f"the slot {start} on {day} is full",
                                           "Khung giờ này đã đủ chỗ. Vui lòng chọn khung giờ khác.")
                    conn.execute(insert(b).values(
                        centre_id=self.centre_id, code=code, field=field, day=day,
                        starts_at=slot.starts_at, ends_at=slot.ends_at, name=name, phone=phone, status="booked",
                        created_at=now, changed_at=now, changed_by=actor[:100]))
            except IntegrityError:
                continue  # the code was taken (about one chance in 10⁹): draw another
            found = self.get(code)
            assert found is not None
            return found
        raise RuntimeError("could not draw a free booking code")

    def get(self, code: str) -> Booking | None:
        code = normalize_code(code) if code else None
        if code is None:
            return None
        b = t.bookings
        with self.engine.connect() as conn:
            row = conn.execute(select(b).where(b.c.centre_id == self.centre_id, b.c.code == code)).first()
        return self._booking(row) if row else None

    def require(self, code: str) -> Booking:
        booking = self.get(code)
        if booking is None:
            raise BookingError("booking_not_found", "no booking with this code",
                               "Không tìm thấy lịch hẹn với mã này. Vui lòng kiểm tra lại mã.", kind="not_found")
        return booking

    def day_list(self, day: date) -> list[Booking]:
        b = t.bookings
        with self.engine.connect() as conn:
            rows = conn.execute(select(b).where(b.c.centre_id == self.centre_id, b.c.day == day)
                                .order_by(b.c.starts_at, b.c.field, b.c.id)).all()
        return [self._booking(r) for r in rows]

    # ------------------------------------------------------------------ changes
    def cancel(self, code: str, now: datetime, actor: str = "citizen") -> Booking:
        """The citizen cancels (with the code); the seat is freed."""
        booking = self.require(code)
        if booking.status != "booked" or now >= self.checkin_closes(booking):
            self._refuse_state(booking, now)
            raise BookingError("booking_closed", "this booking can no longer be cancelled",
                               "Lịch hẹn này đã quá giờ, không thể hủy.")
        return self._release(booking, "cancelled", now, actor)

    def no_show(self, code: str, now: datetime, actor: str) -> Booking:
        """A supervisor marks a booking as a no-show; the seat is freed."""
        booking = self.require(code)
        if booking.status != "booked":
            self._refuse_state(booking, now)
        return self._release(booking, "no_show", now, actor)

    def sweep(self, now: datetime) -> int:
        """Mark every booking whose check-in window has closed as a no-show; returns how many."""
        b = t.bookings
        cutoff = now - timedelta(minutes=self.settings.checkin_late_minutes)
        with self.engine.connect() as conn:
            rows = conn.execute(select(b).where(b.c.centre_id == self.centre_id, b.c.status == "booked",
                                                b.c.ends_at <= cutoff)).all()
        done = 0
        for row in rows:
            try:
                self._release(self._booking(row), "no_show", now, "system")
                done += 1
            except BookingError:
                pass  # changed meanwhile
        return done

    def set_capacity(self, field: str, starts_at: datetime, capacity: int | None) -> None:
        """Override one slot's capacity (None: back to the default). Seats already taken stay taken."""
        self._check_field(field)
        day = self.local(starts_at).date()
        if all(start != starts_at for start, _ in self.slot_times(day)):
            raise BookingError("no_such_slot", f"no slot starts at {self.local(starts_at):%H:%M} on {day}",
                               "Không có khung giờ này trong ngày đã chọn.", kind="not_found")
        s = t.booking_slots
        key = and_(s.c.centre_id == self.centre_id, s.c.field == field, s.c.starts_at == starts_at)
        with self.writer.begin() as conn:
            if conn.execute(update(s).where(key).values(capacity=capacity)).rowcount == 0:
                conn.execute(insert(s).values(centre_id=self.centre_id, field=field, starts_at=starts_at, day=day,
                                              booked=0, capacity=capacity))

    # ------------------------------------------------------------------ check-in
    def checkin_opens(self, booking: Booking) -> datetime:
        return booking.starts_at - timedelta(minutes=self.settings.checkin_early_minutes)

    def checkin_closes(self, booking: Booking) -> datetime:
        return booking.ends_at + timedelta(minutes=self.settings.checkin_late_minutes)

    def check_in_allowed(self, booking: Booking, now: datetime) -> None:
        """Raise :class:`BookingError` unless ``booking`` may be checked in now (marks a late one no-show)."""
        if booking.status != "booked":
            self._refuse_state(booking, now)
        opens, closes = self.checkin_opens(booking), self.checkin_closes(booking)
        slot = self._slot_text(booking)
        if now < opens:
            raise BookingError(
                "too_early", f"check-in opens at {self.local(opens):%H:%M} on {self.local(opens):%Y-%m-%d}",
                f"Chưa đến giờ nhận số. Lịch hẹn của bạn: {slot}. Bạn có thể nhận số từ "
                f"{self.local(opens):%H:%M} ngày {self.local(opens):%d/%m/%Y}.",
                opens_at=opens.isoformat(), starts_at=booking.starts_at.isoformat())
        if now >= closes:
            try:
                self._release(booking, "no_show", now, "system")
            except BookingError:
                pass
            raise BookingError(
                "too_late", f"check-in closed at {self.local(closes):%H:%M} on {self.local(closes):%Y-%m-%d}",
                f"Đã quá giờ hẹn ({slot}). Vui lòng lấy số thường hoặc đặt lịch hẹn mới.",
                closed_at=closes.isoformat(), starts_at=booking.starts_at.isoformat())

    def checked_in(self, booking: Booking, ticket: dict, now: datetime, actor: str) -> Booking:
        """Record the ticket issued for ``booking`` (idempotent for the same ticket)."""
        b = t.bookings
        with self.writer.begin() as conn:
            conn.execute(update(b).where(b.c.id == booking.id, b.c.status == "booked").values(
                status="checked_in", ticket_id=ticket["id"], ticket_code=ticket["code"],
                tracking_id=ticket.get("tracking_id"), changed_at=now, changed_by=actor[:100]))
        return self.require(booking.code)

    # ------------------------------------------------------------------ helpers
    def _check_field(self, field: str) -> None:
        if field not in self.config.fields or field not in self.bookable_fields():
            raise BookingError("unknown_field", f"field {str(field)[:20]!r} cannot be booked",
                               "Lĩnh vực này không nhận đặt lịch hẹn.", kind="not_found")

    def _slot_text(self, booking: Booking) -> str:
        start, end = self.local(booking.starts_at), self.local(booking.ends_at)
        return f"{start:%H:%M}–{end:%H:%M} ngày {start:%d/%m/%Y}"

    def _refuse_state(self, booking: Booking, now: datetime) -> None:
        if booking.status == "cancelled":
            raise BookingError("booking_cancelled", "this booking was cancelled", "Lịch hẹn này đã bị hủy.")
        if booking.status == "no_show":
            raise BookingError("booking_no_show", "this booking was marked as a no-show",
                               "Lịch hẹn này đã quá giờ và được ghi nhận là vắng mặt.")
        if booking.status == "checked_in":
            raise BookingError("already_checked_in", f"already checked in: ticket {booking.ticket_code}",
                               f"Lịch hẹn này đã được nhận số: số của bạn là {booking.ticket_code}.",
                               ticket_code=booking.ticket_code, tracking_id=booking.tracking_id)

    def _release(self, booking: Booking, status: str, now: datetime, actor: str) -> Booking:
        b, s = t.bookings, t.booking_slots
        with self.writer.begin() as conn:
            changed = conn.execute(update(b).where(b.c.id == booking.id, b.c.status == "booked")
                                   .values(status=status, changed_at=now, changed_by=actor[:100])).rowcount
            if changed:
                conn.execute(update(s).where(s.c.centre_id == self.centre_id, s.c.field == booking.field,
                                             s.c.starts_at == booking.starts_at, s.c.booked > 0)
                             .values(booked=s.c.booked - 1))
        if not changed:
            fresh = self.require(booking.code)
            self._refuse_state(fresh, now)
        return self.require(booking.code)

    def _booking(self, row) -> Booking:
        return Booking(
            id=row.id, code=row.code, field=row.field, day=row.day, starts_at=self.local(row.starts_at),
            ends_at=self.local(row.ends_at), name=row.name, phone=row.phone, status=row.status,
            created_at=row.created_at, changed_at=row.changed_at, changed_by=row.changed_by,
            ticket_id=row.ticket_id, ticket_code=row.ticket_code, tracking_id=row.tracking_id,
        )

    # ------------------------------------------------------------------ views
    def public_view(self, booking: Booking) -> dict:
        """What the holder of the code sees (the phone masked)."""
        f = self.config.fields.get(booking.field)
        return {
            "code": booking.code, "code_display": display_code(booking.code), "field": booking.field,
            "field_name": f.name if f else booking.field,
            "field_name_en": (f.name_en or f.name) if f else booking.field,
            "day": booking.day.isoformat(), "start": booking.starts_at.strftime("%H:%M"),
            "end": booking.ends_at.strftime("%H:%M"), "starts_at": booking.starts_at.isoformat(),
            "ends_at": booking.ends_at.isoformat(), "status": booking.status, "name": booking.name,
            "phone_masked": mask_phone(booking.phone),
            "checkin_opens_at": self.checkin_opens(booking).isoformat(),
            "checkin_closes_at": self.checkin_closes(booking).isoformat(),
            "ticket_code": booking.ticket_code, "tracking_id": booking.tracking_id,
        }

    def staff_view(self, booking: Booking) -> dict:
        """What a supervisor sees: everything, the phone in full."""
        return self.public_view(booking) | {
            "phone": national(booking.phone), "created_at": booking.created_at.isoformat(),
            "changed_at": booking.changed_at.isoformat(), "changed_by": booking.changed_by,
            "ticket_id": booking.ticket_id,
        }
