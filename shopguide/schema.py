"""drf-spectacular additions to the published schema (a POSTPROCESSING_HOOKS entry in settings)."""

from __future__ import annotations

from typing import Any

# OpenAPI links: which response feeds which next request (a client follows them; schemathesis's stateful tests
# chain calls along them, tests/api/test_schema_fuzz.py). (path, method, status) → {name: link}.
LINKS: dict[tuple[str, str, str], dict[str, dict[str, Any]]] = {
    ("/api/v1/cart/lines", "post", "201"): {
        "ChangeTheLine": {
            "operationId": "v1_cart_lines_partial_update",
            "parameters": {"product_id": "$request.body#/product_id"},
            "description": "Set the quantity of the product just added.",
        },
        "RemoveTheLine": {
            "operationId": "v1_cart_lines_destroy",
            "parameters": {"product_id": "$request.body#/product_id"},
            "description": "Take the product just added out of the cart.",
        },
        "PlaceAnOrder": {"operationId": "v1_orders_create", "description": "Check out the cart."},
    },
    ("/api/v1/orders", "post", "201"): {
        "ReadTheOrder": {
            "operationId": "v1_orders_retrieve",
            "parameters": {"number": "$response.body#/number"},
            "description": "The order just placed.",
        },
        "CancelTheOrder": {
            "operationId": "v1_orders_cancel_create",
            "parameters": {"number": "$response.body#/number"},
            "description": "Cancel the order just placed.",
        },
    },
    ("/api/v1/assistant/messages", "post", "200"): {
        "ReadTheConversation": {
            "operationId": "assistant_conversation_detail",
            "parameters": {"conversation_id": "$response.body#/conversation_id"},
            "description": "The conversation the message was posted in.",
        },
    },
}


def add_links(result: dict[str, Any], generator: Any, request: Any, public: bool) -> dict[str, Any]:
    """POSTPROCESSING_HOOKS: the LINKS above, each checked against the schema (a renamed operation fails here)."""
    operation_ids = {
        operation.get("operationId") for methods in result.get("paths", {}).values() for operation in methods.values()
    }
    for (path, method, status), links in LINKS.items():
        operation = result.get("paths", {}).get(path, {}).get(method)
        if operation is None:
            continue  # not in this (filtered) schema
        unknown = sorted({link["operationId"] for link in links.values()} - operation_ids)
        if unknown:
            raise ValueError(f"OpenAPI links from {method.upper()} {path} name unknown operations: {unknown}")
        operation["responses"][status].setdefault("links", {}).update(links)
    return result
