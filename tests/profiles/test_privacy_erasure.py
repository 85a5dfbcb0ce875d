"""Deleting an account leaves no row, in any table, that names the person."""

from __future__ import annotations

import json

import pytest
from django.apps import apps
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.contrib.sessions.models import Session
from django.db import models
from django.test import Client

from orders.models import Cart, Order
from profiles.models import Event, Profile, Shopper
from profiles.signals import shopper_merging
from recommend.models import SearchLog
from tests.factories import ShopperFactory
from tests.profiles.privacy_helpers import person

pytestmark = pytest.mark.django_db


def rows_naming(*, user_id, shopper_ids, texts) -> list[str]:
    """Every row of every installed model that points at the user or their shoppers, or quotes them."""
    user_model, found = get_user_model(), []
    for model in apps.get_models(include_auto_created=True):
        for row in model._default_manager.all().values():
            where = f"{model._meta.label} #{row.get(model._meta.pk.attname)}"
            if model is user_model and row["id"] == user_id or model is Shopper and row["id"] in shopper_ids:
                found.append(where)
            for f in model._meta.concrete_fields:
                if isinstance(f, models.ForeignKey | models.OneToOneField):
                    target = f.related_model
                    if target is user_model and row[f.attname] == user_id:
                        found.append(f"{where}.{f.name}")
                    if target is Shopper and row[f.attname] in shopper_ids:
                        found.append(f"{where}.{f.name}")
            blob = json.dumps(row, default=str)
            if model is Session:
                blob += json.dumps(Session.objects.get(pk=row["session_key"]).get_decoded(), default=str)
                if Session.objects.get(pk=row["session_key"]).get_decoded().get("_auth_user_id") == str(user_id):
                    found.append(f"{where} (signed in)")
            found += [f"{where} quotes {t!r}" for t in texts if t in blob]
    return found


def _traces(p) -> dict:
    return {
        "user_id": p.user.pk,
        "shopper_ids": {p.shopper.pk},
        "texts": [
            "alice-erase",
            "alice-erase@mail.example",
            "anon-key-alice-erase",
            "sess-alice-erase",
            p.secret_query,
        ],
    }


@pytest.fixture
def alice():
    p = person("alice-erase")
    # The admin's history of a change to her account also names her.
    LogEntry.objects.create(
        content_type=ContentType.objects.get_for_model(get_user_model()), object_id=str(p.user.pk),
        object_repr="alice-erase", action_flag=CHANGE, user=person("merch-erase", staff=True).user,
    )  # fmt: skip
    return p


@pytest.fixture
def bob():
    return person("bob-keep")


def test_the_scan_finds_a_living_person(alice):
    Client().force_login(alice.user)

    found = rows_naming(**_traces(alice))

    for label in ["auth.User", "profiles.Shopper", "profiles.Event", "profiles.Profile", "orders.Cart", "orders.Order",
                  "recommend.SearchLog", "admin.LogEntry", "sessions.Session"]:  # fmt: skip
        assert any(hit.startswith(label) for hit in found), label


@pytest.mark.parametrize("route", ["page", "api"])
def test_deleting_the_account_erases_every_trace(alice, bob, route):
    browser, other_device = Client(), Client()
    browser.force_login(alice.user)
    other_device.force_login(alice.user)
    bob_browser = Client()
    bob_browser.force_login(bob.user)

    if route == "page":
        confirm = browser.get("/account/delete/").content.decode()
        assert "3 events" in confirm and "1 search log" in confirm
        # The order is not deleted: it stays for the shop's accounts, without her (tests/orders/test_erasure.py).
        assert "1 order" not in confirm and "Orders you placed are kept" in confirm
        response = browser.post("/account/delete/")
        assert response.status_code == 302 and response.url == "/account/deleted/"
        assert "Your account has been deleted" in browser.get(response.url).content.decode()
    else:
        response = browser.delete("/api/v1/me")
        assert response.status_code == 204

    assert rows_naming(**_traces(alice)) == []
    assert Order.objects.filter(shopper__isnull=True).count() == 1  # hers, detached
    # Signed out here and on the other device.
    assert browser.get("/api/v1/me/profile").status_code == 403
    assert other_device.get("/account/interests/").status_code == 302
    # Bob is untouched.
    assert Event.objects.filter(shopper=bob.shopper).count() == 3
    assert Profile.objects.filter(shopper=bob.shopper).exists()
    assert Order.objects.filter(shopper=bob.shopper).get().lines.count() == 1
    assert Cart.objects.filter(shopper=bob.shopper).exists()
    assert SearchLog.objects.filter(shopper=bob.shopper).count() == 1
    assert bob_browser.get("/api/v1/me/profile").json()["affinities"]["brand"] == {"acme": 1.0, "trailco": 0.5}


def test_the_browsers_unmerged_anonymous_shopper_goes_too(alice):
    browser = Client()
    browser.force_login(alice.user)
    anonymous = ShopperFactory(user=None, session_key="anon-key-of-this-browser")
    session = browser.session
    session["shopper_id"] = anonymous.pk
    session.save()

    browser.post("/account/delete/")

    assert not Shopper.objects.filter(pk=anonymous.pk).exists()


def test_the_confirmation_step_deletes_nothing(alice):
    browser = Client()
    browser.force_login(alice.user)

    page = browser.get("/account/delete/").content.decode()

    assert 'method="post" action="/account/delete/"' in page and "Delete my account and all my data" in page
    assert get_user_model().objects.filter(pk=alice.user.pk).exists()


def test_staff_accounts_are_not_erased_from_the_shop():
    merch = person("merch-self", staff=True)
    browser = Client()
    browser.force_login(merch.user)

    api = browser.delete("/api/v1/me")
    page = browser.post("/account/delete/")

    assert api.status_code == 403 and api.json()["code"] == "staff_account"
    assert page.status_code == 403 and "closed by an administrator" in page.content.decode()
    assert get_user_model().objects.filter(pk=merch.user.pk).exists()
    assert Event.objects.filter(shopper=merch.shopper).count() == 3


def test_merging_moves_searches_instead_of_cascading_them_away():
    account = ShopperFactory()
    anonymous = ShopperFactory(user=None, session_key="anon-merge")
    log = SearchLog.objects.create(query="red boots", latency_ms=1.0, shopper=anonymous, session_key="s")

    shopper_merging.send(sender=Shopper, source=anonymous, target=account)
    anonymous.delete()

    log.refresh_from_db()
    assert log.shopper_id == account.pk
