"""The store: one transaction per command, identical state after a restart."""

import json
import subprocess
import sys
import textwrap
from datetime import timedelta

import pytest
from sqlalchemy import text

from hall_server.engine import CallNext, Finish, IssueTicket, SetCounterFields, StartServing, Transfer
from hall_server.service import Actor, HallService
from hall_server.store import Store
from hall_server.store.queries import ticket_times

from .conftest import ROOT, T0, Clock


@pytest.fixture
def clock():
    return Clock()


@pytest.fixture
def db_url(any_db_url):
    return any_db_url


@pytest.fixture
def service(demo_config, db_url, clock):
    store = Store(db_url)
    yield HallService(demo_config, store, clock=clock)
    store.close()


def busy_morning(service, clock):
    for i, field in enumerate(["DD", "DD", "HT", "CT", "KD", "DD", "XD", "HT"]):
        service.execute(IssueTicket(field=field, priority="elderly" if i == 5 else None))
        clock.advance(minutes=1)
    for counter in (1, 2, 3):
        assert service.execute(CallNext(counter=counter)).ok
    service.execute(StartServing(counter=1))
    clock.advance(minutes=7)
    service.execute(Finish(counter=1))
    service.execute(Transfer(counter=3, field="CT"))
    service.execute(SetCounterFields(counter=2, fields=("DD", "KD")))
    clock.advance(minutes=2)
    service.execute(CallNext(counter=1))


STATE_SCRIPT = textwrap.dedent(
    """
    import json, sys
    from hall_server.config import load_hall, DEMO_HALL
    from hall_server.store import Store
    hall = Store(sys.argv[1]).load_hall(load_hall(DEMO_HALL))
    print(json.dumps(hall.state_dict(), default=str, sort_keys=True))
    """
)


def test_restart_rebuilds_the_identical_hall(service, clock, db_url):
    busy_morning(service, clock)
    expected = json.loads(json.dumps(service.hall.state_dict(), default=str, sort_keys=True))
    # A brand-new process opens the same database file.
    out = subprocess.run([sys.executable, "-c", STATE_SCRIPT, db_url], capture_output=True, text=True, cwd=ROOT)
    assert out.returncode == 0, out.stderr
    assert json.loads(out.stdout) == expected
    assert expected["next_number"]["DD"] == 4
    assert len(expected["queues"]["CT"]) == 2  # C001 and the transferred ticket


def test_numbering_continues_after_restart(service, clock, demo_config, db_url):
    busy_morning(service, clock)
    service.store.close()
    fresh = HallService(demo_config, Store(db_url), clock=clock)
    assert fresh.execute(IssueTicket(field="DD")).body["ticket"]["code"] == "A004"


def test_a_repeated_request_id_has_its_effect_once(service):
    first = service.execute(IssueTicket(field="DD"), request_id="kiosk-1:0001")
    again = service.execute(IssueTicket(field="DD"), request_id="kiosk-1:0001")
    assert again.replayed and again.body == first.body and again.ok
    assert service.store.count("tickets", "demo") == 1
    call = service.execute(CallNext(counter=1), request_id="buttons-1:77")
    service.execute(IssueTicket(field="DD"))
    retry = service.execute(CallNext(counter=1), request_id="buttons-1:77")
    assert retry.body == call.body
    assert service.hall.snapshot()["waiting"]["DD"] == 1  # the retry called nobody else


def test_a_refused_command_is_answered_the_same_when_retried(service):
    first = service.execute(CallNext(counter=1), request_id="b:1")
    assert not first.ok and first.error == "nothing_waiting"
    service.execute(IssueTicket(field="DD"))
    assert service.execute(CallNext(counter=1), request_id="b:1").body == first.body


def test_a_failed_commit_leaves_nothing_half_done(service, clock):
    busy_morning(service, clock)
    before = json.dumps(service.hall.state_dict(), default=str, sort_keys=True)
    seq = service.store.db_seq("demo")
    with service.store.engine.begin() as conn:
        if service.store.engine.dialect.name == "sqlite":
            conn.execute(text(
                "CREATE TRIGGER fail_done BEFORE INSERT ON transitions WHEN NEW.to_state = 'done' "
                "BEGIN SELECT RAISE(ABORT, 'disk trouble'); END"
            ))
        else:
            conn.execute(text(
                "CREATE FUNCTION fail_done() RETURNS trigger AS $$ BEGIN "
                "IF NEW.to_state = 'done' THEN RAISE EXCEPTION 'disk trouble'; END IF; RETURN NEW; END $$ "
                "LANGUAGE plpgsql"
            ))
            conn.execute(text(
                "CREATE TRIGGER fail_done BEFORE INSERT ON transitions FOR EACH ROW EXECUTE FUNCTION fail_done()"
            ))
    with pytest.raises(Exception, match="disk trouble"):
        service.execute(Finish(counter=2))
    # Neither the database nor the hall in memory kept any part of the command.
    assert service.store.db_seq("demo") == seq
    assert json.dumps(service.hall.state_dict(), default=str, sort_keys=True) == before
    with service.store.engine.begin() as conn:
        if service.store.engine.dialect.name == "sqlite":
            conn.execute(text("DROP TRIGGER fail_done"))
        else:
            conn.execute(text("DROP TRIGGER fail_done ON transitions"))
    assert service.execute(Finish(counter=2)).ok


