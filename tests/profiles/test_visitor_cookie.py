"""The visitor cookie: requests of one browser that race the session's creation share one anonymous shopper.

The bug it fixes (seen in the browser tests): on a first visit the product page's view beacon and the
add-to-cart click left together without a session cookie, each created its own shopper and session, and
the browser kept the beacon's cookie, so the cart line was lost.
"""

from __future__ import annotations

import pytest
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.test import Client, RequestFactory
from django.test.utils import CaptureQueriesContext
from django.utils.html import escape

from orders import services as order_services
from orders.models import CartLine
from profiles import services
from profiles.models import Event, Shopper
from profiles.visitors import COOKIE_NAME, visitor_from_cookie
from tests.concurrency import run_at_once
from tests.factories import UserFactory

EVENTS = "/api/v1/events"


@pytest.fixture
def catalog(catalog):
    """The profiles catalog, in stock (it loads with none), so the cart can take it."""
    for product in catalog.values():
        product.stock = 10
        product.save(update_fields=["stock"])
    return catalog


def _first_visit() -> tuple[Client, str]:
    client = Client()
    response = client.get("/")
    cookie = response.cookies[COOKIE_NAME]
    return client, cookie.value


def test_the_first_response_hands_out_a_private_visitor_id_and_later_ones_keep_it(db):
    client = Client()
    response = client.get("/")
    cookie = response.cookies[COOKIE_NAME]
    visitor = visitor_from_cookie(cookie.value)
    assert visitor is not None and len(visitor) == 32 and int(visitor, 16) >= 0
    assert cookie["httponly"] and cookie["samesite"] == "Lax"
    assert "Cookie" in response["Vary"] and "private" in response["Cache-Control"]
    # No database write for a visitor who only looks.
    assert not Shopper.objects.exists()

    again = client.get("/")
    assert COOKIE_NAME not in again.cookies  # not re-sent: the browser keeps the first one

    # A forged, malformed or unsigned id is replaced, never used as a key.
    for forged in ("'; DROP TABLE x; --", "ab" * 16, f"{'ab' * 16}:forged-signature"):
        client.cookies[COOKIE_NAME] = forged
        replaced = client.get("/").cookies[COOKIE_NAME].value
        assert replaced != cookie.value and visitor_from_cookie(replaced) not in (None, visitor, "ab" * 16)


def test_a_beacon_and_a_cart_add_that_race_the_session_land_on_one_shopper(catalog):
    """Two requests with the visitor cookie and no session each start a session; whichever session
    cookie the browser keeps, the cart line and the view are the same shopper's."""
    browser, visitor = _first_visit()
    beacon = Client()
    beacon.cookies[COOKIE_NAME] = visitor  # the beacon left before the add's response set a session cookie

    added = browser.post("/cart/add/", {"product_id": catalog["RUN1"].pk})
    assert added.status_code == 302
    sent = beacon.post(EVENTS, {"kind": "view", "product_id": catalog["RUN1"].pk}, "application/json")
    assert sent.status_code == 201

    assert Shopper.objects.count() == 1
    shopper = Shopper.objects.get()
    assert shopper.session_key == visitor_from_cookie(visitor)
    assert list(CartLine.objects.filter(cart__shopper=shopper).values_list("product_id", flat=True)) == [
        catalog["RUN1"].pk
    ]
    assert Event.objects.filter(shopper=shopper, kind="view").count() == 1

    # The browser kept the beacon's session cookie (it arrived last): the cart is still there.
    survivor = Client()
    survivor.cookies[COOKIE_NAME] = visitor
    survivor.cookies["sessionid"] = beacon.cookies["sessionid"].value
    page = survivor.get("/cart/").content.decode()
    assert escape(catalog["RUN1"].title) in page


@pytest.mark.django_db(transaction=True)
def test_concurrent_first_requests_of_one_browser_create_one_shopper():
    visitor = "ab" * 16

    def first_request() -> int:
        request = RequestFactory().post("/api/v1/events")
        request.session = SessionStore()
        request.visitor_id = visitor
        return services.shopper_for_request(request).pk

    found = run_at_once(first_request, threads=4)
    assert len(set(found)) == 1 and len(found) == 4
    assert list(Shopper.objects.values_list("session_key", flat=True)) == [visitor]


def test_signing_in_folds_the_visitors_shopper_in_even_when_the_session_lost_it(catalog):
    user = UserFactory()
    browser, visitor = _first_visit()
    beacon = Client()
    beacon.cookies[COOKIE_NAME] = visitor
    beacon.post("/cart/add/", {"product_id": catalog["PAN1"].pk})  # its session cookie is lost
    assert "shopper_id" not in browser.session

    signed_in = browser.post("/account/login/", {"username": user.username, "password": "pw-for-tests-123"})
    assert signed_in.status_code == 302  # the real login form: the request passes through the middleware
    account = Shopper.objects.get(user=user)
    assert list(CartLine.objects.filter(cart__shopper=account).values_list("product_id", flat=True)) == [
        catalog["PAN1"].pk
    ]
    assert not Shopper.objects.filter(session_key=visitor_from_cookie(visitor)).exists()


def test_signing_out_makes_the_browser_a_new_visitor(catalog):
    user = UserFactory()
    browser, visitor = _first_visit()
    browser.post("/cart/add/", {"product_id": catalog["PAN1"].pk})
    browser.force_login(user)

    response = browser.post("/account/logout/")
    assert response.status_code == 302
    rotated = visitor_from_cookie(response.cookies[COOKIE_NAME].value)
    assert rotated is not None and rotated != visitor_from_cookie(visitor)
    # The next person at this computer has an empty cart and no history of the account's.
    page = browser.get("/cart/").content.decode()
    assert catalog["PAN1"].title not in page and "Your cart is empty" in page
    assert not Shopper.objects.filter(session_key=rotated).exists()


def test_a_visitor_who_only_looked_costs_no_shopper_query(catalog):
    """Reads (the cart, a search's log identity) of a browser with no session need no lookup: only a request
    that creates a shopper saves it in a session, so without one there is none."""
    browser, visitor = _first_visit()
    with CaptureQueriesContext(connection) as queries:
        cart = browser.get("/api/v1/cart")
    assert cart.status_code == 200 and cart.json()["item_count"] == 0
    assert not [q for q in queries.captured_queries if "profiles_shopper" in q["sql"]]

    # A browser that has a session (its cookie from a request that did not touch the shopper) while a
    # concurrent request created the shopper under the visitor id: the read finds it by that id.
    shopper = Shopper.objects.create(session_key=visitor_from_cookie(visitor))
    order_services.cart_line_add(shopper=shopper, product_id=catalog["PAN1"].pk)
    session = SessionStore()
    session["seen_notice"] = True
    session.save()
    browser.cookies["sessionid"] = session.session_key
    assert browser.get("/api/v1/cart").json()["item_count"] == 1
