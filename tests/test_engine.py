"""The rules of the hall, command by command, with explicit times."""

from datetime import datetime, timedelta, timezone

import pytest

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
    Transfer,
    UnassignOfficer,
)
from hall_server.engine.routing import LongestQueueFirst, OwnFieldFirst

from .conftest import T0, minutes


def issue(hall, field, at, priority=None):
    return hall.execute(IssueTicket(field=field, priority=priority), at).ticket


def refused(hall, command, at, code):
    """The command is refused with ``code`` and the hall is exactly as before."""
    before = hall.state_dict()
    with pytest.raises(DomainError) as info:
        hall.execute(command, at)
    assert info.value.code == code, info.value
    assert hall.state_dict() == before
    return info.value


def test_numbers_per_field_with_prefix(hall):
    codes = [issue(hall, f, minutes(i)).code for i, f in enumerate(["DD", "DD", "HT", "DD", "CT"])]
    assert codes == ["A001", "A002", "B001", "A003", "C001"]


def test_numbering_restarts_at_local_midnight(hall):
    # 23:50 in Hà Nội is 16:50 UTC; 00:10 the next day is 17:10 UTC.
    evening = datetime(2026, 11, 26, 16, 50, tzinfo=timezone.utc)
    assert issue(hall, "DD", evening).code == "A001"
    assert issue(hall, "DD", evening + timedelta(minutes=5)).code == "A002"
    result = hall.execute(IssueTicket(field="DD"), evening + timedelta(minutes=20))
    assert result.ticket.code == "A001"
    assert result.ticket.service_day.isoformat() == "2026-11-27"
    kinds = [e.kind for e in result.events]
    # Yesterday's waiting tickets expire when the new day starts.
    assert kinds == ["day_started", "ticket_expired", "ticket_expired", "ticket_issued"]
    assert hall.snapshot()["waiting"]["DD"] == 1


def test_day_never_moves_backwards_when_the_clock_does(hall):
    issue(hall, "DD", minutes(0))
    issue(hall, "DD", minutes(0) - timedelta(days=1))  # the clock jumped back a day
    assert issue(hall, "DD", minutes(1)).code == "A003"


def test_oldest_eligible_first_across_the_counters_fields(hall):
    a = issue(hall, "DD", minutes(0))
    issue(hall, "XD", minutes(1))
    issue(hall, "DD", minutes(2))
    # Counter 1 serves DD and XD: it takes the oldest of both fields, in time order.
    order = []
    for i in range(3):
        order.append(hall.execute(CallNext(counter=1), minutes(3 + i)).ticket.code)
        hall.execute(Finish(counter=1), minutes(3.5 + i))
    assert order == ["A001", "E001", "A002"]
    assert a.state.value == "done"


def test_priority_head_start_is_bounded(hall):
    first = issue(hall, "HT", minutes(0))
    issue(hall, "HT", minutes(10))
    elderly = issue(hall, "HT", minutes(20), priority="elderly")  # 15 min head start
    assert hall.people_ahead(elderly) == 1  # ahead of B002 (issued 10 min earlier) only
    assert hall.execute(CallNext(counter=3), minutes(21)).ticket.id == first.id
    hall.execute(Finish(counter=3), minutes(22))
    assert hall.execute(CallNext(counter=3), minutes(23)).ticket.id == elderly.id


def test_call_next_finishes_the_citizen_being_served(hall):
    issue(hall, "CT", minutes(0))
    issue(hall, "CT", minutes(1))
    hall.execute(CallNext(counter=4), minutes(2))
    hall.execute(StartServing(counter=4), minutes(3))
    result = hall.execute(CallNext(counter=4), minutes(8))
    assert [e.kind for e in result.events] == ["ticket_finished", "ticket_called"]
    done = hall.tickets[1]
    assert done.state.value == "done"
    assert done.wait_seconds == 120 and done.service_seconds == 300


