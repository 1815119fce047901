"""Schemathesis over the OpenAPI schema: generated requests as a signed-in county analyst and as
an enterprise user never get a 5xx, and answers conform to the schema."""

from __future__ import annotations

from typing import Any

import pytest
import schemathesis
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from hypothesis import HealthCheck, given, settings
from schemathesis.specs.openapi.checks import positive_data_acceptance

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


OPERATIONS = [result.ok() for result in schema.get_all_operations()]
# Answers the schema cannot promise. The category filed must be one of the filing county's
# categories, which differ by county (`GET /api/services/categories`), so the schema says
# "text" and a well-formed request may get 422 naming the county's list; every other
# schema-valid request must be accepted (Schemathesis' positive-data check).
COUNTY_RULES = {"POST /api/services/requests": "已配置的类别"}


# One test per operation, with its own id: `schema.parametrize()` gives all operations the
# same test id, under which pytest-xdist ran one of them and dropped the others.
@pytest.mark.parametrize("operation", OPERATIONS, ids=[op.label for op in OPERATIONS])
def test_api_no_server_errors(operation: Any, tokens: dict[str, str]) -> None:
    rule = COUNTY_RULES.get(operation.label)
    excluded = [positive_data_acceptance] if rule else []

    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])
    @given(case=operation.as_strategy())
    def calls(case: Any) -> None:
        for token in tokens.values():
            response = case.call_and_validate(headers={"Authorization": f"Bearer {token}"},
                                              excluded_checks=excluded)
            if rule and response.status_code >= 400:  # what the excluded check allows, and
                # 422 for the county's list only
                assert response.status_code in (401, 403, 404, 409, 422, 429), response.text
                assert response.status_code != 422 or rule in response.json()["detail"]

    calls()


def test_every_operation_is_fuzzed() -> None:
    """The API's operations, each its own test above (29 when this was written)."""
    labels = [op.label for op in OPERATIONS]
    assert len(labels) == len(set(labels)) >= 29
    assert set(COUNTY_RULES) <= set(labels)
