"""The REST API fuzzed from its own OpenAPI document (schemathesis): never a server error,
never an answer outside the schema, whatever the input."""

import tempfile
from pathlib import Path

import pytest
import schemathesis
from hypothesis import HealthCheck, settings

from hall_server.config import DEMO_HALL, load_hall
from hall_server.testing import BUTTONS_1, KIOSK
from hall_server.web import create_app

_tmp = Path(tempfile.mkdtemp(prefix="motcua-fuzz-"))
app = create_app(load_hall(DEMO_HALL), f"sqlite:///{_tmp / 'hall.db'}", secret_key="fuzz", rate_limit="100000/minute")
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", app)

EXAMPLES = 40  # per operation and caller (operations without inputs need fewer)
SENT = []


@pytest.fixture(scope="module", autouse=True)
def some_tickets():
    client = app.test_client()
    for field in ("DD", "HT", "CT", "DD", "KD"):
        client.post("/api/v1/tickets", json={"field": field}, headers={"Authorization": f"Bearer {KIOSK}"})


@pytest.mark.parametrize("token", [KIOSK, BUTTONS_1], ids=["dispenser", "button_box"])
@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_never_fails_or_breaks_its_schema(case, token):
    SENT.append(case.operation.label)
    # The JSON schema cannot say everything the server checks (a real field code, a date in the
    # booking window, one of two keys): a schema-valid request may still get a 400 with a clear
    # message, so "positive data acceptance" is not asked; every other check is.
    case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])


def test_at_least_a_thousand_requests_were_generated():
    """Runs after the fuzz test above (pytest keeps file order)."""
    assert len(SENT) >= 1000, len(SENT)
