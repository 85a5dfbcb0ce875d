"""Identity under abuse: how a caller proves who they are, and what the sign-in and sign-up paths give away.

- The API knows a caller by the session cookie only: an ``Authorization: Basic`` header is ignored, so a
  password can be tried only through the sign-in forms, where the per-address throttle and axes' lockout
  stand (no password spraying across usernames through the API).
- A locked account answers 429 with ``Retry-After`` on every way in (storefront and admin sign-in, page and
  JSON); the API has no password path at all, so a locked account's credentials there are just anonymous.
- Sign-up refuses a password like the username or email, or all digits, and says why.
- Every PERSONAL route answers ``Cache-Control: private, no-store`` (owner and anonymous visitor alike), and
  any response to a signed-in person is at least ``private``; anonymous catalog responses stay cacheable.
- A merchandiser's redirect rule sends shoppers to this shop's own paths only: the admin refuses any other
  target with a readable message, and search (page and API) skips a stored rule whose target is not one.
- Sign-up never says whether an email has an account (one that has signs up like any other, as a new and
  separate account); it does say a username is taken, the sign-in handle the visitor must choose, and it is
  throttled per address so that cannot be used to list accounts.
"""

from __future__ import annotations

import base64
import re
import secrets

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse

from orders import services as order_services
from profiles.services import shopper_for_user
from recommend.merchandising import state
from recommend.models import Rule
from shopguide.local_paths import LOCAL_PATH_HELP
from shopguide.roles import MERCHANDISER
from tests.factories import ProductFactory, UserFactory
from tests.security.conftest import client_as
from tests.security.test_personal_matrix import OPS, Op, call
from tests.security.test_route_inventory import PERSONAL

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


def _same_page(html: str, *names: str) -> str:
    """A page as any visitor would compare it: without the per-visitor CSRF token and the given names."""
    html = re.sub(r'("X-CSRFToken": "|name="csrfmiddlewaretoken" value=")[^"]+', r"\1T", html)
    for name in names:
        html = html.replace(name, "N")
    return html


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


# --- Sign-up confirms no account's email, and is throttled per address ------------------------------------


def test_sign_up_with_an_email_another_account_has_looks_like_any_sign_up_and_leaves_that_account_alone():
    alice = UserFactory(username="alice", email="alice@example.com", password=PASSWORD)
    taken, fresh = Client(), Client()
    with_taken = _sign_up(taken, username="mallory", email="ALICE@example.com ", password="quiet-harbour-88")
    with_fresh = _sign_up(fresh, username="nadia", email="nadia@example.com", password="quiet-harbour-88")

    assert (with_taken.status_code, with_taken["Location"]) == (with_fresh.status_code, with_fresh["Location"])
    page_taken = taken.get(with_taken["Location"]).content.decode()
    page_fresh = fresh.get(with_fresh["Location"]).content.decode()
    assert "Welcome, mallory! Your account is ready." in page_taken
    as_fresh = _same_page(page_fresh, "nadia@example.com", "nadia")
    assert _same_page(page_taken, "ALICE@example.com", "mallory") == as_fresh
    assert "already" not in page_taken
    # A separate account; alice's is exactly as it was, and only her own password signs her in.
    mallory = get_user_model().objects.get(username="mallory")
    assert mallory.pk != alice.pk and taken.session["_auth_user_id"] == str(mallory.pk)
    alice.refresh_from_db()
    assert (alice.username, alice.email, alice.check_password(PASSWORD)) == ("alice", "alice@example.com", True)


def test_a_refused_sign_up_does_not_say_whether_its_email_has_an_account():
    UserFactory(username="alice", email="alice@example.com")
    answers = []
    for email in ("alice@example.com", "nobody@example.com"):
        response = _sign_up(Client(), username="dave", email=email, password="12345678901")
        answers.append((response.status_code, _same_page(response.content.decode(), email)))
    assert answers[0] == answers[1] and answers[0][0] == 400
    assert "This password is entirely numeric." in answers[0][1]


def test_a_taken_username_is_said_because_it_is_the_sign_in_handle():
    """The deliberate exception: a visitor must be able to pick a free username. Sign-up is throttled per
    address (below), so this cannot list accounts at any speed; the email is still never confirmed."""
    UserFactory(username="alice", email="alice@example.com")
    for email in ("alice@example.com", "someone@example.com"):
        response = _sign_up(Client(), username="alice", email=email, password="quiet-harbour-88")
        html = response.content.decode()
        assert response.status_code == 400 and "A user with that username already exists." in html
        assert "email" not in html.split("A user with that username already exists.")[1].split("</span>")[0]
    assert get_user_model().objects.filter(username="alice").count() == 1


def test_sign_up_posts_are_limited_per_address_whatever_the_outcome(monkeypatch):
    from rest_framework.throttling import SimpleRateThrottle

    monkeypatch.setitem(SimpleRateThrottle.THROTTLE_RATES, "signup", "3/hour")
    # Counters live in the shared Redis, which outlives a run: an address of this run's own.
    address = f"10.{secrets.randbelow(250)}.{secrets.randbelow(250)}.{secrets.randbelow(250) + 1}"
    client = Client(REMOTE_ADDR=address)
    UserFactory(username="alice")
    for n, username in enumerate(["alice", "p1", "p2"]):  # taken, fresh, fresh: each counts
        assert _sign_up(Client(REMOTE_ADDR=address), username=username, email=f"{n}@example.com",
                        password="quiet-harbour-88").status_code in (302, 400)  # fmt: skip
    refused = _sign_up(client, username="p3", email="p3@example.com", password="quiet-harbour-88")
    assert refused.status_code == 429 and 1 <= int(refused["Retry-After"]) <= 3600
    assert "Try again in" in refused.content.decode()
    assert not get_user_model().objects.filter(username="p3").exists()
    assert client.get("/account/signup/").status_code == 200  # the form itself still shows
    other = _sign_up(Client(REMOTE_ADDR="10.255.255.254"), username="p4", email="p4@example.com",
                     password="quiet-harbour-88")  # fmt: skip
    assert other.status_code == 302