def test_call_next_with_a_called_ticket_is_refused(hall):
    issue(hall, "CT", minutes(0))
    issue(hall, "CT", minutes(1))
    hall.execute(CallNext(counter=4), minutes(2))
    err = refused(hall, CallNext(counter=4), minutes(3), "counter_busy")
    assert "C001" in err.message


def test_counter_states_refuse_calls(hall):
    issue(hall, "KN", minutes(0))
    refused(hall, CallNext(counter=9), minutes(1), "counter_closed")  # counter 9 starts closed
    hall.execute(OpenCounter(counter=9), minutes(1))
    refused(hall, CallNext(counter=9), minutes(1), "no_officer")
    hall.execute(PauseCounter(counter=1), minutes(1))
    refused(hall, CallNext(counter=1), minutes(1), "counter_paused")
    hall.execute(ResumeCounter(counter=1), minutes(2))
    refused(hall, CallNext(counter=1), minutes(2), "nothing_waiting")
    refused(hall, CallNext(counter=77), minutes(2), "not_found")
    refused(hall, IssueTicket(field="ZZ"), minutes(2), "not_found")
    refused(hall, IssueTicket(field="DD", priority="vip"), minutes(2), "not_found")
    refused(hall, IssueTicket(field="DD", channel="fax"), minutes(2), "invalid_command")


def test_illegal_transitions_change_nothing(hall):
    issue(hall, "DD", minutes(0))
    refused(hall, Finish(counter=1), minutes(1), "invalid_transition")
    refused(hall, Recall(counter=1), minutes(1), "invalid_transition")
    hall.execute(CallNext(counter=1), minutes(1))
    hall.execute(StartServing(counter=1), minutes(2))
    refused(hall, NoShow(counter=1), minutes(3), "invalid_transition")
    refused(hall, StartServing(counter=1), minutes(3), "invalid_transition")
    refused(hall, CloseCounter(counter=1), minutes(3), "counter_busy")
    refused(hall, Cancel(ticket=1), minutes(3), "invalid_transition")
    refused(hall, Cancel(ticket=999), minutes(3), "not_found")
    refused(hall, Transfer(counter=1, field="DD"), minutes(3), "invalid_command")
    refused(hall, SetCounterFields(counter=1, fields=()), minutes(3), "invalid_command")
    refused(hall, SetCounterFields(counter=1, fields=("DD", "ZZ")), minutes(3), "not_found")


def test_recall_no_show_and_cancel(hall):
    issue(hall, "HT", minutes(0))
    issue(hall, "HT", minutes(1))
    hall.execute(CallNext(counter=3), minutes(2))
    recall = hall.execute(Recall(counter=3), minutes(3))
    assert recall.events[0].kind == "ticket_recalled"
    assert hall.tickets[1].recalls == 1
    assert hall.tickets[1].wait_seconds == 120  # measured to the first call
    hall.execute(NoShow(counter=3), minutes(4))
    assert hall.tickets[1].state.value == "no_show"
    assert hall.counters[3].ticket is None
    hall.execute(Cancel(ticket=2), minutes(5))
    assert hall.tickets[2].state.value == "cancelled"
    assert hall.snapshot()["waiting"]["HT"] == 0


def test_transfer_keeps_the_place_in_time(hall):
    a = issue(hall, "HT", minutes(0))
    issue(hall, "DD", minutes(5))
    hall.execute(CallNext(counter=3), minutes(6))
    result = hall.execute(Transfer(counter=3, field="DD"), minutes(10))
    assert result.events[0].kind == "ticket_transferred"
    assert result.events[0].data["from_field"] == "HT"
    assert a.field == "DD" and a.code == "B001" and a.transfers == 1
    assert hall.people_ahead(a) == 0  # issued before A001, so it goes first
    assert hall.execute(CallNext(counter=1), minutes(11)).ticket.id == a.id


def test_call_a_specific_ticket(hall):
    issue(hall, "DD", minutes(0))
    t2 = issue(hall, "TG", minutes(1))
    assert hall.execute(CallTicket(counter=1, ticket=t2.id), minutes(2)).ticket.code == "Q001"
    refused(hall, CallTicket(counter=2, ticket=t2.id), minutes(3), "invalid_transition")


