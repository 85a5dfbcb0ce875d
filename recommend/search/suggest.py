"""Autocomplete: what to offer under the search box while a shopper types.

Runs on every pause in typing, so nothing here embeds text or calls the search engine: the parser (pure
Python over the in-process vocabulary, well under 1 ms), one full-text prefix query on products (GIN
index), category and brand names matched in Python against the vocabulary (one small query for a
matched brand's slug), and popular searches from the cache.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlencode

from django.contrib.postgres.search import SearchQuery
from django.core.cache import cache
from django.db.models import Count, Q
from django.db.models.functions import Lower, Trim
from django.urls import reverse
from django.utils import timezone

from catalog.models import Brand, Product
from profiles.models import Event
from recommend.models import PopularSearchBlock, SearchLog
from recommend.search.parser import ParsedQuery, parse
from recommend.search.retrieval import WORD_RE
from recommend.search.vocabulary import Vocabulary, get_vocabulary
from shopguide.text import one_line

logger = logging.getLogger(__name__)

LIMIT = 5
MAX_QUERY = 200  # longer input is not being typed into a search box; suggestions look at its start
MAX_PREFIX_WORDS = 8
POPULAR_KEY = "search:popular:v1"
POPULAR_TTL = 60
POPULAR_DAYS = 30
POPULAR_POOL = 50  # cached once, filtered per keystroke
POPULAR_MAX_LENGTH = 80  # a paragraph pasted into the box is not a "popular search"
# Shown to everyone, so never one person's words: a query is popular once this many different established
# shoppers searched it. Established: an account, or a visitor who looked at POPULAR_MIN_PRODUCTS different
# products (a script rotating fresh sessions has no such history). Unnamed rows (paused personalisation, a
# visitor with no shopper yet) count none.
POPULAR_MIN_SEARCHERS = 3
POPULAR_MIN_PRODUCTS = 3


@dataclass(frozen=True)
class ProductSuggestion:
    id: int
    title: str
    url: str


@dataclass(frozen=True)
class LinkSuggestion:
    slug: str
    name: str
    url: str


@dataclass
class Suggestions:
    query: str
    corrected: str | None = None
    products: list[ProductSuggestion] = field(default_factory=list)
    categories: list[LinkSuggestion] = field(default_factory=list)
    brands: list[LinkSuggestion] = field(default_factory=list)
    popular: list[str] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.corrected or self.products or self.categories or self.brands or self.popular)


def suggest(q: str, *, limit: int = LIMIT) -> Suggestions:
    """Products, categories and brands matching what has been typed so far, the typo fix, popular searches."""
    query = one_line(q, limit=MAX_QUERY)
    if not query:
        return Suggestions(query="", popular=popular_searches()[:limit])
    vocabulary = get_vocabulary()
    parsed = parse(query, vocabulary)
    folded = query.casefold()
    return Suggestions(
        query=query,
        corrected=parsed.corrected,
        products=_products(parsed.search_text or parsed.corrected or query, limit),
        categories=_categories(vocabulary, query, _slot_values(parsed, "category"), limit),
        brands=_brands(vocabulary, query, _slot_values(parsed, "brand"), limit),
        popular=[p for p in popular_searches() if folded in p and p != folded][:limit],
    )


def _slot_values(parsed: ParsedQuery, slot_type: str) -> list[str]:
    return [str(s.value) for s in parsed.slots if s.type == slot_type and s.hard and not s.negated]


def _products(text: str, limit: int) -> list[ProductSuggestion]:
    # Every word as a prefix ("hik" finds hiking): served by the GIN index on search_vector, no embedding.
    words = [w for w in WORD_RE.findall(text.casefold()) if len(w) > 1 or w.isdigit()][:MAX_PREFIX_WORDS]
    if not words:
        return []
    tsquery = SearchQuery(" & ".join(f"{w}:*" for w in dict.fromkeys(words)), search_type="raw", config="english")
    rows = (
        Product.objects.active()
        .filter(search_vector=tsquery)
        .order_by("-review_count", "id")  # the most reviewed first: a cheap stand-in for popularity
        .values_list("id", "title")[:limit]
    )
    return [ProductSuggestion(id=pk, title=title, url=reverse("catalog:product", args=[pk])) for pk, title in rows]


@dataclass(frozen=True)
class _Names:
    """Category and brand names, case-folded, in display order: matched in Python, no query per keystroke."""

    categories: list[tuple[str, str, str]]  # (folded name, slug, name), shallow categories first
    brands: list[tuple[str, str]]  # (folded name, name)


_names: tuple[Vocabulary, _Names] | None = None


def _names_for(vocabulary: Vocabulary) -> _Names:
    # Derived once per vocabulary object (a new one arrives whenever the catalog changes).
    global _names
    if _names is None or _names[0] is not vocabulary:
        categories = sorted(
            (
                (name.casefold(), slug, name, tree_key.count("/"))
                for slug, (tree_key, name) in vocabulary.category_keys.items()
            ),
            key=lambda row: (row[3], row[0]),
        )
        brands = sorted(
            {str(value) for kind, value in vocabulary.phrases.values() if kind == "brand"}, key=str.casefold
        )
        _names = (vocabulary, _Names([row[:3] for row in categories], [(b.casefold(), b) for b in brands]))
    return _names[1]


def _name_matches(folded_name: str, query: str, last: str | None) -> bool:
    """The name starts with the typed text or has a word that does; or likewise for the last word typed."""
    for text in (query, last) if last else (query,):
        if folded_name.startswith(text) or f" {text}" in folded_name:
            return True
    return False


def _categories(vocabulary: Vocabulary, query: str, slugs: list[str], limit: int) -> list[LinkSuggestion]:
    folded, last = _terms(query)
    found = [
        (slug, name)
        for folded_name, slug, name in _names_for(vocabulary).categories
        if slug in slugs or _name_matches(folded_name, folded, last)
    ]
    return [
        LinkSuggestion(slug=slug, name=name, url=reverse("catalog:category", args=[slug]))
        for slug, name in found[:limit]
    ]


def _brands(vocabulary: Vocabulary, query: str, names: list[str], limit: int) -> list[LinkSuggestion]:
    folded, last = _terms(query)
    wanted = {n.casefold() for n in names}
    found = [
        name
        for folded_name, name in _names_for(vocabulary).brands
        if folded_name in wanted or _name_matches(folded_name, folded, last)
    ][:limit]
    if not found:
        return []
    slugs = dict(Brand.objects.filter(name__in=found).values_list("name", "slug"))
    # There is no brand page: a brand's name is a search the parser reads as that brand.
    return [LinkSuggestion(slug=slugs[name], name=name, url=search_url(name)) for name in found if name in slugs]


def _terms(query: str) -> tuple[str, str | None]:
    folded = query.casefold()
    words = folded.split()
    last = words[-1] if len(words) > 1 and len(words[-1]) >= 2 else None
    return folded, last


def search_url(q: str) -> str:
    return reverse("recommend:search") + "?" + urlencode({"q": q})


def _words(text: str) -> tuple[str, ...]:
    return tuple(w.casefold() for w in WORD_RE.findall(text))


def _contains_any(words: tuple[str, ...], phrases: list[tuple[str, ...]]) -> bool:
    return any(
        phrase and any(words[i : i + len(phrase)] == phrase for i in range(len(words) - len(phrase) + 1))
        for phrase in phrases
    )


def popular_searches_forget() -> None:
    """Drop the cached list (a merchandiser blocked a phrase: it goes now, not in a minute)."""
    try:
        cache.delete(POPULAR_KEY)
    except Exception:
        logger.debug("popular searches not forgotten: cache unavailable")


def popular_searches() -> list[str]:
    """The most frequent searches that found something in the last 30 days, without typos (normalised, most frequent first),
    each searched by at least POPULAR_MIN_SEARCHERS different people.

    Cached for a minute: one GROUP BY over recent logs, not one per keystroke.
    """
    try:
        cached = cache.get(POPULAR_KEY)
    except Exception:  # Redis down: compute, and serve anyway
        cached = None
    if cached is not None:
        return cached
    since = timezone.now() - timedelta(days=POPULAR_DAYS)
    engaged_visitors = (
        Event.objects.filter(shopper__user__isnull=True, product__isnull=False, created_at__gte=since)
        .values("shopper")
        .annotate(products=Count("product", distinct=True))
        .filter(products__gte=POPULAR_MIN_PRODUCTS)
        .values("shopper")
    )
    rows = (
        SearchLog.objects.filter(total__gt=0, created_at__gte=since)
        .filter(Q(shopper__user__isnull=False) | Q(shopper__in=engaged_visitors))
        # A misspelling that found things (after correction) is not worth teaching to the next shopper.
        .filter(Q(parsed__corrected=None) | Q(parsed__corrected__isnull=True))
        .annotate(text=Lower(Trim("query")))
        .exclude(text="")
        .values("text")
        .annotate(n=Count("id"), searchers=Count("shopper_id", distinct=True))
        .filter(searchers__gte=POPULAR_MIN_SEARCHERS)
        .order_by("-n", "text")
    )
    blocked = [_words(phrase) for phrase in PopularSearchBlock.objects.values_list("phrase", flat=True)]
    popular = [
        r["text"]
        for r in rows[: POPULAR_POOL * 2]
        if len(r["text"]) <= POPULAR_MAX_LENGTH and not _contains_any(_words(r["text"]), blocked)
    ][:POPULAR_POOL]
    try:
        cache.set(POPULAR_KEY, popular, timeout=POPULAR_TTL)
    except Exception:
        logger.debug("popular searches not cached: cache unavailable")
    return popular
