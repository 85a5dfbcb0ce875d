"""Search: a shopper's words to ranked products, facets and the reasons for every result.

parse (parser.py) ─▶ constraints (SQL filters from slots and facets)
    ─▶ candidates: pgvector ANN ∪ Postgres full text (retrieval.py), both under the constraints
    ─▶ reciprocal rank fusion ─▶ learned re-ranker (rerank.py) ─▶ sort ─▶ personal lift (personal.py, bounded)
    ─▶ merchandising rules (recommend/merchandising: hide as a filter above; boost, bury, pin here)
    ─▶ page ─▶ facets over all candidates
    ─▶ reasons per hit
no result: drop the least essential constraint, say which, and try again.
"""

from __future__ import annotations

import functools
import time
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import numpy as np
from django.conf import settings
from django.contrib.postgres.search import SearchQuery
from django.db.models import Q
from django.utils import timezone

from catalog import selectors
from catalog.models import Product
from recommend.experiments.knobs import Knobs, knobs_for
from recommend.merchandising import rules as merch_rules
from recommend.merchandising import state as merch_state
from recommend.search import lexicon, personal, rerank, retrieval
from recommend.search.parser import ParsedQuery, Slot, message_vector, parse, words_vector
from recommend.search.vocabulary import Vocabulary, get_vocabulary
from recommend.understanding import acts
from shopguide import embedding
from shopguide.after_response import after_response

RRF_K = 60
CANDIDATES = settings.SEARCH_CANDIDATES  # per retriever
SORTS = ("relevance", "price", "-price", "rating", "newest")
# "cheap" / "premium": the median price of this many of the most relevant candidates splits them.
PRICE_HINT_POOL = 30
# Dropped first when nothing matches: the constraints a shopper is least likely to insist on. The kind of product
# and whom it is for go last: "running shoes under $20" with none that cheap shows the cheapest running shoes and
# says the price could not be met, never blue socks.
RELAX_ORDER = ("size", "style", "feature", "material", "color", "rating", "brand", "price", "department", "category")
DEPARTMENT_VALUES = {
    "women": ["women", "unisex"],
    "men": ["men", "unisex"],
    "kids": ["kids", "unisex"],
    "baby": ["baby", "kids"],
}
ATTRIBUTE_KEYS = {"color": "color", "material": "material", "style": "style", "feature": "features"}


@dataclass(frozen=True)
class QueryContext:
    """What every step of one search shares, computed once: the catalog version, the query's vector and
    its terms' idf (each costs a cache or database round trip)."""

    text: str
    version: str
    vector: Any
    idf: dict[str, float]
    numbers: tuple[str, ...] = ()  # "12", "2x4": what the title-numbers reason names
    words: int = 0

    @functools.cached_property
    def literal(self) -> str:
        """The vector's text form for SQL, made once a search (384 floats to text: ~0.3 ms)."""
        return embedding.vector_literal(self.vector)

    @classmethod
    def of(cls, text: str, *, known_vector: Any = None) -> QueryContext:
        vector, version = retrieval.query_vector_and_version(text or "products", known=known_vector if text else None)
        idf = retrieval.query_idf(text, version) if text and settings.SEARCH_KEYWORD_IDF else {}
        return cls(
            text,
            version,
            vector,
            idf,
            numbers=tuple(sorted(rerank.query_numbers(text))),
            words=len(retrieval.WORD_RE.findall(text)),
        )


@dataclass(frozen=True)
class SearchFilters:
    """Filters picked in the UI or passed to the API, on top of what the words said."""

    category: str | None = None  # slug
    brands: tuple[str, ...] = ()  # slugs
    min_price: Decimal | None = None
    max_price: Decimal | None = None
    min_rating: Decimal | None = None
    in_stock: bool = False


