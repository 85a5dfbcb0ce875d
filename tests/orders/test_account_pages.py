"""Accounts: sign up, sign in, sign out, the header, the account page with order history."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from orders import services

from .conftest import client_for

pytestmark = pytest.mark.django_db


def test_header_offers_sign_in_and_sign_up_to_visitors():
    html = Client().get("/").content.decode()
    assert 'href="/account/login/">Sign in</a>' in html and 'href="/account/signup/">Sign up</a>' in html
    assert "Sign out" not in html


def test_header_offers_account_and_a_post_sign_out_when_signed_in(alice):
    html = client_for(alice).get("/").content.decode()
    assert 'href="/account/">Account</a>' in html
    assert '<form method="post" action="/account/logout/"><input type="hidden" name="csrfmiddlewaretoken"' in html
    assert "Sign up" not in html


def test_sign_up_creates_the_account_and_signs_in():
    client = Client()
    response = client.post(
        "/account/signup/",
        {
            "username": "carol",
            "email": "carol@example.com",
            "password1": "a-long-pass-9876",
            "password2": "a-long-pass-9876",
        },
    )
    assert response.status_code == 302 and response["Location"] == "/account/"
    assert get_user_model().objects.get(username="carol").email == "carol@example.com"
    page = client.get("/account/").content.decode()
    assert "Signed in as <strong>carol</strong> (carol@example.com)" in page
    assert "Welcome, carol! Your account is ready." in page


def test_sign_up_errors_are_shown_and_nothing_is_created(alice):
    response = Client().post(
        "/account/signup/",
        {
            "username": "dave",
            "email": "alice@example.com",
            "password1": "a-long-pass-9876",
            "password2": "different-1234",
        },
    )
    html = response.content.decode()
    assert response.status_code == 400
    assert "The two password fields didn’t match." in html
    assert "already exists" not in html  # alice's email is never confirmed (tests/security/test_identity.py)
    assert not get_user_model().objects.filter(username="dave").exists()


def test_sign_in_then_sign_out(alice):
    client = Client()
    assert 'name="username"' in client.get("/account/login/").content.decode()
    response = client.post("/account/login/", {"username": "alice", "password": "pw-for-tests-123"})
    assert response["Location"] == "/account/"
    assert "Signed in as <strong>alice</strong>" in client.get("/account/").content.decode()
    response = client.post("/account/logout/")
    assert response["Location"] == "/"
    assert client.get("/account/")["Location"] == "/account/login/?next=/account/"


def test_wrong_password_is_refused(alice):
    html = Client().post("/account/login/", {"username": "alice", "password": "nope"}).content.decode()
    assert "Please enter a correct username and password" in html


def test_account_page_lists_own_orders_with_status_and_privacy_links(alice, bob, shelf):
    services.cart_line_add(shopper=alice, product_id=shelf["kettle"].pk, quantity=2)
    mine = services.order_place(shopper=alice)
    services.cart_line_add(shopper=bob, product_id=shelf["mug"].pk)
    theirs = services.order_place(shopper=bob)

    html = client_for(alice).get("/account/").content.decode()
    assert f'<a href="/account/orders/{mine.number}/">{mine.number}</a>' in html
    assert "Steel kettle × 2" in html and "$49.00" in html and "Placed" in html
    assert theirs.number not in html and "Stoneware mug" not in html
    assert 'href="/account/interests/"' in html  # profiles/_account_links.html


def test_account_page_without_orders_says_so(alice):
    assert "You have not ordered anything yet." in client_for(alice).get("/account/").content.decode()
