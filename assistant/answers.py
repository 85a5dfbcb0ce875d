"""Grounded answers about one product: every sentence comes from a catalog fact, and says which.

Order of work: the question's words are matched to structured fields first (price, rating, stock,
brand, category, colour, material, gender, sizes, style, features, specs such as battery or storage);
a yes/no question is decided only by a fact that decides it (a listed feature, the one colour or
material listed, the size list, a description sentence that names the property). Failing that, the
product's own description sentences are embedded with the real model and the nearest one above a
threshold is quoted. Failing that, the answer says the catalog does not say, and lists what it does.
"""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from assistant import text as T

if TYPE_CHECKING:
    from catalog.models import Product

logger = logging.getLogger(__name__)

# Cosine (all-MiniLM-L6-v2) a description sentence needs to answer a question: below it, sentences
# only share the topic ("shoes") rather than answer.
SENTENCE_THRESHOLD = 0.40


@dataclass(frozen=True)
class Citation:
    source: str  # "attribute" | "description" | "title" | "faq" | "order"
    field: str  # attribute name ("features", "sizes"…), or ""
    text: str  # the fact as stated in the catalog (the attribute value, or the description sentence)
    product_id: int | None = None

    def as_dict(self) -> dict[str, Any]:
        return {"source": self.source, "field": self.field, "text": self.text, "product_id": self.product_id}


@dataclass
class Answer:
    text: str  # the reply, in plain English, built from the cited facts only
    found: bool  # False: the catalog does not say (the text says so, nothing invented)
    citations: list[Citation] = field(default_factory=list)

    def as_dict(self) -> dict[str, Any]:
        return {"text": self.text, "found": self.found, "citations": [c.as_dict() for c in self.citations]}


# --------------------------------------------------------------------------------------------
# Vocabulary of questions
# --------------------------------------------------------------------------------------------