@dataclass(frozen=True)
class Constraint:
    kind: str  # category, brand, color, material, department, feature, style, size, price, rating, term, stock
    label: str  # what a shopper reads on a chip: "under $80", "not leather"
    q: Q
    negated: bool = False
    source: str = "query"  # "query" (from the words), "filter" (picked in the UI) or "rule" (a hide rule)
    slot: Slot | None = None
    values: tuple[str, ...] = ()  # the attribute values asked for, case-folded


@dataclass
class Reason:
    kind: str  # attribute, excluded, keyword, semantic, relaxed, personal, rule
    text: str

    def as_dict(self) -> dict[str, str]:
        return {"kind": self.kind, "text": self.text}


@dataclass
class Hit:
    product: Product
    score: float
    reasons: list[Reason]
    similarity: float | None = None
    keyword_rank: int | None = None
    semantic_rank: int | None = None
    features: dict[str, float] | None = None  # the re-ranker's inputs (the admin preview's score breakdown)


@dataclass
class SearchResult:
    parsed: ParsedQuery
    hits: list[Hit]
    total: int
    page: int
    page_size: int
    sort: str
    constraints: list[Constraint]
    relaxed: list[Constraint] = field(default_factory=list)
    facets: Any = None
    latency_ms: float = 0.0
    candidate_ids: list[int] = field(default_factory=list)
    context: QueryContext | None = None
    hidden: list[Constraint] = field(default_factory=list)  # hide rules, applied like filters but never shown
    rules: list[merch_rules.ActiveRule] = field(default_factory=list)  # the rules that applied to this search
    redirect: merch_rules.ActiveRule | None = None  # a redirect rule for this query: the storefront follows it
    # Full-text candidates under the final constraints (capped at CANDIDATES); 0 means no product holds the
    # words and every result came by meaning alone: the merchandiser's cue for a synonym. None: no words.
    keyword_matches: int | None = None

    @property
    def did_you_mean(self) -> str | None:
        return self.parsed.corrected

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.page_size))


def _money(value: Decimal) -> str:
    return f"${value:,.0f}" if value == value.to_integral() else f"${value:,.2f}"


def _attribute_q(key: str, value: Any) -> Q:
    # A product that does not describe this attribute at all is not ruled out by it: the words decide.
    return Q(attributes__contains={key: value}) | Q(attributes__contains={key: [value]}) | ~Q(attributes__has_key=key)


def build_constraints(parsed: ParsedQuery, filters: SearchFilters, vocabulary: Vocabulary) -> list[Constraint]:
    constraints: list[Constraint] = []
    positives: dict[str, list[Slot]] = {}
    for slot in parsed.slots:
        if not slot.hard:
            continue  # evidence the catalog does not know: it stays in the words, it never filters
        if slot.negated:
            constraints.append(_negated_constraint(slot, vocabulary))
        else:
            positives.setdefault(slot.type, []).append(slot)

    if len(positives.get("category", ())) > 1:
        positives["category"] = _heads(parsed.raw, positives["category"])
    # Several values of one kind are alternatives ("red or blue"): OR within a kind, AND across kinds.
    for kind, slots in positives.items():
        q, labels = Q(), []
        for slot in slots:
            slot_q = _positive_q(slot, vocabulary)
            if slot_q is None:
                continue
            if kind == "category":
                # A category read from words is a guess: a product whose own text says the product type the
                # shopper typed ("tennis shoes" filed under Tennis, not Shoes) is never filtered away by it.
                for phrase in _product_phrases(parsed, slot):
                    slot_q |= Q(search_vector=SearchQuery(phrase, config="english", search_type="phrase"))
            q |= slot_q
            labels.append(_label(slot, vocabulary))
        if labels:
            values = tuple(str(s.value).casefold() for s in slots)
            constraints.append(Constraint(kind, ", ".join(labels), q, slot=slots[0], values=values))

    # Numbers from the words, unless the UI set its own.
    low = filters.min_price if filters.min_price is not None else parsed.price_min
    high = filters.max_price if filters.max_price is not None else parsed.price_max
    constraints = [c for c in constraints if c.kind != "price"]
    if low is not None or high is not None:
        q = Q(price__isnull=False)
        if low is not None:
            q &= Q(price__gte=low)
        if high is not None:
            q &= Q(price__lte=high)
        if low is not None and high is not None:
            label = f"{_money(low)}–{_money(high)}"
        else:
            label = f"under {_money(high)}" if high is not None else f"over {_money(low)}"
        from_ui = filters.min_price is not None or filters.max_price is not None
        constraints.append(Constraint("price", label, q, source="filter" if from_ui else "query"))
    rating = filters.min_rating if filters.min_rating is not None else parsed.min_rating
    constraints = [c for c in constraints if c.kind != "rating"]
    if rating is not None:
        constraints.append(
            Constraint(
                "rating", f"{rating}★ & up", Q(rating__gte=rating), source="filter" if filters.min_rating else "query"
            )
        )
    if filters.category:
        tree_key, name = vocabulary.category_keys.get(filters.category, (None, filters.category))
        q = Q(category__tree_key__startswith=tree_key) if tree_key else Q(category__slug=filters.category)
        constraints = [c for c in constraints if c.kind != "category"]
        constraints.append(Constraint("category", name, q, source="filter"))
    if filters.brands:
        constraints = [c for c in constraints if not (c.kind == "brand" and not c.negated)]
        constraints.append(
            Constraint("brand", ", ".join(filters.brands), Q(brand__slug__in=filters.brands), source="filter")
        )
    if filters.in_stock:
        constraints.append(Constraint("stock", "in stock", Q(stock__gt=0), source="filter"))
    return constraints


