"""The relevance evaluation: metrics as defined for the judged sets, and the command end to end."""

from __future__ import annotations

import json
from io import StringIO
from pathlib import Path

import pytest
from django.core.management import call_command
from django.db import connection

from recommend.search.relevance import BM25Baseline, ndcg_at, recall_at


def test_ndcg_uses_gain_minus_one_and_ideal_from_judged():
    gains = {"a": 2.0, "b": 1.0, "c": 0.0}  # relevance 3, 2, 1
    assert ndcg_at(["a", "b", "x"], gains) == pytest.approx(1.0)
    swapped = (1.0 + 2.0 / 1.584962500721156) / (2.0 + 1.0 / 1.584962500721156)
    assert ndcg_at(["b", "a"], gains) == pytest.approx(swapped)
    assert ndcg_at(["x", "y"], gains) == 0.0
    assert ndcg_at(["a"], {"c": 0.0}) == 0.0  # nothing relevant: no credit, no division by zero


def test_recall_counts_positive_gains_only():
    gains = {"a": 2.0, "b": 1.0, "c": 0.0}
    assert recall_at(["a", "c"], gains) == 0.5
    assert recall_at(["b", "a"], gains) == 1.0


def test_bm25_baseline_ranks_term_matches_first():
    bm25 = BM25Baseline(["1", "2", "3"], ["red wool scarf", "blue denim jeans", "garden hose 50 ft"])
    assert bm25.rank("wool scarves")[0] == "1"
    assert bm25.rank("the of") == []  # stopwords only: nothing to match, and no crash


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_evaluate_search_command_on_a_tiny_judged_set(tmp_path: Path, embedding_model):
    (tmp_path / "products.tsv").write_text(
        "product_id\ttitle\tdescription\n"
        "p1\tStainless steel kitchen sink\tdouble bowl\n"
        "p2\tGarden hose 50 ft\tkink free\n"
        "p3\tLED ceiling light\twarm white\n",
        encoding="utf-8",
    )
    (tmp_path / "queries.tsv").write_text("query_id\tquery\nq1\tkitchen sink\nq2\tgarden hose\n", encoding="utf-8")
    (tmp_path / "qrels.tsv").write_text(
        "query_id\tproduct_id\trelevance\nq1\tp1\t3\nq2\tp2\t3\nq2\tp1\t1\n", encoding="utf-8"
    )
    name_before = connection.settings_dict["NAME"]
    out = StringIO()
    call_command("evaluate_search", str(tmp_path), "--json", stdout=out)
    body = json.loads(out.getvalue().strip().splitlines()[-1])
    assert body["queries"] == 2
    assert body["ndcg@10"] == pytest.approx(1.0) and body["recall@100"] == pytest.approx(1.0)
    assert body["baseline"]["bm25"]["ndcg@10"] == pytest.approx(1.0)
    assert body["p95_ms"] >= body["p50_ms"] > 0
    assert connection.settings_dict["NAME"] == name_before  # the shop's database is back in use

    again = StringIO()
    call_command("evaluate_search", str(tmp_path), stdout=again)
    assert "embedded 0 products" in again.getvalue()  # a re-run re-embeds nothing
