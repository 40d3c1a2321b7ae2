"""Read models built from the hall for pages, the API and sockets (public data only)."""

from __future__ import annotations


def centre_info(config) -> dict:
    """The public description of the centre, for pages and devices."""
    cc = config.centre
    return {
        "id": cc.id, "name": cc.name, "name_en": cc.name_en, "address": cc.address, "phone": cc.phone,
        "timezone": cc.timezone, "wait_target_minutes": cc.wait_target_minutes,
        "ticket_reading": cc.ticket_reading, "announcement": cc.announcement, "public_url": cc.public_url,
        "fields": [{"code": f.code, "name": f.name, "name_en": f.name_en, "prefix": f.prefix}
                   for f in config.fields.values()],
        "counters": [{"number": k.number, "name": k.label} for k in config.counters.values()],
        "officers": [{"id": o.id, "name": o.name, "title": o.title, "agency": o.agency, "phone": o.phone}
                     for o in config.officers.values()],
        "priorities": [{"code": p.code, "name": p.name, "name_en": p.name_en,
                        "head_start_minutes": p.head_start_minutes} for p in config.priorities.values()],
    }


def snapshot(ext) -> dict:
    with ext.service.read() as hall:
        snap = hall.snapshot()
    snap["notice"] = ext.notice
    snap["server_time"] = ext.service.clock().isoformat()
    snap["alerts"] = ext.devices.snapshot()["alerts"]
    return snap


def print_job(ext, ticket: dict) -> dict:
    """Everything a dispenser needs to print a ticket (see ticket_printer.render.TicketInfo)."""
    config = ext.config
    priority = config.priorities.get(ticket.get("priority") or "")
    return {
        "ticket": ticket["id"],
        "code": ticket["code"],
        "field": ticket["field"],
        "field_name": config.fields[ticket["field"]].name,
        "priority_name": priority.name if priority else None,
        "issued_at": ticket["issued_at"],
        "people_ahead": ticket.get("people_ahead", 0),
        "estimated_wait_minutes": ticket.get("estimated_wait_minutes"),
        "tracking_url": (f"{config.centre.public_url.rstrip('/')}/t/{ticket['tracking_id']}"
                         if ticket.get("tracking_id") else None),
        "centre_name": config.centre.name,
    }


def wait_estimates(ext, hall) -> dict[int, float | None] | None:
    """Minutes until called, from now, for every waiting ticket, from one replay of the hall;
    None when the hall's estimator answers one ticket at a time."""
    batch = getattr(ext.service.estimator, "estimates", None)
    return batch(hall, ext.service.clock()) if batch is not None else None


def ticket_status(ext, hall, ticket, estimates: dict[int, float | None] | None = None) -> dict:
    """A ticket's public status; ``estimates`` from :func:`wait_estimates` when many are sent at once."""
    config = ext.config
    if ticket.state.value != "waiting":
        wait = 0.0
    elif estimates is not None:
        wait = estimates.get(ticket.id)
    else:
        batch = getattr(ext.service.estimator, "estimates", None)
        wait = (ext.service.estimator(hall, ticket, ext.service.clock()) if batch
                else ext.service.estimator(hall, ticket))
    return {
        "code": ticket.code,
        "field": ticket.field,
        "field_name": config.fields[ticket.field].name if ticket.field in config.fields else ticket.field,
        "state": ticket.state.value,
        "priority": ticket.priority,
        "people_ahead": hall.people_ahead(ticket),
        "estimated_wait_minutes": round(wait, 1) if wait is not None else None,
        "counter": ticket.counter,
        "recalls": ticket.recalls,
        "issued_at": ticket.issued_at.isoformat(),
        "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
        "centre": config.id,
        "centre_name": config.centre.name,
    }


def public_ticket_status(ext, tracking_id: str) -> dict | None:
    with ext.service.read() as hall:
        ticket = hall.ticket_by_tracking(tracking_id)
        return ticket_status(ext, hall, ticket) if ticket is not None else None
