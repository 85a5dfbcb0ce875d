"""Side-by-side comparison of 2–4 products: a table of their catalog facts and a summary grounded in it.

The summary names the cheaper and the better-rated product, the attributes they differ in and what
they share; a use question ("which is better for trail running?") picks the product whose own text
(description sentences, features, title) is nearest the use by the real embedding model, and quotes
the text that made it win.
"""

from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from assistant import text as T
from assistant.answers import STANDARD_KEYS, Citation, attribute_fact, attribute_label, product_facts

if TYPE_CHECKING:
    from catalog.models import Product

logger = logging.getLogger(__name__)

MISSING = "—"
# Cosine a product's text needs to count as speaking to the use at all, and the lead the winner needs.
USE_THRESHOLD = 0.30
USE_MARGIN = 0.04
FOR_RE = re.compile(r"\bfor\s+(?:a\s+|an\s+|the\s+|my\s+)?(.+?)\s*[?.!]*$")
USE_CUES = frozenset("better best suited suitable ideal recommend prefer choose pick which".split())
# Words that ask about the table itself, not about a use.
TABLE_WORDS = frozenset(
    """compare comparison vs versus difference differences between cheaper cheapest cheap price prices cost
    rated rating ratings reviews review better best which one ones is are the a an of them both these those
    two three four it they what whats what's and or with to me""".split()
)


@dataclass
class ComparisonRow:
    label: str
    values: list[str]  # one value per product ("—" when missing)


