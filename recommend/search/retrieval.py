"""Candidate generators for search: pgvector ANN over product embeddings, and Postgres full text.

Both take the same filter (a Q over Product) so the constraints a shopper asked for hold for every
candidate, whichever retriever found it.
"""

from __future__ import annotations

import functools
import hashlib
import json
import logging
import random
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery, SearchRank
from django.core.cache import cache
from django.db import connection, transaction
from django.db.models import F, FloatField, Q
from django.db.models.expressions import ExpressionWrapper, Value
from pgvector.django import CosineDistance

from catalog.models import Product
from shopguide import embedding

logger = logging.getLogger(__name__)

QUERY_VECTOR_TTL = 7 * 24 * 3600
WORD_RE = re.compile(r"[^\W_]+", re.UNICODE)


def query_vector_key(text: str) -> str:
    normalised = " ".join(text.casefold().split())
    return "qvec:" + hashlib.sha256(f"{embedding.model_name()}\n{normalised}".encode()).hexdigest()


def query_vector(text: str) -> np.ndarray:
    """The query's embedding, cached in Redis by normalised text and model (a miss costs ~10 ms)."""
    normalised = " ".join(text.casefold().split())
    key = query_vector_key(normalised)
    try:
        cached = cache.get(key)
    except Exception:  # Redis down: encode, and serve anyway
        cached = None
    if cached is not None:
        return np.frombuffer(cached, dtype=np.float32)
    return _encode(normalised, key)


def query_vector_and_version(text: str, *, known: np.ndarray | None = None) -> tuple[np.ndarray, str]:
    """``query_vector(text)`` and ``vocabulary.catalog_version()``, both from one cache round trip. ``known``: the
    text's vector from an encoder pass already made (the understanding step's), cached instead of encoding."""
    from recommend.search.vocabulary import VERSION_KEY, catalog_version

    normalised = " ".join(text.casefold().split())
    key = query_vector_key(normalised)
    try:
        cached = cache.get_many([VERSION_KEY, key])
    except Exception:  # Redis down: each falls back on its own
        return query_vector(text), catalog_version()
    version = str(cached.get(VERSION_KEY) or "0")
    vector = cached.get(key)
    if vector is not None:
        return np.frombuffer(vector, dtype=np.float32), version
    if known is not None:
        _remember(key, known)
        return np.asarray(known, dtype=np.float32), version
    return _encode(normalised, key), version


def _encode(normalised: str, key: str) -> np.ndarray:
    vector = embedding.encode([normalised])[0]
    _remember(key, vector)
    return vector


def remember_query_vector(text: str, vector: np.ndarray) -> None:
    """Keep ``text``'s vector, encoded elsewhere (the understanding step's pass), for ``query_vector``."""
    _remember(query_vector_key(text), vector)


def _remember(key: str, vector: np.ndarray) -> None:
    try:
        cache.set(key, np.asarray(vector, dtype=np.float32).tobytes(), timeout=QUERY_VECTOR_TTL)
    except Exception:
        logger.debug("query vector not cached: cache unavailable")


EXACT_SCAN_ROWS = 5_000  # below this many filtered rows, scanning them all beats walking the graph
EXACT_FALLBACK_ROWS = 50_000  # above this, a short index walk is accepted rather than a slow exact scan
MAX_EF_SEARCH = 1000  # pgvector's limit


def dense_candidates(vector: np.ndarray, *, where: Q, k: int, literal: str | None = None) -> list[tuple[int, float]]:
    """(product id, cosine similarity), best first. ``literal``: the vector's text form, when the caller has it.

    The HNSW index is used only by ``ORDER BY embedding <=> q LIMIT k``, and pgvector 0.6 filters after
    the index scan, so a filter can leave the walk short of k rows. The strategy, by the planner's
    estimate of the rows the filter leaves: a few thousand → exact scan straight away (cheap, and
    exact); more → walk the graph (ef_search 2k), walk further (ef_search 1000) if short, and only
    when still short and the filtered set is moderate, scan it exactly. A broad filter over a huge
    catalog may so return fewer than k: the nearest the walk met, never a multi-second scan.
    """
    literal = literal if literal is not None else embedding.vector_literal(vector)
    base = Product.objects.active().filter(where).filter(embedding__isnull=False)
    estimate = _estimated_rows(base) if where else None  # unfiltered: no need to ask the planner
    if estimate is not None and estimate <= EXACT_SCAN_ROWS:
        return _nearest(base, literal, k, ef_search=None)
    rows = _nearest(base, literal, k, ef_search=max(40, min(k * 2, MAX_EF_SEARCH)))
    if len(rows) < k:
        # Short: a filter, or dead rows not yet vacuumed, took part of the walk.
        rows = _nearest(base, literal, k, ef_search=MAX_EF_SEARCH)
    if len(rows) < k and (estimate if estimate is not None else _estimated_rows(base)) <= EXACT_FALLBACK_ROWS:
        rows = _nearest(base, literal, k, ef_search=None)
    return rows