def test_wait_and_service_times_come_from_transitions(service, clock):
    busy_morning(service, clock)
    rows = {r.code: r for r in ticket_times(service.store.engine, "demo", T0, T0 + timedelta(days=1))}
    assert len(rows) == 8
    elderly = rows["A003"]  # issued at 5 min with a head start, so called first, at 8 min
    assert elderly.wait_seconds == 3 * 60
    assert elderly.service_seconds == 7 * 60
    assert elderly.state == "done" and elderly.counter == 1 and elderly.officer == "nguyenvanan"
    assert rows["A001"].wait_seconds == 8 * 60 and rows["A001"].counter == 2
    b1 = rows["B001"]
    assert b1.transfers == 1 and b1.field == "CT" and b1.state == "waiting"
    # The engine's own figures agree with the stored records.
    for code, rec in rows.items():
        ticket = next(t for t in service.hall.tickets.values() if t.code == code)
        assert rec.wait_seconds == ticket.wait_seconds or ticket.transfers
        assert rec.service_seconds == ticket.service_seconds


def test_audit_records_staff_actions(service):
    officer = Actor("canbo1", "officer", officer="nguyenvanan")
    service.execute(IssueTicket(field="DD"))
    service.execute(CallNext(counter=1), actor=officer)
    service.execute(CallNext(counter=1), actor=officer)  # refused: still called
    with service.store.engine.connect() as conn:
        rows = conn.execute(text("SELECT actor, action, outcome FROM audit ORDER BY id")).all()
    assert rows == [("canbo1", "call_next", "ok"), ("canbo1", "call_next", "counter_busy")]


def test_two_processes_share_one_hall(demo_config, db_url, clock):
    """Two services on one database (as two server processes): each catches up with the other."""
    a = HallService(demo_config, Store(db_url), clock=clock)
    b = HallService(demo_config, Store(db_url), clock=clock)
    a.shared = b.shared = True  # as create_app sets it for several processes
    try:
        assert a.execute(IssueTicket(field="DD")).body["ticket"]["code"] == "A001"
        assert b.execute(IssueTicket(field="DD")).body["ticket"]["code"] == "A002"  # b saw a's ticket
        assert a.execute(CallNext(counter=1)).body["ticket"]["code"] == "A001"
        assert b.execute(CallNext(counter=2)).body["ticket"]["code"] == "A002"  # not A001 again
        clock.advance(minutes=3)
        assert b.execute(Finish(counter=1)).ok  # finishing a's call from b
        b.execute(SetCounterFields(counter=1, fields=("HT",)))
        a.execute(IssueTicket(field="HT"))
        assert a.execute(CallNext(counter=1)).body["ticket"]["code"] == "B001"  # a sees b's field change
        a.refresh()
        b.refresh()
        fresh = Store(db_url).load_hall(demo_config)
        dump = lambda h: json.dumps(h.state_dict(), default=str, sort_keys=True)  # noqa: E731
        assert dump(a.hall) == dump(b.hall) == dump(fresh)
    finally:
        a.store.close()
        b.store.close()


def test_a_single_writer_notices_another_writer(demo_config, db_url, clock):
    """Two single-writer services on one file (a misconfiguration): refused, never corrupted."""
    a = HallService(demo_config, Store(db_url), clock=clock)
    b = HallService(demo_config, Store(db_url), clock=clock)
    try:
        a.execute(IssueTicket(field="DD"))
        with pytest.raises(Exception, match="another process wrote"):
            b.execute(IssueTicket(field="DD"))
        # b rebuilt its hall from the database and carries on correctly.
        assert b.execute(IssueTicket(field="DD")).body["ticket"]["code"] == "A002"
    finally:
        a.store.close()
        b.store.close()