@dataclass
class Comparison:
    products: list[Product]
    rows: list[ComparisonRow]
    summary: str
    citations: list[Citation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {
            "product_ids": [p.pk for p in self.products],
            "rows": [{"label": r.label, "values": r.values} for r in self.rows],
            "summary": self.summary,
            "citations": [c.as_dict() for c in self.citations],
        }


def compare(*, products: list[Product], question: str = "") -> Comparison:
    """Compare 2–4 products on their catalog facts; answer a use question when one is asked."""
    products = T.unique(products)[:4]
    if len(products) < 2:
        raise ValueError("a comparison needs at least two different products")
    rows = _rows(products)
    citations: list[Citation] = []
    sentences = [
        *_price_sentence(products, citations),
        *_rating_sentence(products, citations),
        *_difference_sentences(products, citations),
    ]
    use = _use_phrase(question)
    if use:
        sentences.insert(0, _use_sentence(products, use, citations))
    return Comparison(products=products, rows=rows, summary=" ".join(s for s in sentences if s), citations=citations)


def _name(product: Product) -> str:
    return product.title


def _rows(products: list[Product]) -> list[ComparisonRow]:
    rows = [
        ComparisonRow("Price", [T.money(p.price, p.currency) or MISSING for p in products]),
        ComparisonRow(
            "Rating",
            [f"{p.rating} ({p.review_count:,} reviews)" if p.rating is not None else MISSING for p in products],
        ),
        ComparisonRow("Brand", [p.brand.name if p.brand_id else MISSING for p in products]),
        ComparisonRow("Category", [p.category.name if p.category_id else MISSING for p in products]),
        ComparisonRow("Availability", ["in stock" if p.stock > 0 else "out of stock" for p in products]),
    ]
    for key in _attribute_keys(products):
        values = []
        for p in products:
            fact = attribute_fact(key, (p.attributes or {}).get(key))
            values.append(fact.said if fact else MISSING)
        label = attribute_label(key)
        rows.append(ComparisonRow(label[:1].upper() + label[1:], values))
    return rows


def _attribute_keys(products: list[Product]) -> list[str]:
    present = T.unique(k for p in products for k, v in (p.attributes or {}).items() if attribute_fact(k, v))
    return [k for k in STANDARD_KEYS if k in present] + [k for k in present if k not in STANDARD_KEYS]


def _cite(product: Product, key: str, citations: list[Citation]) -> None:
    fact = product_facts(product).get(key)
    if fact is not None:
        citations.append(fact.cite(product))


def _price_sentence(products: list[Product], citations: list[Citation]) -> list[str]:
    priced = [p for p in products if p.price is not None]
    if len(priced) < 2:
        return []
    prices = {p.price for p in priced}
    for p in priced:
        _cite(p, "price", citations)
    if len(prices) == 1:
        return [f"They cost the same, {T.money(priced[0].price, priced[0].currency)}."]
    cheapest = min(priced, key=lambda p: p.price)
    if len(priced) == 2:
        other = next(p for p in priced if p is not cheapest)
        return [
            f"{_name(cheapest)} is cheaper ({T.money(cheapest.price, cheapest.currency)} "
            f"vs {T.money(other.price, other.currency)})."
        ]
    return [f"{_name(cheapest)} is the cheapest at {T.money(cheapest.price, cheapest.currency)}."]


def _rating_sentence(products: list[Product], citations: list[Citation]) -> list[str]:
    rated = [p for p in products if p.rating is not None]
    if len(rated) < 2:
        return []
    for p in rated:
        _cite(p, "rating", citations)
    best = max(rated, key=lambda p: (p.rating, p.review_count))
    if all(p.rating == best.rating for p in rated):
        return [f"They are rated the same, {best.rating} out of 5."]
    if len(rated) == 2:
        other = next(p for p in rated if p is not best)
        return [
            f"{_name(best)} is better rated ({best.rating} from {best.review_count:,} reviews "
            f"vs {other.rating} from {other.review_count:,})."
        ]
    return [f"{_name(best)} is the best rated ({best.rating} from {best.review_count:,} reviews)."]


def _difference_sentences(products: list[Product], citations: list[Citation]) -> list[str]:
    out = []
    differing = []
    for key in _attribute_keys(products):
        if key in {"features", "sizes"}:
            continue
        facts = [attribute_fact(key, (p.attributes or {}).get(key)) for p in products]
        if any(f is None for f in facts):
            continue
        texts = [f.said for f in facts if f is not None]
        if len({T.norm(t) for t in texts}) > 1:
            differing.append(f"{attribute_label(key)} ({' vs '.join(texts)})")
            for p in products:
                _cite(p, key, citations)
    if differing:
        out.append(f"They differ in {T.join_words(differing[:3])}.")
    feature_sets = [{T.norm(f): f for f in T.value_items((p.attributes or {}).get("features") or [])} for p in products]
    shared = [feature_sets[0][k] for k in feature_sets[0] if all(k in s for s in feature_sets[1:])]
    if shared:
        out.append(f"{'Both' if len(products) == 2 else 'All'} list {T.join_words(shared)}.")
    own = []
    if len(products) == 2:  # with more, "only" lists get long: the table shows them
        for p, features in zip(products, feature_sets, strict=True):
            only = [v for k, v in features.items() if not all(k in s for s in feature_sets)]
            if only:
                own.append(f"only {_name(p)} lists {T.join_words(only)}")
    if own:
        sentence = "; ".join(own)
        out.append(f"{sentence[:1].upper()}{sentence[1:]}.")
    if shared or own:
        for p in products:
            _cite(p, "features", citations)
    return out


def _use_phrase(question: str) -> str:
    """What the shopper wants the product for, when the question asks it ("for trail running")."""
    if not question.strip():
        return ""
    folded = " ".join(T.norm(question.replace("-", " ")).split())
    if m := FOR_RE.search(folded):
        return m.group(1)
    words = T.words(question)
    content = [w for w in words if w not in TABLE_WORDS and w not in T.STOPWORDS]
    if content and any(w in USE_CUES for w in words):
        return " ".join(content)
    return ""


def _product_texts(product: Product) -> list[Citation]:
    texts = [Citation("description", "", s, product.pk) for s in T.sentences(product.description)]
    features = (product.attributes or {}).get("features")
    if features:
        texts.append(Citation("attribute", "features", T.value_text(features), product.pk))
    texts.append(Citation("title", "", product.title, product.pk))
    return texts


def _use_sentence(products: list[Product], use: str, citations: list[Citation]) -> str:
    from shopguide.embedding import encode

    texts = [_product_texts(p) for p in products]
    flat = [c for per in texts for c in per]
    vectors = encode([use, *(c.text for c in flat)])
    query, rows = vectors[0], vectors[1:]
    best: list[tuple[float, Citation]] = []
    support: list[Citation | None] = []  # the best non-title text, to say why when the title wins
    start = 0
    for per in texts:
        scores = rows[start : start + len(per)] @ query
        ranked = sorted(range(len(per)), key=lambda i: float(scores[i]), reverse=True)
        best.append((float(scores[ranked[0]]), per[ranked[0]]))
        others = [i for i in ranked if per[i].source != "title" and float(scores[i]) >= USE_THRESHOLD]
        support.append(per[others[0]] if others else None)
        start += len(per)
    logger.debug("use %r: %s", use, [(p.pk, round(b[0], 3)) for p, b in zip(products, best, strict=True)])
    order = sorted(range(len(products)), key=lambda i: best[i][0], reverse=True)
    top, runner = order[0], order[1]
    top_score, top_text = best[top]
    if top_score < USE_THRESHOLD:
        return (
            f"Neither listing says anything about {use}."
            if len(products) == 2
            else (f"None of the listings says anything about {use}.")
        )
    if top_score - best[runner][0] < USE_MARGIN:
        quoted = [best[i] for i in order[:2]]
        citations.extend(c for _, c in quoted)
        said = "; ".join(f"{_name(products[i])}: “{best[i][1].text}”" for i in order[:2])
        return f"For {use}, the listings read about equally well: {said}."
    citations.append(top_text)
    why = _why(top_text)
    extra = support[top]
    if top_text.source == "title" and extra is not None:
        citations.append(extra)
        why = f"{why[:-1]}, and {_why(extra)}"
    return f"For {use}, {_name(products[top])} looks the better fit: {why}"


def _why(citation: Citation) -> str:
    if citation.source == "description":
        why = f"its description says “{citation.text}”"
    elif citation.source == "attribute":
        why = f"its listed features are {citation.text}"
    else:
        why = f"its title is “{citation.text}”"
    return why if why.rstrip("”").endswith((".", "!", "?")) else why + "."