YES_NO_STARTS = frozenset(
    "is are was were does do did can could will would should has have am isn't aren't doesn't don't".split()
)
LEADING_FILLER = frozenset("and so ok okay but also well hey hi please then".split())
PRICE_WORDS = frozenset("price prices cost costs priced pricey expensive cheap dollars pay".split())
RATING_WORDS = frozenset("rating ratings rated review reviews reviewed stars star".split())
STOCK_WORDS = frozenset("stock instock sold available availability unavailable".split())
BRAND_WORDS = frozenset("brand brands manufacturer manufactures maker makes".split())
CATEGORY_WORDS = frozenset("category kind type".split())
COLOR_WORDS = frozenset("color colors colour colours shade shades colorway colorways".split())
MATERIAL_WORDS = frozenset("material materials fabric fabrics".split())
GENDER_WORDS = {
    "women": "women",
    "woman": "women",
    "womens": "women",
    "women's": "women",
    "ladies": "women",
    "lady": "women",
    "female": "women",
    "her": "women",
    "girls": "kids",
    "men": "men",
    "man": "men",
    "mens": "men",
    "men's": "men",
    "male": "men",
    "him": "men",
    "boys": "kids",
    "unisex": "unisex",
    "kids": "kids",
    "children": "kids",
    "baby": "kids",
    "babies": "kids",
    "gender": "",
}
SIZE_WORDS = frozenset("size sizes sizing".split())
STYLE_WORDS = frozenset("style styles".split())
FEATURE_WORDS = frozenset("features feature".split())
UNITS = frozenset("inch inches in cm mm m gb tb mb hours hour h oz lb lbs kg g ml l w v mp".split())
ALPHA_SIZES = frozenset("xxs xs s m l xl xxl xxxl 2xl 3xl 4xl".split())
# Words a spec key answers to, beyond the key's own words (battery_hours: "battery", "hours").
SPEC_WORDS: dict[str, frozenset[str]] = {
    k: frozenset(v.split())
    for k, v in {
        "battery_hours": "battery batteries charge last lasts",
        "storage": "storage gb tb ssd space",
        "ram": "ram memory",
        "screen_size": "screen display",
        "connectivity": "connectivity bluetooth wifi wi fi usb 5g 4g lte connect connects connection hdmi",
        "weight": "weight weigh weighs heavy heavier",
        "dimensions": "dimensions dimension measurements measure big tall wide deep height width depth length",
        "capacity": "capacity hold holds cups volume litres liters",
        "wattage": "wattage watts watt power powerful",
        "megapixels": "megapixels megapixel mp camera sensor",
        "resolution": "resolution 4k 8k hd pixels",
        "video_resolution": "video record records",
        "fits": "fit fits compatible compatibility",
        "author": "author wrote written writer",
        "pages": "pages page",
        "format": "format paperback hardcover",
        "genre": "genre",
        "age_range": "age ages old",
        "pieces": "pieces piece",
        "players": "players player",
        "flavor": "flavor flavour taste tastes",
        "bed_size": "bed",
        "frame_size": "frame",
        "tire_size": "tire tyre",
        "temperature_rating": "temperature degrees",
        "power_source": "powered cordless corded gas",
        "voltage": "voltage volt volts",
        "count": "count",
        "skin_type": "skin",
        "scent_family": "scent smell smells fragrance",
        "gears": "gears gear speeds",
        "movement": "movement",
        "sunlight": "sun sunlight shade",
        "life_stage": "puppy kitten senior adult",
        "pet": "dog dogs cat cats pet pets fish",
        "pet_size": "breed breeds",
        "origin": "origin sourced country manufactured imported",
        "form": "form capsules tablets gummies powder softgels",
        "vehicle_fit": "vehicle car motorcycle",
    }.items()
}
# Specs a reply may say are missing by name ("The catalog doesn't list its weight.").
MEASURED_SPECS = (
    "battery_hours", "storage", "ram", "screen_size", "weight", "dimensions", "capacity", "wattage",
    "connectivity", "megapixels", "resolution", "origin",
)  # fmt: skip
# Key words too generic to say which spec is meant on their own ("size", "rating").
GENERIC_KEY_WORDS = frozenset("size type range hours rating source fit family stage".split())
LABELS = {
    "battery_hours": "battery life",
    "origin": "country of origin",
    "screen_size": "screen size",
    "ram": "RAM",
    "age_range": "age range",
    "video_resolution": "video resolution",
    "temperature_rating": "temperature rating",
    "power_source": "power source",
    "scent_family": "scent family",
    "skin_type": "skin type",
    "life_stage": "life stage",
    "pet_size": "pet size",
    "bed_size": "bed size",
    "frame_size": "frame size",
    "tire_size": "tire size",
    "vehicle_fit": "vehicle fit",
}
STANDARD_KEYS = ("color", "material", "gender", "style", "sizes", "features")
# A listed feature that rules out the one asked about.
OPPOSITES = {
    "wireless": {"wired", "corded"},
    "wired": {"wireless", "cordless"},
    "cordless": {"corded", "wired"},
    "corded": {"cordless", "wireless"},
    "waterproof": set(),
}
# "is it X?" / "are they X?" / "does it have X?": X is the property asked about.
BE_PROPERTY_RE = re.compile(
    r"^(?:is|are|was|were)\s+(it|this|that|they|these|those)(?:\s+(?:one|ones|product|item|pair|model))?\s+(.+)$",
    re.IGNORECASE,
)
HAVE_PROPERTY_RE = re.compile(
    r"^(?:does|do|did|can|will|would|could)\s+(it|this|that|they|these|those)(?:\s+(?:one|ones|product|item|pair|model))?"
    r"\s+(have|come with|come in|include|support|offer|feature)\s+(.+)$",
    re.IGNORECASE,
)
HAS_PROPERTY_RE = re.compile(r"^(?:has|have)\s+(it|this|that|they|these|those)\s+(?:got\s+)?(.+)$", re.IGNORECASE)
PROPERTY_TAIL_RE = re.compile(r"\s*(?:\bat all\b|\btoo\b|\bthough\b|\bor not\b)?\s*[?.!]*\s*$", re.IGNORECASE)
THIRD_PERSON = {"have": "has", "come with": "comes with", "come in": "comes in", "include": "includes"}


# --------------------------------------------------------------------------------------------
# Facts of a product
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Fact:
    field: str
    label: str
    text: str  # as stated in the catalog
    items: tuple[str, ...] = ()
    phrase: str = ""  # how a reply says it, when that differs ("up to 30 hours" for battery_hours 30)

    @property
    def said(self) -> str:
        return self.phrase or self.text

    def cite(self, product: Product) -> Citation:
        return Citation("attribute", self.field, self.text, product.pk)


