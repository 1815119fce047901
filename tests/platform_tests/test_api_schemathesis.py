"""Schemathesis over the OpenAPI schema: generated requests as a signed-in county analyst and as
an enterprise user never get a 5xx, and answers conform to the schema."""

from __future__ import annotations

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, settings

from tiangong.platform.core.models import ApiToken
from tiangong.platform.core.testing import World

pytestmark = pytest.mark.schemathesis


def _schema():
    # Loaded at collection through the WSGI app (no database needed for the schema itself);
    # the calls below go through the same app inside the test's database transaction.
    from tiangong.platform.wsgi import application

    return schemathesis.openapi.from_wsgi("/api/openapi.json", application)


schema = _schema()


@pytest.fixture
def keep_test_connection():
    """Calls go straight into the WSGI app (not Django's test Client), so the end of each
    request would close the database connection holding the test's transaction; the test
    Client avoids this the same way."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


@pytest.fixture
def tokens(world: World, keep_test_connection: None) -> dict[str, str]:
    return {who: ApiToken.issue(world.users[who], "schemathesis")[1]
            for who in ("county_analyst", "enterprise_user", "department_user")}


@schema.parametrize()
@settings(max_examples=15, deadline=None, derandomize=True,
          suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                 HealthCheck.filter_too_much])
def test_api_no_server_errors(case, tokens: dict[str, str]) -> None:
    for token in tokens.values():
        case.call_and_validate(headers={"Authorization": f"Bearer {token}"})
