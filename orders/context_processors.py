from __future__ import annotations

from typing import Any

from django.http import HttpRequest
from django.utils.functional import SimpleLazyObject

from orders.selectors import cart_item_count_for_request


def cart(request: HttpRequest) -> dict[str, Any]:
    """``cart_count`` for the header; lazy, so a page that does not show it (admin) costs no query."""
    return {"cart_count": SimpleLazyObject(lambda: cart_item_count_for_request(request))}
