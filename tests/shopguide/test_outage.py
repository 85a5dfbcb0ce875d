"""A database error anywhere in a request answers 503 (HTML page, or JSON under /api/), never a 500 traceback.

The real outage, Postgres stopped under a running gunicorn, is tests/faults/test_postgres_restart.py; here
each path to the 503 is exercised in-process by making the database call raise what psycopg raises then.
"""

from __future__ import annotations

from unittest import mock

import pytest
from django.db import InterfaceError, OperationalError

from tests.factories import ProductFactory, visitor

DOWN = OperationalError('connection to server at "db" (10.0.0.5), port 5432 failed: Connection refused')


@pytest.mark.django_db
@pytest.mark.parametrize("error", [DOWN, InterfaceError("connection already closed")])
def test_page_view_error_is_a_503_page(client, error):
    with mock.patch("catalog.views.product_list", side_effect=error):
        response = client.get("/")
    assert response.status_code == 503
    assert response["Content-Type"].startswith("text/html") and response["Retry-After"] == "5"
    page = response.content.decode()
    assert "We'll be right back" in page and "database is unavailable" in page
    assert "Connection refused" not in page and "Traceback" not in page


@pytest.mark.django_db
def test_api_view_error_is_json_database_unavailable(client):
    product = ProductFactory()
    with mock.patch("catalog.apis.get_object_or_404", side_effect=DOWN):
        response = client.get(f"/api/v1/products/{product.pk}")
    assert response.status_code == 503 and response["Retry-After"] == "5"
    body = response.json()
    assert body["code"] == "database_unavailable"
    assert "try again" in body["detail"] and "10.0.0.5" not in body["detail"]


@pytest.mark.django_db
def test_error_in_a_middleware_response_phase_is_a_503_too(client):
    """A session saved after the view (SessionMiddleware) fails outside any view: the 500 handler maps it."""
    client.raise_request_exception = False
    visitor(client)  # anonymous events need the visitor cookie of a first page
    with mock.patch("django.contrib.sessions.backends.db.SessionStore.save", side_effect=DOWN):
        response = client.post("/api/v1/events", {"kind": "search", "query": "boots"}, content_type="application/json")
    assert response.status_code == 503
    assert response.json()["code"] == "database_unavailable"


@pytest.mark.django_db
def test_other_errors_stay_500(client):
    client.raise_request_exception = False
    with mock.patch("catalog.views.product_list", side_effect=RuntimeError("a bug")):
        response = client.get("/")
    assert response.status_code == 500