def attribute_label(key: str) -> str:
    return LABELS.get(key, key.replace("_", " "))


def attribute_fact(key: str, value: Any) -> Fact | None:
    if value is None or value == "" or value == [] or value == {}:
        return None
    stated = T.value_text(value)
    phrase = f"up to {value} hours" if key == "battery_hours" and not isinstance(value, list | dict) else ""
    return Fact(key, attribute_label(key), stated, tuple(T.value_items(value)), phrase)


def product_facts(product: Product) -> dict[str, Fact]:
    """Every structured fact the catalog holds for the product, by field name."""
    facts: dict[str, Fact] = {}
    if product.price is not None:
        facts["price"] = Fact("price", "price", T.money(product.price, product.currency))
    if product.rating is not None:
        facts["rating"] = Fact("rating", "rating", f"{product.rating} out of 5 from {product.review_count:,} reviews")
    facts["stock"] = Fact("stock", "stock", str(product.stock))
    if product.brand_id:
        facts["brand"] = Fact("brand", "brand", product.brand.name)
    if product.category_id:
        facts["category"] = Fact("category", "category", product.category.path)
    for key, value in (product.attributes or {}).items():
        fact = attribute_fact(key, value)
        if fact is not None:
            facts[key] = fact
    return facts


# --------------------------------------------------------------------------------------------
# The question
# --------------------------------------------------------------------------------------------


@dataclass
class Question:
    raw: str
    norm: str
    words: list[str]
    yes_no: bool
    subject_plural: bool
    prop: str = ""  # the property a yes/no question asks about, without its article ("waterproof", "hood")
    prop_shown: str = ""  # as the shopper put it ("a hood")
    prop_verb: str = ""  # "is" / "has" / "comes with"…

    @classmethod
    def of(cls, raw: str) -> Question:
        normed = T.norm(raw)
        words = T.words(raw)
        while words and words[0] in LEADING_FILLER:
            words = words[1:]
        yes_no = bool(words) and words[0] in YES_NO_STARTS
        question = cls(raw, normed, words, yes_no, False)
        if yes_no:
            question._property(_clean_for_property(raw))
        return question

    def _property(self, text: str) -> None:
        text = PROPERTY_TAIL_RE.sub("", text)
        if m := BE_PROPERTY_RE.match(text):
            self.subject_plural = m.group(1).casefold() in {"they", "these", "those"}
            self.prop_shown, self.prop_verb = m.group(2), "are" if self.subject_plural else "is"
        elif m := HAVE_PROPERTY_RE.match(text):
            self.subject_plural = m.group(1).casefold() in {"they", "these", "those"}
            verb = " ".join(m.group(2).casefold().split())
            self.prop_shown = m.group(3)
            self.prop_verb = verb if self.subject_plural else THIRD_PERSON.get(verb, verb + "s")
        elif m := HAS_PROPERTY_RE.match(text):
            self.subject_plural = m.group(1).casefold() in {"they", "these", "those"}
            self.prop_shown, self.prop_verb = m.group(2), "have" if self.subject_plural else "has"
        self.prop_shown = _strip_leading_article(self.prop_shown, keep=True)
        self.prop = _strip_leading_article(self.prop_shown, keep=False).casefold()

    def has(self, vocabulary: frozenset[str] | set[str]) -> bool:
        return any(w in vocabulary for w in self.words)

    def mentions(self, phrase: str) -> bool:
        return T.has_phrase(self.norm, phrase)

    @property
    def pronoun(self) -> str:
        return "they" if self.subject_plural else "it"


def _clean_for_property(raw: str) -> str:
    # Keep the shopper's words as written (hyphens and case too: "water-resistant", "5G").
    folded = unicodedata.normalize("NFKC", raw).translate(T.APOSTROPHES)
    words = folded.split()
    while words and words[0].strip(",").casefold() in LEADING_FILLER:
        words = words[1:]
    return " ".join(words)


def _strip_leading_article(text: str, *, keep: bool) -> str:
    """ "a hood" -> "hood" (keep=False); "the" and "any" are dropped either way ("any pockets" -> "pockets")."""
    text = re.sub(r"^(?:the|any|some)\s+", "", text.strip(), flags=re.IGNORECASE)
    return text if keep else re.sub(r"^(?:a|an)\s+", "", text, flags=re.IGNORECASE)