def _heads(raw: str, categories: list[Slot]) -> list[Slot]:
    """Category words written next to each other are one compound whose last word is its head: "laptop sleeve" is
    a sleeve, "phone charger" a charger. Only the head filters; the others stay in the words the retrievers read.
    Categories joined by "or", "and" or a comma stay alternatives."""
    ordered = sorted(categories, key=lambda s: s.start)
    return [
        slot
        for k, slot in enumerate(ordered)
        if not (k + 1 < len(ordered) and not raw[slot.end : ordered[k + 1].start].strip(" -"))
    ]


def _product_phrases(parsed: ParsedQuery, slot: Slot) -> list[str]:
    """The words that name the product type around a category slot, when there are more of them than one:
    the slot's own words and their endings (the head noun comes last: "comfortable running shoes", "running
    shoes"), the learned product type holding it, and the slot with the word typed right before it."""
    said = slot.text.split()
    phrases = [" ".join(said[k:]) for k in range(len(said) - 1)]  # "motorcycle helmet", "winter running shoes"
    if parsed.product_type:
        at = parsed.raw.casefold().find(parsed.product_type.casefold())
        if at <= slot.start and slot.end <= at + len(parsed.product_type):
            phrases.append(parsed.product_type)
    words = parsed.raw[: slot.start].split()
    previous = words[-1].strip(",.;:!?") if words else ""
    at = parsed.raw.rfind(previous, 0, slot.start) if previous else -1
    taken = any(s.start <= at < s.end for s in parsed.slots)  # already a colour, a brand, …: not the product type
    if previous.isalpha() and previous.casefold() not in lexicon.STOPWORDS and not taken:
        phrases.append(f"{previous} {slot.text}")
    return [p for p in dict.fromkeys(phrases) if len(p.split()) > 1]


def _positive_q(slot: Slot, vocabulary: Vocabulary) -> Q | None:
    if slot.type == "category":
        tree_keys = vocabulary.category_tree_keys(slot.value)
        return _any_tree(tree_keys) if tree_keys else None
    if slot.type == "brand":
        return Q(brand__name__iexact=slot.value)
    if slot.type == "department":
        values = DEPARTMENT_VALUES.get(slot.value)
        if not values:
            return None
        q = ~Q(attributes__has_key="gender")
        for value in values:
            q |= Q(attributes__contains={"gender": value})
        return q
    if slot.type in ATTRIBUTE_KEYS:
        return _attribute_q(ATTRIBUTE_KEYS[slot.type], slot.value)
    if slot.type == "uom" and str(slot.value).startswith("size "):
        size = (
            str(slot.value)[5:].strip().upper()
            if not str(slot.value)[5:].strip().isdigit()
            else str(slot.value)[5:].strip()
        )
        return _attribute_q("sizes", size)
    return None  # price and rating are read from the parse; sizes in words and units stay free text


