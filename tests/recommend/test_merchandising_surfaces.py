"""A rule set in admin reaches the storefront search page and the search API (with a redirect), naming the
rule (the assistant: tests/assistant/test_merchandising_in_assistant.py)."""

from __future__ import annotations

import pytest
from django.test import Client

from catalog.models import Product
from recommend.merchandising import state
from recommend.models import Rule

pytestmark = pytest.mark.django_db


def pin(query: str, sku: str, name: str = "Merch pick") -> Rule:
    rule = Rule.objects.create(
        name=name, action="pin", scope="query", query=query, match="contains", product=Product.objects.get(sku=sku)
    )
    state.reset()
    return rule


def test_pinned_product_is_first_on_the_storefront_with_its_reason(search_catalog):
    baseline = Client().get("/search", {"q": "hiking boots"}).context["result"]
    last = baseline.hits[-1].product
    rule = pin("hiking boots", last.sku, name="Boot of the week")
    response = Client().get("/search", {"q": "hiking boots"})
    assert response.context["result"].hits[0].product == last
    assert "pinned at #1 by merchandising rule “Boot of the week”" in response.content.decode()
    assert f"(rule {rule.pk})" in response.content.decode()


def test_search_api_names_the_rule_and_reports_a_redirect(search_catalog):
    rule = pin("hiking boots", "B4")
    body = Client().get("/api/v1/search", {"q": "hiking boots"}).json()
    assert body["results"][0]["product"]["sku"] == "B4"
    assert {"kind": "rule", "text": f"pinned at #1 by merchandising rule “Merch pick” (rule {rule.pk})"} in body[
        "results"
    ][0]["reasons"]
    assert body["redirect"] is None

    Rule.objects.create(name="Gift cards", action="redirect", scope="query", query="gift card", url="/c/gift-cards/")
    state.reset()
    body = Client().get("/api/v1/search", {"q": "gift card"}).json()
    assert body["redirect"] == {
        "url": "/c/gift-cards/",
        "rule_id": Rule.objects.get(name="Gift cards").pk,
        "rule": "Gift cards",
    }


def test_storefront_follows_a_redirect_rule_unless_the_shopper_is_refining(search_catalog):
    Rule.objects.create(name="Returns", action="redirect", scope="query", query="returns", url="/pages/returns/")
    state.reset()
    response = Client().get("/search", {"q": "returns"})
    assert (response.status_code, response["Location"]) == (302, "/pages/returns/")
    htmx = Client().get("/search", {"q": "returns"}, HTTP_HX_REQUEST="true")
    assert htmx["HX-Redirect"] == "/pages/returns/"
    assert Client().get("/search", {"q": "returns", "sort": "price"}).status_code == 200
