"""Which products a shopper's turn refers to: ordinals against what the conversation showed ("the second
one", "the first two", "the last one", "both"), names, partial titles and brands (fuzzy, against what
was shown first, then the catalog through the search engine), and "A or B" / "A and B" / "A vs B".

A product's *distinctive* words (brand, model names: title words that are not its colour, material,
features, gender or category) name it on their own; its other words ("boots", "waterproof") name it
only in a noun phrase ("the leather ones"), never in a question about "it" ("is it waterproof?").
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rapidfuzz import fuzz

from assistant import text as T
from recommend.search import lexicon

if TYPE_CHECKING:
    from catalog.models import Product

logger = logging.getLogger(__name__)

ORDINALS = {
    "first": 1,
    "1st": 1,
    "second": 2,
    "2nd": 2,
    "third": 3,
    "3rd": 3,
    "fourth": 4,
    "4th": 4,
    "fifth": 5,
    "5th": 5,
    "sixth": 6,
    "6th": 6,
    "seventh": 7,
    "7th": 7,
    "eighth": 8,
    "8th": 8,
    "ninth": 9,
    "9th": 9,
    "tenth": 10,
    "10th": 10,
    "last": -1,
    "former": 1,
    "latter": -1,
}
COUNTS = {"two": 2, "three": 3, "four": 4, "five": 5, "2": 2, "3": 3, "4": 4, "5": 5}
_ORD = "|".join(sorted(map(re.escape, ORDINALS), key=len, reverse=True))
_COUNT = "|".join(COUNTS)
_NOUN = r"(?:one|ones|item|items|product|products|option|options|pair|pairs|model|models|choice)"
# Each pattern yields (kind, match); spans are removed from the text before names are matched.
PATTERNS: list[tuple[str, re.Pattern[str]]] = [
    ("first_n", re.compile(rf"\b(?:the\s+)?(?:first|top)\s+({_COUNT})\b(?:\s+{_NOUN})?")),
    ("last_n", re.compile(rf"\b(?:the\s+)?last\s+({_COUNT})\b(?:\s+{_NOUN})?")),
    ("all", re.compile(rf"\ball\s+(?:of\s+)?(?:them|these|those|({_COUNT}))\b(?:\s+{_NOUN})?")),
    ("both", re.compile(rf"\bboth\b(?:\s+(?:of\s+)?(?:them|these|those|{_NOUN}))?")),
    ("number", re.compile(rf"(?:#\s*|\b(?:number|no\.?|option|item|product|choice)\s+)(\d{{1,2}})\b(?:\s+{_NOUN})?")),
    ("ordinal", re.compile(rf"\bthe\s+({_ORD})\b(?:\s+{_NOUN})?|\b({_ORD})\s+{_NOUN}\b")),
    ("cheapest", re.compile(rf"\bthe\s+(?:cheaper|cheapest|less expensive|least expensive)(?:\s+{_NOUN})?\b")),
    ("priciest", re.compile(rf"\bthe\s+(?:more expensive|most expensive|pricier|priciest|dearer)(?:\s+{_NOUN})?\b")),
    ("best_rated", re.compile(rf"\bthe\s+(?:better|best|higher|highest|top)\s+rated(?:\s+{_NOUN})?\b")),
]
BARE_ORDINAL_RE = re.compile(rf"^\s*(?:the\s+)?({_ORD})\s*$")
SEPARATORS_RE = re.compile(
    r"\s*(?:\bvs\b\.?|\bversus\b|\bor\b|\band\b|&|,|;|\bcompared\s+(?:to|with)\b|\bagainst\b|\bthan\b)\s*"
)
COMPARE_WITH_RE = re.compile(r"^\s*compare\s+(.+?)\s+(?:with|to)\s+(.+)$")
PRONOUN_QUESTION_RE = re.compile(
    r"^(?:(?:and|so|ok|okay|but)\s+)?(?:is|are|was|were|does|do|did|can|could|will|would|has|have|should)"
    r"\s+(?:it|this|that|they|these|those)\b"
)
YES_NO_RE = re.compile(
    r"^(?:(?:and|so|ok|okay|but)\s+)?(?:is|are|was|were|does|do|did|can|could|will|would|has|have|should)\b"
)
PRONOUN_RE = re.compile(r"\b(?:it|its|it's|they|them|this one|that one)\b")
FILLER = T.STOPWORDS | frozenset(
    """compare comparison vs versus difference differences between which better best prefer should buy get
    recommend think one ones item items product products option options pair model about more less cheaper
    cheapest expensive how much many what whats what's tell show like rather go choose pick good worth
    price cost costs rating rated reviews why want need looking find""".split()
)
GENDER_FORMS = frozenset("women women's womens woman men men's mens man unisex kids baby girls boys".split())
MATCH_RATIO = 85  # rapidfuzz ratio for a word to count as the same word ("alpin" / "alpine")


@dataclass(frozen=True)
class _Words:
    distinctive: frozenset[str]
    all: frozenset[str]


def resolve_products(
    text: str, *, shown: Sequence[Product] = (), limit: int = 4, catalog: bool = True
) -> list[Product]:
    """The products a turn refers to, in the order it mentions them; [] when nothing matches. ``catalog``: a
    product named but not shown may be looked up in the catalog (a search)."""
    folded = T.norm(text)
    if not folded:
        return []
    shown = list(shown)
    found: list[tuple[int, list[Product]]] = []
    rest = folded
    for kind, pattern in PATTERNS:
        for m in pattern.finditer(rest):
            products = _by_position(kind, m, shown)
            if products:
                found.append((m.start(), products))
        rest = pattern.sub(lambda m: " , " + " " * max(0, len(m.group(0)) - 3), rest)
    pronoun_question = PRONOUN_QUESTION_RE.match(folded) is not None
    # Words like "boots" or "leather" name products only in a noun phrase ("the leather ones"): not next to
    # "it" ("what colour is it?"), not in a yes/no question ("is the second one waterproof?"), not once an
    # ordinal has said which.
    allow_generic = not (found or PRONOUN_RE.search(folded) or YES_NO_RE.match(folded))
    offset = 0
    for segment in _segments(rest):
        position = rest.find(segment, offset)
        offset = max(offset, position)
        if m := BARE_ORDINAL_RE.match(segment):  # "first or second?"
            index = ORDINALS[m.group(1)]
            products = _at(shown, index)
        else:
            products = _by_name(segment, shown, allow_generic=allow_generic)
            if not products and not pronoun_question and catalog:
                products = _from_catalog(segment)
        if products:
            found.append((position, products))
    found.sort(key=lambda item: item[0])
    return T.unique(p for _, products in found for p in products)[:limit]


def _segments(text: str) -> list[str]:
    if m := COMPARE_WITH_RE.match(text):
        parts = [m.group(1), m.group(2)]
    else:
        parts = [text]
    out = []
    for part in parts:
        out.extend(s.strip(" ?!.:") for s in SEPARATORS_RE.split(part) if s.strip(" ?!.:"))
    return out


def _at(shown: list[Product], index: int) -> list[Product]:
    if not shown:
        return []
    if index < 0:
        return [shown[index]] if -index <= len(shown) else []
    return [shown[index - 1]] if index <= len(shown) else []


def _by_position(kind: str, m: re.Match[str], shown: list[Product]) -> list[Product]:
    if not shown:
        return []
    if kind == "first_n":
        return shown[: COUNTS[m.group(1)]]
    if kind == "last_n":
        return shown[-COUNTS[m.group(1)] :]
    if kind == "all":
        return shown[: COUNTS[m.group(1)]] if m.group(1) else shown
    if kind == "both":
        return shown[:2] if len(shown) >= 2 else []
    if kind == "number":
        return _at(shown, int(m.group(1))) if int(m.group(1)) >= 1 else []
    if kind == "ordinal":
        word = m.group(1) or m.group(2)
        if word == "latter" and len(shown) >= 2:
            return [shown[1]] if len(shown) == 2 else [shown[-1]]
        return _at(shown, ORDINALS[word])
    if kind == "cheapest":
        priced = [p for p in shown if p.price is not None]
        return [min(priced, key=lambda p: p.price)] if priced else []
    if kind == "priciest":
        priced = [p for p in shown if p.price is not None]
        return [max(priced, key=lambda p: p.price)] if priced else []
    if kind == "best_rated":
        rated = [p for p in shown if p.rating is not None]
        return [max(rated, key=lambda p: (p.rating, p.review_count))] if rated else []
    return []


def _product_words(product: Product) -> _Words:
    attributes = product.attributes or {}
    generic: set[str] = set(GENDER_FORMS)
    for key in ("color", "material", "features", "gender", "style"):
        for value in T.value_items(attributes.get(key) or []):
            generic.update(T.words(value))
    if product.category_id:
        generic.update(T.words(product.category.path))
    brand = T.words(product.brand.name) if product.brand_id else []
    title = T.words(product.title)
    named = set(title) | set(brand)
    distinctive = {w for w in named - generic - T.STOPWORDS if len(w) >= 2}
    distinctive.update(brand)
    return _Words(frozenset(distinctive), frozenset(named | generic))


def _word_match(word: str, vocabulary: frozenset[str]) -> bool:
    if word in vocabulary:
        return True
    if len(word) < 4 or word.isdigit():
        return False
    return any(len(v) >= 4 and fuzz.ratio(word, v) >= MATCH_RATIO for v in vocabulary)


def _score(content: list[str], product: Product, *, allow_generic: bool) -> tuple[int, int] | None:
    if _other_colour(content, product):
        return None  # "the black Alpine" is not the brown one: the variant named, or the catalog's
    words = _product_words(product)
    distinctive = sum(_word_match(w, words.distinctive) for w in content)
    matched = sum(_word_match(w, words.all) for w in content)
    if distinctive:
        return distinctive, matched
    if allow_generic and matched == len(content):
        return 0, matched
    return None


COLOUR_WORDS = frozenset(w for name in lexicon.COLORS for w in T.words(name)) - frozenset(lexicon.AMBIGUOUS_COLORS)


def _other_colour(content: list[str], product: Product) -> bool:
    """Whether the words name a colour and the product lists colours, none of them that one."""
    named = {w for w in content if w in COLOUR_WORDS}
    listed = {w for value in T.value_items((product.attributes or {}).get("color") or []) for w in T.words(value)}
    return bool(named and listed and not named & listed)


def _content(segment: str) -> list[str]:
    return [w for w in T.words(segment) if w not in FILLER and len(w) >= 2]


def _best(content: list[str], products: Sequence[Product], *, allow_generic: bool) -> list[Product]:
    scored = []
    for product in products:
        score = _score(content, product, allow_generic=allow_generic)
        if score is not None:
            scored.append((score, product))
    if not scored:
        return []
    top = max(score for score, _ in scored)
    return [p for score, p in scored if score == top]


def _by_name(segment: str, shown: list[Product], *, allow_generic: bool) -> list[Product]:
    content = _content(segment)
    if not content or not shown:
        return []
    return _best(content, shown, allow_generic=allow_generic)


def _from_catalog(segment: str) -> list[Product]:
    """A product named in the segment that was not shown: the search engine's best hit that the words name."""
    content = _content(segment)
    if not content:
        return []
    from recommend.search.engine import search

    try:
        hits = search(q=" ".join(content), log=False, page_size=5).hits
    except Exception:  # a search failure must not break the turn: nothing resolved
        logger.exception("catalog lookup for a product reference failed: %r", segment)
        return []
    candidates = [h.product for h in hits]
    best = _best(content, candidates, allow_generic=False)
    return best[:1]


ONE_RE = re.compile(r"\b(?:this|that|it|it's|its)\b")
MANY_RE = re.compile(r"\b(?:these|those|them|they)\b")


def referenced(text: str, *, shown: Sequence[Product] = (), page_product: Product | None = None) -> list[Product]:
    """What a turn points at among the products in front of the shopper: by position or name among those shown
    ("the second one", "the cheaper one", "the blue ones"), else "this" / "it" the product page's product and
    "these" / "them" the products shown. Never a catalog search: [] when the words point at nothing on screen."""
    shown = list(shown)
    products = resolve_products(text, shown=shown, limit=max(len(shown), 1), catalog=False) if shown else []
    if products:
        return products
    folded = T.norm(text)
    if page_product is not None and ONE_RE.search(folded):
        return [page_product]
    if shown and MANY_RE.search(folded):
        return shown
    if len(shown) == 1 and ONE_RE.search(folded):
        return shown
    return []
