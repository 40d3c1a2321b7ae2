"""Print jobs: what the server sends, what a button press gets back, and the ticket to draw.

A *print job* is the dict the hall server pushes to a dispenser (Socket.IO
``print``, built by ``hall_server.web.views.print_job``)::

    {"ticket": 42, "code": "A012", "field": "DD", "field_name": "Đất đai",
     "priority_name": "Người cao tuổi", "issued_at": "2026-11-26T01:41:00+00:00",
     "people_ahead": 3, "estimated_wait_minutes": 12.5,
     "tracking_url": "http://hall.example/t/Xy...", "centre_name": "Trung tâm ..."}

A button press gets a bare ticket back from ``issue_ticket``; :func:`job_from_ticket`
completes it with the centre's names (``GET /api/v1/centre``) so both paths
print the same way::

    job = job_from_ticket(answer["ticket"], centre, public_url="http://hall.example")
    image = render_ticket(ticket_info(job), width_px=576)
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from .render import TicketInfo

__all__ = ["BadJob", "job_from_ticket", "ticket_info"]


class BadJob(ValueError):
    """A print job or ticket that cannot be printed (missing or wrong keys)."""


def job_from_ticket(ticket: Mapping[str, Any], centre: Mapping[str, Any] | None,
                    public_url: str | None) -> dict:
    """The print job for a ticket from an ``issue_ticket`` answer.

    :param ticket: the answer's ``ticket`` (``id``, ``code``, ``field``,
        ``priority``, ``issued_at``, ``people_ahead``, ``tracking_id``,
        ``estimated_wait_minutes``).
    :param centre: ``GET /api/v1/centre`` (names of the centre, fields and
        priorities), or None if it could not be fetched: codes are printed
        instead of names.
    :param public_url: base of the tracking URL in the QR code (None: no QR).
    :raises BadJob: the ticket lacks ``id``, ``code`` or ``field``.
    """
    try:
        ticket_id, code, field_code = ticket["id"], ticket["code"], ticket["field"]
    except (KeyError, TypeError):
        raise BadJob(f"the server's answer has no ticket id, code and field: {ticket!r:.200}") from None
    centre = centre or {}
    fields = {f.get("code"): f.get("name") for f in centre.get("fields", ()) if isinstance(f, Mapping)}
    priorities = {p.get("code"): p.get("name") for p in centre.get("priorities", ()) if isinstance(p, Mapping)}
    priority = ticket.get("priority")
    tracking_id = ticket.get("tracking_id")
    return {
        "ticket": ticket_id,
        "code": code,
        "field": field_code,
        "field_name": fields.get(field_code) or field_code,
        "priority_name": (priorities.get(priority) or priority) if priority else None,
        "issued_at": ticket.get("issued_at"),
        "people_ahead": ticket.get("people_ahead", 0),
        "estimated_wait_minutes": ticket.get("estimated_wait_minutes"),
        "tracking_url": f"{public_url.rstrip('/')}/t/{tracking_id}" if tracking_id and public_url else None,
        "centre_name": centre.get("name") or "",
    }


def ticket_info(job: Mapping[str, Any]) -> TicketInfo:
    """The :class:`~ticket_printer.render.TicketInfo` to draw for a print job.

    ::

        >>> info = ticket_info({"ticket": 1, "code": "A001", "field_name": "Đất đai",
        ...                     "issued_at": "2026-11-26T01:00:00+00:00", "people_ahead": 0,
        ...                     "centre_name": "Trung tâm"})
        >>> info.code, info.estimated_wait_min
        ('A001', None)

    :raises BadJob: a key is missing or has the wrong type.
    """
    try:
        issued_at = datetime.fromisoformat(str(job["issued_at"]))
        wait = job.get("estimated_wait_minutes")
        if wait is not None and (isinstance(wait, bool) or not isinstance(wait, (int, float))):
            raise TypeError(f"estimated_wait_minutes must be a number, got {wait!r}")
        return TicketInfo(
            centre_name=str(job.get("centre_name") or ""),
            field_name=str(job.get("field_name") or job.get("field") or ""),
            code=str(job["code"]),
            issued_at=issued_at,
            people_ahead=job.get("people_ahead") or 0,
            priority=job.get("priority_name") or None,
            estimated_wait_min=wait,
            tracking_url=job.get("tracking_url") or None,
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise BadJob(f"cannot print job {job!r:.200}: {exc}") from None