def _nearest(base, literal: str, k: int, *, ef_search: int | None) -> list[tuple[int, float]]:
    """The k nearest of ``base`` to the vector ``literal``: through the HNSW index with this ef_search, or exactly
    (None). The text form is made once a search (384 floats to text cost ~0.3 ms each time)."""
    distance = CosineDistance("embedding", Value(literal))
    if ef_search is None:
        # "+ 0" hides the operator from the planner, so it cannot pick the (post-filtering) index.
        order = ExpressionWrapper(distance + Value(0.0), output_field=FloatField())
    else:
        order = distance
    qs = base.annotate(distance=order).order_by("distance").values_list("id", "distance")[:k]
    if ef_search is None or _session_ef_search(ef_search):
        rows = list(qs)
    else:
        with transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("SET LOCAL hnsw.ef_search = %s", [ef_search])
            rows = list(qs)
    return [(pk, 1.0 - float(d)) for pk, d in rows]


@contextmanager
def hnsw_walk(ef_search: int) -> Iterator[None]:
    """Run the HNSW queries inside with this ef_search: the session's setting when possible, else SET LOCAL in
    a transaction (see ``_session_ef_search``). An ef_search below k returns fewer than k rows."""
    if _session_ef_search(ef_search):
        yield
        return
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL hnsw.ef_search = %s", [ef_search])
        yield


def _session_ef_search(ef_search: int) -> bool:
    """Whether this connection's session now walks the graph with ``ef_search`` (set here if need be).

    A session-level ``SET`` once per connection (connections live DB_CONN_MAX_AGE) replaces BEGIN,
    SET LOCAL and COMMIT around every walk: three round trips a search. Safe because every HNSW query
    in this code base sets its own ef_search (this, or SET LOCAL in a transaction, which overrides the
    session's value and gives it back at COMMIT), so none relies on the server's default (40); a new
    one must do the same. Never inside a transaction: a rollback would undo the SET behind our back,
    so there the caller falls back to SET LOCAL. The raw connection is remembered (not its id) so a
    reconnect is noticed.
    """
    if connection.in_atomic_block or not connection.get_autocommit():
        return False
    raw = connection.connection
    if getattr(connection, "_hnsw_session", None) != (raw, ef_search):
        with connection.cursor() as cursor:
            cursor.execute("SET hnsw.ef_search = %s", [ef_search])
        connection._hnsw_session = (raw, ef_search)
    return True


def _estimated_rows(qs) -> float:
    """The planner's estimate of how many rows ``qs`` yields (EXPLAIN, no execution: ~0.3 ms)."""
    sql, params = qs.values("id").query.sql_with_params()
    with connection.cursor() as cursor:
        cursor.execute("EXPLAIN (FORMAT JSON) " + sql, params)
        plan = cursor.fetchone()[0]
    if isinstance(plan, str):
        plan = json.loads(plan)
    return float(plan[0]["Plan"]["Plan Rows"])


# --- A floor on meaning: how close a product must be to a query to be found by meaning alone.
#
# Made-up words ("vobeku tisa") still land near some product: the encoder splits them into sub-words that occur
# in product titles, and on a 10,000-product catalog their nearest product sits at cosine 0.37 (median) to 0.48.
# A product no closer to the query than that is not a match by meaning; it can still be found by its words. The
# floor is measured on the catalog itself, per catalog version: the NULL_QUANTILE quantile of the nearest-product
# similarity of NULL_QUERIES made-up queries, so a made-up query finds something by meaning about
# 1 - NULL_QUANTILE of the time. (On the Crowdflower dev catalog real queries' nearest product sits at 0.60 or more
# for 95 % of them; 1.2 % of the relevant products the dense list found lay under the floor and not in the keyword
# list: BENCHMARKS.md "A floor on meaning".)
NULL_QUERIES = 64
NULL_QUANTILE = 0.95
NULL_SEED = 20261207
MEANING_FLOOR_KEY = "search:meaning-floor:{model}:{version}"
_floors: dict[tuple[str, str], float] = {}
_floors_lock = threading.Lock()


def null_queries(count: int = NULL_QUERIES, seed: int = NULL_SEED) -> list[str]:
    """Made-up queries of one to three pronounceable non-words ("vobeku tisa"), the same for every catalog."""
    rng = random.Random(seed)
    consonants, vowels = "bcdfghjklmnprstvwz", "aeiou"

    def word() -> str:
        return "".join(rng.choice(consonants) + rng.choice(vowels) for _ in range(rng.randint(2, 4)))

    return [" ".join(word() for _ in range(rng.randint(1, 3))) for _ in range(count)]


