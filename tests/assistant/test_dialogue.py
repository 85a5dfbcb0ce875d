"""Each kind of turn, through the API, on the embedded search catalog with the real classifier and engines.

Only the "unsure" test replaces the classifier (``fake_classify``): it is about what the dialogue does
with an unsure prediction, not about which texts are unsure.
"""

from __future__ import annotations

from decimal import Decimal

from assistant.models import Intent
from catalog.models import Product
from tests.assistant.conftest import client_for, say, titles


def test_search_shows_results_with_the_engines_reasons(search_catalog, alice):
    turn = say(client_for(alice), "waterproof hiking boots")
    assert turn["intent"] == Intent.PRODUCT_SEARCH
    assert 1 <= len(turn["products"]) <= 6
    assert "Hiking Boots" in titles(turn)[0]
    for card in turn["products"]:
        assert card["reasons"], card["product"]["title"]
        assert {r["kind"] for r in card["reasons"]} <= {
            "attribute",
            "excluded",
            "keyword",
            "semantic",
            "relaxed",
            "personal",
        }


def test_a_question_only_when_it_splits_the_results(search_catalog, alice):
    client = client_for(alice)
    # "shoes": running shoes and hiking boots, three or four of each: which kind is worth asking.
    turn = say(client, "shoes")
    assert "What will you use them for?" in turn["reply"]
    assert set(turn["suggestions"]) >= {"Hiking Boots", "Running Shoes"}
    assert turn["products"], "the question comes with results, not instead of them"

    answered = say(client, "Hiking Boots", conversation_id=turn["conversation_id"])
    assert answered["products"]
    assert all(Product.objects.get(pk=c["product"]["id"]).category.name == "Hiking Boots" for c in answered["products"])

    # Two headphones: nothing to narrow.
    plain = say(client, "headphones")
    assert "?" not in plain["reply"]
    assert "Cheaper" in plain["suggestions"]


def test_cheaper_keeps_the_search_below_what_was_shown(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    prices = sorted(Decimal(c["product"]["price"]) for c in first["products"])
    median = (prices[len(prices) // 2] + prices[(len(prices) - 1) // 2]) / 2
    cheaper = say(client, "cheaper", conversation_id=first["conversation_id"])
    assert cheaper["products"]
    assert all(Decimal(c["product"]["price"]) < median for c in cheaper["products"])
    assert all("Boots" in t for t in titles(cheaper)), "still the same search"


def test_in_blue_refines_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    blue = say(client, "in blue", conversation_id=first["conversation_id"])
    assert titles(blue)[0] == "Stride Women's Running Shoes"
    assert any("blue" in r["text"] for r in blue["products"][0]["reasons"])


def test_not_a_brand_excludes_it(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    assert any(c["product"]["brand"]["name"] == "Altura" for c in first["products"])
    without = say(client, "not Altura", conversation_id=first["conversation_id"])
    assert without["products"]
    assert all(c["product"]["brand"]["name"] != "Altura" for c in without["products"])
    assert any(r["kind"] == "excluded" for r in without["products"][0]["reasons"])


def test_more_like_the_second_one(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    second = first["products"][1]["product"]
    similar = say(client, "more like the second one", conversation_id=first["conversation_id"])
    assert similar["products"]
    assert second["id"] not in [c["product"]["id"] for c in similar["products"]]
    assert second["title"] in similar["reply"]
    assert all(card["reasons"] for card in similar["products"])


def test_a_new_search_starts_fresh(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    say(client, "not Norvik", conversation_id=first["conversation_id"])
    fresh = say(client, "wireless headphones", conversation_id=first["conversation_id"])
    assert titles(fresh)[0] == "Quietwave Wireless Noise-Cancelling Headphones"
    assert "Norvik" not in fresh["reply"]


def test_product_question_about_the_page_product(search_catalog, alice):
    boots = Product.objects.get(sku="B1")
    turn = say(client_for(alice), "is it waterproof?", product_id=boots.pk)
    assert turn["intent"] == Intent.PRODUCT_QUESTION
    assert [c["product"]["id"] for c in turn["products"]] == [boots.pk]
    assert turn["citations"]
    assert all(c["product_id"] in (boots.pk, None) for c in turn["citations"])
    assert "waterproof" in " ".join(c["text"] for c in turn["citations"]).casefold()


def test_product_question_without_a_product_asks_which(search_catalog, alice):
    turn = say(client_for(alice), "does it come in other colours?")
    assert turn["intent"] == Intent.PRODUCT_QUESTION
    assert "Which product" in turn["reply"]
    assert not turn["citations"]


def test_comparison_of_shown_products(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    shown = [c["product"]["id"] for c in first["products"][:2]]
    turn = say(client, "compare the first two", conversation_id=first["conversation_id"])
    assert turn["intent"] == Intent.COMPARISON
    table = turn["comparison"]
    assert [p["id"] for p in table["products"]] == shown
    assert table["rows"] and all(len(row["values"]) == 2 for row in table["rows"])
    assert table["summary"]


def test_chit_chat_and_out_of_scope(search_catalog, alice):
    client = client_for(alice)
    hello = say(client, "hello there")
    assert hello["intent"] == Intent.CHIT_CHAT
    assert hello["suggestions"] and not hello["products"]
    away = say(client, "what will the weather be tomorrow?")
    assert away["intent"] == Intent.OUT_OF_SCOPE
    assert "shopping" in away["reply"]
    assert away["suggestions"]


def test_unsure_asks_instead_of_guessing(search_catalog, alice, monkeypatch):
    from assistant import intents

    def fake_classify(text: str, **_) -> intents.IntentPrediction:
        return intents.IntentPrediction(intent=Intent.PRODUCT_SEARCH, category="", confidence=0.31, unsure=True)

    monkeypatch.setattr(intents, "classify", fake_classify)
    turn = say(client_for(alice), "the thing from before")
    assert turn["intent"] == "unsure"
    assert not turn["products"]
    assert "not sure" in turn["reply"]
    assert "Talk to a human" in turn["suggestions"]


def test_unsure_but_naming_a_category_the_shop_carries_searches(search_catalog, alice, monkeypatch):
    from assistant import intents

    def fake_classify(text: str, **_) -> intents.IntentPrediction:
        return intents.IntentPrediction(intent=Intent.OUT_OF_SCOPE, category="", confidence=0.3, unsure=True)

    monkeypatch.setattr(intents, "classify", fake_classify)
    client = client_for(alice)
    turn = say(client, "headphones")
    assert titles(turn) and all("Headphones" in t or "Earbuds" in t for t in titles(turn))
    asked = say(client, "headphones?")  # a question about them is not a search: ask what was meant
    assert asked["intent"] == "unsure" and not asked["products"]


def test_real_classifier_is_unsure_of_gibberish(search_catalog, alice):
    turn = say(client_for(alice), "asdf qwerty zxcv")
    assert turn["intent"] == "unsure"
    assert turn["suggestions"]
