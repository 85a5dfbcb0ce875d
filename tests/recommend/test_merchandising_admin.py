"""Merchandisers in admin: their role, rules and synonyms that go live on save, the search preview with its
score breakdown, the replay of an unsaved change, and a rate-limited login."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import Group
from django.test import Client
from django.urls import reverse

from catalog.models import Product
from recommend.models import Rule, SearchLog, Synonym
from recommend.search.engine import search
from shopguide.roles import MERCHANDISER
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def merchandiser() -> Client:
    user = UserFactory(username="mia", is_staff=True)
    user.groups.add(Group.objects.get(name=MERCHANDISER))
    client = Client()
    client.force_login(user)
    return client


def test_merchandiser_group_has_exactly_the_back_office_permissions(db):
    perms = {f"{p.content_type.app_label}.{p.codename}" for p in Group.objects.get(name=MERCHANDISER).permissions.all()}
    assert {
        "recommend.add_rule",
        "recommend.change_synonym",
        "recommend.view_searchlog",
        "catalog.change_product",
    } <= perms
    assert {"assistant.add_faqentry", "assistant.view_conversation", "orders.change_order"} <= perms
    assert not {p for p in perms if p.startswith(("auth.", "profiles.", "axes."))}  # no users, no shopper data
    assert "catalog.delete_product" not in perms and "recommend.delete_searchlog" not in perms


def test_shoppers_and_visitors_never_reach_admin(db):
    shopper = Client()
    shopper.force_login(UserFactory(username="sam"))
    for client in (shopper, Client()):
        response = client.get("/admin/recommend/rule/")
        assert response.status_code == 302 and "/admin/login/" in response["Location"]
        assert client.get(reverse("admin:recommend_rule_preview")).status_code == 302


def test_a_pin_saved_in_admin_is_live_at_once(merchandiser, search_catalog):
    target = Product.objects.get(sku="R3")
    response = merchandiser.post(
        reverse("admin:recommend_rule_add"),
        {"name": "Velocity first", "action": "pin", "scope": "query", "query": "running shoes", "match": "exact",
         "product": target.pk, "position": 1, "strength": 10, "enabled": "on"},
    )  # fmt: skip
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert rule.name == "Velocity first"
    result = search(q="running shoes", log=False)
    assert result.hits[0].product.sku == "R3"
    assert any(f"(rule {rule.pk})" in r.text for r in result.hits[0].reasons)


def test_rule_form_refuses_incomplete_rules(merchandiser, search_catalog):
    response = merchandiser.post(
        reverse("admin:recommend_rule_add"),
        {"name": "No product", "action": "pin", "scope": "query", "query": "", "match": "exact", "position": 1,
         "strength": 10, "enabled": "on"},
    )  # fmt: skip
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert "A query rule needs the words it applies to." in errors["query"]
    assert "A pin needs the product to pin." in errors["product"]
    response = merchandiser.post(
        reverse("admin:recommend_rule_add"),
        {"name": "Bad redirect", "action": "redirect", "scope": "query", "query": "sale", "match": "exact",
         "url": "javascript:alert(1)", "position": 1, "strength": 10, "enabled": "on"},
    )  # fmt: skip
    assert "url" in response.context["adminform"].form.errors
    assert not Rule.objects.exists()


def test_a_synonym_saved_in_admin_makes_a_query_find_products(
    merchandiser, search_catalog, django_capture_on_commit_callbacks
):
    before = search(q="sneakers", log=False)  # this process now holds the rules and synonyms of before
    assert not before.parsed.values("category")
    with django_capture_on_commit_callbacks(execute=True):
        response = merchandiser.post(
            reverse("admin:recommend_synonym_add"),
            {"terms": "sneakers, trainers", "synonyms": "running shoes", "kind": "one_way", "enabled": "on"},
        )
    assert response.status_code == 302
    synonym = Synonym.objects.get()
    after = search(q="sneakers", log=False)
    assert {h.product.sku for h in after.hits} == {"R1", "R2", "R3"}  # the Running Shoes category, nothing else
    assert [c.label for c in after.constraints] == ["Running Shoes"]
    reason = [r.text for r in after.hits[0].reasons if r.kind == "rule"]
    assert reason == [f"“sneakers” also searches for “running shoes”: a merchandising synonym (synonym {synonym.pk})"]
    # One-way: "running shoes" does not search for sneakers.
    assert not search(q="running shoes", log=False).parsed.synonyms


def test_two_way_synonyms_widen_free_text_both_ways(search_catalog):
    Synonym.objects.create(terms="frying pan", synonyms="skillet", kind="two_way")
    result = search(q="frying pan", log=False)
    assert result.hits[0].product.sku == "K1"
    assert "skillet" in result.parsed.search_text
    assert result.parsed.synonyms[0]["alternatives"] == ["skillet"]
    assert "frying pan" in search(q="skillet", log=False).parsed.search_text
    # A negated word excludes; it does not widen.
    assert not search(q="boots not skillet", log=False).parsed.synonyms


def test_preview_shows_the_score_breakdown_and_the_rules_that_fired(merchandiser, search_catalog):
    Rule.objects.create(name="Hide earbuds", action="hide", scope="everywhere", product=Product.objects.get(sku="H2"))
    response = merchandiser.get(reverse("admin:recommend_rule_preview"), {"q": "headphones"})
    assert response.status_code == 200
    page = response.content.decode()
    assert "Quietwave Wireless Noise-Cancelling Headphones" in page
    assert "Budget Wired Earbuds" not in page  # hidden
    assert "hide “Hide earbuds”" in page
    assert "title_coverage" in page  # a re-ranker feature column
    assert response.context["result"].hits[0].features is not None


def test_preview_as_an_unknown_shopper_says_so(merchandiser, search_catalog):
    response = merchandiser.get(reverse("admin:recommend_rule_preview"), {"q": "boots", "shopper": "999999"})
    assert "No shopper 999999." in response.content.decode()
    assert "result" not in response.context


def test_replay_of_an_unsaved_synonym_shows_queries_and_zero_rate_moving(merchandiser, search_catalog):
    for text, n in (("sneakers", 3), ("boots", 2)):
        for _ in range(n):
            SearchLog.objects.create(query=text, total=1, latency_ms=1.0)
    response = merchandiser.post(
        reverse("admin:recommend_synonym_replay"),
        {"terms": "sneakers", "synonyms": "running shoes", "kind": "one_way", "enabled": "on"},
    )
    assert response.status_code == 200
    replay = response.context["replay"]
    assert [c.query for c in replay.changes] == ["sneakers", "boots"]
    changed = {c.query for c in replay.affected}
    assert changed == {"sneakers"}  # boots' first page is untouched
    assert not Synonym.objects.exists()  # nothing saved
    assert "sneakers" in response.content.decode()


def test_replay_of_an_unsaved_pin_names_the_product_entering_the_top(merchandiser, search_catalog):
    SearchLog.objects.create(query="running shoes", total=3, latency_ms=1.0)
    last = search(q="running shoes", log=False).hits[-1].product
    response = merchandiser.post(
        reverse("admin:recommend_rule_replay"),
        {"name": "try", "action": "pin", "scope": "query", "query": "running shoes", "match": "exact",
         "product": last.pk, "position": 1, "strength": 10, "enabled": "on"},
    )  # fmt: skip
    change = response.context["replay"].changes[0]
    assert change.after[0] == last.pk and change.before[0] != last.pk
    assert not Rule.objects.exists()


def test_admin_login_is_locked_after_repeated_failures(db, settings):
    UserFactory(username="mia", password="right-password-1", is_staff=True)
    client = Client()
    url = reverse("admin:login")
    for _ in range(settings.AXES_FAILURE_LIMIT - 1):
        assert client.post(url, {"username": "mia", "password": "wrong"}).status_code == 200
    assert client.post(url, {"username": "mia", "password": "wrong"}).status_code == 429  # the limit-th failure
    locked = client.post(url, {"username": "mia", "password": "right-password-1"})
    assert locked.status_code == 429
    # Another address is not locked out by this one's failures.
    other = Client(REMOTE_ADDR="10.0.0.9")
    assert other.post(url, {"username": "mia", "password": "right-password-1"}).status_code == 302
