"""Wait estimates for a waiting ticket (pure; see hall_server/queueing for the theory).

``naive_wait`` is the common rule "people ahead × mean service ÷ counters of the field".
It ignores how far the counters are into their current citizens, counters shared with
other fields and the routing policy; :class:`hall_server.queueing.estimator.ReplayEstimator`
replays the hall forward instead and is several times more accurate (docs/simulation.md).
Both have the shape ``(hall, ticket) -> minutes | None`` of ``HallService.estimator``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .hall import Hall
    from .model import Ticket

#: The mean service time, in minutes, wherever none has been measured yet: the overall mean of the
#: synthetic hall profile (docs/simulation.md; hall_server.queueing.profile). The one place this number lives.
DEFAULT_SERVICE_MINUTES = 9.3


def naive_wait(hall: Hall, ticket: Ticket, mean_service_minutes: dict[str, float] | None = None) -> float | None:
    """Minutes until ``ticket`` is called, by the naive rule; None if nobody serves its field."""
    if ticket.state.value != "waiting":
        return 0.0
    counters = len(hall.counters_serving(ticket.field))
    if counters == 0:
        return None
    mean = (mean_service_minutes or {}).get(ticket.field, DEFAULT_SERVICE_MINUTES)
    return float(hall.people_ahead(ticket) * mean / counters)
