"""Property-based tests: random command sequences never break the hall's invariants."""

from datetime import timedelta

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from hall_server.config import DEMO_HALL, load_hall
from hall_server.engine import (
    AssignOfficer,
    CallNext,
    CallTicket,
    Cancel,
    CloseCounter,
    DomainError,
    Finish,
    Hall,
    IssueTicket,
    NoShow,
    OpenCounter,
    PauseCounter,
    Recall,
    ResumeCounter,
    SetCounterFields,
    StartServing,
    TicketState,
    Transfer,
    UnassignOfficer,
)

from .conftest import T0

CONFIG = load_hall(DEMO_HALL)
FIELDS = sorted(CONFIG.fields)
COUNTERS = sorted(CONFIG.counters)
OFFICERS = sorted(CONFIG.officers)
PRIORITIES = [None, None, None, *sorted(CONFIG.priorities)]

fields = st.sampled_from(FIELDS)
counters = st.sampled_from(COUNTERS)


class HallMachine(RuleBasedStateMachine):
    def __init__(self):
        super().__init__()
        self.hall = Hall(CONFIG)
        self.now = T0
        self.issued: set[tuple] = set()
        self.routed = 0  # calls where routing had a real choice to make

    def run(self, command):
        before = self.hall.state_dict()
        try:
            return self.hall.execute(command, self.now)
        except DomainError:
            # A refused command changes nothing, not even on the first command of a new day.
            assert self.hall.state_dict() == before, f"{command} was refused but changed the hall"
            return None

    @rule(minutes=st.floats(min_value=0, max_value=90) | st.just(60 * 14.0))
    def time_passes(self, minutes):
        self.now += timedelta(minutes=minutes)

    @rule(field=fields, priority=st.sampled_from(PRIORITIES))
    def issue(self, field, priority):
        self.now += timedelta(seconds=1)
        result = self.run(IssueTicket(field=field, priority=priority))
        assert result is not None
        t = result.ticket
        key = (t.service_day, t.issue_field, t.number)
        assert key not in self.issued, f"number {t.code} handed out twice on {t.service_day}"
        self.issued.add(key)

    @rule(batch=st.lists(st.tuples(fields, st.sampled_from(PRIORITIES)), min_size=2, max_size=8))
    def crowd_arrives(self, batch):
        for field, priority in batch:
            self.now += timedelta(seconds=20)
            self.issue(field, priority)

    @rule(counter=counters)
    def next_citizen(self, counter):
        """What an officer does all day: finish the citizen at the desk, call the next."""
        self.run(Finish(counter=counter))
        self.call_next(counter)

    @rule(counter=counters)
    def call_next(self, counter):
        hall = self.hall
        k = hall.counters[counter]
        eligible_fields = k.pending_fields if k.pending_fields is not None else k.fields
        waiting = [t for t in hall.tickets.values() if t.state is TicketState.WAITING and t.field in eligible_fields]
        result = self.run(CallNext(counter=counter))
        if result is not None and result.ticket is not None:
            # The routing rule: the smallest effective time among eligible waiting tickets.
            best = min(waiting, key=hall.key)
            assert result.ticket.id == best.id
            self.routed += len(waiting) > 1
            assert result.ticket.counter == counter

    @rule(counter=counters, data=st.data())
    def call_ticket(self, counter, data):
        ids = sorted(self.hall.tickets) or [1]
        self.run(CallTicket(counter=counter, ticket=data.draw(st.sampled_from(ids))))

    @rule(counter=counters, action=st.sampled_from([Recall, StartServing, Finish, NoShow, OpenCounter,
                                                     CloseCounter, PauseCounter, ResumeCounter, UnassignOfficer]))
    def counter_action(self, counter, action):
        self.run(action(counter=counter))

    @rule(counter=counters, field=fields)
    def transfer(self, counter, field):
        self.run(Transfer(counter=counter, field=field))

    @rule(data=st.data())
    def cancel(self, data):
        ids = sorted(self.hall.tickets) or [1]
        self.run(Cancel(ticket=data.draw(st.sampled_from(ids))))

    @rule(counter=counters, officer=st.sampled_from(OFFICERS))
    def assign(self, counter, officer):
        self.run(AssignOfficer(counter=counter, officer=officer))

    @rule(counter=counters, chosen=st.lists(fields, min_size=1, max_size=3, unique=True))
    def set_fields(self, counter, chosen):
        self.run(SetCounterFields(counter=counter, fields=tuple(chosen)))

    @invariant()
    def each_ticket_in_exactly_one_place(self):
        hall = self.hall
        queued = {}
        for field, queue in hall.queues.items():
            assert queue == sorted(queue)
            for _, tid in queue:
                assert tid not in queued, f"ticket {tid} queued twice"
                queued[tid] = field
        for tid, t in hall.tickets.items():
            if t.state is TicketState.WAITING:
                assert queued.get(tid) == t.field
            else:
                assert tid not in queued

    @invariant()
    def counters_serve_at_most_one_citizen(self):
        hall = self.hall
        holders = {}
        for k in hall.counters.values():
            if k.ticket is not None:
                t = hall.tickets[k.ticket]
                assert t.state in (TicketState.CALLED, TicketState.SERVING)
                assert t.counter == k.number
                assert k.ticket not in holders, "one ticket at two counters"
                holders[k.ticket] = k.number
        for tid, t in hall.tickets.items():
            if t.state in (TicketState.CALLED, TicketState.SERVING):
                assert holders.get(tid) == t.counter, f"{t.code} is {t.state.value} but no counter holds it"

    @invariant()
    def an_officer_sits_at_one_counter(self):
        seated = [k.officer for k in self.hall.counters.values() if k.officer]
        assert len(seated) == len(set(seated))

    @invariant()
    def numbers_are_unique_per_field_per_day(self):
        keys = [(t.service_day, t.issue_field, t.number) for t in self.hall.tickets.values()]
        assert len(keys) == len(set(keys))


TestHallMachine = HallMachine.TestCase
TestHallMachine.settings = settings(
    max_examples=150, stateful_step_count=60, deadline=None, suppress_health_check=[HealthCheck.too_slow]
)


def test_the_machine_exercises_routing_choices():
    """Guard against a machine that never reaches the interesting states."""
    import random

    machine = HallMachine()
    rng = random.Random(7)
    for _ in range(150):
        machine.crowd_arrives([(rng.choice(FIELDS), rng.choice(PRIORITIES)) for _ in range(3)])
        machine.next_citizen(rng.choice(COUNTERS))
        machine.counters_serve_at_most_one_citizen()
    assert machine.routed > 40
