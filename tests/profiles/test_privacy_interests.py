"""The "Your interests" page: what the profile holds in words, Remove, Restore, Pause/Resume."""

from __future__ import annotations

import re

import pytest
from django.urls import reverse

from profiles.models import Profile, Shopper
from tests.factories import ShopperFactory, UserFactory
from tests.profiles.privacy_helpers import person

pytestmark = pytest.mark.django_db

URL = "/account/interests/"


def _text(response) -> str:
    return re.sub(r"\s+", " ", response.content.decode())


@pytest.fixture
def alice(client):
    p = person("alice")
    client.force_login(p.user)
    return p


def test_the_url_is_named():
    assert reverse("profiles:interests") == URL


def test_page_says_in_plain_words_what_the_profile_holds(client, alice):
    page = _text(client.get(URL))
    assert "You often look at Running Shoes and Hiking Boots." in page  # best first, names not slugs
    assert "Brands you favour: Acme, Trailco." in page
    assert "Usually $25 – $50." in page
    assert "You tend to choose Color: red and Material: leather." in page
    assert "Last updated" in page and "2 hours ago" in page
    assert "Personalisation is on" in page and "Pause personalisation" in page
    # Recent items, newest first, with links to the products.
    first, second = alice.products[1], alice.products[0]
    assert page.index(f'href="/p/{first.pk}/">{first.title}') < page.index(f'href="/p/{second.pk}/">{second.title}')
    # Export and delete are offered.
    assert 'href="/account/export/"' in page and 'href="/account/delete/"' in page


def test_every_interest_has_a_remove_form_that_works_without_javascript(client, alice):
    page = client.get(URL).content.decode()
    for key in ["category:running-shoes", "brand:acme", "price_band:25-50", "attribute:color:red"]:
        assert f'<input type="hidden" name="interest" value="{key}">' in page
    assert 'action="/account/interests/remove"' in page and 'hx-post="/account/interests/remove"' in page

    response = client.post("/account/interests/remove", {"interest": "brand:acme"})

    assert response.status_code == 302 and response.url == URL
    profile = Profile.objects.get(shopper=alice.shopper)
    assert profile.affinities["brand"] == {"trailco": 0.5}
    assert profile.removed_interests == ["brand:acme"]
    page = _text(client.get(URL))
    assert "Brands you favour: Trailco." in page
    assert "Interests you removed" in page and 'aria-label="Restore Acme"' in page


def test_htmx_remove_answers_with_the_region_only(client, alice):
    response = client.post(
        "/account/interests/remove", {"interest": "attribute:color:red"}, headers={"HX-Request": "true"}
    )

    assert response.status_code == 200
    body = _text(response)
    assert body.lstrip().startswith('<div id="interests"') and "<html" not in body
    assert "You tend to choose Material: leather." in body
    assert response["Vary"] == "HX-Request" or "HX-Request" in response["Vary"]
    assert Profile.objects.get(shopper=alice.shopper).removed_interests == ["attribute:color:red"]


def test_restore_lets_an_interest_come_back_at_the_next_refresh(client, alice):
    client.post("/account/interests/remove", {"interest": "category:hiking-boots"})
    client.post("/account/interests/restore", {"interest": "category:hiking-boots"})

    profile = Profile.objects.get(shopper=alice.shopper)
    assert profile.removed_interests == []
    assert "hiking-boots" not in profile.affinities["category"]  # not invented: the next refresh decides


def test_a_malformed_interest_is_refused_and_changes_nothing(client, alice):
    response = client.post("/account/interests/remove", {"interest": "favourite-colour"})

    assert response.status_code == 400
    assert "could not be removed" in _text(response)
    profile = Profile.objects.get(shopper=alice.shopper)
    assert profile.removed_interests == [] and "acme" in profile.affinities["brand"]


def test_pause_and_resume(client, alice):
    response = client.post("/account/interests/personalization", {"paused": "1"})

    assert response.status_code == 302
    assert Shopper.objects.get(pk=alice.shopper.pk).personalization_paused is True
    page = _text(client.get(URL))
    assert "Personalisation is paused" in page and "Resume personalisation" in page
    assert "we do not record what you view, click, search or add to your cart" in page
    assert "Your cart and your orders are kept" in page
    # The profile itself is kept while paused.
    assert "Brands you favour: Acme, Trailco." in page

    client.post("/account/interests/personalization", {"paused": "0"}, headers={"HX-Request": "true"})
    assert Shopper.objects.get(pk=alice.shopper.pk).personalization_paused is False


def test_htmx_gets_the_error_inside_the_region(client, alice):
    response = client.post("/account/interests/remove", {"interest": "nonsense"}, headers={"HX-Request": "true"})

    assert response.status_code == 200  # htmx leaves the page alone on a 4xx
    assert 'role="alert">That interest could not be removed.' in response.content.decode()
    assert Profile.objects.get(shopper=alice.shopper).removed_interests == []


def test_pause_needs_a_clear_choice(client, alice):
    response = client.post("/account/interests/personalization", {"paused": "maybe"})

    assert response.status_code == 400
    assert Shopper.objects.get(pk=alice.shopper.pk).personalization_paused is False


def test_a_new_account_sees_that_nothing_is_learned_yet(client):
    user = UserFactory(username="newcomer")
    client.force_login(user)

    page = _text(client.get(URL))

    assert "We have not learned any interests yet." in page and "Not updated yet." in page
    assert not Profile.objects.filter(shopper__user=user).exists()  # reading creates no profile


def test_removing_before_the_first_refresh_is_remembered(client):
    shopper = ShopperFactory(user=UserFactory(username="early"))
    client.force_login(shopper.user)

    client.post("/account/interests/remove", {"interest": "brand:acme"})

    assert Profile.objects.get(shopper=shopper).removed_interests == ["brand:acme"]


def test_the_page_does_not_accept_get_for_changes(client, alice):
    assert client.get("/account/interests/remove").status_code == 405
    assert Profile.objects.get(shopper=alice.shopper).removed_interests == []