def _any_tree(tree_keys: tuple[str, ...]) -> Q:
    q = Q()
    for tree_key in tree_keys:
        q |= Q(category__tree_key__startswith=tree_key)
    return q


def _negated_constraint(slot: Slot, vocabulary: Vocabulary) -> Constraint:
    label = f"not {slot.text.strip()}"
    if slot.type == "brand":
        q = ~Q(brand__name__iexact=slot.value)
    elif slot.type == "category":
        tree_keys = vocabulary.category_tree_keys(slot.value)
        q = ~_any_tree(tree_keys) if tree_keys else Q()
    elif slot.type in ATTRIBUTE_KEYS:
        key = ATTRIBUTE_KEYS[slot.type]
        q = ~Q(attributes__contains={key: slot.value}) & ~Q(attributes__contains={key: [slot.value]})
        # "not leather" also rules out products that only say so in words.
        q &= ~Q(search_vector=SearchQuery(str(slot.value), config="english"))
    else:
        q = ~Q(search_vector=SearchQuery(str(slot.value), config="english"))
    return Constraint(slot.type, label, q, negated=True, slot=slot)


def _label(slot: Slot, vocabulary: Vocabulary) -> str:
    if slot.type == "category":
        return vocabulary.category_keys.get(slot.value, (None, slot.text))[1]
    if slot.type == "department":
        return str(slot.value)
    return str(slot.value)


def _where(constraints: list[Constraint]) -> Q:
    q = Q()
    for constraint in constraints:
        q &= constraint.q
    return q


