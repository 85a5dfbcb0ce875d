"""CSRF: every state-changing request of a browser session carries the token, or is refused.

- Every route (storefront forms, htmx endpoints, the API) refuses a signed-in session's POST, PUT, PATCH
  and DELETE without the token (403; JSON with code and detail under /api/) and lets it through with it.
- A visitor's (anonymous) session: storefront forms and htmx posts are refused without the token too. The
  API's anonymous writes are not session-authenticated (DRF checks CSRF only for a signed-in session):
  they act on the visitor's own shopper, and the session and visitor cookies are SameSite=Lax, so a
  cross-site form post arrives without them and cannot reach that shopper.
- Templates: every ``<form method="post">`` holds ``{% csrf_token %}``; htmx sends the token from
  ``hx-headers`` on ``<body>`` (base.html), and every rendered page with an hx-post carries it.
- The API has no other authentication (no HTTP Basic): every signed-in write is a session's, token required.
"""

from __future__ import annotations

import base64
import json
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.test import Client
from django.utils.crypto import get_random_string

from orders.models import CartLine
from profiles.models import Shopper
from profiles.visitors import COOKIE_NAME as VISITOR_COOKIE
from profiles.visitors import visitor_from_cookie
from tests.factories import ProductFactory, UserFactory
from tests.security.conftest import body_text
from tests.security.test_route_inventory import PERSONAL, sample_path, site_routes

pytestmark = pytest.mark.django_db

UNSAFE = ["post", "put", "patch", "delete"]
ROUTES = site_routes()
TEMPLATES = Path(settings.BASE_DIR) / "templates"


def _client(*, signed_in: bool, token: str | None = None) -> Client:
    client = Client(enforce_csrf_checks=True)
    if signed_in:
        client.force_login(UserFactory())
    else:
        client.get("/cart/")  # a visitor: its session and visitor cookie, as after a first page
    if token is not None:
        client.cookies[settings.CSRF_COOKIE_NAME] = token
    return client


def _send(client: Client, method: str, path: str, token: str | None = None):
    headers = {"HTTP_X_CSRFTOKEN": token} if token else {}
    return getattr(client, method)(path, data="", content_type="application/x-www-form-urlencoded", **headers)


def _is_csrf_refusal(response, path: str) -> bool:
    if response.status_code != 403:
        return False
    if path.startswith("/api/v1/"):
        body = response.json()
        return body["code"] == "permission_denied" and body["detail"].startswith("CSRF Failed")
    # Storefront pages: Django's refusal page; the schema renders DRF's error as OpenAPI. The docs page's
    # HTML renderer shows a bare "403 Forbidden": the same request with the token is not refused (checked
    # by the caller), so the 403 is the CSRF check's.
    return "CSRF" in body_text(response) or path == "/api/docs/"


@pytest.mark.parametrize("route", ROUTES, ids=[r.pattern or "home" for r in ROUTES])
def test_a_signed_in_session_needs_the_token_on_every_unsafe_method(route):
    path = sample_path(route.pattern)
    for method in UNSAFE:
        token = get_random_string(32)
        forged = _send(_client(signed_in=True, token=token), method, path)
        assert _is_csrf_refusal(forged, path), (method, path, forged.status_code, body_text(forged)[:300])

        # A fresh account each time: a DELETE /api/v1/me with the token does erase the caller.
        honest = _send(_client(signed_in=True, token=token), method, path, token=token)
        assert honest.status_code != 403, (method, path, body_text(honest)[:300])
        assert honest.status_code < 500, (method, path, body_text(honest)[:300])


STOREFRONT_WRITES = [r for r in ROUTES if not r.pattern.startswith("api/")]


