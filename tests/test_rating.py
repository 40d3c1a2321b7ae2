"""Satisfaction ratings: only the ticket just finished at the counter, once, within the window.

Rules through the REST API with an explicit clock; the three-button GPIO box (gpiozero
MockFactory) against a real server over Socket.IO; the figures the reports read.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import create_engine, func, select

from hall_server.citizen import schema as cs
from hall_server.citizen.rating import rating_figures
from hall_server.testing import BUTTONS_1, BUTTONS_2, KIOSK, LiveServer

from .citizen_app import any_app, app, bearer, client, clock, make_app, spec  # noqa: E402,F401  (fixtures)
from .conftest import T0, need, wait_until
from .test_api import conforms


def issue(client, field):
    r = client.post("/api/v1/tickets", json={"field": field}, headers=bearer(KIOSK))
    assert r.status_code == 201, r.json
    return r.json["ticket"]


def serve(client, counter, field, token=BUTTONS_1):
    """Issue a ticket in ``field``, call it to ``counter`` and finish it; returns the ticket."""
    ticket = issue(client, field)
    called = client.post(f"/api/v1/counters/{counter}/call-next", headers=bearer(token))
    assert called.status_code == 200 and called.json["ticket"]["id"] == ticket["id"], called.json
    assert client.post(f"/api/v1/counters/{counter}/finish", headers=bearer(token)).status_code == 200
    return ticket


def rate(client, counter, ticket_id, rating="very_satisfied", reasons=None, token=BUTTONS_1, headers=None):
    body = {"ticket": ticket_id, "rating": rating} | ({"reasons": reasons} if reasons is not None else {})
    return client.post(f"/api/v1/counters/{counter}/rating", json=body, headers=headers or bearer(token))


def stored(app):
    with app.extensions["motcua"].store.engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(cs.ratings).order_by(cs.ratings.c.id))]


def login(client, username, password):
    r = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert r.status_code == 200, r.json
    return {"X-CSRF-Token": r.json["csrf_token"]}


# ---------------------------------------------------------------------- the rules
def test_the_counters_device_rates_the_ticket_just_finished_there(app, client, clock, spec):
    ticket = serve(client, 1, "DD")
    clock.advance(seconds=20)
    pending = client.get("/api/v1/counters/1/rating", headers=bearer(BUTTONS_1))
    conforms(spec, "/api/v1/counters/{counter}/rating", "get", pending)
    assert pending.json["ticket"]["code"] == ticket["code"] == "A001"
    assert [lv["name"] for lv in pending.json["levels"]] == ["Rất hài lòng", "Hài lòng", "Không hài lòng"]

    r = rate(client, 1, ticket["id"], "unsatisfied", ["long_wait", "unclear_guidance"])
    assert r.status_code == 201, r.json
    conforms(spec, "/api/v1/counters/{counter}/rating", "post", r)
    [row] = stored(app)
    # who served it comes from the stored ticket, not from the device
    assert (row["officer"], row["counter"], row["field"], row["ticket_code"]) == ("nguyenvanan", 1, "DD", "A001")
    assert row["level"] == "unsatisfied" and row["reasons"] == ["long_wait", "unclear_guidance"]
    assert row["device"] == "buttons-1"
    # rated: the device has nothing more to ask
    assert client.get("/api/v1/counters/1/rating", headers=bearer(BUTTONS_1)).json["ticket"] is None


def test_wrong_tickets_are_refused_with_the_reason_and_change_nothing(any_app, clock, spec):
    app, client = any_app, any_app.test_client()
    at_three = serve(client, 3, "HT")  # finished at counter 3
    first = serve(client, 1, "DD")
    last = serve(client, 1, "DD")  # counter 1 served someone after `first`
    issue(client, "DD")
    called = client.post("/api/v1/counters/1/call-next", headers=bearer(BUTTONS_1)).json["ticket"]

    cases = [
        (1, at_three["id"], BUTTONS_1, 409, "rating_wrong_counter"),  # another counter's ticket
        (1, first["id"], BUTTONS_1, 409, "rating_not_latest"),  # not the one just finished
        (1, called["id"], BUTTONS_1, 409, "rating_not_finished"),  # still at the counter
        (1, 999, BUTTONS_1, 404, "not_found"),
        (1, last["id"], BUTTONS_2, 403, "forbidden"),  # a device of counters 6–10
    ]
    for counter, ticket_id, token, status, error in cases:
        r = rate(client, counter, ticket_id, token=token)
        assert (r.status_code, r.json["error"]) == (status, error), (ticket_id, r.json)
        conforms(spec, "/api/v1/counters/{counter}/rating", "post", r)
        if status == 409:
            assert r.json["details"]["message_vi"].startswith("Số ") or "Quầy" in r.json["details"]["message_vi"]
    r = client.post("/api/v1/counters/1/rating", json={"ticket": last["id"], "rating": "satisfied"})
    assert r.status_code == 401
    r = rate(client, 1, last["id"], "satisfied", ["attitude"])  # reasons only go with "unsatisfied"
    assert (r.status_code, r.json["error"]) == (400, "invalid_rating")
    r = rate(client, 1, last["id"], "great")
    assert (r.status_code, r.json["error"]) == (400, "invalid_body")
    assert stored(app) == []

    # the right one, once
    assert rate(client, 1, last["id"], "satisfied").status_code == 201
    again = rate(client, 1, last["id"], "very_satisfied")
    assert (again.status_code, again.json["error"]) == (409, "already_rated")
    assert again.json["details"]["message_vi"] == "Số A002 đã được đánh giá. Xin cảm ơn!"
    assert [r["level"] for r in stored(app)] == ["satisfied"]


def test_a_rating_after_the_window_is_refused(app, client, clock):
    ticket = serve(client, 2, "DD")
    clock.advance(seconds=179)
    assert client.get("/api/v1/counters/2/rating", headers=bearer(BUTTONS_1)).json["ticket"]["id"] == ticket["id"]
    clock.advance(seconds=2)  # 3 minutes and a second after it finished
    assert client.get("/api/v1/counters/2/rating", headers=bearer(BUTTONS_1)).json["ticket"] is None
    r = rate(client, 2, ticket["id"])
    assert (r.status_code, r.json["error"]) == (409, "rating_too_late")
    assert r.json["details"]["message_vi"] == "Đã quá thời gian đánh giá cho số A001."
    assert stored(app) == []


def test_officers_rate_only_at_their_own_counter(app, client):
    ticket = serve(client, 1, "DD")
    h = login(client, "canbo2", "demo-canbo")  # seated at counter 2
    r = rate(client, 1, ticket["id"], headers=h)
    assert (r.status_code, r.json["error"]) == (403, "forbidden")
    client.post("/api/v1/auth/logout", headers=h)
    h = login(client, "canbo1", "demo-canbo")
    assert rate(client, 1, ticket["id"], headers=h).status_code == 201
    assert stored(app)[0]["device"] == "canbo1"


def test_figures_by_officer_field_and_counter(app, client, clock, spec):
    plan = [(1, "DD", "very_satisfied", []), (1, "XD", "unsatisfied", ["long_wait"]), (1, "DD", "satisfied", []),
            (3, "HT", "very_satisfied", []), (3, "CT", "unsatisfied", ["attitude", "long_wait"])]
    for counter, field, level, reasons in plan:
        ticket = serve(client, counter, field)
        assert rate(client, counter, ticket["id"], level, reasons).status_code == 201
        clock.advance(minutes=5)
    engine = app.extensions["motcua"].store.engine
    end = T0 + timedelta(days=1)
    by_officer = {f.key: f for f in rating_figures(engine, "demo", T0, end, "officer")}
    an, cuc = by_officer["nguyenvanan"], by_officer["lethucuc"]
    assert (an.count, an.very_satisfied, an.satisfied, an.unsatisfied) == (3, 1, 1, 1)
    assert an.satisfied_share == pytest.approx(2 / 3) and an.score_mean == pytest.approx(2.0)
    assert cuc.reasons == {"attitude": 1, "long_wait": 1}
    assert [f.key for f in rating_figures(engine, "demo", T0, end, "counter")] == ["1", "3"]
    by_field = {f.key: f.count for f in rating_figures(engine, "demo", T0, end, "field")}
    assert by_field == {"CT": 1, "DD": 2, "HT": 1, "XD": 1}
    assert rating_figures(engine, "demo", end, end + timedelta(days=1), "all") == []
    [total] = rating_figures(engine, "demo", T0, end, "all")
    assert total.count == 5 and total.reasons == {"long_wait": 2, "attitude": 1}

    assert client.get("/api/v1/ratings?from=2026-11-26").status_code == 401
    h = login(client, "giamsat", "demo-giamsat")
    r = client.get("/api/v1/ratings?from=2026-11-26&by=field", headers=h)
    assert r.status_code == 200
    conforms(spec, "/api/v1/ratings", "get", r)
    assert {row["key"]: row["count"] for row in r.json["rows"]} == by_field
    bad = client.get("/api/v1/ratings?from=2026-11-26&by=weather", headers=h)
    assert (bad.status_code, bad.json["error"]) == (400, "invalid_query")


# ---------------------------------------------------------------------- the three-button box
try:
    from gpiozero.pins.mock import MockFactory
except ImportError:  # pragma: no cover - gpiozero is a test dependency
    MockFactory = None

PINS = dict(very_satisfied=5, satisfied=6, unsatisfied=13, led=19)


def test_the_button_box_rates_the_ticket_finished_at_its_counter(tmp_path):
    import requests

    need(MockFactory is not None, "gpiozero is not installed")
    from counter_buttons.rating_box import RatingBox, RatingPins

    factory = MockFactory()
    with LiveServer(tmp_path) as server:
        box = RatingBox(server.url, BUTTONS_1, 2, RatingPins(**PINS), pin_factory=factory, reconnect_min=0.05)
        try:
            box.start()
            wait_until(lambda: box.link.connected, what="the box to connect")
            led = factory.pin(PINS["led"])
            assert box.press("satisfied") is None  # nothing to rate yet: the press is ignored

            def post(path, token=BUTTONS_1, json=None):
                return requests.post(server.url + "/api/v1" + path, json=json, headers=bearer(token), timeout=5)

            ticket = post("/tickets", KIOSK, {"field": "MT"}).json()["ticket"]
            assert post("/counters/2/call-next").json()["ticket"]["id"] == ticket["id"]
            assert post("/counters/2/finish").ok
            wait_until(lambda: box.pending is not None, what="the box to hear of the finished ticket")
            assert box.pending.ticket == ticket["id"] and led.state  # the LED asks for a press

            factory.pin(PINS["unsatisfied"]).drive_low()  # the citizen presses "Không hài lòng"
            factory.pin(PINS["unsatisfied"]).drive_high()
            wait_until(lambda: box.last_answer is not None, what="the rating to be sent")
            assert box.last_answer[0] == 201, box.last_answer
            assert box.press("very_satisfied") is None  # one rating per ticket

            engine = create_engine(server.db)
            with engine.connect() as conn:
                rows = conn.execute(select(cs.ratings.c.ticket_code, cs.ratings.c.level, cs.ratings.c.counter,
                                           cs.ratings.c.officer, cs.ratings.c.device)).all()
                count = conn.execute(select(func.count()).select_from(cs.ratings)).scalar_one()
            engine.dispose()
            assert count == 1
            assert tuple(rows[0]) == (ticket["code"], "unsatisfied", 2, "tranthibich", "buttons-1")
        finally:
            box.close()
            factory.close()


def test_the_rating_box_file_is_checked_like_every_device_file(tmp_path):
    from click.testing import CliRunner

    from hall_server.cli import main

    good = tmp_path / "rating.toml"
    good.write_text('server = "http://192.168.1.10:8080"\ncounter = 3\n[pins]\nvery_satisfied = 17\n'
                    'satisfied = 27\nunsatisfied = 22\nled = 23\n', encoding="utf-8")
    runner = CliRunner()
    ok = runner.invoke(main, ["rating-box", "--config", str(good), "--check"])
    assert ok.exit_code == 0 and "OK — counter 3, pins 17, 27, 22, LED 23" in ok.output
    bad = tmp_path / "bad.toml"
    bad.write_text('counter = 0\ncolour = "red"\n[pins]\nvery_satisfied = 17\nsatisfied = 17\nunsatisfied = 40\n',
                   encoding="utf-8")
    refused = runner.invoke(main, ["rating-box", "--config", str(bad), "--check"])
    assert refused.exit_code == 2
    for line in (f"{bad}: counter: Input should be greater than or equal to 1", f"{bad}: colour: unknown key",
                 f"{bad}: pins.unsatisfied: Input should be less than or equal to 27"):
        assert line in refused.output, refused.output
    flags = runner.invoke(main, ["rating-box", "--counter", "2", "--pins", "5,6,6", "--check"])
    assert flags.exit_code == 2 and "pins.unsatisfied: GPIO 6 is already used by pins.satisfied" in flags.output
