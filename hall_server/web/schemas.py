"""Request and response bodies of the REST API (pydantic), shared with the OpenAPI document."""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr, model_validator


class Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


class IssueBody(Body):
    field: StrictStr = Field(description="Field code, e.g. DD")
    priority: StrictStr | None = Field(default=None, description="Priority category code, e.g. elderly")
    channel: Literal["kiosk", "counter", "web"] | None = Field(
        default=None, description="booked tickets come from POST /api/v1/bookings/{code}/check-in")


class CallBody(Body):
    ticket: StrictInt | None = Field(default=None, description="Ticket id")
    code: StrictStr | None = Field(default=None, description="Or the ticket's code today, e.g. A023")

    @model_validator(mode="after")
    def _one(self):
        if (self.ticket is None) == (self.code is None):
            raise ValueError("give either ticket (an id) or code (e.g. A023)")
        return self


class TransferBody(Body):
    field: StrictStr


class FieldsBody(Body):
    fields: list[StrictStr] = Field(min_length=1)


class OfficerBody(Body):
    officer: StrictStr


class LoginBody(Body):
    username: StrictStr
    password: StrictStr


class Out(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TicketOut(Out):
    id: int
    code: str
    field: str
    issue_field: str
    priority: str | None
    channel: str
    state: Literal["waiting", "called", "serving", "done", "no_show", "cancelled", "expired"]
    issued_at: str
    service_day: str
    counter: int | None
    officer: str | None
    called_at: str | None
    serving_at: str | None
    finished_at: str | None
    recalls: int
    transfers: int
    people_ahead: int | None = None
    tracking_id: str | None = None
    estimated_wait_minutes: float | None = None


class CounterOut(Out):
    number: int
    status: Literal["open", "closed", "paused"]
    officer: str | None
    fields: list[str]
    ticket: int | None
    pending_fields: list[str] | None
    pending_officer: str | None
    has_pending_officer: bool
    current: TicketOut | None = None


class CommandOut(Out):
    ok: Literal[True]
    seq: int
    events: list[str]
    ticket: TicketOut | None = None
    counter: CounterOut | None = None


class ErrorOut(Out):
    error: str
    message: str
    details: dict | None = None


class FieldInfo(Out):
    code: str
    name: str
    name_en: str
    prefix: str


class CounterInfo(Out):
    number: int
    name: str


class OfficerInfo(Out):
    id: str
    name: str
    title: str
    agency: str
    phone: str


class PriorityInfo(Out):
    code: str
    name: str
    name_en: str
    head_start_minutes: float


class CentreOut(Out):
    id: str
    name: str
    name_en: str
    address: str
    phone: str
    timezone: str
    wait_target_minutes: int
    ticket_reading: str
    announcement: str
    public_url: str
    fields: list[FieldInfo]
    counters: list[CounterInfo]
    officers: list[OfficerInfo]
    priorities: list[PriorityInfo]


class SnapshotOut(Out):
    seq: int
    centre: str
    service_day: str | None
    counters: list[CounterOut]
    queues: dict[str, list[str]]
    waiting: dict[str, int]
    recent_calls: list[TicketOut]
    notice: str = ""
    alerts: list[dict] = []
    server_time: str | None = None


class TicketStatusOut(Out):
    code: str
    field: str
    field_name: str
    state: str
    priority: str | None
    people_ahead: int
    estimated_wait_minutes: float | None
    counter: int | None
    recalls: int
    issued_at: str
    called_at: str | None
    centre: str
    centre_name: str


class TicketListOut(Out):
    tickets: list[TicketOut]


class HealthOut(Out):
    status: Literal["ok"]
    seq: int
    centre: str


class MeOut(Out):
    id: str
    role: str
    officer: str | None
    counters: list[int]
    csrf_token: str | None = None


class EventOut(Out):
    seq: int
    kind: str
    at: str
    data: dict


class EventsOut(Out):
    events: list[EventOut]
