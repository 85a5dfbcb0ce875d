"""The vector step: with or without a filter, the nearest products first, as an exact scan would rank them."""

from __future__ import annotations

import numpy as np
import pytest
from django.db.models import Q

from catalog.models import Product
from recommend.search import retrieval

pytestmark = pytest.mark.django_db


def _brute_force(vector: np.ndarray, qs) -> list[int]:
    rows = [(pk, np.asarray(e, dtype=np.float64)) for pk, e in qs.values_list("id", "embedding")]
    q = np.asarray(vector, dtype=np.float64)
    cosine = {pk: float(e @ q / (np.linalg.norm(e) * np.linalg.norm(q))) for pk, e in rows}
    return sorted(cosine, key=lambda pk: -cosine[pk])


@pytest.mark.parametrize(
    "where",
    [Q(), Q(category__tree_key__startswith="/shoes/"), Q(price__lte=100) & ~Q(attributes__contains={"color": "black"})],
    ids=["unfiltered", "category", "price and not black"],
)
def test_nearest_products_under_a_filter_match_an_exact_ranking(search_catalog, where):
    vector = retrieval.query_vector("waterproof boots for the mountains")
    rows = retrieval.dense_candidates(vector, where=where, k=5)
    expected = _brute_force(vector, Product.objects.active().filter(where))
    assert [pk for pk, _ in rows] == expected[:5]
    assert all(-1.0 <= similarity <= 1.0 for _, similarity in rows)
    assert [s for _, s in rows] == sorted((s for _, s in rows), reverse=True)


def test_the_planner_estimate_tells_a_selective_filter_from_none(search_catalog):
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("ANALYZE catalog_product")
    assert retrieval._estimated_rows(Product.objects.all()) == Product.objects.count() == 10
    assert retrieval._estimated_rows(Product.objects.filter(sku="B1")) == 1  # a unique key: one row
