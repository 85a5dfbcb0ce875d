"""Which products a turn refers to: ordinals against what was shown, names and brands (fuzzy), the catalog
through the search engine when nothing shown matches, and "A vs B" / "A or B" / "A and B"."""

from __future__ import annotations

from decimal import Decimal

import pytest

from assistant.references import resolve_products
from catalog.services import ProductInput as P
from tests.assistant import grounded_shop
from tests.conftest import load_search_products


@pytest.fixture
def shop(db, embedding_model):
    with grounded_shop.shop() as products:
        yield products


@pytest.fixture
def shown(shop):
    return [shop["G-BOOT"], shop["G-ROAD"], shop["G-TRAIL"]]


def skus(products) -> list[str]:
    return [p.sku for p in products]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the second one", ["G-ROAD"]),
        ("Is the second one waterproof?", ["G-ROAD"]),
        ("the first two", ["G-BOOT", "G-ROAD"]),
        ("the last one", ["G-TRAIL"]),
        ("compare both", ["G-BOOT", "G-ROAD"]),
        ("first or second?", ["G-BOOT", "G-ROAD"]),
        ("compare the first with the last", ["G-BOOT", "G-TRAIL"]),
        ("#3", ["G-TRAIL"]),
        ("the cheaper one", ["G-ROAD"]),
        ("the best rated one", ["G-BOOT"]),
        ("all three", ["G-BOOT", "G-ROAD", "G-TRAIL"]),
    ],
)
def test_ordinals_refer_to_what_was_shown(shown, text, expected):
    assert skus(resolve_products(text, shown=shown)) == expected


def test_ordinals_beyond_what_was_shown_resolve_nothing(shown):
    assert resolve_products("the fifth one", shown=shown) == []
    assert resolve_products("the second one") == []


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("the Alpine", ["G-BOOT"]),
        ("alpin boots", ["G-BOOT"]),  # a typo
        ("Stride vs Scree", ["G-ROAD", "G-TRAIL"]),
        ("Scree or Alpine?", ["G-TRAIL", "G-BOOT"]),
        ("Trailcraft and Norvik", ["G-BOOT", "G-ROAD"]),  # brands
        ("is the Alpine waterproof?", ["G-BOOT"]),
        ("the running shoes", ["G-ROAD", "G-TRAIL"]),  # a noun phrase naming two of them
    ],
)
def test_names_and_brands_match_what_was_shown(shown, text, expected):
    assert skus(resolve_products(text, shown=shown)) == expected


def test_names_not_shown_are_found_in_the_catalog(shown):
    assert skus(resolve_products("Quietwave vs Budget Wired Earbuds", shown=shown)) == ["G-HEAD", "G-BUDS"]
    assert skus(resolve_products("is the Scree or the Metro backpack better for hiking?", shown=shown)) == [
        "G-TRAIL",
        "G-PACK",
    ]
    assert skus(resolve_products("compare the Quietwave headphones and the Alpine boots")) == ["G-HEAD", "G-BOOT"]


def test_property_words_are_not_names(shown):
    assert resolve_products("is it waterproof?", shown=shown) == []
    assert resolve_products("what sizes does it come in?", shown=shown) == []
    assert resolve_products("hello", shown=shown) == []
    assert resolve_products("") == []


def test_limit(shown):
    assert len(resolve_products("all of them", shown=shown, limit=2)) == 2


def test_a_colour_named_picks_that_variant(shop, shown):
    """The brown Alpine boots are on screen; the shopper names the black ones (a variant not shown)."""
    load_search_products(
        [P(sku="G-BOOT-BLK", title="Alpine Women's Waterproof Hiking Boots", category_path="Shoes > Hiking Boots",
           brand="Trailcraft", price=Decimal("120.00"), rating=Decimal("4.5"), review_count=40, stock=3,
           attributes={"color": "black", "material": "suede", "gender": "women", "features": ["waterproof"]},
           description="Waterproof suede hiking boots, in black.")]
    )  # fmt: skip
    assert skus(resolve_products("the black Alpine boots", shown=shown)) == ["G-BOOT-BLK"]
    assert skus(resolve_products("compare the black Alpine with the Scree", shown=shown)) == ["G-BOOT-BLK", "G-TRAIL"]
    assert skus(resolve_products("the brown Alpine boots", shown=shown)) == ["G-BOOT"]
    assert skus(resolve_products("the Alpine boots", shown=shown)) == ["G-BOOT"]  # no colour named: the one shown
