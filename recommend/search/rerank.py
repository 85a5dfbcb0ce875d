"""Re-ranking the fused candidates with a small linear model over features a merchandiser can read.

Reciprocal rank fusion sees only ranks. The re-ranker also sees how close in meaning each candidate
is (its whole text, and its title alone: a second vector per product), how much of the query's
weight (idf) its *title* carries rather than its description, which of the query's word pairs stand
in the title as written, whether the numbers asked for (sizes, part numbers: "2x4", "3/4 in")
appear, and how long the title is. One SQL query computes the features for every candidate; the
weights are learned offline from judged queries (``python manage.py train_ranker DIR…``) and live in
``ranker.json`` beside this file, so a re-ranker is a dozen numbers anyone can inspect.
"""

from __future__ import annotations

import functools
import json
import re
import threading
from dataclasses import dataclass
from functools import cache
from itertools import pairwise
from pathlib import Path

import numpy as np
from django.db import connection

from catalog import selectors
from shopguide import embedding

FEATURES = (
    "rrf_dense",  # 1 / (60 + rank in the vector list), 0 when absent
    "rrf_keyword",  # 1 / (60 + rank in the full-text list), 0 when absent
    "similarity",  # cosine of query and product vectors
    "similarity_gap",  # similarity minus the best candidate's: how far behind the closest match
    "keyword",  # idf-weighted ts_rank, divided by the best candidate's
    "title_coverage",  # share of the query's idf found in the title
    "coverage",  # share of the query's idf found anywhere (title, brand/category/attributes, description)
    "numbers",  # share of the query's numbers found in the title (0 when the query has none)
    "title_words",  # log(1 + words in the title)
    "bm25",  # Okapi BM25 over all fields (k1 1.2, b 0.75), divided by the best candidate's
    "bm25_title",  # BM25 over the title alone, divided by the best candidate's
    "title_similarity",  # cosine of the query's vector and the title's own vector
    "title_pairs",  # share of the query's adjacent word pairs found adjacent in the title ("tea kettle")
    "title_phrase",  # 1 when the title holds the whole query (two words or more) as one phrase
)
K1, B = 1.2, 0.75
# Words that join others without naming anything: left out of the query's pairs and phrase.
JOINING_WORDS = frozenset("a an and at by for from in of on or the to with".split())
WEIGHTS_FILE = Path(__file__).with_name("ranker.json")
NUMBER_RE = re.compile(r"\d+(?:[./]\d+)*")
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)
RRF_K = 60


@dataclass(frozen=True)
class Ranker:
    weights: np.ndarray
    trained_on: str = ""

    def score(self, features: np.ndarray) -> np.ndarray:
        return features @ self.weights


def rrf_only() -> Ranker:
    """The plain fusion as a ranker: what search does without learned weights."""
    weights = np.zeros(len(FEATURES))
    weights[FEATURES.index("rrf_dense")] = 1.0
    weights[FEATURES.index("rrf_keyword")] = 1.0
    return Ranker(weights, "reciprocal rank fusion")


@cache
def learned() -> Ranker | None:
    if not WEIGHTS_FILE.exists():
        return None
    data = json.loads(WEIGHTS_FILE.read_text())
    if tuple(data["features"]) != FEATURES:
        raise ValueError(f"{WEIGHTS_FILE.name} was trained on other features: retrain with `manage.py train_ranker`")
    return Ranker(np.array(data["weights"], dtype=float), data.get("trained_on", ""))


def query_numbers(text: str) -> set[str]:
    return set(NUMBER_RE.findall(text.casefold()))


_local = threading.local()


def stems(text: str) -> list[str]:
    """The text's words, case-folded and Snowball-stemmed (as Postgres' english configuration does)."""
    stemmer = getattr(_local, "stemmer", None)
    if stemmer is None:  # PyStemmer's stemmers are not thread-safe: one per thread
        import Stemmer

        stemmer = _local.stemmer = Stemmer.Stemmer("english")
    return stemmer.stemWords(WORD_RE.findall(text.casefold()))


def query_terms(text: str) -> list[str]:
    """Stemmed words without joining words, in order: a query's or a title's pairs and phrases are made of
    these, so "lights for the tree" holds the pair "light tree"."""
    return [w for w in stems(text) if w not in JOINING_WORDS]


@functools.lru_cache(maxsize=100_000)
def _title_terms(title: str) -> tuple[str, ...]:
    """``query_terms`` of a product title, remembered: the same titles come back query after query."""
    return tuple(query_terms(title))


def candidate_features(
    ids: list[int],
    *,
    text: str,
    vector: np.ndarray,
    idf: dict[str, float],
    dense: dict[int, tuple[int, float]],
    keyword: dict[int, int],
    lengths: tuple[float, float] = (1.0, 1.0),
) -> np.ndarray:
    """One row of FEATURES per id, in the order of ``ids``; ``lengths``: the catalog's average number of
    lexemes per product and of words per title (BM25's length normalisation)."""
    return features_and_facet_rows(
        ids, text=text, vector=vector, idf=idf, dense=dense, keyword=keyword, lengths=lengths
    )[0]


