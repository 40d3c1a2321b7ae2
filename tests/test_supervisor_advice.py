"""The supervisor console's live staffing advice: concrete moves when a field's queue grows."""

from hall_server.config import DEMO_HALL, load_hall
from hall_server.testing import KIOSK
from hall_server.web import create_app

from .conftest import Clock


def test_a_long_land_queue_brings_a_concrete_move(tmp_path):
    app = create_app(load_hall(DEMO_HALL), f"sqlite:///{tmp_path / 'h.db'}", clock=Clock(), secret_key="s")
    client = app.test_client()
    for _ in range(30):
        client.post("/api/v1/tickets", json={"field": "DD"}, headers={"Authorization": f"Bearer {KIOSK}"})
    assert client.get("/api/v1/supervisor/advice", headers={"Authorization": f"Bearer {KIOSK}"}).status_code == 403
    client.post("/api/v1/auth/login", json={"username": "giamsat", "password": "demo-giamsat"})
    advice = client.get("/api/v1/supervisor/advice").json["suggestions"]
    land = [a for a in advice if a["group"] == "Đất đai"]
    assert land, advice
    assert "Đất đai" in land[0]["text_vi"]
    # Each suggestion carries the commands that carry it out; they are real commands.
    for command in land[0]["commands"]:
        assert command["command"] in ("set_counter_fields", "assign_officer", "open_counter")
