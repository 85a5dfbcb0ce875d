"""Grounded product answers: structured facts first, then the product's own description sentences (real
model), and "the catalog doesn't say" with nothing invented when neither decides."""

from __future__ import annotations

import pytest

from assistant import text as T
from assistant.answers import product_answer
from assistant.llm import unsupported
from tests.assistant import grounded_shop


@pytest.fixture
def shop(db, embedding_model):
    with grounded_shop.shop() as products:
        yield products


def catalog_text(product) -> str:
    """Everything the catalog says about a product, as text: what a reply may draw on."""
    return " ".join(
        [
            product.title,
            product.description,
            str(product.price),
            str(product.rating),
            str(product.review_count),
            str(product.stock),
            product.brand.name,
            product.category.path,
            *(f"{k} {T.value_text(v)}" for k, v in product.attributes.items()),
        ]
    )


def assert_nothing_invented(answer, product, question: str) -> None:
    """No number, colour, material or feature word in the reply beyond the catalog's and the shopper's own."""
    assert unsupported(answer.text, [catalog_text(product), question]) == ""
    for citation in answer.citations:
        assert citation.product_id == product.pk
        assert T.norm(citation.text) in T.norm(catalog_text(product)) or citation.field in {"price", "rating"}


def test_waterproof_boot_says_yes_and_cites_the_feature(shop):
    boot = shop["G-BOOT"]
    answer = product_answer(product=boot, question="Is this waterproof?")
    assert answer.found
    assert answer.text.startswith("Yes — ")
    assert "waterproof" in answer.text
    assert [(c.source, c.field) for c in answer.citations] == [("attribute", "features")]
    assert "waterproof" in answer.citations[0].text


def test_shoe_without_the_feature_does_not_say_and_invents_nothing(shop):
    shoe = shop["G-ROAD"]
    question = "is this waterproof?"
    answer = product_answer(product=shoe, question=question)
    assert not answer.found
    assert answer.text.startswith("The catalog doesn't say whether it is waterproof.")
    assert not answer.text.startswith(("Yes", "No"))
    assert "breathable, cushioned" in answer.text  # what it does list
    assert_nothing_invented(answer, shoe, question)


def test_a_listed_opposite_feature_decides_no(shop):
    answer = product_answer(product=shop["G-BUDS"], question="Is it wireless?")
    assert answer.found
    assert answer.text.startswith("No — ")
    assert "wired" in answer.text
    assert answer.citations[0].field == "features"


def test_feature_spelling_variants_match(shop):
    answer = product_answer(product=shop["G-HEAD"], question="is it noise canceling?")
    assert answer.text.startswith("Yes — ")
    assert "noise-cancelling" in answer.text
    answer = product_answer(product=shop["G-PACK"], question="Is it water resistant?")
    assert answer.text.startswith("Yes — ")
    assert answer.citations[0].text == "water-resistant, padded"


def test_what_sizes_lists_the_sizes(shop):
    answer = product_answer(product=shop["G-BOOT"], question="What sizes does it come in?")
    assert answer.found
    assert answer.text == "It comes in sizes 7, 8 and 9."
    assert [(c.source, c.field, c.text) for c in answer.citations] == [("attribute", "sizes", "7, 8, 9")]


def test_a_size_not_listed_is_a_no(shop):
    answer = product_answer(product=shop["G-BOOT"], question="do you have it in size 10?")
    assert answer.text.startswith("No — ")
    assert "7, 8 and 9" in answer.text
    assert product_answer(product=shop["G-BOOT"], question="Do you have it in size 8?").text.startswith("Yes — ")


def test_does_it_come_in_white(shop):
    no = product_answer(product=shop["G-BOOT"], question="Does it come in white?")
    assert no.found
    assert no.text.startswith("No — ")
    assert "brown" in no.text
    assert [(c.field, c.text) for c in no.citations] == [("color", "brown")]
    yes = product_answer(product=shop["G-ROAD"], question="does it come in white?")
    assert yes.text.startswith("Yes — ")
    assert yes.citations[0].field == "color"


def test_colour_matching_is_unicode_clean(shop):
    answer = product_answer(product=shop["G-PACK"], question="Does it come in CRÈME?")
    assert answer.text.startswith("Yes — ")
    assert "crème" in answer.text


