"""Shared fixtures: the demo hall, explicit times, fresh databases.

Tests that need an outside service (PostgreSQL, Redis, chromium, espeak-ng) skip with
a reason when it is missing, unless MOTCUA_REQUIRE_ALL=1 (set by .ci/run), which turns
those skips into failures.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable
from datetime import datetime, timedelta, timezone
from pathlib import Path

import pytest

from hall_server.config import DEMO_HALL, load_hall

ROOT = Path(__file__).resolve().parent.parent
REQUIRE_ALL = os.environ.get("MOTCUA_REQUIRE_ALL") == "1"


def need(condition: bool, reason: str) -> None:
    """Skip the test when ``condition`` is false, or fail under MOTCUA_REQUIRE_ALL=1."""
    if condition:
        return
    if REQUIRE_ALL:
        pytest.fail(f"required for this run (MOTCUA_REQUIRE_ALL=1): {reason}")
    pytest.skip(reason)


# 08:00 in Hà Nội on Thursday 26 November 2026.
T0 = datetime(2026, 11, 26, 1, 0, tzinfo=timezone.utc)


def minutes(n: float) -> datetime:
    return T0 + timedelta(minutes=n)


class Clock:
    """A clock the test moves by hand: call it for the time; set ``at`` or :meth:`advance` it.

    Starts at :data:`T0` (an aware datetime, for the hall service and workers); give a float
    for a monotonic clock in seconds (the wall board's animations).
    """

    def __init__(self, at: datetime | float = T0):
        self.at = at

    def __call__(self):
        return self.at

    def advance(self, seconds: float = 0, **kw: float) -> None:
        step = timedelta(seconds=seconds, **kw)
        if isinstance(self.at, datetime):
            self.at += step
        else:
            self.at += step.total_seconds()


def wait_until(predicate: Callable, timeout: float = 5.0, what: str | Callable[[], str] = "the condition",
               step: float = 0.01):
    """Poll ``predicate`` until it returns something true, and return that.

    After ``timeout`` seconds fail, naming ``what`` (a text, or a function giving one then).
    """
    deadline = time.monotonic() + timeout
    while True:
        value = predicate()
        if value:
            return value
        if time.monotonic() > deadline:
            message = what() if callable(what) else what
            raise AssertionError(f"timed out after {timeout:g} s waiting for {message}")
        time.sleep(step)


@pytest.fixture(scope="session", autouse=True)
def _stop_background_threads():
    """When the session ends, apps' background threads stop before their databases are dropped."""
    yield
    from hall_server.background import stopping

    stopping.set()


@pytest.fixture(scope="session")
def demo_config():
    return load_hall(DEMO_HALL)


@pytest.fixture
def hall(demo_config):
    from hall_server.engine import Hall

    return Hall(demo_config)


@pytest.fixture
def db_url(tmp_path):
    return f"sqlite:///{tmp_path / 'hall.db'}"


PG_ADMIN_URL = os.environ.get("MOTCUA_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres")


def _pg_available() -> str | None:
    try:
        import psycopg  # noqa: F401
        from sqlalchemy import create_engine, text

        engine = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT", connect_args={"connect_timeout": 3})
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
        return None
    except Exception as exc:  # any failure means: no usable PostgreSQL here
        return f"PostgreSQL not reachable at {PG_ADMIN_URL}: {exc.__class__.__name__}: {str(exc)[:120]}"


@pytest.fixture
def pg_url():
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    import uuid

    from sqlalchemy import create_engine, text

    problem = _pg_available()
    need(problem is None, problem or "")
    name = f"motcua_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    yield PG_ADMIN_URL.rsplit("/", 1)[0] + "/" + name
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    admin.dispose()


@pytest.fixture(params=["sqlite", "postgres"])
def any_db_url(request, tmp_path):
    """The same test on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'hall.db'}"
    return request.getfixturevalue("pg_url")
