"""Bad input over the whole API: schemathesis generates requests from /api/schema/ and sends them in-process.

Every operation in the schema runs twice, as an anonymous visitor and as a signed-in shopper (session cookie +
CSRF token, a fresh account per example so that DELETE /me cannot starve the others). Each response must not be
a 5xx and must match the schema's documented body for its status code.
"""

from __future__ import annotations

import pytest
import schemathesis
from django.conf import settings
from django.core.signals import request_finished, request_started
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from django.test import Client
from django.utils.crypto import get_random_string
from hypothesis import HealthCheck, Phase
from hypothesis import settings as hypothesis_settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from tests.factories import UserFactory

pytestmark = [pytest.mark.slow, pytest.mark.django_db]

schema = schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())

CHECKS = [not_a_server_error, response_schema_conformance]
# Bounded per operation (26 operations × 2 callers, ~2 min on 2 shared cores); no shrinking: the first failing example is reported as is.
FUZZ_SETTINGS = hypothesis_settings(
    max_examples=4,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.explicit, Phase.generate],
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.filter_too_much],
)


@pytest.fixture(autouse=True)
def _keep_the_test_connection():
    """Requests go straight to the WSGI app, whose request signals would close the test's open transaction.

    Django's own test Client disconnects the same receiver for the same reason.
    """
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _signed_in_headers() -> dict[str, str]:
    """A fresh shopper's session cookie plus a CSRF token, as a browser that loaded a page would send them."""
    client = Client()
    client.force_login(UserFactory())
    session = client.cookies[settings.SESSION_COOKIE_NAME].value
    csrf = get_random_string(32)
    return {
        "Cookie": f"{settings.SESSION_COOKIE_NAME}={session}; {settings.CSRF_COOKIE_NAME}={csrf}",
        "X-CSRFToken": csrf,
    }


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_requests_get_no_5xx_and_documented_bodies(case, search_catalog):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_signed_in_requests_get_no_5xx_and_documented_bodies(case, search_catalog):
    case.call_and_validate(headers=_signed_in_headers(), checks=CHECKS)
