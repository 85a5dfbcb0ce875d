"""Under /api/ every error a client can cause is JSON with a code, even where no API view answers."""

from __future__ import annotations

import pytest
from django.test import Client

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("path", ["/api/v1/nope", "/api/assistant/messages", "/api/v2/search", "/api/v1/products/x"])
def test_a_path_no_endpoint_answers_is_a_json_404(path):
    response = Client().get(path)
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json")
    assert response.json()["code"] == "not_found" and path in response.json()["detail"]


def test_a_request_with_a_host_we_do_not_serve_is_a_json_400_under_the_api():
    response = Client(HTTP_HOST="evil.example").get("/api/v1/search?q=boots")
    assert response.status_code == 400
    assert response.json()["code"] == "bad_request"


def test_storefront_pages_keep_their_html_404():
    response = Client().get("/no-such-page-anywhere/really")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")