def search(
    *,
    q: str,
    filters: SearchFilters | None = None,
    page: int = 1,
    page_size: int = 24,
    sort: str = "relevance",
    shopper_id: int | None = None,
    session_key: str = "",
    log: bool = True,
    personalize: bool = True,
    surface: str = "search",
    knobs: Knobs | None = None,
) -> SearchResult:
    """``knobs``: the ranking knobs to use; by default the shopper's (their experiment variant, else the live ones)."""
    started = time.perf_counter()
    knobs = knobs if knobs is not None else knobs_for(shopper_id)
    filters = filters or SearchFilters()
    vocabulary = get_vocabulary()
    merchandising = merch_state.current()
    now = timezone.now()
    parsed = parse(q, vocabulary, merchandising.synonyms(now))
    constraints = build_constraints(parsed, filters, vocabulary)
    text = parsed.search_text
    context = QueryContext.of(text, known_vector=words_vector(parsed))  # one encoder pass for plain queries
    parsed.intent = _act(parsed)
    rule_context = merch_rules.RuleContext(
        merch_rules.SEARCH,
        query=merch_rules.query_key(parsed.corrected or parsed.raw),
        category_keys=_category_keys(parsed, filters, vocabulary),
    )
    rules = merch_rules.applicable(merchandising.rules, rule_context, now)
    hide = merch_rules.hide_q(rules)
    hidden = [Constraint("rule", "hidden by a merchandising rule", ~hide, source="rule")] if hide is not None else []

    fused, dense, keyword = _retrieve(text, _where(constraints + hidden), context, knobs.fusion_weights)
    relaxed: list[Constraint] = []
    asked = constraints
    # Nothing matches everything asked: drop one constraint at a time, least essential first.
    while not fused and any(_relaxable(c) for c in constraints):
        victim = _blocking_constraint(constraints, hidden)
        constraints = [c for c in constraints if c is not victim]
        relaxed.append(victim)
        fused, dense, keyword = _retrieve(text, _where(constraints + hidden), context, knobs.fusion_weights)
    if not fused:  # nothing even without them: the words matched nothing, say so with what was asked
        constraints, relaxed = asked, []
    ranker = rerank.learned() if settings.SEARCH_RERANK and text else None
    ranking: dict[int, Any] = {}  # the re-ranker's feature row per product, for the reasons
    facet_rows: dict[int, selectors.FacetRow] | None = None  # fetched with the features, for the facets
    if ranker is not None and fused:
        fused, ranking, facet_rows = _rerank(fused, context, dense, keyword, ranker, knobs.fusion_weights)

    ranked = _sort(fused, sort, parsed)
    lifts: dict[int, personal.Lift] = {}
    lift_on = personalize and sort == "relevance" and knobs.personalization > 0
    affinities = personal.shopper_affinities(shopper_id) if lift_on else None
    if affinities:
        ranked, lifts = personal.personal_rerank(ranked, affinities, strength=knobs.personalization)
    notes: dict[int, list[str]] = {}
    if sort == "relevance" and any(r.action in ("pin", "boost", "bury") for r in rules):
        ranked, notes = _apply_rules(ranked, rules, _where(constraints + hidden))
    total = len(ranked)
    page = max(1, page)
    page_ids = [pk for pk, _ in ranked[(page - 1) * page_size : page * page_size]]
    products = Product.objects.for_listing().in_bulk(page_ids)
    scores = dict(ranked)
    hits = [
        _hit(products[pk], scores[pk], parsed, constraints, relaxed, dense, keyword, context, _named(ranking.get(pk)))
        for pk in page_ids
        if pk in products
    ]
    synonym_reasons = [_synonym_reason(used) for used in parsed.synonyms]
    for hit in hits:
        lift = lifts.get(hit.product.pk)
        if lift is not None and lift.reason:
            hit.reasons.append(Reason("personal", lift.reason))
        hit.reasons += [Reason("rule", note) for note in notes.get(hit.product.pk, ())]
        hit.reasons += synonym_reasons
    result = SearchResult(
        parsed=parsed,
        hits=hits,
        total=total,
        page=page,
        page_size=page_size,
        sort=sort,
        constraints=constraints,
        relaxed=relaxed,
        candidate_ids=[pk for pk, _ in ranked],
        context=context,
        hidden=hidden,
        rules=rules,
        redirect=merch_rules.redirect_for(merchandising.rules, rule_context.query, now),
        keyword_matches=len(keyword) if text else None,
    )
    result.facets = search_facets(result, filters, rows=facet_rows)
    result.latency_ms = (time.perf_counter() - started) * 1000
    if log:  # once the response is out: the shopper does not wait for the INSERT (shopguide/after_response.py)
        after_response(_log, result, shopper_id=shopper_id, session_key=session_key, surface=surface)
    return result


def _act(parsed: ParsedQuery) -> str:
    """The message's dialogue act (for the log and the API), from the sentence vector of its words."""
    vector = message_vector(parsed)
    act = acts.of_vector(vector) if vector is not None else None
    return act.name if act is not None else ""


def _category_keys(parsed: ParsedQuery, filters: SearchFilters, vocabulary: Vocabulary) -> tuple[str, ...]:
    """The categories this search is about (a category filter, or categories named in the words)."""
    exact = vocabulary.category_keys.get(filters.category, (None, None))[0] if filters.category else None
    named = [key for value in parsed.values("category") for key in vocabulary.category_tree_keys(value)]
    return tuple(dict.fromkeys(([exact] if exact else []) + named))