def test_field_change_waits_for_the_citizen_being_served(hall):
    issue(hall, "DD", minutes(0))
    issue(hall, "KD", minutes(1))
    issue(hall, "DD", minutes(2))
    hall.execute(CallNext(counter=1), minutes(3))
    hall.execute(StartServing(counter=1), minutes(3))
    hall.execute(SetCounterFields(counter=1, fields=("KD",)), minutes(4))
    assert hall.counters[1].fields == ("DD", "XD")  # not yet: a citizen is being served
    assert hall.counters[1].pending_fields == ("KD",)
    assert hall.tickets[1].state.value == "serving"
    called = hall.execute(CallNext(counter=1), minutes(9)).ticket
    assert called.code == "D001"  # the next call uses the new fields
    assert hall.counters[1].fields == ("KD",)


def test_moving_an_officer_between_counters(hall):
    issue(hall, "DD", minutes(0))
    issue(hall, "KN", minutes(1))
    hall.execute(CallNext(counter=1), minutes(2))  # Nguyễn Văn An serves at counter 1
    hall.execute(OpenCounter(counter=9), minutes(2))
    hall.execute(AssignOfficer(counter=9, officer="nguyenvanan"), minutes(3))
    assert hall.counters[1].officer == "nguyenvanan"  # still with a citizen: the move waits
    assert hall.counters[9].officer is None
    hall.execute(Finish(counter=1), minutes(6))
    assert hall.counters[1].officer is None
    assert hall.counters[9].officer == "nguyenvanan"
    ticket = hall.execute(CallNext(counter=9), minutes(7)).ticket
    assert ticket.code == "T001" and ticket.officer == "nguyenvanan"
    refused(hall, AssignOfficer(counter=1, officer="nobody"), minutes(8), "not_found")
    hall.execute(UnassignOfficer(counter=2), minutes(8))
    assert hall.counters[2].officer is None


def test_queries(hall):
    for i in range(4):
        issue(hall, "DD", minutes(i))
    last = issue(hall, "DD", minutes(5))
    assert hall.people_ahead(last) == 4
    assert [k.number for k in hall.counters_serving("DD")] == [1, 2]
    snap = hall.snapshot()
    assert snap["waiting"]["DD"] == 5 and snap["queues"]["DD"][0] == "A001"
    hall.execute(CallNext(counter=2), minutes(6))
    snap = hall.snapshot()
    assert snap["recent_calls"][0]["code"] == "A001"
    assert snap["counters"][1]["current"]["code"] == "A001"


@pytest.mark.parametrize("policy, expected", [(LongestQueueFirst(), "E001"), (OwnFieldFirst(), "A001")])
def test_routing_policies_are_pluggable(demo_config, policy, expected):
    hall = Hall(demo_config, policy=policy)
    issue(hall, "DD", minutes(0))
    issue(hall, "XD", minutes(1))
    issue(hall, "XD", minutes(2))
    assert hall.execute(CallNext(counter=1), minutes(3)).ticket.code == expected


def test_naive_time_is_refused(hall):
    with pytest.raises(DomainError):
        hall.execute(IssueTicket(field="DD"), T0.replace(tzinfo=None))


def test_a_refused_command_on_a_new_day_changes_nothing(hall):
    """The first command of a new day starts the day only if the command itself is accepted."""
    waiting = issue(hall, "DD", T0)
    before = hall.state_dict()
    next_day = T0 + timedelta(days=1)
    refused(hall, CallNext(counter=99), next_day, "not_found")
    assert hall.state_dict() == before  # still yesterday, the ticket still waiting, no event
    assert hall.tickets[waiting.id].state.value == "waiting"
    accepted = issue(hall, "HT", next_day)  # an accepted command starts the day
    assert hall.tickets.get(waiting.id) is None or hall.tickets[waiting.id].state.value == "expired"
    assert accepted.code.endswith("001") and hall.service_day == hall.local_day(next_day)
