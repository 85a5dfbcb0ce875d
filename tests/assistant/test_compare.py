"""Comparisons: a table of catalog facts per product, and a summary grounded in it; a use question picks the
product whose own text is nearest the use (real model) and quotes why."""

from __future__ import annotations

import pytest

from assistant import text as T
from assistant.compare import compare
from tests.assistant import grounded_shop


@pytest.fixture
def shop(db, embedding_model):
    with grounded_shop.shop() as products:
        yield products


def rows(comparison) -> dict[str, list[str]]:
    return {row.label: row.values for row in comparison.rows}


def test_table_has_one_value_per_product_and_a_dash_when_missing(shop):
    result = compare(products=[shop["G-HEAD"], shop["G-BUDS"]])
    table = rows(result)
    assert list(table)[:5] == ["Price", "Rating", "Brand", "Category", "Availability"]
    assert table["Price"] == ["$199", "$12"]
    assert table["Rating"] == ["4.7 (1,200 reviews)", "3.6 (400 reviews)"]
    assert table["Brand"] == ["Sonance", "Sonance"]
    assert table["Features"] == ["wireless, noise-cancelling", "wired"]
    assert table["Battery life"] == ["up to 30 hours", "—"]
    assert table["Connectivity"] == ["Bluetooth 5.3", "—"]
    assert all(len(values) == 2 for values in table.values())
    payload = result.as_dict()
    assert payload["product_ids"] == [shop["G-HEAD"].pk, shop["G-BUDS"].pk]
    assert payload["rows"][0] == {"label": "Price", "values": ["$199", "$12"]}


def test_summary_names_the_cheaper_and_the_better_rated(shop):
    result = compare(products=[shop["G-HEAD"], shop["G-BUDS"]], question="compare them")
    assert "Budget Wired Earbuds is cheaper ($12 vs $199)" in result.summary
    assert "Quietwave Wireless Noise-Cancelling Headphones is better rated" in result.summary
    assert "looks the better fit" not in result.summary  # no use was asked
    # Every number in the summary is in the table.
    table_text = " ".join(v for row in result.rows for v in [row.label, *row.values])
    assert T.numbers(result.summary) <= T.numbers(table_text)
    assert {(c.field, c.product_id) for c in result.citations} >= {
        ("price", shop["G-HEAD"].pk),
        ("price", shop["G-BUDS"].pk),
        ("rating", shop["G-HEAD"].pk),
    }


def test_three_products_cheapest_best_rated_and_differences(shop):
    result = compare(products=[shop["G-ROAD"], shop["G-TRAIL"], shop["G-BOOT"]])
    assert "Stride Women's Road Running Shoes is the cheapest at $75" in result.summary
    assert "Alpine Women's Waterproof Hiking Boots is the best rated (4.6" in result.summary
    assert "material" in result.summary
    assert rows(result)["Availability"] == ["in stock", "out of stock", "in stock"]


def test_use_question_picks_the_trail_shoe_and_says_why(shop):
    road, trail = shop["G-ROAD"], shop["G-TRAIL"]
    result = compare(products=[road, trail], question="Which is better for trail running?")
    assert result.summary.startswith("For trail running, Scree Trail Running Shoes looks the better fit")
    why = [c for c in result.citations if c.source in {"description", "title"}]
    assert why and all(c.product_id == trail.pk for c in why)
    assert any(c.text in result.summary for c in why)


def test_use_question_picks_by_the_description(shop):
    road, trail = shop["G-ROAD"], shop["G-TRAIL"]
    result = compare(products=[trail, road], question="which one for hot summer runs?")
    assert result.summary.startswith("For hot summer runs, Stride Women's Road Running Shoes looks the better fit")
    quoted = [c for c in result.citations if c.source == "description"]
    assert [(c.product_id, c.text) for c in quoted] == [
        (road.pk, "The knit upper keeps feet cool on hot summer pavements.")
    ]
    flights = compare(products=[shop["G-BUDS"], shop["G-HEAD"]], question="Which is better for long flights?")
    assert flights.summary.startswith("For long flights, Quietwave Wireless Noise-Cancelling Headphones")
    assert "Memory-foam ear cushions stay comfortable on long flights." in flights.summary


def test_needs_two_products(shop):
    with pytest.raises(ValueError):
        compare(products=[shop["G-BOOT"]])
    with pytest.raises(ValueError):
        compare(products=[shop["G-BOOT"], shop["G-BOOT"]])
