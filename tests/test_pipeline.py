"""The one command pipeline (hall_server/pipeline.py): parsing, the channel rule, authorization and
deadlines, the same for every transport — checked on SQLite and PostgreSQL, and over Socket.IO."""

from __future__ import annotations

import time

import pytest
import requests
import socketio

from hall_server.engine import CallNext, IssueTicket
from hall_server.pipeline import Forbidden, InvalidRequest, Unauthenticated, parse, submit
from hall_server.service import Actor, HallService
from hall_server.store import Store
from hall_server.testing import BUTTONS_1, KIOSK, LiveServer

OFFICER = Actor("canbo1", "officer", officer="nguyenvanan")
BOX = Actor("buttons-1", "button_box", counters=(1, 2, 3, 4, 5))
PUBLIC = Actor("anonymous", "anonymous")


@pytest.fixture
def service(demo_config, any_db_url):
    svc = HallService(demo_config, Store(any_db_url), shared=not any_db_url.startswith("sqlite"))
    yield svc
    svc.store.close()


def test_parse_is_strict_and_names_the_problem():
    assert parse("call_next", {"counter": 3}) == CallNext(counter=3)
    with pytest.raises(InvalidRequest, match="counter: Input should be a valid integer"):
        parse("call_next", {"counter": "3"})
    with pytest.raises(InvalidRequest, match="unknown command 'call_everyone'") as info:
        parse("call_everyone", {})
    assert info.value.code == "unknown_command"
    with pytest.raises(InvalidRequest, match="Extra inputs are not permitted"):
        parse("call_next", {"counter": 3, "also": 1})
    # the tracking id is always the server's own
    assert parse("issue_ticket", {"field": "DD", "tracking_id": "mine"}).tracking_id is None


def test_the_channel_rule_is_the_same_for_everyone(service):
    kiosk = submit(service, PUBLIC, IssueTicket(field="DD", tracking_id="guessable"))
    assert kiosk.ok and kiosk.body["ticket"]["channel"] == "kiosk"
    assert kiosk.body["ticket"]["tracking_id"] != "guessable" and len(kiosk.body["ticket"]["tracking_id"]) >= 16
    desk = submit(service, OFFICER, IssueTicket(field="DD"))
    assert desk.body["ticket"]["channel"] == "counter"  # a ticket an officer issues at the desk
    for actor in (PUBLIC, OFFICER, Actor("giamsat", "supervisor")):
        with pytest.raises(InvalidRequest, match="check-in"):  # booked tickets only from a check-in
            submit(service, actor, IssueTicket(field="DD", channel="booking"))
    assert service.store.count("tickets", "demo") == 2


def test_who_may_do_what_is_checked_once_for_every_transport(service):
    with pytest.raises(Unauthenticated):
        submit(service, PUBLIC, CallNext(counter=1))
    with pytest.raises(Forbidden, match="does not act for counter 6"):
        submit(service, BOX, CallNext(counter=6))
    with pytest.raises(Forbidden, match="not assigned to counter 2"):
        submit(service, OFFICER, CallNext(counter=2))
    assert not submit(service, BOX, CallNext(counter=1)).ok  # allowed; nobody is waiting


def test_a_command_past_its_deadline_does_nothing_and_its_refusal_is_kept(service):
    submit(service, PUBLIC, IssueTicket(field="DD"))
    late = submit(service, BOX, CallNext(counter=1), "press-1", deadline=time.time() - 1)
    assert late.error == "deadline_passed"
    assert service.hall.snapshot()["waiting"]["DD"] == 1  # nobody was called
    # a retry of that press (same id) gets the same refusal, even with time left
    again = submit(service, BOX, CallNext(counter=1), "press-1", deadline=time.time() + 5)
    assert again.replayed and again.body == late.body
    assert service.hall.snapshot()["waiting"]["DD"] == 1


def test_a_press_answered_in_time_keeps_its_answer_after_the_deadline(service):
    submit(service, PUBLIC, IssueTicket(field="DD"))
    first = submit(service, BOX, CallNext(counter=1), "press-2", deadline=time.time() + 5)
    assert first.ok
    retry = submit(service, BOX, CallNext(counter=1), "press-2", deadline=time.time() - 1)
    assert retry.replayed and retry.body == first.body  # it acted once, in time