def _apply_rules(
    ranked: list[tuple[int, float]], rules: list[merch_rules.ActiveRule], where: Q
) -> tuple[list[tuple[int, float]], dict[int, list[str]]]:
    """Boost, bury and pin (recommend/merchandising/rules.py). A query's pin may bring in a product that
    retrieval missed, if it is active and passes the shopper's filters; other pins only move what is there."""
    ids = [pk for pk, _ in ranked]
    present = set(ids)

    def members(rule: merch_rules.ActiveRule) -> list[int]:
        if rule.product_id is not None:
            return [rule.product_id] if rule.product_id in present else []
        return list(Product.objects.filter(pk__in=ids).filter(rule.target_q()).values_list("pk", flat=True))

    def insertable(rule: merch_rules.ActiveRule) -> bool:
        return rule.scope == "query" and Product.objects.active().filter(where, pk=rule.product_id).exists()

    arranged = merch_rules.pin(merch_rules.move(ids, rules, members), rules, insertable=insertable)
    scores = dict(ranked)
    return [(pk, scores.get(pk, 0.0)) for pk in arranged.ids], arranged.notes


def _synonym_reason(used: dict[str, Any]) -> Reason:
    alternatives = ", ".join(f"“{a}”" for a in used["alternatives"])
    ids = used["synonym_ids"]
    which = f" (synonym {', '.join(map(str, ids))})" if ids else " (unsaved synonym)"
    return Reason("rule", f"“{used['term']}” also searches for {alternatives}: a merchandising synonym{which}")


def _blocking_constraint(constraints: list[Constraint], hidden: list[Constraint]) -> Constraint:
    """The constraint to drop when nothing matches: the one that could not be met. The first (least essential)
    whose removal alone lets products through; when no single one does, the least essential of all. So an
    unmeetable price is named as the price, not as the colour and the product type dropped before it."""
    relaxable = sorted((c for c in constraints if _relaxable(c)), key=lambda c: RELAX_ORDER.index(c.kind))
    for candidate in relaxable:
        rest = [c for c in constraints if c is not candidate]
        if Product.objects.active().filter(_where(rest + hidden)).exists():
            return candidate
    return relaxable[0]


def _relaxable(constraint: Constraint) -> bool:
    # What the shopper picked in the UI, and what they explicitly excluded, is never dropped silently.
    return constraint.source == "query" and not constraint.negated and constraint.kind in RELAX_ORDER


def _retrieve(
    text: str, where: Q, context: QueryContext | None = None, weights: dict[str, float] | None = None
) -> tuple[list[tuple[int, float]], dict[int, tuple[int, float]], dict[int, int]]:
    """Fused (id, score) best first, plus each id's (rank, similarity) in the dense list and rank in the keyword list."""
    context = context or QueryContext.of(text)
    dense_rows = retrieval.dense_candidates(context.vector, where=where, k=CANDIDATES, literal=context.literal)
    if text and settings.SEARCH_KEYWORD_IDF:
        keyword_rows = retrieval.keyword_candidates_idf(
            text, where=where, k=CANDIDATES, version=context.version, idf=context.idf
        )
    else:
        keyword_rows = retrieval.keyword_candidates(text, where=where, k=CANDIDATES) if text else []
    weights = weights if weights is not None else settings.SEARCH_FUSION_WEIGHTS
    scores: dict[int, float] = {}
    dense = {pk: (rank, similarity) for rank, (pk, similarity) in enumerate(dense_rows, start=1)}
    keyword = {pk: rank for rank, (pk, _) in enumerate(keyword_rows, start=1)}
    if text:
        # A product no closer than made-up words get to some product, and without the query's words, is not a
        # match: filler. (A browse, without words, lists everything.) The others keep their ranks.
        floor = retrieval.meaning_floor(context.version)
        dense = {pk: hit for pk, hit in dense.items() if hit[1] >= floor or pk in keyword}
    for pk, (rank, _) in dense.items():
        scores[pk] = scores.get(pk, 0.0) + weights["dense"] / (RRF_K + rank)
    for pk, rank in keyword.items():
        scores[pk] = scores.get(pk, 0.0) + weights["keyword"] / (RRF_K + rank)
    fused = sorted(scores.items(), key=lambda item: (-item[1], item[0]))
    return fused, dense, keyword


