"""Shared fixtures: the demo hall, explicit times, fresh databases.

Tests that need an outside service (PostgreSQL, Redis, chromium, espeak-ng) skip with
a reason when it is missing, unless MOTCUA_REQUIRE_ALL=1 (set by .ci/run), which turns
those skips into failures.
"""

from __future__ import annotations

import os
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
