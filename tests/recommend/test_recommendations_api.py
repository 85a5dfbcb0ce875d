"""The recommendations API: for you, trending, recently viewed, similar, bought together, the cart's complements.

A small shop whose crowd has clear habits (tests/recommend/recs_shop.py), the real model and real signals
(trained from the events as the beat task does). Personal answers are checked for the owner, another shopper,
a new visitor and a merchandiser.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.renderers import JSONRenderer
from rest_framework.test import APIClient

from catalog.apis import ProductOutput
from catalog.models import Product
from profiles.models import Event, Shopper
from tests.factories import UserFactory
from tests.factories import visitor as first_page
from tests.recommend.recs_shop import Shop, build_shop, record

pytestmark = pytest.mark.django_db

BOOTS = "Ridge Waterproof Hiking Boots"
GRINDER = "Precision Burr Coffee Grinder"


@pytest.fixture
def shop(db, embedding_model) -> Shop:
    return build_shop()


def visitor() -> APIClient:
    """An anonymous browser (it has loaded a page: anonymous events need the visitor cookie); its session's
    shopper appears with its first event."""
    return first_page(APIClient())


def signed_in(username: str, **shopper_fields) -> tuple[APIClient, Shopper]:
    user = UserFactory(username=username, is_staff=shopper_fields.pop("is_staff", False))
    shopper = Shopper.objects.create(user=user, **shopper_fields)
    client = APIClient()
    client.force_login(user)
    return client, shopper


def view(client: APIClient, product: Product) -> None:
    response = client.post("/api/v1/events", {"kind": "view", "product_id": product.pk}, format="json")
    assert response.status_code == 201, response.content


def ids(body: dict) -> list[int]:
    return [item["product"]["id"] for item in body["results"]]


def reasons_of(body: dict, product: Product) -> list[dict]:
    return next(item["reasons"] for item in body["results"] if item["product"]["id"] == product.pk)


def get(client: APIClient, path: str, params: dict | None = None) -> dict:
    response = client.get(path, params or {})
    assert response.status_code == 200, response.content
    return response.json()


# --- For you -------------------------------------------------------------------------------------


def test_for_you_says_because_you_viewed_and_follows_the_next_view(shop):
    client = visitor()
    view(client, shop["BOOT1"])

    body = get(client, "/api/v1/recommendations/for-you")
    assert body["surface"] == "for_you" and set(body) == {"results", "surface"}
    item = body["results"][0]
    assert set(item) == {"product", "score", "reasons"}
    assert set(item["product"]) == set(ProductOutput.Meta.fields)
    assert isinstance(item["score"], float)
    # What every hiker looked at next, first, for the reason the shopper can check.
    assert item["product"]["sku"] == "JACKET1"
    assert item["reasons"] == [
        {"kind": "viewed", "text": f"because you viewed {BOOTS}", "product_id": shop.id("BOOT1")}
    ]
    assert shop.id("BOOT1") not in ids(body)  # already seen
    assert all(r["kind"] in {"viewed", "similar", "taste", "trending"} for i in body["results"] for r in i["reasons"])
    scores = [i["score"] for i in body["results"]]
    assert scores == sorted(scores, reverse=True)

    view(client, shop["GRIND1"])
    after = get(client, "/api/v1/recommendations/for-you")
    # The newest view steers most: what brewers went on to now leads, still ahead of the hikers' jacket.
    assert after["results"][0]["product"]["sku"] == "BEANS1"
    assert reasons_of(after, shop["BEANS1"]) == [
        {"kind": "viewed", "text": f"because you viewed {GRINDER}", "product_id": shop.id("GRIND1")}
    ]
    assert ids(after).index(shop.id("BEANS1")) < ids(after).index(shop.id("JACKET1"))
    assert not {shop.id("BOOT1"), shop.id("GRIND1")} & set(ids(after))
    assert ids(after) != ids(body)


def test_a_new_visitor_gets_trending_with_how_many_shoppers(shop):
    client = visitor()
    shoppers = Shopper.objects.count()

    body = get(client, "/api/v1/recommendations/for-you")
    trending = get(client, "/api/v1/recommendations/trending")
    assert trending["surface"] == "trending"
    # For you is what trends, then (a full row for a newcomer) the best rated, each saying so.
    assert ids(trending) and ids(body)[: len(ids(trending))] == ids(trending)
    assert {i["reasons"][0]["kind"] for i in body["results"][len(ids(trending)) :]} <= {"rated"}
    assert {r["kind"] for i in trending["results"] for r in i["reasons"]} == {"trending"}
    # Six hikers viewed the jacket this week, five brewers the beans.
    assert reasons_of(trending, shop["JACKET1"]) == [
        {"kind": "trending", "text": "trending: 6 shoppers this week", "product_id": None}
    ]
    assert reasons_of(trending, shop["BEANS1"])[0]["text"] == "trending: 5 shoppers this week"
    assert shop.id("BOOT3") not in ids(trending)  # nobody looked at it
    assert Shopper.objects.count() == shoppers  # reading recommendations creates nobody
    assert get(client, "/api/v1/recommendations/recently-viewed") == {"results": [], "surface": "recently_viewed"}


def test_bought_products_never_come_back_in_for_you(shop):
    buyer, buyer_shopper = signed_in("bea")
    browser, browser_shopper = signed_in("ben")
    long_ago = timezone.now() - timedelta(days=30)
    record(buyer_shopper, [("purchase", shop["JACKET1"])], start=long_ago, order_id="SG-OLD")
    # Hundreds of later views: the purchase is far outside the newest events the engine reads, and still counts.
    views = [("view", shop["BOOT2"] if i % 2 else shop["BOOT1"]) for i in range(250)]
    for shopper in (buyer_shopper, browser_shopper):
        record(shopper, views, start=long_ago + timedelta(days=1))

    assert shop.id("JACKET1") in ids(get(browser, "/api/v1/recommendations/for-you", {"limit": 50}))
    assert shop.id("JACKET1") not in ids(get(buyer, "/api/v1/recommendations/for-you", {"limit": 50}))


def test_a_paused_shopper_gets_trending_not_personal_reasons(shop):
    client, shopper = signed_in("paula", personalization_paused=True)
    record(shopper, [("view", shop["BOOT1"]), ("view", shop["GRIND1"])], start=timezone.now() - timedelta(hours=1))

    body = get(client, "/api/v1/recommendations/for-you")
    trending = ids(get(visitor(), "/api/v1/recommendations/trending"))
    assert trending and ids(body)[: len(trending)] == trending  # what a newcomer gets: nothing personal
    assert {r["kind"] for i in body["results"] for r in i["reasons"]} <= {"trending", "rated"}
    assert get(client, "/api/v1/recommendations/recently-viewed")["results"] == []


# --- Recently viewed: personal, so the matrix -----------------------------------------------------


def test_recently_viewed_is_only_ever_the_callers_own(shop):
    owner = visitor()
    view(owner, shop["BOOT1"])
    view(owner, shop["GRIND1"])
    other = visitor()
    view(other, shop["HEAD1"])
    merchandiser, _ = signed_in("merch", is_staff=True)

    body = get(owner, "/api/v1/recommendations/recently-viewed")
    assert body["surface"] == "recently_viewed"
    assert ids(body) == [shop.id("GRIND1"), shop.id("BOOT1")]  # newest first
    assert [r["kind"] for r in reasons_of(body, shop["BOOT1"])] == ["recent"]
    assert reasons_of(body, shop["BOOT1"]) == [
        {"kind": "recent", "text": "you viewed this just now", "product_id": shop.id("BOOT1")}
    ]

    assert ids(get(other, "/api/v1/recommendations/recently-viewed")) == [shop.id("HEAD1")]
    assert ids(get(visitor(), "/api/v1/recommendations/recently-viewed")) == []
    assert ids(get(merchandiser, "/api/v1/recommendations/recently-viewed")) == []
    # Nor does the other shopper's "for you" speak of what the owner viewed.
    texts = [r["text"] for i in get(other, "/api/v1/recommendations/for-you")["results"] for r in i["reasons"]]
    assert not [t for t in texts if BOOTS in t or GRINDER in t]


def test_recently_viewed_says_when_and_leaves_out_products_no_longer_sold(shop):
    client, shopper = signed_in("rita")
    now = timezone.now()
    record(shopper, [("view", shop["HEAD1"]), ("purchase", shop["HEAD1"])], start=now - timedelta(hours=3, minutes=1))
    record(shopper, [("view", shop["BOOT1"]), ("view", shop["GRIND1"])], start=now - timedelta(minutes=30))
    Product.objects.filter(pk=shop.id("BOOT1")).update(is_active=False)

    body = get(client, "/api/v1/recommendations/recently-viewed", {"limit": 2})
    # The withdrawn boots' page is gone (404): a card linking there would be a dead end. The limit is still met.
    assert ids(body) == [shop.id("GRIND1"), shop.id("HEAD1")]
    assert [i["reasons"][0]["text"] for i in body["results"]] == [
        "you viewed this 29\xa0minutes ago",
        "you bought this 3\xa0hours ago",
    ]


# --- Exclude and limit ----------------------------------------------------------------------------


def test_exclude_removes_ids_given_with_commas_or_repeated(shop):
    client = visitor()
    everything = ids(get(client, "/api/v1/recommendations/trending", {"limit": 50}))
    gone = everything[:3]
    body = get(client, f"/api/v1/recommendations/trending?exclude={gone[0]},{gone[1]}&exclude={gone[2]}&limit=50")
    assert ids(body) == everything[3:]

    view(client, shop["BOOT1"])
    for_you = ids(get(client, "/api/v1/recommendations/for-you"))
    assert for_you[0] == shop.id("JACKET1")
    assert shop.id("JACKET1") not in ids(
        get(client, "/api/v1/recommendations/for-you", {"exclude": f"{shop.id('JACKET1')}, {shop.id('PACK1')}"})
    )
    similar = ids(get(client, f"/api/v1/products/{shop.id('BOOT1')}/similar"))
    assert similar and similar[0] not in ids(
        get(client, f"/api/v1/products/{shop.id('BOOT1')}/similar", {"exclude": similar[0]})
    )


def test_limit_is_respected_with_sensible_defaults(shop):
    client = visitor()
    view(client, shop["BOOT1"])
    assert len(ids(get(client, "/api/v1/recommendations/trending", {"limit": 2}))) == 2
    assert len(ids(get(client, "/api/v1/recommendations/for-you", {"limit": 3}))) == 3
    assert len(ids(get(client, "/api/v1/recommendations/for-you"))) == 10  # all 11 but the one viewed (≤ 12)
    assert ids(get(client, f"/api/v1/products/{shop.id('BOOT1')}/bought-together", {"limit": 1})) == [
        shop.id("JACKET1")
    ]
    assert len(ids(get(client, f"/api/v1/products/{shop.id('BOOT3')}/similar", {"limit": 2}))) == 2


ENDPOINTS = [
    "/api/v1/recommendations/for-you",
    "/api/v1/recommendations/trending",
    "/api/v1/recommendations/recently-viewed",
    "/api/v1/products/{boot}/similar",
    "/api/v1/products/{boot}/bought-together",
    "/api/v1/cart/recommendations",
]


@pytest.mark.parametrize("endpoint", ENDPOINTS)
@pytest.mark.parametrize(
    ("query", "message"),
    [
        ("limit=0", "limit: Ensure this value is greater than or equal to 1."),
        ("limit=51", "limit: Ensure this value is less than or equal to 50."),
        ("limit=many", "limit: A valid integer is required."),
        ("exclude=12,abc", "exclude: expected product ids separated by commas, got 'abc'"),
        ("exclude=3&exclude=-4", "exclude: expected product ids separated by commas, got '-4'"),
        ("exclude=" + ",".join(str(n) for n in range(1, 202)), "exclude: at most 200 product ids"),
    ],
)
def test_bad_parameters_are_json_errors_naming_the_parameter(shop, endpoint, query, message):
    response = visitor().get(endpoint.format(boot=shop.id("BOOT1")) + "?" + query)
    assert response.status_code == 400
    assert response["Content-Type"] == "application/json"
    body = response.json()
    assert body["code"] == "invalid" and body["detail"] == message
    assert set(body["errors"]) == {message.split(":")[0]}


def test_trending_in_a_category_and_an_unknown_category(shop):
    client = visitor()
    body = get(client, "/api/v1/recommendations/trending", {"category": "kitchen", "limit": 50})
    paths = {item["product"]["category"]["path"] for item in body["results"]}
    assert paths == {"Kitchen > Coffee Grinders", "Kitchen > Coffee", "Kitchen > Kettles"}

    response = client.get("/api/v1/recommendations/trending", {"category": "garden"})
    assert response.status_code == 400
    assert response.json()["detail"] == "category: unknown category 'garden'"


@pytest.mark.parametrize("surface", ["similar", "bought-together"])
def test_unknown_or_withdrawn_product_is_a_json_404(shop, surface):
    client = visitor()
    missing = client.get(f"/api/v1/products/987654/{surface}")
    assert missing.status_code == 404
    assert missing.json() == {"code": "not_found", "detail": "No such product."}

    Product.objects.filter(pk=shop.id("BOOT1")).update(is_active=False)
    assert client.get(f"/api/v1/products/{shop.id('BOOT1')}/{surface}").status_code == 404


# --- Product surfaces -----------------------------------------------------------------------------


def test_a_product_nobody_has_seen_still_gets_similar_items_from_its_department(shop):
    glacier = shop["BOOT3"]
    assert not Event.objects.filter(product=glacier).exists()

    body = get(visitor(), f"/api/v1/products/{glacier.pk}/similar", {"limit": 50})
    assert body["surface"] == "similar"
    assert glacier.pk not in ids(body)
    assert len(ids(body)) >= 3
    # Alternatives stay in its top-level category (no grinders or headphones, however many are asked for).
    assert {item["product"]["category"]["path"].split(" > ")[0] for item in body["results"]} == {"Outdoor"}
    assert all(r["kind"] == "similar" and r["product_id"] == glacier.pk for i in body["results"] for r in i["reasons"])
    ridge = reasons_of(body, shop["BOOT1"])[0]["text"]
    assert ridge.startswith("similar to this: ") and "also hiking boots" in ridge and "leather" in ridge


def test_bought_together_is_complements_never_the_product_or_its_category_mates(shop):
    boots = shop["BOOT1"]
    body = get(visitor(), f"/api/v1/products/{boots.pk}/bought-together")
    assert body["surface"] == "bought_together"
    assert ids(body)[0] == shop.id("JACKET1")
    assert reasons_of(body, shop["JACKET1"]) == [
        {"kind": "bought_together", "text": "often bought together with this", "product_id": boots.pk}
    ]
    # Summit boots were bought with Ridge boots and viewed after them: an alternative, not a complement.
    mates = set(Product.objects.filter(category=boots.category).values_list("pk", flat=True))
    assert boots.pk in mates and shop.id("BOOT2") in mates
    assert not mates & set(ids(body))
    assert len(ids(body)) <= 4

    # A boot nobody has bought yet: what shoppers picked after boots like it.
    cold = get(visitor(), f"/api/v1/products/{shop.id('BOOT3')}/bought-together")
    assert ids(cold)[0] == shop.id("JACKET1") and not mates & set(ids(cold))


# --- The cart -------------------------------------------------------------------------------------


def test_cart_recommendations_complete_the_cart_but_never_repeat_it(shop):
    client, shopper = signed_in("carla")
    assert get(client, "/api/v1/cart/recommendations") == {"results": [], "surface": "complete_purchase"}

    view(client, shop["JACKET1"])  # looked at, not bought: still the best complement
    assert client.post("/api/v1/cart/lines", {"product_id": shop.id("BOOT1")}, format="json").status_code == 201
    body = get(client, "/api/v1/cart/recommendations")
    assert ids(body)[0] == shop.id("JACKET1")
    assert reasons_of(body, shop["JACKET1"]) == [
        {"kind": "bought_together", "text": f"goes with {BOOTS} in your cart", "product_id": shop.id("BOOT1")}
    ]
    assert shop.id("BOOT1") not in ids(body)

    client.post("/api/v1/cart/lines", {"product_id": shop.id("GRIND1")}, format="json")
    body = get(client, "/api/v1/cart/recommendations", {"limit": 10})
    assert ids(body)[0] == shop.id("BEANS1")  # the newest line weighs most
    assert not {shop.id("BOOT1"), shop.id("GRIND1")} & set(ids(body))

    record(shopper, [("purchase", shop["BEANS1"])], start=timezone.now() - timedelta(days=3), order_id="SG-1")
    assert shop.id("BEANS1") not in ids(get(client, "/api/v1/cart/recommendations", {"limit": 10}))
    # Someone else's cart is not the caller's.
    assert get(visitor(), "/api/v1/cart/recommendations")["results"] == []


# --- Schema ---------------------------------------------------------------------------------------


def test_schema_documents_the_recommendation_endpoints(db):
    schema = APIClient().get("/api/schema/", HTTP_ACCEPT="application/json").json()
    paths = schema["paths"]
    for path in (
        "/api/v1/recommendations/for-you",
        "/api/v1/recommendations/recently-viewed",
        "/api/v1/products/{id}/similar",
        "/api/v1/products/{id}/bought-together",
        "/api/v1/cart/recommendations",
    ):
        params = {p["name"]: p for p in paths[path]["get"]["parameters"]}
        assert {"limit", "exclude"} <= set(params), path
        assert params["exclude"]["schema"]["type"] == "array"
        assert params["limit"]["schema"]["maximum"] == 50
    trending = {p["name"] for p in paths["/api/v1/recommendations/trending"]["get"]["parameters"]}
    assert trending == {"limit", "exclude", "category"}
    response = paths["/api/v1/recommendations/for-you"]["get"]["responses"]["200"]
    ref = response["content"]["application/json"]["schema"]["$ref"].rsplit("/", 1)[1]
    assert set(schema["components"]["schemas"][ref]["properties"]) == {"results", "surface"}


def test_the_payload_is_what_the_declared_serializer_renders(shop):
    """The API writes its JSON out directly (speed); the OpenAPI schema documents RecommendationListOutput:
    the two must not drift apart."""
    from recommend.recs import engine
    from recommend.recs_apis import RecommendationListOutput, recommendations_representation

    client = visitor()
    view(client, shop["BOOT1"])
    shopper = Shopper.objects.order_by("-pk").first()
    recs = engine.for_you(shopper=shopper) + engine.similar_items(product=shop["GRIND1"])
    assert recs and any(r.product_id for rec in recs for r in rec.reasons)
    direct = recommendations_representation("for_you", recs)
    declared = RecommendationListOutput({"results": recs, "surface": "for_you"}).data
    assert JSONRenderer().render(direct) == JSONRenderer().render(declared)
