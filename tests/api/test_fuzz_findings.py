"""What the schema fuzzer found, pinned as plain tests: a NUL byte in Basic credentials, a root category's parent."""

from __future__ import annotations

import base64

import pytest
from django.test import Client

from tests.factories import CategoryFactory

pytestmark = pytest.mark.django_db


def test_basic_credentials_with_a_nul_byte_are_ignored_as_json_not_a_500():
    """Basic auth is off (tests/security/test_identity.py): the header is ignored, the caller is anonymous."""
    token = base64.b64encode(b"shop\x00per:secret").decode()
    response = Client().get("/api/v1/me/profile", HTTP_AUTHORIZATION=f"Basic {token}")
    assert response.status_code == 403
    assert response.json()["code"] == "not_authenticated"


def test_a_root_category_has_a_null_parent_and_the_schema_allows_it():
    root = CategoryFactory(parent=None)
    rows = Client().get("/api/v1/categories").json()
    rows = rows["results"] if isinstance(rows, dict) else rows
    assert next(row for row in rows if row["id"] == root.id)["parent"] is None
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert schema["components"]["schemas"]["CategoryOutput"]["properties"]["parent"].get("nullable") is True


def test_the_schema_documents_the_session_cookie_as_the_only_authentication():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert list(schema["components"]["securitySchemes"]) == ["cookieAuth"]


def test_the_schema_links_each_created_resource_to_what_reads_or_changes_it():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    cart_links = paths["/api/v1/cart/lines"]["post"]["responses"]["201"]["links"]
    assert cart_links["ChangeTheLine"] == {
        "operationId": "v1_cart_lines_partial_update",
        "parameters": {"product_id": "$request.body#/product_id"},
        "description": "Set the quantity of the product just added.",
    }
    assert cart_links["RemoveTheLine"]["operationId"] == "v1_cart_lines_destroy"
    order_links = paths["/api/v1/orders"]["post"]["responses"]["201"]["links"]
    assert order_links["CancelTheOrder"]["parameters"] == {"number": "$response.body#/number"}
    chat_links = paths["/api/v1/assistant/messages"]["post"]["responses"]["200"]["links"]
    assert chat_links["ReadTheConversation"]["operationId"] == "assistant_conversation_detail"
    operation_ids = {op["operationId"] for methods in paths.values() for op in methods.values()}
    for links in (cart_links, order_links, chat_links):
        assert {link["operationId"] for link in links.values()} <= operation_ids


def test_removing_a_cart_line_is_documented_as_the_200_it_answers():
    schema = Client().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    assert set(schema["paths"]["/api/v1/cart/lines/{product_id}"]["delete"]["responses"]) == {"200"}
