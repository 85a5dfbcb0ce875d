"""Which merchandising rules apply to a list of results, and what they do to it.

One code path for every surface: search (and the assistant, which searches through it) and the
recommendation rows. A rule applies when it is enabled, inside its start/end times, and its scope matches:

- ``query``: the shopper's query equals (``exact``) or contains as whole words (``contains``) the rule's words;
- ``category``: the list is about that category or one below it (a search filtered or parsed to it, a
  product page's rows);
- ``everywhere``: every list.

Then: *hide* takes its products out (search: as an SQL filter, so totals and facets agree); *boost* / *bury*
move each of its products up / down ``strength`` places; *pin* puts its product at ``position`` (search: on
the relevance ordering only — a shopper who sorts by price asked for price order). A query rule may pin a
product that retrieval did not find (if it satisfies the shopper's filters); category and everywhere pins
only move products that are in the list. Every moved product says which rule moved it.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from django.db.models import Q

from shopguide.local_paths import is_local_path

logger = logging.getLogger(__name__)

SEARCH = "search"
RECOMMENDATIONS = "recommendations"


def query_key(text: str) -> str:
    """What a query rule compares: the words, case-folded, without filler ("I need running shoes" and
    "running shoes" are the same query to a merchandiser; the assistant's requests come in sentences)."""
    from recommend.search import lexicon
    from recommend.search.vocabulary import norm_phrase

    words = norm_phrase(text).split()
    kept = [w for w in words if w not in lexicon.STOPWORDS]
    return " ".join(kept or words)


@dataclass(frozen=True)
class ActiveRule:
    id: int | None  # None: an unsaved rule under preview
    name: str
    action: str  # pin | boost | bury | hide | redirect
    scope: str  # query | category | everywhere
    query: str = ""  # query_key() of the rule's words
    match: str = "exact"
    category_key: str | None = None  # scope=category: the category's tree key
    product_id: int | None = None
    brand_id: int | None = None
    brand_slug: str | None = None
    target_key: str | None = None  # target category's tree key
    position: int = 1
    strength: int = 10
    url: str = ""
    starts_at: datetime | None = None
    ends_at: datetime | None = None

    def live(self, now: datetime) -> bool:
        return (self.starts_at is None or self.starts_at <= now) and (self.ends_at is None or now < self.ends_at)

    def applies(self, context: RuleContext) -> bool:
        if self.scope == "everywhere":
            return True
        if self.scope == "category":
            return self.category_key is not None and any(k.startswith(self.category_key) for k in context.category_keys)
        if not self.query or not context.query:
            return False
        if self.match == "exact":
            return context.query == self.query
        return f" {self.query} " in f" {context.query} "

    def targets(self, pk: int, brand_slug: str | None, tree_key: str | None) -> bool:
        if self.product_id is not None:
            return pk == self.product_id
        if self.brand_slug is not None:
            return brand_slug == self.brand_slug
        if self.target_key is not None:
            return tree_key is not None and tree_key.startswith(self.target_key)
        return False

    def target_q(self) -> Q:
        if self.product_id is not None:
            return Q(pk=self.product_id)
        if self.brand_id is not None:
            return Q(brand_id=self.brand_id)
        if self.target_key is not None:
            return Q(category__tree_key__startswith=self.target_key)
        return Q(pk__in=[])

    @property
    def label(self) -> str:
        return f"“{self.name}”" + (f" (rule {self.id})" if self.id is not None else " (unsaved rule)")

    def note(self, *, place: int | None = None) -> str:
        if self.action == "pin":
            return f"pinned at #{place or self.position} by merchandising rule {self.label}"
        if self.action == "boost":
            return f"moved up {self.strength} places by merchandising rule {self.label}"
        return f"moved down {self.strength} places by merchandising rule {self.label}"


@dataclass(frozen=True)
class RuleContext:
    surface: str  # SEARCH or RECOMMENDATIONS
    query: str = ""  # query_key() of the shopper's query ("" for recommendation rows)
    category_keys: tuple[str, ...] = ()


@dataclass
class Rearranged:
    ids: list[int]
    notes: dict[int, list[str]] = field(default_factory=dict)  # product → what the rules did to it

    def note(self, pk: int, text: str) -> None:
        self.notes.setdefault(pk, []).append(text)


def applicable(rules: Sequence[ActiveRule], context: RuleContext, now: datetime) -> list[ActiveRule]:
    return [r for r in rules if r.action != "redirect" and r.live(now) and r.applies(context)]


def redirect_for(rules: Sequence[ActiveRule], query: str, now: datetime) -> ActiveRule | None:
    context = RuleContext(SEARCH, query=query)
    for rule in rules:
        if rule.action == "redirect" and rule.url and rule.live(now) and rule.applies(context):
            # Rules are validated on save; one stored before that (or written around the admin) that would
            # send shoppers off the shop is skipped, never followed or handed to an API client.
            if is_local_path(rule.url):
                return rule
            logger.warning("redirect rule %s skipped: %r is not a path on this shop", rule.id, rule.url)
    return None


def hide_q(rules: Sequence[ActiveRule]) -> Q | None:
    """What the hide rules take out, as one SQL condition to exclude (None: nothing hidden)."""
    hides = [r for r in rules if r.action == "hide"]
    if not hides:
        return None
    q = Q()
    for rule in hides:
        q |= rule.target_q()
    return q


def move(
    ids: Sequence[int], rules: Sequence[ActiveRule], members: Callable[[ActiveRule], Collection[int]]
) -> Rearranged:
    """Boost and bury: each product of a rule moves ``strength`` places (several rules add up); order is
    otherwise kept. ``members(rule)``: the ids in ``ids`` the rule targets."""
    out = Rearranged(list(ids))
    shifts: dict[int, int] = {}
    for rule in rules:
        if rule.action not in ("boost", "bury"):
            continue
        sign = -1 if rule.action == "boost" else 1
        for pk in members(rule):
            shifts[pk] = shifts.get(pk, 0) + sign * rule.strength
            out.note(pk, rule.note())
    if shifts:
        # Ties go to the product that was already there: a boosted product lands just below the one it reached.
        order = sorted(range(len(ids)), key=lambda i: (i + shifts.get(ids[i], 0), shifts.get(ids[i], 0) < 0, i))
        out.ids = [ids[i] for i in order]
    return out


def pin(
    arranged: Rearranged,
    rules: Sequence[ActiveRule],
    *,
    insertable: Callable[[ActiveRule], bool] | None = None,
    limit: int | None = None,
) -> Rearranged:
    """Pins, in position order (the newest rule wins a contested place; the other goes just below it).
    ``insertable(rule)``: whether a pinned product missing from the list may be added to it."""
    # ``rules`` come newest first and sorted() is stable: of two pins for one place, the newer goes first.
    pins = sorted((r for r in rules if r.action == "pin" and r.product_id is not None), key=lambda r: r.position)
    placed: set[int] = set()
    for rule in pins:
        pk = rule.product_id
        if pk in placed:
            continue
        if pk in arranged.ids:
            arranged.ids.remove(pk)
        elif insertable is None or not insertable(rule):
            continue
        index = min(rule.position, len(arranged.ids) + 1) - 1
        while index < len(arranged.ids) and arranged.ids[index] in placed:
            index += 1  # the place went to a newer pin: just below it
        if limit is not None and index >= limit:
            continue
        arranged.ids.insert(index, pk)
        placed.add(pk)
        place = index + 1
        arranged.notes[pk] = [n for n in arranged.notes.get(pk, []) if "pinned" not in n]
        arranged.note(pk, rule.note(place=place))
    if limit is not None:
        arranged.ids = arranged.ids[:limit]
    return arranged