# --------------------------------------------------------------------------------------------
# Answering
# --------------------------------------------------------------------------------------------


@dataclass
class _Part:
    text: str
    citations: list[Citation]


def product_answer(*, product: Product, question: str) -> Answer:
    """Answer a shopper's question about one product from its catalog facts only, with citations."""
    q = Question.of(_as_it(question, product))
    facts = product_facts(product)
    if q.yes_no:
        part = _yes_no(product, q, facts)
        if part is not None:
            return Answer(part.text, True, part.citations)
    parts, missing = _asked_fields(product, q, facts)
    if parts:
        text = " ".join(p.text for p in parts)
        if missing:
            text += f" The catalog doesn't list its {T.join_words(missing)}."
        return Answer(text, True, [c for p in parts for c in p.citations])
    sentence = _best_sentence(product, q)
    if sentence is not None and missing and not _speaks_of(sentence.text, q, facts):
        # Asked for something the catalog does not list (its weight, where it is made): a description line
        # near the question in meaning is not its answer. Say what is missing instead.
        sentence = None
    if sentence is not None:
        if q.prop:  # related, but it does not decide the yes/no: quote it without a verdict
            head = f"The catalog doesn't say outright whether {q.pronoun} {q.prop_verb} {q.prop_shown}."
            return Answer(f"{head} The description says: “{sentence.text}”", True, [sentence])
        return Answer(f"The description says: “{sentence.text}”", True, [sentence])
    return _not_said(product, q, facts, missing)


SUBJECT_RE = re.compile(
    r"^(\s*(?:(?:and|so|ok|okay|but),?\s+)?(?:is|are|was|were|does|do|did|can|could|will|would|has|have|should)\s+)"
    r"(?:the|this|that|these|those)\s+(.+)$",
    re.IGNORECASE,
)
REFERENCE_WORDS = frozenset(
    """first second third fourth fifth last other former latter cheaper cheapest pricier priciest one ones pair
    model item product""".split()
)


def _as_it(question: str, product: Product) -> str:
    """ "is the second one waterproof?" / "does the Alpine come in white?" -> "is it …" / "does it …": the
    words naming the product are not part of the question about it."""
    m = SUBJECT_RE.match(question)
    if m is None:
        return question
    naming = set(T.words(product.title)) | REFERENCE_WORDS
    if product.brand_id:
        naming.update(T.words(product.brand.name))
    rest = m.group(2).split()
    taken = 0
    while taken < len(rest) - 1:
        word = T.norm(rest[taken]).strip("?!.,")
        if not word or not (word in naming or word + "s" in naming or word.removesuffix("'s") in naming):
            break
        taken += 1
    if not taken:
        return question
    plural = T.norm(rest[taken - 1]).strip("?!.,") in {"ones", "pairs"}
    return f"{m.group(1)}{'they' if plural else 'it'} {' '.join(rest[taken:])}"


def _not_said(product: Product, q: Question, facts: dict[str, Fact], missing: list[str]) -> Answer:
    if q.prop:
        head = f"The catalog doesn't say whether {q.pronoun} {q.prop_verb} {q.prop_shown}."
    elif missing:
        head = f"The catalog doesn't list its {T.join_words(missing)}."
    else:
        head = "The catalog doesn't say."
    listed = [facts[k] for k in (*STANDARD_KEYS, *_spec_keys(facts)) if k in facts][:6]
    if not listed:
        listed = [facts[k] for k in ("price", "brand", "category") if k in facts]
    if not listed:
        return Answer(head, False, [])
    body = "; ".join(f"{f.label}: {f.said}" for f in listed)
    return Answer(f"{head} Here is what it lists: {body}.", False, [f.cite(product) for f in listed])


def _speaks_of(sentence: str, q: Question, facts: dict[str, Fact]) -> bool:
    """Whether a description sentence names the unlisted property asked about (its words or its spec words)."""
    said = set(T.words(sentence))
    asked = [k for k in MEASURED_SPECS if k not in facts and _asks(k, q)]
    return any(said & SPEC_WORDS[k] or said & set(k.split("_")) for k in asked)


def _asks(key: str, q: Question) -> bool:
    if q.has(SPEC_WORDS[key]):
        return True
    # "where is it made?", "where does it come from?": its origin
    return key == "origin" and q.has({"where"}) and q.has({"made", "produced", "manufactured", "from", "built"})


