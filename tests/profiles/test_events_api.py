"""POST /api/v1/events: one event or a batch, idempotent, all or nothing, for visitors and accounts."""

from __future__ import annotations

import json
import uuid
from datetime import timedelta
from urllib.parse import urlencode

import pytest
from django.test import Client
from django.utils import timezone
from rest_framework.test import APIClient

from profiles import services
from profiles.models import Event, Shopper
from tests.concurrency import run_at_once
from tests.factories import UserFactory, visitor

URL = "/api/v1/events"


def _click(product, **extra):
    return {"kind": "click", "product_id": product.pk, "surface": "search", "position": 2, **extra}


def test_anonymous_single_event_is_stored_for_the_session_shopper(catalog):
    client = visitor(APIClient())
    response = client.post(URL, {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json")
    assert response.status_code == 201
    assert response.json() == {"received": 1, "created": 1, "duplicates": 0}

    shopper = Shopper.objects.get(pk=client.session["shopper_id"])
    assert shopper.user is None
    event = Event.objects.get(shopper=shopper)
    assert (event.kind, event.product_id, event.surface) == ("view", catalog["RUN1"].pk, "direct")

    # The same browser keeps the same shopper.
    client.post(URL, {"kind": "view", "product_id": catalog["PAN1"].pk}, format="json")
    assert Event.objects.filter(shopper=shopper).count() == 2
    assert Shopper.objects.count() == 1


def test_batch_of_every_kind_is_stored_with_its_fields(catalog):
    run, pan = catalog["RUN1"], catalog["PAN1"]
    events = [
        {"kind": "search", "query": "running shoes", "surface": "search"},
        _click(run),
        {"kind": "view", "product_id": run.pk, "surface": "search"},
        {"kind": "wishlist", "product_id": pan.pk},
    ]
    response = visitor(APIClient()).post(URL, {"events": events}, format="json")
    assert response.status_code == 201
    assert response.json()["created"] == 4

    stored = list(Event.objects.order_by("pk").values_list("kind", "product_id", "query", "surface", "position"))
    assert stored == [
        ("search", None, "running shoes", "search", None),
        ("click", run.pk, "", "search", 2),
        ("view", run.pk, "", "search", None),
        ("wishlist", pan.pk, "", "direct", None),
    ]


def test_retried_batch_stores_each_event_once(catalog):
    client = visitor(APIClient())
    events = [_click(catalog["RUN1"], client_event_id=f"retry-{i}") for i in range(5)]
    first = client.post(URL, {"events": events}, format="json")
    assert first.json() == {"received": 5, "created": 5, "duplicates": 0}

    # A retry after a lost response, with one new event added.
    again = client.post(URL, {"events": [*events, _click(catalog["RUN2"], client_event_id="retry-new")]}, format="json")
    assert again.status_code == 201
    assert again.json() == {"received": 6, "created": 1, "duplicates": 5}
    assert Event.objects.count() == 6

    only_duplicates = client.post(URL, {"events": events}, format="json")
    assert only_duplicates.status_code == 200
    assert only_duplicates.json()["created"] == 0


def test_bad_event_names_index_and_field_and_nothing_is_written(catalog):
    events = [_click(catalog["RUN1"]), {"kind": "teleport", "product_id": catalog["RUN1"].pk}, _click(catalog["PAN1"])]
    response = visitor(APIClient()).post(URL, {"events": events}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "events[1].kind" in body["errors"]
    assert body["detail"].startswith("events[1].kind:")
    assert Event.objects.count() == 0


@pytest.mark.parametrize(
    ("event", "field"),
    [
        ({"kind": "view"}, "product_id"),
        ({"kind": "search", "query": "  "}, "query"),
        ({"kind": "wishlist", "product_id": None}, "product_id"),
        ({"kind": "click", "product_id": 1, "surface": "billboard"}, "surface"),
        ({"kind": "click", "product_id": 1, "position": -1}, "position"),
        ({"kind": "view", "product_id": 1, "created_at": "2999-01-01T00:00:00Z"}, "created_at"),
    ],
)
def test_each_malformed_event_is_rejected_by_field(catalog, event, field):
    response = visitor(APIClient()).post(URL, {"events": [_click(catalog["RUN1"]), event]}, format="json")
    assert response.status_code == 400
    assert f"events[1].{field}" in response.json()["errors"], response.json()
    assert Event.objects.count() == 0


def test_unknown_product_is_a_clear_error(catalog):
    missing = max(p.pk for p in catalog.values()) + 1000
    events = [_click(catalog["RUN1"]), _click(catalog["RUN2"]), {"kind": "view", "product_id": missing}]
    response = visitor(APIClient()).post(URL, {"events": events}, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["errors"] == {"events[2].product_id": [f"unknown product {missing}"]}
    assert Event.objects.count() == 0


def test_batch_over_500_is_refused(catalog):
    events = [_click(catalog["RUN1"])] * 501
    response = visitor(APIClient()).post(URL, {"events": events}, format="json")
    assert response.status_code == 400
    assert "at most 500" in response.json()["detail"]
    assert Event.objects.count() == 0


def test_a_body_that_is_not_an_event_is_refused(db):
    response = visitor(APIClient()).post(URL, json.dumps([1, 2]), content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid"


def test_logged_in_events_belong_to_the_account(catalog):
    user = UserFactory()
    client = APIClient()
    client.force_authenticate(user)
    response = client.post(URL, {"kind": "wishlist", "product_id": catalog["BOOT1"].pk}, format="json")
    assert response.status_code == 201
    event = Event.objects.get()
    assert event.shopper.user_id == user.pk


FORM = "application/x-www-form-urlencoded"  # what sendBeacon sends for URLSearchParams


def _beacon_body(event: dict, token: str | None) -> str:
    body = {"payload": json.dumps(event)}
    if token is not None:
        body["csrfmiddlewaretoken"] = token
    return urlencode(body)


def test_storefront_beacon_form_body_is_accepted_for_visitors(catalog):
    client = visitor(Client(enforce_csrf_checks=True))
    response = client.post(URL, _beacon_body(_click(catalog["HEAD1"], client_event_id="b-1"), None), FORM)
    assert response.status_code == 201
    assert Event.objects.get().client_event_id == "b-1"


def test_logged_in_beacon_needs_the_csrf_token(catalog):
    user = UserFactory()
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    page = client.get(f"/p/{catalog['HEAD1'].pk}/")
    token = page.context["csrf_token"]

    forged = client.post(URL, _beacon_body(_click(catalog["HEAD1"]), None), FORM)
    assert forged.status_code == 403
    assert "CSRF" in forged.json()["detail"]
    assert not Event.objects.filter(kind="click").exists()

    response = client.post(URL, _beacon_body(_click(catalog["HEAD1"]), str(token)), FORM)
    assert response.status_code == 201
    assert Event.objects.get(kind="click").shopper.user_id == user.pk


def test_concurrent_retries_count_created_exactly(committed_catalog):
    """Two identical batches at once: together they store each event once and say so."""
    shopper = Shopper.objects.create(session_key=uuid.uuid4().hex)
    product_id = committed_catalog["RUN1"].pk
    inputs = [services.EventInput(kind="click", product_id=product_id, client_event_id=f"race-{i}") for i in range(300)]
    results = run_at_once(lambda: services.event_record_many(shopper=shopper, events=inputs), threads=2)
    assert sum(r.created for r in results) == 300
    assert sum(r.duplicates for r in results) == 300
    assert Event.objects.filter(shopper=shopper).count() == 300


# --- Integrity (issue 16, finding 2): clients cannot forge business records --------------------------------


@pytest.mark.parametrize("kind", ["purchase", "cart_add", "cart_remove"])
def test_cart_and_purchase_events_come_only_from_the_cart_and_checkout(catalog, kind):
    client = visitor(APIClient())
    forged = {"kind": kind, "product_id": catalog["RUN1"].pk, "order_id": "anything", "price": "0.01"}
    response = client.post(URL, forged, format="json")
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "not sent by clients" in body["errors"]["events[0].kind"][0]
    # A batch that hides one among real events is refused whole.
    batch = {"events": [{"kind": "view", "product_id": catalog["RUN1"].pk}, forged]}
    assert client.post(URL, batch, format="json").status_code == 400
    assert not Event.objects.exists()


def test_a_request_without_the_visitors_cookie_records_nothing_and_creates_no_shopper(catalog):
    for _ in range(3):  # a script without cookies, as many times as it likes
        response = APIClient().post(URL, {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json")
        assert response.status_code == 403
        assert response.json()["code"] == "no_visitor"
        assert "visitor cookie" in response.json()["detail"]
    # A made-up (unsigned) visitor id is no better.
    client = APIClient()
    client.cookies["shopguide_visitor"] = "ab" * 16
    assert client.post(URL, {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json").status_code == 403
    assert not Shopper.objects.exists() and not Event.objects.exists()


def test_a_signed_in_client_needs_no_visitor_cookie(catalog):
    client = APIClient()
    client.force_login(UserFactory())
    assert client.post(URL, {"kind": "view", "product_id": catalog["RUN1"].pk}, format="json").status_code == 201


def test_events_from_long_ago_are_refused(catalog, settings):
    client = visitor(APIClient())
    late = (timezone.now() - settings.EVENT_MAX_AGE - timedelta(minutes=1)).isoformat()
    recent = (timezone.now() - settings.EVENT_MAX_AGE + timedelta(minutes=5)).isoformat()
    event = {"kind": "view", "product_id": catalog["RUN1"].pk}
    refused = client.post(URL, {**event, "created_at": late}, format="json")
    assert refused.status_code == 400
    assert "minutes ago" in refused.json()["errors"]["events[0].created_at"][0]
    assert client.post(URL, {**event, "created_at": recent}, format="json").status_code == 201
    assert Event.objects.count() == 1


def test_client_event_ids_are_each_shoppers_own(catalog):
    """Every client counts from "c1": one shopper's "c1" must not swallow another's (it used to)."""
    first, second = visitor(APIClient()), visitor(APIClient())
    event = {"kind": "view", "product_id": catalog["RUN1"].pk, "client_event_id": "c1"}
    assert first.post(URL, event, format="json").json()["created"] == 1
    assert second.post(URL, event, format="json").json()["created"] == 1
    # A retry is still stored once, per shopper.
    assert first.post(URL, event, format="json").json() == {"received": 1, "created": 0, "duplicates": 1}
    assert Event.objects.filter(client_event_id="c1").values("shopper").distinct().count() == 2


def test_signing_in_keeps_both_events_that_shared_a_client_id(catalog):
    user = UserFactory()
    account = Shopper.objects.create(user=user)
    services.event_record_many(
        shopper=account, events=[services.EventInput(kind="view", product_id=catalog["PAN1"].pk, client_event_id="c1")]
    )
    browser = visitor(Client())
    sent = browser.post(
        URL, {"kind": "view", "product_id": catalog["RUN1"].pk, "client_event_id": "c1"}, "application/json"
    )
    assert sent.status_code == 201

    response = browser.post("/account/login/", {"username": user.username, "password": "pw-for-tests-123"})

    assert response.status_code == 302
    assert sorted(Event.objects.filter(shopper=account).values_list("product_id", flat=True)) == sorted(
        [catalog["PAN1"].pk, catalog["RUN1"].pk]
    )
