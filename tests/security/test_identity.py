"""Identity under abuse: how a caller proves who they are, and what the sign-in and sign-up paths give away.

- The API knows a caller by the session cookie only: an ``Authorization: Basic`` header is ignored, so a
  password can be tried only through the sign-in forms, where the per-address throttle and axes' lockout
  stand (no password spraying across usernames through the API).
- A locked account answers 429 with ``Retry-After`` on every way in (storefront and admin sign-in, page and
  JSON); the API has no password path at all, so a locked account's credentials there are just anonymous.
- Sign-up refuses a password like the username or email, or all digits, and says why.
"""

from __future__ import annotations

import base64

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.test import Client

from orders import services as order_services
from profiles.services import shopper_for_user
from tests.factories import ProductFactory, UserFactory

pytestmark = pytest.mark.django_db

PASSWORD = "right-password-1"


def _basic(username: str, password: str) -> dict[str, str]:
    token = base64.b64encode(f"{username}:{password}".encode()).decode()
    return {"HTTP_AUTHORIZATION": f"Basic {token}"}


# --- HTTP Basic is off ---------------------------------------------------------------------------------


def test_a_basic_header_with_the_right_password_is_anonymous_on_personal_endpoints():
    UserFactory(username="ivy", email="ivy@example.com", password=PASSWORD)
    anonymous = Client().get("/api/v1/me/profile")
    response = Client().get("/api/v1/me/profile", **_basic("ivy", PASSWORD))
    assert response.status_code == anonymous.status_code == 403
    assert response.json() == anonymous.json() and response.json()["code"] == "not_authenticated"
    export = Client().get("/api/v1/me/export", **_basic("ivy", PASSWORD))
    assert export.status_code == 403 and "ivy@example.com" not in export.content.decode()


def test_a_basic_header_reaches_only_the_visitors_own_empty_cart():
    kettle = ProductFactory(title="Ivy's kettle")
    user = UserFactory(username="ivy", password=PASSWORD)
    order_services.cart_line_add(shopper=shopper_for_user(user), product_id=kettle.pk)
    response = Client().get("/api/v1/cart", **_basic("ivy", PASSWORD))
    assert response.status_code == 200 and response.json()["lines"] == []


@pytest.mark.parametrize("password", [PASSWORD, "wrong", "nul\x00byte"])
def test_a_basic_header_tells_nothing_about_the_password(password):
    """Right, wrong or malformed: the same anonymous answer, so the header cannot be used to guess."""
    UserFactory(username="ivy", password=PASSWORD)
    response = Client().get("/api/v1/orders", **_basic("ivy", password))
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"
    assert "WWW-Authenticate" not in response


def test_a_basic_header_cannot_place_an_order():
    product = ProductFactory()
    UserFactory(username="ivy", password=PASSWORD)
    client = Client(enforce_csrf_checks=True)
    response = client.post(
        "/api/v1/orders", {"product_id": product.pk}, content_type="application/json", **_basic("ivy", PASSWORD)
    )
    assert response.status_code == 403 and response.json()["code"] == "not_authenticated"


# --- A locked account: 429 on every way in ---------------------------------------------------------------


def _lock(client: Client, path: str, username: str) -> None:
    for _ in range(settings.AXES_FAILURE_LIMIT):
        client.post(path, {"username": username, "password": "wrong"})


@pytest.mark.parametrize("path", ["/account/login/", "/admin/login/"])
@pytest.mark.parametrize("flavour", ["page", "json"])
def test_a_locked_account_is_refused_with_429_and_retry_after(path, flavour):
    UserFactory(username="mia", password=PASSWORD, is_staff=True)
    client = Client(REMOTE_ADDR="10.3.3.3")
    _lock(client, path, "mia")
    headers = {"Accept": "application/json"} if flavour == "json" else {}
    locked = client.post(path, {"username": "mia", "password": PASSWORD}, headers=headers)
    cool_off_s = int(settings.AXES_COOLOFF_TIME.total_seconds())
    assert locked.status_code == 429
    assert 1 <= int(locked["Retry-After"]) <= cool_off_s
    if flavour == "json":
        assert locked.json()["code"] == "throttled" and "failed sign-in attempts" in locked.json()["detail"]
    else:
        assert "Try again in" in locked.content.decode()
    assert "_auth_user_id" not in client.session


def test_a_locked_account_gets_no_403_from_the_api_either():
    """The API had a password path (Basic) that answered a locked account 403 "authentication_failed":
    it now has none, so the locked account's credentials there are an anonymous caller's, nothing more."""
    UserFactory(username="mia", password=PASSWORD)
    client = Client(REMOTE_ADDR="10.3.3.4")
    _lock(client, "/account/login/", "mia")
    assert client.post("/account/login/", {"username": "mia", "password": PASSWORD}).status_code == 429
    response = Client(REMOTE_ADDR="10.3.3.4").get("/api/v1/me/profile", **_basic("mia", PASSWORD))
    assert response.json()["code"] == "not_authenticated"


# --- Passwords: not the username, not all digits -------------------------------------------------------


def _sign_up(client: Client, *, username: str, email: str, password: str):
    data = {"username": username, "email": email, "password1": password, "password2": password}
    return client.post("/account/signup/", data)


@pytest.mark.parametrize(
    ("password", "message"),
    [
        ("harbourlights", "The password is too similar to the username."),
        ("harbourlights2", "The password is too similar to the username."),
        ("hl-mail-box-77", None),  # a real password: accepted
        ("8675309123", "This password is entirely numeric."),
        ("harbour@example.com", "The password is too similar to the email address."),
    ],
)
def test_sign_up_refuses_a_password_like_the_username_or_all_digits(password, message):
    client = Client()
    response = _sign_up(client, username="harbourlights", email="harbour@example.com", password=password)
    created = get_user_model().objects.filter(username="harbourlights").exists()
    if message is None:
        assert response.status_code == 302 and created
        return
    assert response.status_code == 400 and not created
    assert message in response.content.decode()