def _rerank(
    fused: list[tuple[int, float]],
    context: QueryContext,
    dense: dict[int, tuple[int, float]],
    keyword: dict[int, int],
    ranker: rerank.Ranker,
    weights: dict[str, float] | None = None,
) -> tuple[list[tuple[int, float]], dict[int, Any], dict[int, selectors.FacetRow]]:
    ids = [pk for pk, _ in fused]
    features, facet_rows = rerank.features_and_facet_rows(
        ids,
        text=context.text,
        vector=context.vector,
        idf=context.idf or retrieval.query_idf(context.text, context.version),
        dense=dense,
        keyword=keyword,
        lengths=retrieval.average_lengths(context.version),
        literal=context.literal,
    )
    scored = features
    if weights is not None and (weights["dense"] != 1.0 or weights["keyword"] != 1.0):
        # The fusion weights reach the learned score through its two rank features (1 each: unchanged).
        scored = np.array(features, dtype=np.float64, copy=True)
        scored[:, rerank.FEATURES.index("rrf_dense")] *= weights["dense"]
        scored[:, rerank.FEATURES.index("rrf_keyword")] *= weights["keyword"]
    # The features as the ranker weighed them (what the admin preview shows).
    return rerank.rerank(ids, scored, ranker), dict(zip(ids, scored, strict=True)), facet_rows


def _named(row: Any) -> dict[str, float] | None:
    return None if row is None else dict(zip(rerank.FEATURES, row, strict=True))