def test_rest_and_socket_give_the_same_answers(tmp_path):
    with LiveServer(tmp_path) as server:
        box = socketio.Client(reconnection=False)
        box.connect(server.url, auth={"token": BUTTONS_1}, transports=["websocket"], wait_timeout=10)
        try:
            rest = requests.post(server.url + "/api/v1/counters/1/call-next",
                                 headers={"Authorization": f"Bearer {BUTTONS_1}"}, timeout=5)
            sock = box.call("command", {"command": "call_next", "args": {"counter": 1}}, timeout=5)
            assert (rest.status_code, rest.json()["error"]) == (sock["status"], sock["body"]["error"]) == \
                (409, "nothing_waiting")
            rest = requests.post(server.url + "/api/v1/counters/7/call-next",
                                 headers={"Authorization": f"Bearer {BUTTONS_1}"}, timeout=5)
            sock = box.call("command", {"command": "call_next", "args": {"counter": 7}}, timeout=5)
            assert (rest.status_code, rest.json()["error"]) == (sock["status"], sock["body"]["error"]) == \
                (403, "forbidden")
            # a staff-less device issuing on the booking channel is refused the same way on both
            rest = requests.post(server.url + "/api/v1/tickets", json={"field": "DD", "channel": "booking"},
                                 headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5)
            assert rest.status_code == 400
            sock = box.call("command", {"command": "issue_ticket", "args": {"field": "DD", "channel": "booking"}},
                            timeout=5)
            assert sock["status"] in (400, 403)
            # a press whose deadline has passed: 408, nothing done
            requests.post(server.url + "/api/v1/tickets", json={"field": "DD"},
                          headers={"Authorization": f"Bearer {KIOSK}"}, timeout=5)
            late = box.call("command", {"command": "call_next", "args": {"counter": 1}, "request_id": "late-1",
                                        "deadline": time.time() - 2, "ttl_ms": 4000}, timeout=5)
            assert late["status"] == 408 and late["body"]["error"] == "deadline_passed"
            waiting = requests.get(server.url + "/api/v1/snapshot", timeout=5).json()["waiting"]["DD"]
            assert waiting == 1
            bad = box.call("command", {"command": "call_next", "args": {"counter": 1}, "deadline": "soon"}, timeout=5)
            assert bad["status"] == 400 and "deadline" in bad["body"]["message"]
        finally:
            box.disconnect()


def test_every_refusal_has_one_root_and_one_http_mapping():
    from hall_server.citizen.booking import BookingError
    from hall_server.citizen.rating import RatingRefused
    from hall_server.engine.errors import CounterBusy, MotCuaError, NotFound
    from hall_server.service import DeadlinePassed
    from hall_server.web.api import BadLogin, BadRequest
    from hall_server.web.citizen import Refused
    from hall_server.web.errors import http_status, status_of_answer

    cases = [
        (BadRequest("invalid_query", "x"), 400), (InvalidRequest("x"), 400), (BadLogin("x"), 401),
        (Unauthenticated("x"), 401), (Forbidden("x"), 403), (NotFound("x"), 404), (DeadlinePassed("x"), 408),
        (CounterBusy("x"), 409), (BookingError("slot_full", "x", "y"), 409),
        (BookingError("invalid_name", "x", "y", kind="invalid"), 400),
        (RatingRefused("not_found", "x", "y", kind="not_found"), 404), (Refused("ticket_not_waiting", "x", "y"), 409),
    ]
    for error, status in cases:
        assert isinstance(error, MotCuaError) and http_status(error) == status, error
    # the service stores its refusals (engine errors, deadlines) as bodies; replayed, they map the same
    for error, status in [(NotFound("x"), 404), (DeadlinePassed("x"), 408), (CounterBusy("x"), 409)]:
        assert status_of_answer(error.to_dict()) == status, error
    assert not hasattr(MotCuaError("x"), "status")  # no HTTP below the web layer
