"""The app with the citizen features, for tests/test_booking.py and tests/test_rating.py."""

import pytest

from hall_server.web import create_app

from .conftest import Clock


def bearer(token):
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def spec():
    from hall_server.web.openapi import build_openapi

    return build_openapi()


@pytest.fixture
def clock():
    return Clock()


def make_app(config, url, tmp_path, monkeypatch, clock):
    monkeypatch.setenv("MOTCUA_INSTANCE", str(tmp_path / "instance"))
    monkeypatch.delenv("MOTCUA_CITIZEN_CONFIG", raising=False)
    app = create_app(config, url, clock=clock, secret_key="test", rate_limit="1000/minute")
    yield app
    app.extensions["motcua_citizen"].close()
    app.extensions["motcua"].store.close()


@pytest.fixture
def app(demo_config, db_url, tmp_path, monkeypatch, clock):
    yield from make_app(demo_config, db_url, tmp_path, monkeypatch, clock)


@pytest.fixture
def any_app(demo_config, any_db_url, tmp_path, monkeypatch, clock):
    """The app on SQLite and on PostgreSQL."""
    yield from make_app(demo_config, any_db_url, tmp_path, monkeypatch, clock)


@pytest.fixture
def client(app):
    return app.test_client()