# --- Cache-Control: personal responses are nobody else's to keep -----------------------------------------


def _cache_control(response) -> set[str]:
    return {part.strip().split("=")[0].lower() for part in response.get("Cache-Control", "").split(",") if part.strip()}


def test_every_personal_route_has_an_operation_here():
    assert {op.route for op in OPS} == set(PERSONAL)


@pytest.mark.parametrize("op", OPS, ids=[op.id for op in OPS])
def test_a_personal_route_tells_caches_to_keep_nothing_of_the_owners(world, op: Op, embedding_model):
    response = call(client_as(world, "owner"), op, world)
    assert response.status_code in op.owner_status
    assert {"private", "no-store"} <= _cache_control(response), (op.id, response.get("Cache-Control"))


def test_a_personal_route_tells_caches_to_keep_nothing_of_an_anonymous_visitors(world, embedding_model):
    """A visitor's own cart, conversation and history are theirs too; and a sign-in redirect is no one's to keep."""
    missing = []
    for op in OPS:
        response = call(client_as(world, "anonymous"), op, world)
        if not {"private", "no-store"} <= _cache_control(response):
            missing.append(f"{op.id}: {response.status_code} {response.get('Cache-Control')!r}")
    assert not missing, "\n".join(missing)


@pytest.mark.parametrize("path", ["/", "/search?q=kettle", "/api/v1/products", "/api/v1/recommendations/trending"])
def test_a_signed_in_persons_other_pages_are_private_and_a_visitors_stay_cacheable(path, world, embedding_model):
    owner, visitor = client_as(world, "owner"), Client()
    for client in (owner, visitor):
        client.get("/healthz")  # the first response hands out the visitor cookie (and is private for that reason)
    signed_in = owner.get(path)
    assert signed_in.status_code == 200 and "private" in _cache_control(signed_in)
    anonymous = visitor.get(path)
    assert anonymous.status_code == 200 and not {"private", "no-store"} & _cache_control(anonymous)


# --- Redirect rules: this shop's own paths only --------------------------------------------------------------

OFF_SITE = [
    "https://evil.example/",
    "http://evil.example",
    "//evil.example/",
    "/\\evil.example/",
    "/\\/evil.example/",
    "\\\\evil.example",
    "/\t/evil.example/",
    "/c/\r\nsale/",
    "/ /evil.example",
    "javascript:alert(1)",
    "evil.example/sale",
    "c/sale/",
]
ON_SITE = ["/c/sale/", "/search?q=gift+card", "/p/12/#reviews", "/pages/returns/"]


def _redirect_form(url: str) -> dict:
    return {"name": "Sale", "action": "redirect", "scope": "query", "query": "sale", "match": "exact", "url": url,
            "position": 1, "strength": 10, "enabled": "on"}  # fmt: skip


@pytest.fixture
def merchandiser_client(db) -> Client:
    user = UserFactory(username="mia", is_staff=True)
    user.groups.add(Group.objects.get(name=MERCHANDISER))
    client = Client()
    client.force_login(user)
    return client


@pytest.mark.parametrize("url", OFF_SITE)
def test_the_admin_refuses_a_redirect_off_the_shop_with_a_readable_message(merchandiser_client, url):
    response = merchandiser_client.post(reverse("admin:recommend_rule_add"), _redirect_form(url))
    assert response.status_code == 200
    assert response.context["adminform"].form.errors["url"] == [LOCAL_PATH_HELP]
    assert not Rule.objects.exists()


@pytest.mark.parametrize("url", ON_SITE)
def test_the_admin_saves_a_redirect_to_a_path_on_the_shop(merchandiser_client, url):
    response = merchandiser_client.post(reverse("admin:recommend_rule_add"), _redirect_form(url))
    assert response.status_code == 302, response.context and response.context["adminform"].form.errors
    assert Rule.objects.get().url == url


def test_the_model_refuses_it_too():
    rule = Rule(name="Sale", action="redirect", scope="query", query="sale", url="//evil.example/")
    with pytest.raises(ValidationError) as refused:
        rule.full_clean()
    assert refused.value.message_dict["url"] == [LOCAL_PATH_HELP]


def test_search_skips_a_stored_redirect_off_the_shop(search_catalog, caplog):
    """Rows saved before the check (or written around the admin): never followed, never handed out."""
    for n, url in enumerate(OFF_SITE):
        Rule.objects.create(name=f"Old {n}", action="redirect", scope="query", query="gift card", url=url)
    state.reset()
    body = Client().get("/api/v1/search", {"q": "gift card"}).json()
    assert body["redirect"] is None
    page = Client().get("/search", {"q": "gift card"})
    assert page.status_code == 200 and "Location" not in page
    assert "HX-Redirect" not in Client().get("/search", {"q": "gift card"}, HTTP_HX_REQUEST="true")
    assert "is not a path on this shop" in caplog.text
    # A good rule for the same query still answers.
    good = Rule.objects.create(name="Gift cards", action="redirect", scope="query", query="gift card", url="/c/gift/")
    state.reset()
    assert Client().get("/api/v1/search", {"q": "gift card"}).json()["redirect"] == {
        "url": "/c/gift/",
        "rule_id": good.pk,
        "rule": "Gift cards",
    }
    assert Client().get("/search", {"q": "gift card"})["Location"] == "/c/gift/"
