"""A merchandiser runs an experiment in the admin: define variants, start, read the report, end and promote.

The merchandiser is staff with the recommend app's permissions (not a superuser); the client enforces
CSRF as a browser would.
"""

from __future__ import annotations

import re
from datetime import timedelta
from decimal import Decimal

import pytest
from django.contrib.auth.models import Permission
from django.test import Client
from django.utils import timezone

from profiles.models import Event
from recommend.experiments import knobs
from recommend.experiments.knobs import Knobs
from recommend.models import Experiment, RankingSettings
from tests.factories import UserFactory
from tests.recommend.experiments_setup import experiment, shoppers_in

pytestmark = pytest.mark.django_db

PERMISSIONS = [
    f"{action}_{model}"
    for model in ("experiment", "variant", "rankingsettings")
    for action in ("view", "add", "change", "delete")
]


def _client(user) -> Client:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user)
    return client


@pytest.fixture
def merchandiser() -> Client:
    user = UserFactory(username="merch", is_staff=True)
    user.user_permissions.add(*Permission.objects.filter(content_type__app_label="recommend", codename__in=PERMISSIONS))
    return _client(user)


def _post(client: Client, url: str, data: dict | None = None):
    """GET the page (its form and CSRF cookie), then POST it with the token, as a browser does."""
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(url, {**(data or {}), "csrfmiddlewaretoken": token})


def _variant(i: int, name: str, *, control: bool = False, **knob_values) -> dict:
    values = {**Knobs().__dict__, **knob_values}
    row = {f"variants-{i}-{field}": value for field, value in values.items()}
    row.update({f"variants-{i}-name": name, f"variants-{i}-weight": 50})
    if control:
        row[f"variants-{i}-is_control"] = "on"
    return row


