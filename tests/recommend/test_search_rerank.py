"""The learned re-ranker: its features mean what they say, and training writes weights that do no worse."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import numpy as np
import pytest
from django.core.management import call_command

from catalog.models import Product
from recommend.search import engine, rerank, retrieval
from recommend.search.vocabulary import catalog_version
from shopguide import embedding

pytestmark = pytest.mark.django_db


def _features(text: str) -> dict[str, dict[str, float]]:
    """Features of every fused candidate of ``text``, by SKU."""
    fused, dense, keyword = engine._retrieve(text, engine._where([]))
    ids = [pk for pk, _ in fused]
    matrix = rerank.candidate_features(
        ids,
        text=text,
        vector=retrieval.query_vector(text),
        idf=retrieval.query_idf(text, catalog_version()),
        dense=dense,
        keyword=keyword,
        lengths=retrieval.average_lengths(catalog_version()),
    )
    skus = dict(Product.objects.filter(id__in=ids).values_list("id", "sku"))
    return {skus[pk]: dict(zip(rerank.FEATURES, row, strict=True)) for pk, row in zip(ids, matrix, strict=True)}


def test_title_features_tell_a_title_match_from_a_description_match(search_catalog):
    features = _features("waterproof hiking boots")
    assert features["B1"]["title_coverage"] == pytest.approx(1.0)  # all three words in its title
    assert features["B3"]["title_coverage"] == pytest.approx(1.0)
    # B2's title says "Hiking Boots" but "waterproof" only in its description.
    assert 0 < features["B2"]["title_coverage"] < 1 and features["B2"]["coverage"] == pytest.approx(1.0)
    assert features["B1"]["bm25_title"] > features["B2"]["bm25_title"]
    assert max(f["bm25"] for f in features.values()) == pytest.approx(1.0)  # normalised per query
    best = max(features.values(), key=lambda f: f["similarity"])
    assert best["similarity_gap"] == 0.0 and all(f["similarity_gap"] <= 0 for f in features.values())


def test_title_pairs_and_phrase_find_the_query_as_written_in_the_title(search_catalog):
    features = _features("hiking boots")
    for sku in ("B1", "B2", "B3"):  # "... Hiking Boots"
        assert features[sku]["title_pairs"] == 1.0 and features[sku]["title_phrase"] == 1.0
    assert features["B4"]["title_pairs"] == 0.0 and features["B4"]["title_phrase"] == 0.0  # "Mountaineering Boots"

    # Joining words do not count: "running shoes for women" asks for (run, shoe) and (shoe, women).
    features = _features("running shoes for women")
    assert features["R1"]["title_pairs"] == pytest.approx(0.5)  # "Stride Women's Running Shoes"
    assert features["R1"]["title_phrase"] == 0.0
    assert rerank.query_terms("Lights for the Christmas tree") == ["light", "christma", "tree"]

    features = _features("boots")  # one word: no pairs, no phrase
    assert all(f["title_pairs"] == 0.0 and f["title_phrase"] == 0.0 for f in features.values())


def test_title_similarity_compares_the_query_with_the_title_alone(search_catalog):
    text = "waterproof hiking boots"
    features = _features(text)
    query = retrieval.query_vector(text)
    other = min((sku for sku in features if not sku.startswith("B")), key=lambda sku: features[sku]["similarity"])
    for sku in ("B1", other):  # a boot, and the candidate least like the query (not a boot)
        title = Product.objects.get(sku=sku).title
        expected = float(np.dot(query, embedding.encode([title])[0]))
        assert features[sku]["title_similarity"] == pytest.approx(expected, abs=0.02)
    assert features["B1"]["title_similarity"] != pytest.approx(features["B1"]["similarity"], abs=0.01)
    assert features["B1"]["title_similarity"] > features[other]["title_similarity"] + 0.2

    # A product not yet given a title vector is judged by its whole text's vector meanwhile.
    Product.objects.filter(sku="B1").update(title_embedding=None)
    b1 = _features(text)["B1"]
    assert b1["title_similarity"] == b1["similarity"]


def test_numbers_feature_counts_the_sizes_asked_for(search_catalog):
    features = _features("12 inch skillet")
    assert features["K1"]["numbers"] == 1.0
    assert all(f["numbers"] == 0.0 for sku, f in features.items() if sku != "K1")


def test_rerank_orders_by_the_weighted_features_and_keeps_ties_in_fused_order():
    features = np.array([[0.0, 1.0], [1.0, 0.0], [0.0, 1.0]])
    ranker = rerank.Ranker(np.array([2.0, 1.0]))
    assert [pk for pk, _ in rerank.rerank([10, 20, 30], features, ranker)] == [20, 10, 30]


def test_search_applies_the_learned_ranker(search_catalog, settings, monkeypatch):
    """A ranker that prefers the *least* similar products turns the list upside down: search used it."""
    weights = np.zeros(len(rerank.FEATURES))
    weights[rerank.FEATURES.index("similarity")] = -1.0
    monkeypatch.setattr(rerank, "learned", lambda: rerank.Ranker(weights, "test"))
    settings.SEARCH_RERANK = True
    flipped = engine.search(q="running shoes", log=False)
    similarities = [hit.similarity for hit in flipped.hits]
    assert None not in similarities and similarities == sorted(similarities)

    settings.SEARCH_RERANK = False
    plain = engine.search(q="running shoes", log=False)
    fused, _, _ = engine._retrieve(plain.parsed.search_text, engine._where(plain.constraints))
    assert plain.candidate_ids == [pk for pk, _ in fused]  # switched off: the fused order, untouched
    assert plain.hits[0].product.sku == "R1" != flipped.hits[0].product.sku


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_train_ranker_writes_weights_that_fit_at_least_as_well_as_fusion(tmp_path: Path, embedding_model):
    (tmp_path / "products.tsv").write_text(
        "product_id\ttitle\tdescription\n"
        "p1\tStainless steel kitchen sink\tdouble bowl, fits a 33 inch cabinet\n"
        "p2\tGarden hose 50 ft\tkink free hose for the garden\n"
        "p3\tGarden hose 100 ft\tlong kink free hose\n"
        "p4\tLED ceiling light\twarm white, replaces a kitchen ceiling fixture\n"
        "p5\tKitchen faucet with sprayer\tfor any kitchen sink\n",
        encoding="utf-8",
    )
    (tmp_path / "queries.tsv").write_text(
        "query_id\tquery\nq1\tkitchen sink\nq2\tgarden hose 100 ft\nq3\tceiling light\nq4\tkitchen faucet\n",
        encoding="utf-8",
    )
    (tmp_path / "qrels.tsv").write_text(
        "query_id\tproduct_id\trelevance\n"
        "q1\tp1\t3\nq1\tp5\t1.5\nq2\tp3\t3\nq2\tp2\t2\nq3\tp4\t3\nq4\tp5\t3\nq4\tp1\t1\n",
        encoding="utf-8",
    )
    for method in ("pairwise", "ascent"):
        out = StringIO()
        target = tmp_path / f"ranker-{method}.json"
        call_command(
            "train_ranker", str(tmp_path), "--folds", "2", "--method", method, "--out", str(target), stdout=out
        )
        body = json.loads(target.read_text())
        assert body["features"] == list(rerank.FEATURES) and len(body["weights"]) == len(rerank.FEATURES)
        assert tmp_path.name in body["trained_on"] and body["method"] == method
        fitted = body["ndcg@10_train"][tmp_path.name]
        assert 0.9 <= fitted <= 1.0
        assert "fusion (cv)" in out.getvalue() and "learned (cv)" in out.getvalue()


def test_reasons_say_what_the_re_ranker_saw_in_the_title(search_catalog, settings):
    settings.SEARCH_RERANK = True
    hits = {
        hit.product.sku: [r.text for r in hit.reasons]
        for hit in engine.search(q="cast iron skillet 12", log=False).hits
    }
    assert "its title has every word you searched for" in hits["K1"]
    assert "its title has the numbers you asked for: 12" in hits["K1"]
    others = [text for sku, texts in hits.items() if sku != "K1" for text in texts]
    assert not any(text.startswith("its title has") for text in others)
