"""Staffing advice (issue 9): concrete moves for the hall as it is now."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from ..api import add_query
from ..auth import Forbidden, current_actor
from . import app_ext


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

    ext = app_ext()
    actor = current_actor()
    if actor.role not in ("supervisor", "admin"):
        raise Forbidden("supervisors only")
    now = ext.service.clock()
    local_day = now.astimezone(ext.config.tz).date()
    if local_day.weekday() >= 5:
        return {"suggestions": []}  # the synthetic profile has no weekend demand to plan from
    with ext.service.read() as hall:
        moves = suggest_moves(hall, now, _planner(ext.config, local_day))
    return {"suggestions": [m.to_dict() for m in moves]}