def test_a_merchandiser_runs_an_experiment_from_start_to_promotion(merchandiser):
    # 1. Define it: a control and a variant without personalisation.
    response = _post(
        merchandiser,
        "/admin/recommend/experiment/add/",
        {
            "name": "No personal lift",
            "description": "Does the personal lift sell more?",
            "variants-TOTAL_FORMS": 2,
            "variants-INITIAL_FORMS": 0,
            "variants-MIN_NUM_FORMS": 2,
            "variants-MAX_NUM_FORMS": 1000,
            **_variant(0, "control", control=True),
            **_variant(1, "no lift", personalization=0.0),
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    exp = Experiment.objects.get(name="No personal lift")
    assert exp.status == Experiment.Status.DRAFT
    assert list(exp.variants.values_list("name", "is_control", "personalization")) == [
        ("control", True, 1.0),
        ("no lift", False, 0.0),
    ]
    change_url = f"/admin/recommend/experiment/{exp.pk}/change/"
    assert f"/admin/recommend/experiment/{exp.pk}/start/" in merchandiser.get(change_url).content.decode()

    # 2. Start it (a confirmation page, then a POST).
    confirm = merchandiser.get(f"/admin/recommend/experiment/{exp.pk}/start/").content.decode()
    assert "Start “No personal lift”?" in confirm
    response = _post(merchandiser, f"/admin/recommend/experiment/{exp.pk}/start/")
    assert response.status_code == 302 and response.url == change_url
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.RUNNING
    winner = exp.variants.get(name="no lift")
    assert {knobs.variant_for(pk).name for pk in range(1, 100)} == {"control", "no lift"}

    # 3. Shoppers act; the report shows them.
    Experiment.objects.filter(pk=exp.pk).update(started_at=timezone.now() - timedelta(hours=2))
    for shopper in shoppers_in(exp, "no lift", 3):
        Event.objects.create(
            shopper=shopper, kind=Event.Kind.PURCHASE, price=Decimal("20.00"), created_at=timezone.now()
        )
    page = merchandiser.get(change_url).content.decode()
    rows = re.findall(r'<tr class="variant-row" data-variant="(\d+)">(.*?)</tr>', page, re.S)
    assert [int(pk) for pk, _ in rows] == [v.pk for v in exp.variants.order_by("id")]
    cells = [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", rows[1][1], re.S)]
    assert cells[:5] == ["no lift", "50", "3", "0", "0"]  # name, traffic, exposed, searches, clicks
    assert cells[6] == "3" and cells[8] == "$20.00"  # purchasers, revenue per shopper
    assert cells[-1] == "not enough data yet"
    promote_url = f"/admin/recommend/experiment/{exp.pk}/promote/{winner.pk}/"
    assert promote_url in page and "End and promote no lift" in page

    # 4. End it and promote the variant: its knobs become the live settings.
    assert "promote “no lift”" in merchandiser.get(promote_url).content.decode()
    response = _post(merchandiser, promote_url)
    assert response.status_code == 302
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.ENDED and exp.promoted_variant == winner
    assert RankingSettings.objects.get(pk=1).personalization == 0.0
    assert {knobs.knobs_for(pk).personalization for pk in range(1, 50)} == {0.0}
    assert "is now the live ranking" in merchandiser.get(change_url).content.decode()


def test_a_post_without_the_csrf_token_is_refused(merchandiser):
    exp = experiment(B={"personalization": 0.0})
    winner = exp.variants.get(name="B")
    response = merchandiser.post(f"/admin/recommend/experiment/{exp.pk}/promote/{winner.pk}/")
    assert response.status_code == 403
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.RUNNING
    assert Knobs.of(RankingSettings.objects.get(pk=1)) == Knobs.defaults()  # nothing promoted


def test_a_second_start_says_why_it_cannot(merchandiser):
    experiment("first")
    second = experiment("second", start=False)
    response = _post(merchandiser, f"/admin/recommend/experiment/{second.pk}/start/")
    assert response.status_code == 302
    page = merchandiser.get(response.url).content.decode()
    assert "“first” is running: end it first" in page
    second.refresh_from_db()
    assert second.status == Experiment.Status.DRAFT


def test_the_live_settings_page_edits_the_knobs_and_freezes_during_an_experiment(merchandiser):
    response = merchandiser.get("/admin/recommend/rankingsettings/")
    assert response.status_code == 302 and response.url == "/admin/recommend/rankingsettings/1/change/"
    response = _post(
        merchandiser,
        "/admin/recommend/rankingsettings/1/change/",
        {"dense_weight": 0.5, "keyword_weight": 1.5, "personalization": 0.0, "recs_diversity": 2},
    )
    assert response.status_code == 302
    assert knobs.knobs_for(1) == Knobs(dense_weight=0.5, keyword_weight=1.5, personalization=0.0, recs_diversity=2)

    experiment()
    page = merchandiser.get("/admin/recommend/rankingsettings/1/change/").content.decode()
    assert "An experiment is running" in page and 'name="_save"' not in page


@pytest.mark.parametrize("who", ["anonymous", "shopper", "staff without permissions"])
def test_only_merchandisers_reach_experiments(who):
    exp = experiment(B={"personalization": 0.0})
    winner = exp.variants.get(name="B")
    client = Client()
    if who == "shopper":
        client.force_login(UserFactory(username="alice"))
    elif who == "staff without permissions":
        client.force_login(UserFactory(username="clerk", is_staff=True))
    urls = [
        f"/admin/recommend/experiment/{exp.pk}/change/",
        f"/admin/recommend/experiment/{exp.pk}/end/",
        f"/admin/recommend/experiment/{exp.pk}/promote/{winner.pk}/",
        "/admin/recommend/rankingsettings/",
    ]
    for url in urls:
        for response in (client.get(url), client.post(url)):
            if who == "staff without permissions":
                assert response.status_code == 403, url
            else:
                assert response.status_code == 302 and response.url.startswith("/admin/login/"), url
    exp.refresh_from_db()
    assert exp.status == Experiment.Status.RUNNING
    assert Knobs.of(RankingSettings.objects.get(pk=1)) == Knobs.defaults()


def test_two_controls_are_a_form_error_not_a_crash(merchandiser):
    response = _post(
        merchandiser,
        "/admin/recommend/experiment/add/",
        {
            "name": "Two controls",
            "variants-TOTAL_FORMS": 2,
            "variants-INITIAL_FORMS": 0,
            "variants-MIN_NUM_FORMS": 2,
            "variants-MAX_NUM_FORMS": 1000,
            **_variant(0, "A", control=True),
            **_variant(1, "B", control=True),
        },
    )
    assert response.status_code == 200
    assert "tick only one" in response.content.decode()
    assert not Experiment.objects.exists()