@functools.cache
def _null_vectors(model: str) -> np.ndarray:
    return embedding.encode(null_queries())


def meaning_floor(version: str) -> float:
    """The least cosine similarity at which a product is found by meaning, for this catalog version (from this
    process, else the shared cache, else measured: NULL_QUERIES nearest-neighbour lookups)."""
    model = embedding.model_name()
    floor = _floors.get((model, version))
    if floor is not None:
        return floor
    key = MEANING_FLOOR_KEY.format(model=model, version=version)
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: measure, and serve anyway
        cached = None
    if cached is None:
        nearest = [
            rows[0][1] if rows else 0.0 for rows in (dense_candidates(v, where=Q(), k=1) for v in _null_vectors(model))
        ]
        cached = float(np.quantile(nearest, NULL_QUANTILE)) if nearest else 0.0
        try:
            cache.set(key, cached, timeout=QUERY_VECTOR_TTL)
        except Exception:
            logger.debug("meaning floor not cached: cache unavailable")
    with _floors_lock:
        if len(_floors) > 64:
            _floors.clear()
        _floors[(model, version)] = float(cached)
    return float(cached)


def tsquery_text(text: str) -> str:
    """An OR query over the words: products matching more of them rank higher; no word is mandatory."""
    words = [w for w in WORD_RE.findall(text.casefold()) if len(w) > 1 or w.isdigit()]
    return " | ".join(dict.fromkeys(words))


def keyword_candidates(text: str, *, where: Q, k: int) -> list[tuple[int, float]]:
    """(product id, ts_rank_cd score) for products whose title, terms or description match, best first."""
    terms = tsquery_text(text)
    if not terms:
        return []
    query = SearchQuery(terms, search_type="raw", config="english")
    qs = (
        Product.objects.active()
        .filter(where)
        .filter(search_vector=query)
        .annotate(rank=SearchRank(F("search_vector"), query, cover_density=True, normalization=Value(1)))
    )
    return [(pk, float(rank)) for pk, rank in qs.order_by("-rank", "id").values_list("id", "rank")[:k]]


# --- IDF-weighted keyword ranking (SEARCH_KEYWORD_IDF, the default): rare words count more, as in BM25

_df_cache: dict[tuple[str, str], tuple[float, int]] = {}
DF_CACHE_LIMIT = 200_000
_catalog_size: dict[str, float] = {}  # active products, per catalog version (set with the df counts)
_df_lock = threading.Lock()  # gunicorn's gthread workers share this cache


def _lexemes(text: str) -> list[str]:
    return list(_lexemes_of(text))


# Postgres's English stemming depends on the text alone: remembered per process, it saves a round trip a search.
@functools.lru_cache(maxsize=20_000)
def _lexemes_of(text: str) -> tuple[str, ...]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT lexeme FROM unnest(to_tsvector('english', %s)) ORDER BY positions[1]", [text])
        return tuple(row[0] for row in cursor.fetchall())


_word_stems: dict[str, tuple[str, ...]] = {}  # word -> its English stems (none for a stop word), per process
WORD_STEMS_LIMIT = 50_000


def _stems_of_words(words: list[str]) -> dict[str, tuple[str, ...]]:
    """Each word's stems, from this process's memory or, for words not seen yet, one query for them all."""
    missing = [w for w in words if w not in _word_stems]
    if missing:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT w, array(SELECT lexeme FROM unnest(to_tsvector('english', w))) FROM unnest(%s::text[]) AS w",
                [missing],
            )
            found = {word: tuple(lexemes) for word, lexemes in cursor.fetchall()}
        if len(_word_stems) > WORD_STEMS_LIMIT:
            _word_stems.clear()
        for word in missing:
            _word_stems[word] = found.get(word, ())
    return {w: _word_stems[w] for w in words}


def _idf(lexemes: list[str], version: str) -> dict[str, float]:
    """BM25's idf per lexeme from document frequencies, cached per catalog version."""
    out = {}
    for lex, (total, df) in _frequencies(lexemes, version).items():
        out[lex] = float(np.log(1 + (total - df + 0.5) / (df + 0.5)))
    return out