@pytest.mark.parametrize("route", STOREFRONT_WRITES, ids=[r.pattern or "home" for r in STOREFRONT_WRITES])
def test_a_visitor_session_needs_the_token_on_storefront_posts(route):
    path = sample_path(route.pattern)
    token = get_random_string(32)
    forged = _send(_client(signed_in=False, token=token), "post", path)
    assert _is_csrf_refusal(forged, path), (path, forged.status_code)
    honest = _send(_client(signed_in=False, token=token), "post", path, token=token)
    assert honest.status_code != 403 and honest.status_code < 500, (path, honest.status_code)


def test_a_forged_storefront_post_changes_nothing():
    """Beyond the status: the refused request did not add to the cart of the signed-in shopper."""
    product = ProductFactory(title="Forgery target kettle")
    client = _client(signed_in=True, token=get_random_string(32))
    assert _send(client, "post", "/cart/add/").status_code == 403
    client.post("/cart/add/", {"product_id": product.pk})
    assert not CartLine.objects.filter(product=product).exists()


def test_the_token_a_page_renders_is_the_one_a_form_post_needs():
    """As a browser: GET the product page, post its add-to-cart form with the token from the page."""
    product = ProductFactory(title="Real token kettle")
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    page = client.get(f"/p/{product.pk}/").content.decode()
    form_token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page).group(1)
    header_token = json.loads(re.search(r"<body hx-headers='([^']+)'", page).group(1))["X-CSRFToken"]

    assert client.post("/cart/add/", {"product_id": product.pk}).status_code == 403
    assert client.post("/cart/add/", {"product_id": product.pk, "csrfmiddlewaretoken": form_token}).status_code == 302
    htmx = client.post("/cart/add/", {"product_id": product.pk}, HTTP_X_CSRFTOKEN=header_token, HTTP_HX_REQUEST="true")
    assert htmx.status_code == 200
    assert CartLine.objects.get(product=product).quantity == 2  # the two posts with a token, not the one without


def test_personal_api_writes_of_a_signed_in_session_are_refused_without_the_token():
    """The same, by name, for the session-authenticated API writes that hold personal data."""
    writes = [p for p in PERSONAL if p.startswith("api/v1/")]
    assert "api/v1/me" in writes and "api/v1/cart/lines" in writes
    user = UserFactory(username="csrf-victim")
    for pattern in writes:
        client = Client(enforce_csrf_checks=True)
        client.force_login(user)
        response = client.post(sample_path(pattern), {}, content_type="application/json")
        assert response.status_code == 403 and response.json()["detail"].startswith("CSRF Failed"), pattern
    assert type(user).objects.filter(pk=user.pk).exists()


def test_visitor_api_writes_are_the_visitors_own_and_its_cookies_are_same_site():
    """By design (see the module's doc): an anonymous API write needs no token, acts on the visitor's own
    shopper, and no cookie that names that shopper travels on a cross-site post."""
    product = ProductFactory(title="Visitor kettle")
    client = Client(enforce_csrf_checks=True)
    first = client.get("/cart/")
    response = client.post("/api/v1/cart/lines", {"product_id": product.pk}, content_type="application/json")
    assert response.status_code == 201
    shopper = Shopper.objects.get(session_key=visitor_from_cookie(client.cookies[VISITOR_COOKIE].value))
    assert shopper.user is None and list(CartLine.objects.values_list("cart__shopper", flat=True)) == [shopper.pk]
    assert first.cookies[VISITOR_COOKIE]["samesite"] == "Lax"
    assert settings.SESSION_COOKIE_SAMESITE == "Lax" and settings.CSRF_COOKIE_SAMESITE == "Lax"


# --- Templates ------------------------------------------------------------------------------------

FORM = re.compile(r"<form\b(?P<attrs>[^>]*)>(?P<body>.*?)</form>", re.S | re.I)
HX_WRITE = re.compile(r"\bhx-(post|put|patch|delete)=", re.I)


def _templates() -> list[Path]:
    return sorted(TEMPLATES.rglob("*.html"))