def test_material_price_rating_and_stock(shop):
    boot = shop["G-BOOT"]
    material = product_answer(product=boot, question="is it leather?")
    assert material.text.startswith("No — ") and "suede" in material.text
    assert product_answer(product=boot, question="What is it made of?").text == "It is made of suede."
    price = product_answer(product=boot, question="How much is it?")
    assert price.text == "It costs $110."
    assert price.citations[0].field == "price"
    assert product_answer(product=boot, question="Is it under $100?").text.startswith("No — it costs $110")
    rating = product_answer(product=boot, question="what's the rating?")
    assert "4.6 out of 5 from 210 reviews" in rating.text
    sold_out = product_answer(product=shop["G-TRAIL"], question="Is it in stock?")
    assert sold_out.text.startswith("No — ")
    assert sold_out.citations[0].field == "stock"
    assert product_answer(product=boot, question="is it for men?").text == "No — it is listed for women."


def test_specs_answer_from_attributes(shop):
    battery = product_answer(product=shop["G-HEAD"], question="How long does the battery last?")
    assert battery.found
    assert "up to 30 hours" in battery.text
    assert battery.citations[0].field == "battery_hours"
    bluetooth = product_answer(product=shop["G-HEAD"], question="does it have bluetooth?")
    assert bluetooth.text.startswith("Yes — ") and "Bluetooth 5.3" in bluetooth.text
    question = "How long does the battery last?"
    none = product_answer(product=shop["G-BUDS"], question=question)
    assert not none.found
    assert none.text.startswith("The catalog doesn't list its battery life.")
    assert_nothing_invented(none, shop["G-BUDS"], question)


def test_unknown_property_is_not_found_and_nothing_is_invented(shop):
    for sku in ("G-BOOT", "G-HEAD", "G-PACK"):
        product = shop[sku]
        question = "Does it come with a warranty?"
        answer = product_answer(product=product, question=question)
        assert not answer.found, answer.text
        assert answer.text.startswith("The catalog doesn't say whether it comes with a warranty.")
        assert_nothing_invented(answer, product, question)


def test_description_sentence_answers_and_is_cited(shop):
    pack = shop["G-PACK"]
    answer = product_answer(product=pack, question="Will it fit a 15-inch laptop?")
    assert answer.found
    sentence = "A padded sleeve holds laptops up to 15.6 inches."
    assert [(c.source, c.text) for c in answer.citations] == [("description", sentence)]
    assert sentence in answer.text
    flights = product_answer(product=shop["G-HEAD"], question="are they comfortable on long flights?")
    assert flights.citations[0].text == "Memory-foam ear cushions stay comfortable on long flights."


def test_laptop_question_about_a_boot_is_not_answered(shop):
    boot = shop["G-BOOT"]
    answer = product_answer(product=boot, question="Will it fit a 15-inch laptop?")
    assert not answer.found
    assert answer.text.startswith("The catalog doesn't say.")
    assert all(c.source == "attribute" for c in answer.citations)
    assert_nothing_invented(answer, boot, "Will it fit a 15-inch laptop?")


def test_a_description_sentence_naming_the_property_decides_yes(shop):
    answer = product_answer(product=shop["G-BUDS"], question="Does it have a microphone?")
    assert answer.text.startswith("Yes — the description says")
    assert answer.citations[0].source == "description"
    assert answer.citations[0].text == "Simple wired earbuds with an inline microphone."


def test_a_spec_that_does_not_decide_is_stated_without_a_verdict(shop):
    answer = product_answer(product=shop["G-HEAD"], question="Does it have 5G?")
    assert answer.found
    assert answer.text == "Connectivity: Bluetooth 5.3."
    assert answer.citations[0].field == "connectivity"
    boot = shop["G-BOOT"]
    screen = product_answer(product=boot, question="What's the screen size?")
    assert not screen.found
    assert screen.text.startswith("The catalog doesn't list its screen size.")
    five_g = product_answer(product=boot, question="does it have 5G?")
    assert five_g.text.startswith("The catalog doesn't say whether it has 5G.")


def test_the_words_naming_the_product_are_not_the_question(shop):
    boot, road = shop["G-BOOT"], shop["G-ROAD"]
    assert product_answer(product=boot, question="Is the second one waterproof?").text.startswith("Yes — ")
    assert product_answer(product=boot, question="is the Alpine waterproof?").text.startswith("Yes — ")
    assert product_answer(product=road, question="Does the Stride come in white?").text.startswith("Yes — ")
    not_said = product_answer(product=road, question="is the cheaper one waterproof?")
    assert not_said.text.startswith("The catalog doesn't say whether it is waterproof.")