def features_and_facet_rows(
    ids: list[int],
    *,
    text: str,
    vector: np.ndarray,
    idf: dict[str, float],
    dense: dict[int, tuple[int, float]],
    keyword: dict[int, int],
    lengths: tuple[float, float] = (1.0, 1.0),
    literal: str | None = None,
) -> tuple[np.ndarray, dict[int, selectors.FacetRow]]:
    """``candidate_features``, and each id's facet row from the same query: search counts its facets
    over the very candidates it re-ranks, so one round trip serves both. ``literal``: the query vector's
    text form, when the caller made it already."""
    if not ids:
        return np.zeros((0, len(FEATURES))), {}
    lexemes = list(idf)
    total_idf = sum(idf.values()) or 1.0
    rank_sql = title_sql = any_sql = "0"
    if lexemes:
        rank_sql = " + ".join(["%s * ts_rank(p.search_vector, quote_literal(%s)::tsquery)"] * len(lexemes))
        title_sql = " + ".join(["%s * (p.search_vector @@ (quote_literal(%s) || ':A')::tsquery)::int"] * len(lexemes))
        any_sql = " + ".join(["%s * (p.search_vector @@ quote_literal(%s)::tsquery)::int"] * len(lexemes))
    pairs = [v for lex in lexemes for v in (idf[lex], lex)]
    literal = literal if literal is not None else embedding.vector_literal(vector)
    params = [literal, *pairs, *pairs, *pairs, literal, lexemes, ids]
    with connection.cursor() as cursor:
        # tf: term frequencies (all fields, and title = weight A) of the query's lexemes in each candidate.
        cursor.execute(
            f"""SELECT p.id, p.title, 1 - (p.embedding <=> %s::vector), {rank_sql}, {title_sql}, {any_sql},
                       length(p.search_vector), 1 - (p.title_embedding <=> %s::vector),
                       tf.lexemes, tf.counts, tf.in_title,
                       c.tree_key, b.slug, b.name, p.price, p.rating, p.stock, p.is_active
                  FROM catalog_product p
                  LEFT JOIN catalog_category c ON c.id = p.category_id
                  LEFT JOIN catalog_brand b ON b.id = p.brand_id
                  LEFT JOIN LATERAL (
                       SELECT array_agg(u.lexeme) AS lexemes, array_agg(cardinality(u.positions)) AS counts,
                              array_agg(cardinality(array_positions(u.weights, 'A'))) AS in_title
                         FROM unnest(p.search_vector) u WHERE u.lexeme = ANY(%s::text[])) tf ON true
                 WHERE p.id = ANY(%s)""",
            params,
        )
        fetched = cursor.fetchall()
    by_id = {row[0]: row for row in fetched}
    facet_rows = {row[0]: selectors.FacetRow(*row[11:]) for row in fetched}
    # Column by column: list comprehensions and whole-column numpy operations rather than a numpy write per cell.
    found = [by_id.get(pk) for pk in ids]
    titles = [row[1] if row else "" for row in found]
    words = np.array([len(title.split()) for title in titles], dtype=np.float64)
    out = np.zeros((len(ids), len(FEATURES)))
    out[:, 0] = [1.0 / (RRF_K + dense[pk][0]) if pk in dense else 0.0 for pk in ids]
    out[:, 1] = [1.0 / (RRF_K + keyword[pk]) if pk in keyword else 0.0 for pk in ids]
    out[:, 2] = [float(row[2]) if row and row[2] is not None else 0.0 for row in found]
    out[:, 4] = [float(row[3] or 0.0) if row else 0.0 for row in found]
    out[:, 5] = [float(row[4] or 0.0) / total_idf if row else 0.0 for row in found]
    out[:, 6] = [float(row[5] or 0.0) / total_idf if row else 0.0 for row in found]
    numbers = query_numbers(text)
    if numbers:
        out[:, 7] = [len(numbers & set(NUMBER_RE.findall(title.casefold()))) / len(numbers) for title in titles]
    out[:, 8] = np.log1p(words)
    # A product not yet given a title vector is judged by its whole text's vector meanwhile.
    out[:, 11] = [float(row[7]) if row and row[7] is not None else out[i, 2] for i, row in enumerate(found)]

    # BM25 over all fields and over the title, from the query lexemes' term frequencies in each candidate.
    avg_lexemes, avg_title = max(lengths[0], 1.0), max(lengths[1], 1.0)
    bm25, bm25_title = out[:, 9], out[:, 10]
    for i, row in enumerate(found):
        if not row or not row[8]:
            continue
        norm_all = K1 * (1 - B + B * (row[6] or 0) / avg_lexemes)
        norm_title = K1 * (1 - B + B * words[i] / avg_title)
        total = total_title = 0.0
        for lexeme, count, count_title in zip(row[8], row[9], row[10], strict=True):
            total += idf[lexeme] * count * (K1 + 1) / (count + norm_all)
            if count_title:
                total_title += idf[lexeme] * count_title * (K1 + 1) / (count_title + norm_title)
        bm25[i], bm25_title[i] = total, total_title

    terms = query_terms(text)
    if terms:
        pairs_wanted = set(pairwise(terms))
        phrase = len(terms) > 1
        for i, title in enumerate(titles):
            title_stems = _title_terms(title)
            if pairs_wanted:
                out[i, 12] = len(pairs_wanted & set(pairwise(title_stems))) / len(pairs_wanted)
            out[i, 13] = float(phrase and _holds(title_stems, terms))
    out[:, 3] = out[:, 2] - out[:, 2].max()
    for column in (4, 9, 10):
        best = out[:, column].max()
        if best > 0:
            out[:, column] /= best
    return out, facet_rows


def _holds(words: tuple[str, ...], phrase: list[str]) -> bool:
    n, wanted = len(phrase), tuple(phrase)
    return any(words[i : i + n] == wanted for i in range(len(words) - n + 1))


def rerank(ids: list[int], features: np.ndarray, ranker: Ranker) -> list[tuple[int, float]]:
    """(id, score) best first; ties keep the fused order."""
    scores = ranker.score(features)
    order = sorted(range(len(ids)), key=lambda i: (-scores[i], i))
    return [(ids[i], float(scores[i])) for i in order]