def test_every_post_form_in_the_templates_holds_the_token():
    forms, missing = 0, []
    for template in _templates():
        for match in FORM.finditer(template.read_text()):
            if re.search(r"""method\s*=\s*["']?post""", match["attrs"], re.I):
                forms += 1
                if "{% csrf_token %}" not in match["body"]:
                    missing.append(f"{template.relative_to(TEMPLATES)}: <form{match['attrs'][:80]}>")
    assert forms >= 15  # the scan itself found the forms
    assert not missing, "post forms without {% csrf_token %}:\n" + "\n".join(missing)


def test_htmx_writes_carry_the_token():
    """hx-post & co. send the X-CSRFToken of <body hx-headers> (base.html); each one here is also a form
    with its own token, so it works without JavaScript (and without htmx's header)."""
    base = (TEMPLATES / "base.html").read_text()
    assert """<body hx-headers='{"X-CSRFToken": "{{ csrf_token }}"}'>""" in base
    writers, missing = 0, []
    for template in _templates():
        text = template.read_text()
        for tag in re.finditer(r"<(\w+)\b[^>]*>", text):
            if not HX_WRITE.search(tag.group(0)):
                continue
            writers += 1
            form = next((f for f in FORM.finditer(text) if f.start() == tag.start()), None)
            if form is None or "{% csrf_token %}" not in form["body"]:
                missing.append(f"{template.relative_to(TEMPLATES)}: {tag.group(0)[:100]}")
    assert writers >= 7
    assert not missing, "htmx writes that are not forms holding the token:\n" + "\n".join(missing)


def test_every_rendered_page_with_an_htmx_write_has_the_token_on_body():
    product = ProductFactory(title="Page kettle")
    client = Client(enforce_csrf_checks=True)
    client.force_login(UserFactory())
    client.get("/")  # the CSRF cookie, as a first page sets it
    token = client.cookies[settings.CSRF_COOKIE_NAME].value
    client.post("/cart/add/", {"product_id": product.pk, "csrfmiddlewaretoken": token})
    paths = ["/", f"/p/{product.pk}/", "/cart/", "/assistant/", "/account/interests/"]
    for path in paths:
        html = client.get(path).content.decode()
        assert HX_WRITE.search(html), path  # the page does carry an htmx write
        header = re.search(r"<body hx-headers='([^']+)'", html)
        assert header, path
        # What htmx sends from this page is accepted: the token in hx-headers is valid for this session.
        sent = json.loads(header.group(1))["X-CSRFToken"]
        response = client.post("/assistant/reset", HTTP_X_CSRFTOKEN=sent, HTTP_HX_REQUEST="true")
        assert response.status_code == 200, path
    assert client.post("/assistant/reset", HTTP_HX_REQUEST="true").status_code == 403


# --- HTTP Basic is no credential (tests/security/test_identity.py): only the session signs a caller in --------


def test_a_basic_header_neither_signs_in_nor_excuses_a_session_from_the_token():
    product = ProductFactory(title="Basic kettle")
    user = UserFactory(username="api-user")
    credentials = base64.b64encode(b"api-user:pw-for-tests-123").decode()

    # Anonymous as far as the API knows: the line lands on that caller's own visitor cart, not the account's.
    with_basic = Client(enforce_csrf_checks=True).post(
        "/api/v1/cart/lines",
        {"product_id": product.pk},
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )
    assert with_basic.status_code == 201
    assert CartLine.objects.get(product=product).cart.shopper.user is None

    session = Client(enforce_csrf_checks=True)
    session.force_login(user)
    refused = session.post(
        "/api/v1/cart/lines", {"product_id": product.pk}, content_type="application/json",
        HTTP_AUTHORIZATION=f"Basic {credentials}",
    )  # fmt: skip
    assert refused.status_code == 403 and refused.json()["detail"].startswith("CSRF Failed")
    assert not CartLine.objects.filter(cart__shopper__user=user).exists()