def _sort(fused: list[tuple[int, float]], sort: str, parsed: ParsedQuery) -> list[tuple[int, float]]:
    if sort == "relevance" and parsed.price_hint is None:
        return fused
    ids = [pk for pk, _ in fused]
    fields = dict(Product.objects.filter(id__in=ids).values_list("id", "price"))
    if sort == "relevance":
        # "cheap" / "budget" / "premium" in words: a price meaning without a number. The products priced on the
        # asked-for side of the median of the most relevant ones come first, each half in relevance order.
        pool = [fields[pk] for pk in ids[:PRICE_HINT_POOL] if fields.get(pk) is not None]
        if not pool:
            return fused
        median = sorted(pool)[len(pool) // 2]

        def wanted(pk: int) -> bool:
            price = fields.get(pk)
            if price is None:
                return False
            return price <= median if parsed.price_hint == "cheap" else price >= median

        return [item for item in fused if wanted(item[0])] + [item for item in fused if not wanted(item[0])]
    ordering = {
        "price": ("price", "id"),
        "-price": ("-price", "id"),
        "rating": ("-rating", "-review_count", "id"),
        "newest": ("-created_at", "-id"),
    }[sort]
    ordered = list(Product.objects.filter(id__in=ids).order_by(*ordering).values_list("id", flat=True))
    scores = dict(fused)
    return [(pk, scores[pk]) for pk in ordered]


def _hit(
    product: Product,
    score: float,
    parsed: ParsedQuery,
    constraints: list[Constraint],
    relaxed: list[Constraint],
    dense: dict[int, tuple[int, float]],
    keyword: dict[int, int],
    context: QueryContext,
    ranking: dict[str, float] | None = None,
) -> Hit:
    reasons: list[Reason] = []
    matched = [c.label for c in constraints if not c.negated and c.kind != "stock" and _satisfies(product, c)]
    if matched:
        reasons.append(Reason("attribute", "matches: " + ", ".join(matched)))
    excluded = [c.label for c in constraints if c.negated]
    if excluded:
        reasons.append(Reason("excluded", "excludes: " + ", ".join(c.removeprefix("not ") for c in excluded)))
    words = _keyword_hits(product, parsed.search_text)
    if product.pk in keyword and words:
        reasons.append(Reason("keyword", "mentions: " + ", ".join(words)))
    # What the re-ranker weighs most that a shopper can check on the card: the title's own words.
    if ranking and context.words > 1 and ranking["title_coverage"] >= 0.999:
        reasons.append(Reason("keyword", "its title has every word you searched for"))
    if ranking and context.numbers and ranking["numbers"] >= 0.999:
        reasons.append(Reason("keyword", "its title has the numbers you asked for: " + ", ".join(context.numbers)))
    similarity = None
    semantic_rank = None
    if product.pk in dense:
        semantic_rank, similarity = dense[product.pk]
        reasons.append(Reason("semantic", f"close in meaning to your search (similarity {similarity:.2f})"))
    for constraint in relaxed:
        reasons.append(
            Reason("relaxed", f"shown without “{constraint.label}”: nothing matched it with the rest of the search")
        )
    return Hit(product, score, reasons, similarity, keyword.get(product.pk), semantic_rank, ranking)


def _satisfies(product: Product, constraint: Constraint) -> bool:
    """Whether a hit truly has the attribute (not merely lacks the key), so a reason never overclaims."""
    if constraint.kind in ("price", "rating", "category", "brand"):
        return True
    key = ATTRIBUTE_KEYS.get(constraint.kind) or {"department": "gender", "uom": "sizes"}.get(constraint.kind)
    if key is None:
        return True
    value = (product.attributes or {}).get(key)
    values = value if isinstance(value, list) else [value]
    has = {str(v).casefold() for v in values if v is not None}
    if constraint.kind == "uom":
        return bool(has & {v.removeprefix("size ").strip() for v in constraint.values})
    return bool(has & set(constraint.values)) or (constraint.kind == "department" and "unisex" in has)


def _keyword_hits(product: Product, text: str) -> list[str]:
    haystack = f"{product.title} {product.search_terms}".casefold()
    found = []
    for word in dict.fromkeys(retrieval.WORD_RE.findall(text.casefold())):
        if len(word) > 2 and (word in haystack or (len(word) > 4 and word[:-1] in haystack)):
            found.append(word)
    return found[:6]


def search_facets(
    result: SearchResult, filters: SearchFilters, rows: dict[int, selectors.FacetRow] | None = None
) -> selectors.Facets:
    """Facet counts over every candidate of this search (not just the page).

    Counted as if the UI selections were lifted one facet at a time (ticking brand A still shows
    brand B's count), so the candidates are those of the words (and the category being browsed):
    when the shopper has ticked a brand, price, rating or stock box, the search runs once more
    without those ticks. ``rows``: the candidates' facet rows when the re-ranker fetched them already.
    """
    category = selectors.category_by_slug(filters.category) if filters.category else None
    facet_filters = selectors.ProductFilters(
        category=category,
        brands=filters.brands,
        min_price=filters.min_price,
        max_price=filters.max_price,
        min_rating=filters.min_rating,
        in_stock=filters.in_stock,
    )
    ids = result.candidate_ids
    ticked = [c for c in result.constraints if c.source == "filter" and c.kind != "category"]
    if ticked:
        untouched = [c for c in result.constraints if not any(c is t for t in ticked)]
        fused, _, _ = _retrieve(result.parsed.search_text, _where(untouched + result.hidden), result.context)
        ids = [pk for pk, _ in fused]
        rows = None  # other candidates than those re-ranked
    version = result.context.version if result.context is not None else None
    return selectors.product_facets_for_ids(filters=facet_filters, ids=ids, rows=rows, version=version)


def unknown_words(result: SearchResult) -> list[str]:
    """The query's words no product holds (one small query; only for the log, not the shopper's answer)."""
    text = result.parsed.search_text
    if not text or result.context is None:
        return []
    return retrieval.unknown_words(text, result.context.version)


def _log(result: SearchResult, *, shopper_id: int | None, session_key: str, surface: str) -> None:
    from recommend.models import SearchLog

    SearchLog.objects.create(
        query=result.parsed.raw,
        parsed=result.parsed.to_dict(),
        intent=result.parsed.intent,
        result_ids=[hit.product.pk for hit in result.hits],
        total=result.total,
        relaxed=[c.label for c in result.relaxed],
        latency_ms=round(result.latency_ms, 2),
        shopper_id=shopper_id,
        session_key=session_key or "",
        surface=surface,
        keyword_matches=result.keyword_matches,
        unknown_words=unknown_words(result),
    )