def _frequencies(lexemes: list[str], version: str) -> dict[str, tuple[float, int]]:
    """(active products, products holding the lexeme) per lexeme, cached per catalog version."""
    with _df_lock:
        if _df_cache and (next(iter(_df_cache))[0] != version or len(_df_cache) > DF_CACHE_LIMIT):
            _df_cache.clear()  # the catalog changed (or the cache grew too big): counts are recomputed lazily
        missing = [lex for lex in lexemes if (version, lex) not in _df_cache]
    if missing:
        with connection.cursor() as cursor:
            total = _catalog_size.get(version)
            if total is None:  # once per catalog version (a full count: ~0.1 s at 1M products)
                cursor.execute("SELECT count(*) FROM catalog_product WHERE is_active")
                total = float(cursor.fetchone()[0])
                _catalog_size.clear()
                _catalog_size[version] = total
            for lex in missing:
                cursor.execute(
                    "SELECT count(*) FROM catalog_product WHERE is_active AND search_vector @@ quote_literal(%s)::tsquery",
                    [lex],
                )
                (df,) = cursor.fetchone()
                _df_cache[(version, lex)] = (float(total), int(df))
    return {lex: _df_cache.get((version, lex)) or (1.0, 0) for lex in lexemes}


def unknown_words(text: str, version: str) -> list[str]:
    """The words of ``text`` that no active product holds (none of their stems is in any product's full text),
    in order: what shoppers call something the catalog names otherwise. Stop words and symbols are no words."""
    words = list(dict.fromkeys(w for w in WORD_RE.findall(text.casefold()) if not w.isdigit()))[:16]
    if not words:
        return []
    stems = {word: lexemes for word, lexemes in _stems_of_words(words).items() if lexemes}
    frequencies = _frequencies(sorted({lex for lexemes in stems.values() for lex in lexemes}), version)
    return [w for w in words if w in stems and all(frequencies[lex][1] == 0 for lex in stems[w])]


_lengths_cache: dict[str, tuple[float, float]] = {}


def reset_caches() -> None:
    """Forget document frequencies and average lengths (with vocabulary.reset: tests, evaluation sets)."""
    with _df_lock:
        _df_cache.clear()
        _lengths_cache.clear()
        _catalog_size.clear()
    with _floors_lock:
        _floors.clear()


def average_lengths(version: str) -> tuple[float, float]:
    """(lexemes per product, words per title) over active products, for BM25; a sample past 50,000."""
    cached = _lengths_cache.get(version)
    if cached is not None:
        return cached
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM catalog_product")
        (total,) = cursor.fetchone()
        sample = "TABLESAMPLE SYSTEM (5)" if total > 50_000 else ""
        cursor.execute(
            f"""SELECT avg(length(search_vector)), avg(array_length(regexp_split_to_array(trim(title), '\\s+'), 1))
                  FROM catalog_product {sample} WHERE is_active"""
        )
        lexemes, words = cursor.fetchone()
    value = (float(lexemes or 1.0), float(words or 1.0))
    _lengths_cache.clear()
    _lengths_cache[version] = value
    return value


def query_idf(text: str, version: str) -> dict[str, float]:
    """The query's lexemes (Postgres' English stemming, at most 16), in order, each with its idf."""
    lexemes = list(dict.fromkeys(_lexemes(text)))[:16]
    return _idf(lexemes, version) if lexemes else {}


def _admitting_tsquery(lexemes: list[str], idf: dict[str, float], version: str) -> str:
    """Which products the full-text step considers (all of them are then scored by every term).

    Any product holding any query term, as long as the catalog is small. In a large catalog a common
    term ("white", "light") would admit a large share of it and cost a ts_rank each (0.4 s at 1M):
    there only the rarer terms admit candidates (all terms when every one is common), while common
    terms still add to the score.
    """
    quoted = {lex: "'" + lex.replace("'", "''") + "'" for lex in lexemes}
    if _catalog_size.get(version, 0.0) < settings.SEARCH_COMMON_TERM_MIN_CATALOG:
        return " | ".join(quoted.values())
    share = settings.SEARCH_COMMON_TERM_SHARE
    rare = [lex for lex in lexemes if idf[lex] >= np.log(1 + (1 - share) / share)]
    return " | ".join(quoted[lex] for lex in rare) if rare else " & ".join(quoted.values())


def keyword_candidates_idf(
    text: str, *, where: Q, k: int, version: str, idf: dict[str, float] | None = None
) -> list[tuple[int, float]]:
    """Like keyword_candidates, but each query term counts by its rarity (idf) times its ts_rank."""
    from django.db.models.expressions import RawSQL

    idf = query_idf(text, version) if idf is None else idf
    lexemes = list(idf)
    if not lexemes:
        return []
    parts, params = [], []
    for lex in lexemes:
        parts.append("%s * ts_rank(search_vector, quote_literal(%s)::tsquery)")
        params += [idf[lex], lex]
    score = RawSQL(" + ".join(parts), params, output_field=FloatField())
    query = SearchQuery(_admitting_tsquery(lexemes, idf, version), search_type="raw", config="simple")
    qs = Product.objects.active().filter(where).filter(search_vector=query).annotate(rank=score)
    return [(pk, float(rank)) for pk, rank in qs.order_by("-rank", "id").values_list("id", "rank")[:k]]
