"""Personal re-rank of search results: the shopper's affinities as a bounded lift, never a filter.

What the query asked for stays in charge: every candidate already satisfies the query's constraints
(they are SQL filters), and a product can rise at most ``MAX_LIFT`` places above where relevance put
it (a rank-based lift, so it means the same whatever the score scale). Affinity in [0, 1] blends the
profile's brand, category (leaf, else top-level at half weight) and price-band affinities (each
already scaled to best = 1 by ``profiles.services.profile_refresh``); removed interests are not in
the profile, so they never lift. Only the first ``WINDOW`` results move: nobody pages that far for a
boost to matter, and it keeps the work to one small query.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from catalog.models import Product
from profiles.models import Profile
from profiles.services import price_band

MAX_LIFT = 3.0  # places
WINDOW = 48
BRAND, CATEGORY, PRICE = 0.45, 0.35, 0.2
REASON_AT = 0.5  # an affinity this strong is named on the card


@dataclass(frozen=True)
class Lift:
    affinity: float
    reason: str | None


def shopper_affinities(shopper_id: int | None) -> dict[str, dict[str, float]] | None:
    if shopper_id is None:
        return None
    row = (
        Profile.objects.filter(shopper_id=shopper_id, shopper__personalization_paused=False)
        .values_list("affinities", flat=True)
        .first()
    )
    return row or None


def personal_rerank(
    ranked: Sequence[tuple[int, float]], affinities: dict[str, dict[str, float]], strength: float = 1.0
) -> tuple[list[tuple[int, float]], dict[int, Lift]]:
    """``ranked`` (best first) with the window re-ordered by ``position - strength * MAX_LIFT * affinity``;
    the lifts. ``strength``: the ranking knob (0 = no lift, 1 = at most MAX_LIFT places)."""
    max_lift = MAX_LIFT * strength
    head = list(ranked[:WINDOW])
    rows = Product.objects.filter(pk__in=[pk for pk, _ in head]).values_list(
        "pk", "brand__slug", "brand__name", "category__slug", "category__name", "category__tree_key", "price"
    )
    brands, categories = affinities.get("brand", {}), affinities.get("category", {})
    tops, bands = affinities.get("top_category", {}), affinities.get("price_band", {})
    lifts: dict[int, Lift] = {}
    for pk, brand_slug, brand_name, category_slug, category_name, tree_key, price in rows:
        brand = float(brands.get(brand_slug, 0.0)) if brand_slug else 0.0
        category = float(categories.get(category_slug, 0.0)) if category_slug else 0.0
        if not category and tree_key:
            category = 0.5 * float(tops.get(tree_key.strip("/").split("/")[0], 0.0))
        band = float(bands.get(price_band(price), 0.0)) if price is not None else 0.0
        affinity = BRAND * brand + CATEGORY * category + PRICE * band
        if affinity <= 0:
            continue
        reason = None
        if brand >= REASON_AT:
            reason = f"you often choose {brand_name}"
        elif category >= REASON_AT and category_name:
            reason = f"you often shop {category_name}"
        lifts[pk] = Lift(round(affinity, 4), reason)
    if not lifts:
        return list(ranked), {}
    keyed = sorted(
        enumerate(head),
        key=lambda item: (item[0] - max_lift * lifts.get(item[1][0], Lift(0.0, None)).affinity, item[0]),
    )
    return [pair for _, pair in keyed] + list(ranked[WINDOW:]), lifts
