"""Bad input over the whole API: schemathesis generates requests from /api/schema/ and sends them in-process.

Every operation in the schema runs twice, as an anonymous visitor and as a signed-in shopper (session cookie +
CSRF token, a fresh account per example so that DELETE /me cannot starve the others). Each response must not be
a 5xx and must match the schema's documented body for its status code. The stateful test at the end chains
calls along the schema's OpenAPI links, so the operations on a cart line, an order or a conversation also run
against one that exists.
"""

from __future__ import annotations

from typing import ClassVar

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
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from catalog.models import Product
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


def _signed_in_cookies() -> dict[str, str]:
    """A fresh shopper's session cookie plus a CSRF cookie, as a browser that loaded a page would hold them."""
    client = Client()
    client.force_login(UserFactory())
    return {
        settings.SESSION_COOKIE_NAME: client.cookies[settings.SESSION_COOKIE_NAME].value,
        settings.CSRF_COOKIE_NAME: get_random_string(32),
    }


def _signed_in_headers() -> dict[str, str]:
    """The same as request headers: the cookies plus the CSRF token echoed in X-CSRFToken."""
    cookies = _signed_in_cookies()
    return {
        "Cookie": "; ".join(f"{name}={value}" for name, value in cookies.items()),
        "X-CSRFToken": cookies[settings.CSRF_COOKIE_NAME],
    }


@schema.parametrize()
@FUZZ_SETTINGS
def test_anonymous_requests_get_no_5xx_and_documented_bodies(case, search_catalog):
    case.call_and_validate(checks=CHECKS)


@schema.parametrize()
@FUZZ_SETTINGS
def test_signed_in_requests_get_no_5xx_and_documented_bodies(case, search_catalog):
    case.call_and_validate(headers=_signed_in_headers(), checks=CHECKS)


# --- Stateful: calls chained along the schema's OpenAPI links (shopguide/schema.py LINKS) --------------------
# Add a cart line → change it / remove it / place an order → read the order / cancel it; post an assistant message
# → read its conversation. Each scenario is a fresh signed-in shopper. A generated product id would almost never
# name a product for sale, so a cart line's product_id is mapped onto the catalog's (its quantity, position and
# query stay generated): otherwise no chain would get past its first call.

STATEFUL_SETTINGS = hypothesis_settings(
    max_examples=20,
    stateful_step_count=10,
    deadline=None,
    derandomize=True,
    database=None,
    phases=[Phase.generate],
    suppress_health_check=list(HealthCheck),
)


# The state machine runs only the operations the links join (one over all ~26 spends its steps, and minutes,
# elsewhere) and follows only the published links: schemathesis's own inferred links are turned off. GET
# /api/v1/products/{id} is selected but never called (nothing links to it): its presence tells schemathesis's
# dependency analysis that products exist, without which it would not start a scenario with POST
# /api/v1/cart/lines or POST /api/v1/assistant/messages (both take a product id).
LINKED_OPERATIONS = {
    ("POST", "/api/v1/cart/lines"),
    ("PATCH", "/api/v1/cart/lines/{product_id}"),
    ("DELETE", "/api/v1/cart/lines/{product_id}"),
    ("POST", "/api/v1/orders"),
    ("GET", "/api/v1/orders/{number}"),
    ("POST", "/api/v1/orders/{number}/cancel"),
    ("POST", "/api/v1/assistant/messages"),
    ("GET", "/api/v1/assistant/conversations/{conversation_id}"),
}
linked_schema = schema.include(
    lambda ctx: (
        (ctx.operation.method.upper(), ctx.operation.path) in LINKED_OPERATIONS | {("GET", "/api/v1/products/{id}")}
    )
)
# (The clone shares its config with `schema`; these two settings only touch the stateful phase, which the
# parametrized tests above do not run.)
linked_schema.config.phases.stateful.inference.algorithms = []
# Positive data only: a negative body is a 400 at the first step, and the scenario has nothing left to follow.
linked_schema.config.phases.stateful.generation.modes = [GenerationMode.POSITIVE]


class ShopperJourneys(linked_schema.as_state_machine()):  # type: ignore[misc, valid-type]
    product_ids: ClassVar[list[int]] = []
    steps: ClassVar[list[tuple[str, int]]] = []

    def setup(self) -> None:
        self.cookies = _signed_in_cookies()

    def before_call(self, case) -> None:
        # The scenario's shopper, not the credentials generated from the security schemes (a random sessionid
        # cookie or Basic header would make every step anonymous or a 403).
        if case.cookies:
            case.cookies.pop(settings.SESSION_COOKIE_NAME, None)
        if case.headers:
            case.headers.pop("Authorization", None)
        if case.operation.path == "/api/v1/cart/lines" and case.method == "POST" and isinstance(case.body, dict):
            generated = case.body.get("product_id")
            if isinstance(generated, int) and self.product_ids:
                case.body["product_id"] = self.product_ids[generated % len(self.product_ids)]

    def get_call_kwargs(self, case) -> dict:
        # As cookies, not a Cookie header: sent as a header, every step came back 403 not_authenticated (the WSGI
        # transport puts cookies through the werkzeug client's cookie jar, which seems to win over the header).
        return {"cookies": self.cookies, "headers": {"X-CSRFToken": self.cookies[settings.CSRF_COOKIE_NAME]}}

    def after_call(self, response, case) -> None:
        super().after_call(response, case)
        self.steps.append((f"{case.method} {case.operation.path}", response.status_code))

    def validate_response(self, response, case, additional_checks=None, **kwargs) -> None:
        case.validate_response(response, checks=CHECKS, recorder=self.recorder)


def test_linked_calls_get_no_5xx_and_documented_bodies(search_catalog):
    Product.objects.update(stock=10_000)  # a generated quantity (up to 99) is in stock
    ShopperJourneys.product_ids = list(Product.objects.filter(stock__gt=0).order_by("pk").values_list("pk", flat=True))
    ShopperJourneys.steps = []
    ShopperJourneys.run(settings=STATEFUL_SETTINGS)
    # The links were followed to a success at least once each, not only tried against 404s.
    succeeded = {step for step, status in ShopperJourneys.steps if status < 300}
    for step in [
        "POST /api/v1/cart/lines",
        "PATCH /api/v1/cart/lines/{product_id}",
        "DELETE /api/v1/cart/lines/{product_id}",
        "POST /api/v1/orders",
        "GET /api/v1/orders/{number}",
        "POST /api/v1/orders/{number}/cancel",
        "POST /api/v1/assistant/messages",
        "GET /api/v1/assistant/conversations/{conversation_id}",
    ]:
        assert step in succeeded, (step, sorted(set(ShopperJourneys.steps)), ShopperJourneys.steps)