def _spec_keys(facts: dict[str, Fact]) -> list[str]:
    fixed = {"price", "rating", "stock", "brand", "category", *STANDARD_KEYS}
    return [k for k in facts if k not in fixed]


# --- yes/no


def _yes_no(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    checks: list[Callable[[Product, Question, dict[str, Fact]], _Part | None]] = [
        _yn_size,
        _yn_color,
        _yn_material,
        _yn_gender,
        _yn_price,
        _yn_stock,
        _yn_brand,
        _yn_property,
    ]
    for check in checks:
        part = check(product, q, facts)
        if part is not None:
            return part
    return None


def _size_asked(q: Question) -> list[str]:
    """Sizes named in a question: "size 8", "in 10.5", "in an XL" (not "a 15 inch laptop")."""
    asked = []
    w = q.words
    for i, word in enumerate(w):
        before = w[max(0, i - 2) : i]
        after = w[i + 1] if i + 1 < len(w) else ""
        after_size = bool(before) and before[-1] in SIZE_WORDS
        after_in = bool(before) and (before[-1] == "in" or before in (["in", "a"], ["in", "an"]))
        alpha = word in ALPHA_SIZES and (after_size or after_in or len(word) > 1)
        numeric = re.fullmatch(r"\d+(?:\.\d+)?", word) is not None and after not in UNITS
        if alpha or (numeric and (after_size or after_in)):
            asked.append(word)
    return asked


def _yn_size(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    asked = _size_asked(q)
    fact = facts.get("sizes")
    if not asked or fact is None:
        return None
    listed = {T.norm(s): s for s in fact.items}
    have = [listed[a] for a in asked if a in listed]
    if have:
        return _Part(f"Yes — it comes in size {T.join_words(have)}.", [fact.cite(product)])
    return _Part(f"No — the sizes listed are {T.join_words(list(fact.items))}.", [fact.cite(product)])


def _values_in(q: Question, candidates: list[str]) -> list[str]:
    return [c for c in T.unique(candidates) if c and q.mentions(c)]


def _known_colors() -> list[str]:
    from recommend.search import lexicon

    return [c for c in lexicon.COLORS if c not in lexicon.AMBIGUOUS_COLORS]


def _known_materials() -> list[str]:
    from recommend.search import lexicon

    return list(lexicon.MATERIALS)


def _longest(values: list[str]) -> list[str]:
    """Drop values inside longer ones that were also named ("gold" inside "rose gold")."""
    return [v for v in values if not any(v != o and T.has_phrase(o, v) for o in values)]


def _yn_color(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    fact = facts.get("color")
    own = list(fact.items) if fact else []
    asked = _longest(_values_in(q, own + _known_colors()))
    if not asked:
        return None
    if fact is None:
        return None
    matched = [c for c in own if any(T.norm(c) == T.norm(a) for a in asked)]
    if matched:
        return _Part(f"Yes — it comes in {T.join_words(matched)}.", [fact.cite(product)])
    return _Part(f"No — this one is listed in {T.join_words(own)}, not {T.join_words(asked)}.", [fact.cite(product)])


def _yn_material(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    fact = facts.get("material")
    if fact is None:
        return None
    own = list(fact.items)
    asked = _longest(_values_in(q, own + _known_materials()))
    if not asked:
        return None
    matched = [m for m in own if any(T.has_phrase(m, a) for a in asked)]
    if matched:
        return _Part(f"Yes — it is made of {T.join_words(matched)}.", [fact.cite(product)])
    return _Part(f"No — the catalog lists its material as {fact.text}.", [fact.cite(product)])


def _yn_gender(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    fact = facts.get("gender")
    asked = {GENDER_WORDS[w] for w in q.words if GENDER_WORDS.get(w)}
    if fact is None or not asked:
        return None
    own = {T.norm(g) for g in fact.items}
    if own & asked or "unisex" in own:
        return _Part(f"Yes — it is listed for {fact.text}.", [fact.cite(product)])
    return _Part(f"No — it is listed for {fact.text}.", [fact.cite(product)])


PRICE_BOUND_RE = re.compile(
    r"\b(under|below|less than|cheaper than|more than|over|above|at least|at most)\s*\$?\s*(\d+(?:[.,]\d+)?)"
)


def _yn_price(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    fact = facts.get("price")
    m = PRICE_BOUND_RE.search(q.norm)
    if fact is None or m is None or product.price is None:
        return None
    bound = Decimal(m.group(2).replace(",", ""))
    word = m.group(1)
    if word in {"under", "below", "less than", "cheaper than"}:
        ok = product.price < bound
    elif word == "at most":
        ok = product.price <= bound
    elif word == "at least":
        ok = product.price >= bound
    else:
        ok = product.price > bound
    return _Part(f"{'Yes' if ok else 'No'} — it costs {fact.text}.", [fact.cite(product)])


def _yn_stock(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    if not (q.has(STOCK_WORDS) or q.mentions("sold out")):
        return None
    fact = facts["stock"]
    if product.stock > 0:
        return _Part(f"Yes — it is in stock ({product.stock} available).", [fact.cite(product)])
    return _Part("No — it is out of stock at the moment.", [fact.cite(product)])


def _yn_brand(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    fact = facts.get("brand")
    if fact is None or not q.mentions(fact.text):
        return None
    if q.prop and T.norm(q.prop) != T.norm(fact.text) and not q.has(BRAND_WORDS) and "by" not in q.words:
        return None  # "is the Trailcraft one waterproof?": the brand names the product, not the question
    return _Part(f"Yes — it is made by {fact.text}.", [fact.cite(product)])


def _yn_property(product: Product, q: Question, facts: dict[str, Fact]) -> _Part | None:
    """A yes/no about a property: a listed feature or spec, the title, then a description sentence naming it."""
    prop = q.prop
    if not prop:
        return None
    features = facts.get("features")
    if features is not None:
        hit = [f for f in features.items if _same_property(f, prop)]
        if hit:
            return _Part(
                f"Yes — {q.pronoun} {q.prop_verb if q.prop_verb in {'is', 'are'} else 'is'} listed as "
                f"{T.join_words(hit)}.",
                [features.cite(product)],
            )
        against = [f for f in features.items if T.norm(f) in OPPOSITES.get(T.norm(prop), set())]
        if against:
            return _Part(f"No — it is listed as {T.join_words(against)}.", [features.cite(product)])
    for key in _spec_keys(facts):
        fact = facts[key]
        if T.has_phrase(fact.text, prop):
            return _Part(f"Yes — its {fact.label} is listed as {fact.said}.", [fact.cite(product)])
    if T.has_phrase(product.title, prop):
        return _Part(
            f"Yes — the product title says so: “{product.title}”.", [Citation("title", "", product.title, product.pk)]
        )
    for sentence in T.sentences(product.description):
        if T.has_phrase(sentence, prop):
            citation = Citation("description", "", sentence, product.pk)
            if _negated(sentence, prop):
                return _Part(f"No — the description says: “{sentence}”", [citation])
            return _Part(f"Yes — the description says: “{sentence}”", [citation])
    return None


def _same_property(listed: str, asked: str) -> bool:
    a, b = T.norm(listed), T.norm(asked)
    if a == b or T.has_phrase(asked, listed):
        return True
    from rapidfuzz import fuzz

    # "noise canceling" / "noise-cancelling", "water resistant" / "water-resistant"
    return len(a) >= 5 and fuzz.ratio(a, b) >= 90


def _negated(sentence: str, prop: str) -> bool:
    before = T.norm(sentence).split(T.norm(prop))[0].split()[-3:]
    return any(w in T.NEGATION_WORDS for w in before)


# --- wh-questions: which fields are asked


def _asked_fields(product: Product, q: Question, facts: dict[str, Fact]) -> tuple[list[_Part], list[str]]:
    parts: list[_Part] = []
    missing: list[str] = []
    asked: list[str] = []
    specs = _spec_keys(facts)
    spec_asked = [k for k in specs if _spec_matches(k, q)]
    # Spec words name absent specs too ("how much does it weigh?" of a product with no weight).
    absent_specs = [k for k in MEASURED_SPECS if k not in facts and k not in spec_asked and _asks(k, q)]
    if any(k.endswith("size") for k in absent_specs):  # "screen size" of a coffee is not its pack size
        spec_asked = [k for k in spec_asked if k != "size"]
    if q.has(SIZE_WORDS):
        # "screen size" asks about the screen, listed or not, not about the size chart
        size_specs = [k for k in (*spec_asked, *absent_specs) if k.endswith("size") or k == "size"]
        if "sizes" in facts and not size_specs:
            asked.append("sizes")
        elif not size_specs and "size" in facts:
            spec_asked.append("size")
        elif not size_specs and "sizes" not in facts:
            missing.append("sizes")
    if q.has(COLOR_WORDS):
        (asked if "color" in facts else missing).append("color")
    if q.has(MATERIAL_WORDS) or q.mentions("made of") or q.mentions("made from") or q.mentions("made out of"):
        (asked if "material" in facts else missing).append("material")
    if q.has(STYLE_WORDS) and "style" in facts:
        asked.append("style")
    if q.has(FEATURE_WORDS) and "features" in facts:
        asked.append("features")
    if q.has(set(GENDER_WORDS)) and "gender" in facts and not q.yes_no:
        asked.append("gender")
    if q.has(BRAND_WORDS) or q.mentions("made by") or q.mentions("who makes"):
        asked.append("brand")
    if q.has(CATEGORY_WORDS) and not spec_asked:
        asked.append("category")
    if q.has(RATING_WORDS) and not any("rating" in k for k in spec_asked):
        asked.append("rating")
    if q.has(PRICE_WORDS) or (q.mentions("how much") and not spec_asked and not absent_specs):
        asked.append("price")
    if (q.has(STOCK_WORDS) or q.mentions("sold out")) and not (set(asked) & {"color", "sizes"}):
        asked.append("stock")
    for key in absent_specs:
        if not spec_asked:
            missing.append(attribute_label(key))
    for key in T.unique(asked + spec_asked):
        part = _field_part(product, key, facts)
        if part is not None:
            parts.append(part)
        else:
            missing.append(attribute_label(key))
    return parts, T.unique(missing)


def _spec_matches(key: str, q: Question) -> bool:
    if q.has(SPEC_WORDS.get(key, frozenset())):
        return True
    key_words = key.split("_")
    if q.mentions(" ".join(key_words)):
        return True
    return any(w in q.words for w in key_words if w not in GENERIC_KEY_WORDS and len(w) >= 3)


def _field_part(product: Product, key: str, facts: dict[str, Fact]) -> _Part | None:
    fact = facts.get(key)
    if fact is None:
        return None
    cite = [fact.cite(product)]
    items = list(fact.items)
    if key == "price":
        return _Part(f"It costs {fact.text}.", cite)
    if key == "rating":
        if not product.review_count:
            return _Part(f"It is rated {product.rating} out of 5.", cite)
        return _Part(f"It is rated {fact.text}.", cite)
    if key == "stock":
        if product.stock > 0:
            return _Part(f"It is in stock ({product.stock} available).", cite)
        return _Part("It is out of stock at the moment.", cite)
    if key == "brand":
        return _Part(f"It is made by {fact.text}.", cite)
    if key == "category":
        return _Part(f"It is listed under {fact.text}.", cite)
    if key == "sizes":
        return _Part(f"It comes in sizes {T.join_words(items)}.", cite)
    if key == "color":
        return _Part(f"It comes in {T.join_words(items)}.", cite)
    if key == "material":
        return _Part(f"It is made of {T.join_words(items)}.", cite)
    if key == "gender":
        return _Part(f"It is listed for {T.join_words(items)}.", cite)
    if key == "style":
        return _Part(f"Its style is listed as {T.join_words(items)}.", cite)
    if key == "features":
        return _Part(f"Its listed features: {T.join_words(items)}.", cite)
    return _Part(f"{fact.label[:1].upper()}{fact.label[1:]}: {fact.said}.", cite)


# --- description sentences


def _best_sentence(product: Product, q: Question) -> Citation | None:
    """The product's own description sentence nearest the question, when near enough to answer it."""
    candidates = T.sentences(product.description)
    if not candidates or not q.words:
        return None
    from shopguide.embedding import encode

    vectors = encode([q.raw, *candidates])
    index, score = T.cosine_best(vectors[0], vectors[1:])
    logger.debug("best description sentence for %r: %.3f %r", q.raw, score, candidates[index])
    if score < SENTENCE_THRESHOLD:
        return None
    return Citation("description", "", candidates[index], product.pk)
