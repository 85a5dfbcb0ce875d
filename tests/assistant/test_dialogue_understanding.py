"""The assistant acts on the understood request: refinements in any phrasing change only what was asked, similar
items stay the same kind of product in its price range, questions the catalog cannot answer say so, policy
questions reach the FAQ from a product page, and a message in another language gets an honest answer.
Each test failed on the rule-only dialogue it replaces."""

from __future__ import annotations

from decimal import Decimal

from assistant import dialogue, intents
from assistant.models import Intent
from catalog.models import Product
from recommend.search import vocabulary
from recommend.search.parser import parse
from recommend.understanding import training
from tests.assistant.conftest import client_for, say, titles


def test_actually_a_colour_instead_refines_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    blue = say(client, "actually blue instead", conversation_id=first["conversation_id"])
    assert titles(blue)[0] == "Stride Women's Running Shoes"  # the blue running shoe
    assert all("Running Shoes" in t for t in titles(blue))


def test_less_expensive_in_other_words_keeps_the_search_below_what_was_shown(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    prices = sorted(Decimal(c["product"]["price"]) for c in first["products"])
    cheaper = say(client, "got anything a bit less expensive?", conversation_id=first["conversation_id"])
    assert cheaper["products"]
    assert all(Decimal(c["product"]["price"]) < prices[-1] for c in cheaper["products"])
    assert all("Boots" in t for t in titles(cheaper)), "still the same search"


def test_something_similar_but_cheaper_on_a_product_page(search_catalog, alice):
    peak = Product.objects.get(sku="B4")  # $240 mountaineering boots
    turn = say(client_for(alice), "something similar but cheaper", product_id=peak.pk)
    assert turn["products"]
    for card in turn["products"]:
        product = Product.objects.get(pk=card["product"]["id"])
        assert product.category_id == peak.category_id
        assert product.price < peak.price
    assert peak.title in turn["reply"]
    assert turn["understood"]["act"] == "new_search" and turn["understood"]["references"] == [peak.pk]


def test_more_like_the_first_one_stays_in_its_category_and_price_range(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    anchor = Product.objects.get(pk=first["products"][0]["product"]["id"])
    similar = say(client, "more like the first one", conversation_id=first["conversation_id"])
    assert similar["products"]
    for card in similar["products"]:
        product = Product.objects.get(pk=card["product"]["id"])
        assert product.category_id == anchor.category_id
        assert anchor.price / 2 <= product.price <= anchor.price * 2


def test_a_question_the_catalog_cannot_answer_says_so(search_catalog, alice):
    boots = Product.objects.get(sku="B1")
    turn = say(client_for(alice), "where is it made?", product_id=boots.pk)
    assert "doesn't list its country of origin" in turn["reply"]
    assert "description says" not in turn["reply"]


def test_a_message_in_another_language_gets_an_honest_answer_in_english(search_catalog, alice):
    turn = say(client_for(alice), "quiero unas botas negras para la nieve")
    assert "Spanish" in turn["reply"] and "English" in turn["reply"]
    assert "sorry" not in turn["reply"].casefold()
    assert not turn["products"]


def test_a_damaged_or_missing_delivery_is_customer_service(search_catalog, alice):
    for text in ("my lamp showed up in pieces", "half my order never showed up"):
        turn = say(client_for(alice), text)
        assert turn["intent"] == Intent.CUSTOMER_SERVICE, text
        assert not turn["products"]


def test_a_service_matter_the_head_is_unsure_of_gets_the_shops_answer(search_catalog, alice, faq_entries, monkeypatch):
    """Unsure, but most likely service, and one of the shop's answers is about it: that answer, not "what did you
    mean?". Unsure and far from every answer: still a question back."""
    unsure = intents.IntentPrediction(Intent.CUSTOMER_SERVICE.value, "ORDER", 0.5, True)
    monkeypatch.setattr(intents, "classify", lambda text, vector=None: unsure)
    act, prediction = dialogue.dialogue_act("how do I send it back", has_search=False, has_anchor=False)
    assert act == Intent.CUSTOMER_SERVICE and not prediction.unsure
    assert dialogue.dialogue_act("well, what now then", has_search=False, has_anchor=False)[0] == dialogue.UNSURE


def test_a_question_the_head_is_unsure_of_is_about_the_products_in_view(search_catalog, monkeypatch):
    unsure = intents.IntentPrediction(Intent.PRODUCT_QUESTION.value, "", 0.5, True)
    monkeypatch.setattr(intents, "classify", lambda text, vector=None: unsure)
    assert (
        dialogue.dialogue_act("and the sole, grippy?", has_search=False, has_anchor=True)[0] == Intent.PRODUCT_QUESTION
    )
    assert dialogue.dialogue_act("and the sole, grippy?", has_search=False, has_anchor=False)[0] == dialogue.UNSURE


def test_a_damaged_delivery_gets_the_shops_answer_for_damaged_goods(search_catalog, alice, faq_entries):
    turn = say(client_for(alice), "my parcel arrived and the box was crushed")
    assert turn["intent"] == Intent.CUSTOMER_SERVICE
    assert any(c["source"] == "faq" and "damaged" in c["text"].casefold() for c in turn["citations"])


def test_a_returns_question_on_a_product_page_reaches_the_returns_faq(search_catalog, alice, faq_entries):
    boots = Product.objects.get(sku="B1")
    turn = say(client_for(alice), "can I return these if they don't fit?", product_id=boots.pk)
    assert turn["intent"] == Intent.CUSTOMER_SERVICE
    assert any(c["source"] == "faq" and "return" in c["text"].casefold() for c in turn["citations"])


def test_an_exclusion_alone_refines_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    assert "Tempo Women's Leather Running Shoes" in titles(first)
    without = say(client, "nothing made of leather", conversation_id=first["conversation_id"])
    assert without["products"]
    assert all("Running Shoes" in t and "Leather" not in t for t in titles(without))


def test_a_size_alone_refines_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    sized = say(client, "make it size 10", conversation_id=first["conversation_id"])
    assert sized["intent"] == Intent.PRODUCT_SEARCH
    assert sized["products"] and all("Hiking Boots" in t for t in titles(sized)), "still the same search"


def test_a_price_alone_refines_the_last_search_even_as_a_question(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    bounded = say(client, "less than 112?", conversation_id=first["conversation_id"])
    assert bounded["products"]
    assert all("Boots" in t for t in titles(bounded))
    assert all(Decimal(c["product"]["price"]) < Decimal("112") for c in bounded["products"])


def test_a_question_about_a_shown_product_is_not_a_refinement(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    asked = say(client, "is the first one waterproof?", conversation_id=first["conversation_id"])
    assert asked["intent"] == Intent.PRODUCT_QUESTION


def test_a_refinement_adds_its_values_not_its_filler(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    blue = say(client, "actually in blue instead, please", conversation_id=first["conversation_id"])
    assert "“running shoes blue”" in blue["reply"]


def test_a_bare_product_word_is_a_search(search_catalog, alice):
    turn = say(client_for(alice), "skillet")
    assert turn["intent"] == Intent.PRODUCT_SEARCH
    assert titles(turn)[0] == "Cast Iron Skillet 12 inch"


def test_asking_whether_the_shop_has_something_is_a_search(search_catalog, alice):
    for text in ("do you guys carry hiking boots?", "have you got any running shoes for women?"):
        turn = say(client_for(alice), text)
        assert turn["intent"] == Intent.PRODUCT_SEARCH, text
        assert turn["products"], text


def test_kitchen_goods_named_alone_are_searches_not_cooking_questions(search_catalog, alice):
    for text in ("non-stick frying pan", "cast iron skillet"):
        assert say(client_for(alice), text)["intent"] == Intent.PRODUCT_SEARCH, text


def test_the_ones_with_a_feature_refine_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    narrowed = say(client, "show me the ones with a waterproof membrane", conversation_id=first["conversation_id"])
    assert narrowed["understood"]["act"] == "refine"
    assert all("Boots" in t for t in titles(narrowed)), "still the same search"


def test_an_exclusion_with_a_value_kept_wanted_refines_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    narrowed = say(client, "not leather, suede is fine, under $200", conversation_id=first["conversation_id"])
    assert narrowed["understood"]["act"] == "refine"
    assert narrowed["products"] and all("Boots" in t for t in titles(narrowed)), "still the same search"
    assert all(Decimal(c["product"]["price"]) <= 200 for c in narrowed["products"])
    assert "not leather" in narrowed["reply"] and "not suede" not in narrowed["reply"]  # the chips say what was asked


def test_an_exclusion_with_a_reason_refines_the_last_search(search_catalog, alice):
    """Leaving out what the shop sells narrows what is shown, whatever else the message says about why."""
    client = client_for(alice)
    first = say(client, "running shoes")
    without = say(client, "i'd rather skip leather, it makes my feet sweat", conversation_id=first["conversation_id"])
    assert without["understood"]["act"] == "refine"
    assert without["products"] and all("Running Shoes" in t and "Leather" not in t for t in titles(without))


def test_what_about_another_value_refines_the_last_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "running shoes")
    blue = say(client, "what about the blue ones instead?", conversation_id=first["conversation_id"])
    assert blue["understood"]["act"] == "refine"
    assert titles(blue)[0] == "Stride Women's Running Shoes"  # the blue running shoe
    asked = say(client, "how about the first one?", conversation_id=first["conversation_id"])
    assert asked["understood"]["act"] != "refine"  # about a product on screen, not another value


def test_a_product_with_what_it_must_not_be_is_a_search(db, embedding_model):
    vocabulary.pin(training.demo_vocabularies()[0])  # the demo shop's words
    try:
        for text in ("frying pan, non-stick but not ceramic", "a leather belt, nothing from Vesenberg Labs"):
            assert dialogue.act_name(text, {"last_query": None, "on_product": None, "shown": 0}) == "new_search", text
    finally:
        vocabulary.reset()


def test_gibberish_after_a_search_does_not_change_it(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    turn = say(client, "asdf qwer zxcv", conversation_id=first["conversation_id"])
    assert turn["intent"] == "unsure"
    again = say(client, "cheaper", conversation_id=first["conversation_id"])
    assert "asdf" not in again["reply"]


def test_what_a_refinement_adds_and_replaces(embedding_model):
    vocab, _ = training.demo_vocabularies()
    parsed = parse("make it 16 GB RAM", vocab)  # "16 GB" a size; "RAM" a product word only the tagger reads
    kept = [s for s in parsed.slots if s.type not in ("price", "rating")]
    assert dialogue._what_changes(parsed, kept) == "16 GB RAM"  # its words once, not "16 GB RAM ram"
    assert dialogue._replaced_kinds(kept) == {"uom"}  # the tagger's "RAM" never replaces the search's category
    excluded = parse("no leather or suede please", vocab)
    assert dialogue._what_changes(excluded, excluded.slots) == "no leather or suede"
    assert dialogue._replaced_kinds(excluded.slots) == set()
    reason = parse("no leather, it makes my feet sweat", vocab)  # why is not what: the search gains no "feet"
    assert dialogue._what_changes(reason, reason.slots) == "no leather"
    hood = parse("in blue, with a hood", vocab)  # a part without a subject still asks for something
    assert "hood" in dialogue._what_changes(hood, hood.slots).split()


def test_naming_the_same_kind_of_product_again_changes_that_search(search_catalog, alice):
    """ "Women's hiking boots would be better" after "hiking boots under 112" is that search for women, still under
    112 (a new search would drop the price); naming another kind of product starts a new search."""
    client = client_for(alice)
    first = say(client, "hiking boots under 112")
    assert set(titles(first)) == {"Alpine Women's Waterproof Hiking Boots", "Ridge Men's Waterproof Hiking Boots"}
    narrowed = say(client, "women's hiking boots would be better", conversation_id=first["conversation_id"])
    assert narrowed["understood"]["act"] == "refine"
    assert titles(narrowed) == ["Alpine Women's Waterproof Hiking Boots"]
    other = say(client, "now i need running shoes", conversation_id=first["conversation_id"])
    assert other["understood"]["act"] == "new_search"
    assert other["products"] and all("Running Shoes" in t for t in titles(other))


def test_a_comparison_naming_the_searched_kind_is_not_a_narrowed_search(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    weighed = say(client, "hiking boots vs running shoes, which is better", conversation_id=first["conversation_id"])
    assert weighed["understood"]["act"] != "refine"


def test_more_of_a_quality_than_a_product_on_screen_narrows_the_search(search_catalog, alice):
    """ "Lighter than the first one" asks for other products (the search, narrowed); "which is lighter?" weighs
    those shown."""
    client = client_for(alice)
    first = say(client, "hiking boots")
    lighter = say(client, "something a bit lighter than the first one", conversation_id=first["conversation_id"])
    assert lighter["understood"]["act"] == "refine"
    assert lighter["products"] and all("Boots" in t for t in titles(lighter)), "still the same search"
    assert "lighter" in lighter["reply"], "the words with no slot still change what is searched"
    assert dialogue.dialogue_act("which is lighter than the first one", has_search=True, has_anchor=True)[0] != (
        dialogue.REFINE
    )


def test_a_head_noun_in_its_plural_names_the_same_kind():
    vocab = training.demo_vocabularies()[0]
    assert dialogue._kinds(parse("wool gloves", vocab))[-1] & dialogue._kinds(parse("glove", vocab))[-1]
    assert dialogue._kinds(parse("silk scarves", vocab))[-1] & dialogue._kinds(parse("scarf", vocab))[-1]
    assert not dialogue._kinds(parse("rugs", vocab))[-1] & dialogue._kinds(parse("sofa", vocab))[-1]
