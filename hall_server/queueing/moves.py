"""Live staffing suggestions for the supervisor: which officer to move where.

:func:`suggest_moves` compares the counters each field group needs now (from
a :class:`~hall_server.queueing.advice.LivePlanner`, or from the queue alone)
with the counters each group has (a counter belongs to the group of its first
field), and proposes concrete, ready-to-run changes, most urgent first:

* open a closed counter of a short group that has an officer seated;
* move an officer from a counter of a group with spare counters to a free
  counter of the short group ("chuyển cán bộ X từ quầy 3 sang quầy 7 cho
  lĩnh vực Đất đai");
* if the short group has no free counter, let a spare counter also serve it;
* if no group can spare anyone, call in an officer who is not seated.

Each :class:`Suggestion` carries Vietnamese and English text and the engine
commands that carry it out (officer moves apply once both counters are free).

>>> from datetime import datetime, timezone
>>> from hall_server.config import load_hall
>>> from hall_server.engine import Hall, IssueTicket, CloseCounter, UnassignOfficer
>>> hall = Hall(load_hall("config/sim_large.toml"))
>>> at = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)          # 08:00 in Hà Nội
>>> for _ in range(30):
...     _ = hall.execute(IssueTicket(field="DD"), at)
>>> for n in (1, 2, 3, 4):                                          # four land counters shut
...     _ = hall.execute(CloseCounter(n), at)
>>> first = suggest_moves(hall, at)[0]
>>> first.kind, first.to_counter
('open', 1)
>>> first.text_vi
'Mở quầy 1 (cán bộ Nguyễn Văn An) cho lĩnh vực Đất đai'
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime

from hall_server.engine import AssignOfficer, OpenCounter, SetCounterFields
from hall_server.engine.commands import Command
from hall_server.engine.estimate import DEFAULT_SERVICE_MINUTES

from .advice import FieldGroup, LivePlanner, groups_from_hall, present_by_group

__all__ = ["Suggestion", "suggest_moves", "needed_from_queue"]


@dataclass(frozen=True)
class Suggestion:
    """One proposed change, with its text and the commands that make it."""

    kind: str  # open | move | add_fields | call_in
    group: str
    text_vi: str
    text_en: str
    commands: tuple[Command, ...] = ()
    officer: str | None = None
    from_counter: int | None = None
    to_counter: int | None = None

    def to_dict(self) -> dict:
        return {
            "kind": self.kind, "group": self.group, "text_vi": self.text_vi, "text_en": self.text_en,
            "officer": self.officer, "from_counter": self.from_counter, "to_counter": self.to_counter,
            "commands": [c.to_dict() for c in self.commands],
        }


def needed_from_queue(present: dict[str, int], mean_service: float = DEFAULT_SERVICE_MINUTES,
                      target_wait: float = 15.0) -> dict[str, int]:
    """Without a forecast: enough counters to call everyone present within
    ``target_wait`` (present × mean service ÷ target), at least one if anyone is there.

    >>> needed_from_queue({"A": 0, "B": 5, "C": 30})
    {'A': 0, 'B': 4, 'C': 19}
    """
    return {g: (max(1, math.ceil(n * mean_service / target_wait)) if n > 0 else 0) for g, n in present.items()}


@dataclass
class _Group:
    spec: FieldGroup
    need: int
    counters: list = field(default_factory=list)  # open, staffed counters whose first field is in the group
    free: list = field(default_factory=list)  # counters of the group that are closed or have no officer

    @property
    def gap(self) -> int:
        return self.need - len(self.counters)


def suggest_moves(hall, now: datetime, planner: LivePlanner | None = None,
                  groups: Sequence[FieldGroup] | None = None, target_wait: float | None = None) -> list[Suggestion]:
    """Concrete staffing changes for the hall as it is at ``now`` (see module doc).

    ``planner`` gives the counters each group needs (else
    :func:`needed_from_queue`); ``groups`` defaults to the planner's, or to
    :func:`~hall_server.queueing.advice.groups_from_hall`.  Returns ``[]`` when
    every group has what it needs.  Pure: it reads the hall and changes nothing.
    """
    if groups is None:
        groups = [g.group for g in planner.demand.groups] if planner else groups_from_hall(hall.config)
    target_wait = target_wait or float(hall.config.centre.wait_target_minutes)
    present = present_by_group(hall, groups)
    need = planner.counts_for_hall(hall, now) if planner else needed_from_queue(present, target_wait=target_wait)
    need = {k: min(v, len(hall.counters)) for k, v in need.items()}
    by_field = {f: g.name for g in groups for f in g.fields}
    state = {g.name: _Group(g, need.get(g.name, 0)) for g in groups}
    for counter in hall.counters.values():
        fields = counter.pending_fields if counter.pending_fields is not None else counter.fields
        home = state.get(by_field.get(fields[0])) if fields else None
        if home is None:
            continue
        if counter.status.value == "open" and counter.officer:
            home.counters.append(counter)
        else:
            home.free.append(counter)
    officers = hall.config.officers
    seated = {c.officer for c in hall.counters.values() if c.officer}

    def name(officer_id):
        o = officers.get(officer_id)
        return o.name if o else officer_id

    out: list[Suggestion] = []
    short = sorted((g for g in state.values() if g.gap > 0), key=lambda g: -g.gap)
    for g in short:
        label = g.spec.name
        # 1. a closed counter of the group with an officer still seated: open it
        for counter in [c for c in g.free if c.officer and c.status.value == "closed"]:
            if g.gap <= 0:
                break
            g.free.remove(counter)
            g.counters.append(counter)
            out.append(Suggestion(
                "open", label,
                f"Mở quầy {counter.number} (cán bộ {name(counter.officer)}) cho lĩnh vực {label}",
                f"Open counter {counter.number} ({name(counter.officer)}) for {label}",
                (OpenCounter(counter.number),), counter.officer, None, counter.number))
        # 2. officers from groups with spare counters
        while g.gap > 0:
            donors = sorted((d for d in state.values() if d.gap < 0 and len(d.counters) > 1),
                            key=lambda d: d.gap)
            if not donors:
                break
            donor = donors[0]
            if not g.free:
                # no free counter of the group: a spare counter that does not serve it yet takes it on
                candidates = [c for c in donor.counters if not set(g.spec.fields) <= set(c.fields)]
                if not candidates:  # the donors already serve this group as their second group
                    donor.counters.remove(min(donor.counters, key=lambda c: (c.busy, c.number)))
                    g.counters.append(None)
                    continue
            else:
                candidates = donor.counters
            spare = min(candidates, key=lambda c: (c.busy, c.number))  # an idle one first
            donor.counters.remove(spare)
            officer = spare.officer
            if g.free:
                target = g.free.pop(0)
                commands: list[Command] = [AssignOfficer(target.number, officer)]
                if target.status.value != "open":
                    commands.append(OpenCounter(target.number))
                g.counters.append(target)
                out.append(Suggestion(
                    "move", label,
                    f"Chuyển cán bộ {name(officer)} từ quầy {spare.number} sang quầy {target.number} "
                    f"cho lĩnh vực {label}",
                    f"Move officer {name(officer)} from counter {spare.number} to counter {target.number} "
                    f"for {label}",
                    tuple(commands), officer, spare.number, target.number))
            else:
                fields = tuple(spare.fields) + tuple(f for f in g.spec.fields if f not in spare.fields)
                g.counters.append(spare)
                out.append(Suggestion(
                    "add_fields", label,
                    f"Quầy {spare.number} (cán bộ {name(officer)}) nhận thêm lĩnh vực {label}",
                    f"Counter {spare.number} ({name(officer)}) also serves {label}",
                    (SetCounterFields(spare.number, fields),), officer, spare.number, spare.number))
        # 3. nobody to spare: call in an officer who is not at a counter
        idle = [o for o in officers if o not in seated]
        while g.gap > 0 and idle and g.free:
            officer = idle.pop(0)
            seated.add(officer)
            target = g.free.pop(0)
            g.counters.append(target)
            commands = [AssignOfficer(target.number, officer)]
            if target.status.value != "open":
                commands.append(OpenCounter(target.number))
            out.append(Suggestion(
                "call_in", label,
                f"Mời cán bộ {name(officer)} ra quầy {target.number} cho lĩnh vực {label}",
                f"Call officer {name(officer)} to counter {target.number} for {label}",
                tuple(commands), officer, None, target.number))
    return out
