"""The demo's analytics history (`generate_demo_analytics`) on a small generated catalog: the demo shoppers'
searches replayed as search logs at their own times, impression counters, nothing added by a re-run; and the
shoppers' own words the catalog lacks, which search finds by meaning only or not at all (the dashboard's synonym
story)."""

from __future__ import annotations

import random
from io import StringIO

import pytest
from django.core.management import call_command

from catalog import services
from profiles.demo import EVENT_ID_PREFIX, Taste, _Pool, _query
from profiles.models import Event
from recommend.analytics import demo
from recommend.analytics.selectors import Period, unmatched_queries
from recommend.models import SearchLog, SurfaceImpression
from recommend.search import vocabulary
from recommend.search.engine import search

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

NOW = "2026-03-31T00:00:00+00:00"


@pytest.fixture
def demo_shop(embedding_model):
    args = ["--products", "300", "--shoppers", "40", "--seed", "7", "--now", NOW, "--no-progress"]
    call_command("generate_demo_catalog", *args, stdout=StringIO())
    services.product_embed()
    # The catalog commands bump the catalog version on commit, which a rolled-back test never reaches: bump it
    # here, or what another test's catalog left in the shared cache under that version (its vocabulary, its
    # floor on meaning) is used (as tests/conftest.load_search_products does).
    services.catalog_version_bump()
    vocabulary.reset()
    yield
    vocabulary.reset()


def _snapshot() -> tuple[list, list]:
    logs = list(SearchLog.objects.order_by("id").values_list("id", "query", "shopper_id", "created_at", "total"))
    counters = list(
        SurfaceImpression.objects.order_by("day", "surface").values_list("day", "surface", "lists", "products")
    )
    return logs, counters


def test_demo_searches_become_logs_at_their_times_and_a_rerun_adds_nothing(demo_shop):
    searches = list(
        Event.objects.filter(kind="search", client_event_id__startswith=EVENT_ID_PREFIX).values_list(
            "shopper_id", "query", "surface", "created_at"
        )
    )
    assert len(searches) > 20

    out = StringIO()
    call_command("generate_demo_analytics", no_progress=True, stdout=out)

    logs = list(SearchLog.objects.values_list("shopper_id", "query", "surface", "created_at", "total", "result_ids"))
    assert sorted((s, q, t) for s, q, _, t, _, _ in logs) == sorted((s, q, t) for s, q, _, t in searches)
    by_event_surface = {(s, t): surface for s, _, surface, t in searches}
    assert all(surface == by_event_surface[s, t] for s, _, surface, t, _, _ in logs)  # search / assistant kept apart
    assert all(total > 0 and 0 < len(ids) <= 24 for *_, total, ids in logs)  # the real engine's answers
    assert f"Demo searches: {len(searches)} ({len(searches)} logged now, 0 already logged)" in out.getvalue()

    # Recommendation rows: three home rows per active demo shopper that day, plus one per recommendation click.
    day = Event.objects.filter(client_event_id__startswith=EVENT_ID_PREFIX).earliest("created_at").created_at.date()
    day_events = Event.objects.filter(client_event_id__startswith=EVENT_ID_PREFIX, created_at__date=day)
    active = day_events.values("shopper_id").distinct().count()
    clicks = day_events.filter(kind="click", surface="recommendations").count()
    counter = SurfaceImpression.objects.get(day=day, surface="recommendations")
    assert (counter.lists, counter.products) == (3 * active + clicks, (3 * active + clicks) * demo.ROW_CARDS)
    assistant_questions = sum(1 for *_, surface, _ in searches if surface == "assistant")
    assert (
        sum(SurfaceImpression.objects.filter(surface="assistant").values_list("lists", flat=True))
        == assistant_questions
    )

    before = _snapshot()
    out = StringIO()
    call_command("generate_demo_analytics", no_progress=True, stdout=out)
    assert _snapshot() == before
    assert "(0 logged now" in out.getvalue() and "0 day/surface rows written" in out.getvalue()


def test_some_demo_queries_use_shoppers_words_the_catalog_lacks():
    pool = _Pool()
    pool.paths, pool.genders = ["Shoes > Sneakers"], [""]
    for name, value in (("ids", 1), ("top", 0), ("path", 0), ("brand", 0), ("gender", 0), ("cents", 8000)):
        getattr(pool, name).append(value)
    taste = Taste(tops=("Shoes",), gender="women", price_sensitivity=0.5, brands=())
    queries = [_query(random.Random(i), pool, taste, 0) for i in range(300)]
    with_word = [q for q in queries if "trainers" in q.split()]
    assert 0.1 < len(with_word) / len(queries) < 0.5  # the plainer queries only
    assert sum("sneakers" in q for q in queries) > len(with_word)  # the catalog's word stays the usual one


def test_shoppers_words_are_logged_as_unknown_and_listed_as_unmatched(demo_shop):
    result = search(q="trainers", log=True)
    # No product says "trainers", and the model does not place it near the sneakers: without the floor on meaning
    # it showed resistance bands and leggings at cosine 0.30, under this catalog's floor. Nothing, honestly.
    assert result.total == 0 and result.keyword_matches == 0
    search(q="trainers for travel", log=True)  # the other words match: only "trainers" is unknown
    search(q="sneakers", log=True)
    logs = dict(SearchLog.objects.values_list("query", "unknown_words"))
    assert logs == {"trainers": ["trainers"], "trainers for travel": ["trainers"], "sneakers": []}
    rows = unmatched_queries(period=Period.last_days(1))
    assert {row.query: row.synonym_terms for row in rows} == {"trainers": "trainers", "trainers for travel": "trainers"}
