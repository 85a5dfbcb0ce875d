"""Query understanding: a shopper's words to intent, slots with their spans, price and rating bounds,
negations, typo corrections and the remaining free text. Pure Python over a Vocabulary; ~1 ms a query.

Order of work: patterns that need the raw text (prices, ratings, sizes with units, quantities) claim
their character spans first; then the remaining tokens are matched greedily, longest phrase first,
against the vocabulary (catalog categories, brands, attribute values, built-in colours/materials/
departments), after unknown words have been corrected against that same vocabulary.
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from recommend.merchandising.synonyms import Alternative, SynonymSet
from recommend.search import lexicon
from recommend.search.vocabulary import PHRASE_JOINERS, Vocabulary

TOKEN_RE = re.compile(r"\$?\d+(?:[.,/]\d+)*(?:x\d+(?:\.\d+)?)*[a-z\"]*|[^\W\d_]+(?:['’][^\W\d_]+)*|[^\w\s]", re.UNICODE)
NUM = r"(\d+(?:\.\d{1,2})?)"
MONEY = rf"(?:\$\s?{NUM}|{NUM}\s?(?:dollars?|usd|bucks|\$)|{NUM})"
PRICE_MAX_RE = re.compile(
    rf"\b(?:under|below|less than|cheaper than|up to|upto|max(?:imum)?|no more than|at most|within|<)\s*{MONEY}", re.I
)
PRICE_MIN_RE = re.compile(rf"\b(?:over|above|more than|at least|min(?:imum)?|starting at|>)\s*{MONEY}", re.I)
PRICE_RANGE_RE = re.compile(
    rf"\b(?:between|from)?\s*\$\s?{NUM}\s*(?:-|–|to|and)\s*\$?\s?{NUM}(?:\s*(?:dollars?|usd|bucks))?"
    rf"|\b(?:between|from)\s+{NUM}\s*(?:-|–|to|and)\s*\$?\s?{NUM}(?:\s*(?:dollars?|usd|bucks))?"
    rf"|\b{NUM}\s*(?:-|–|to)\s*{NUM}\s*(?:dollars?|usd|bucks)",
    re.I,
)
PRICE_EXACT_RE = re.compile(
    rf"(?:\bfor\s+|\baround\s+|\babout\s+)?(?:\$\s?{NUM}|\b{NUM}\s?(?:dollars?|usd|bucks)\b)", re.I
)
RATING_RE = re.compile(
    r"\b(?:rated\s+)?(\d(?:\.\d)?)\s*(?:\+\s*)?(?:stars?|star rating|-star)"
    r"(?:\s*(?:and|&)\s*(?:up|above|higher)|\s*or\s*(?:more|higher|better|above)|\s*\+|\s*plus)?"
    r"|\b(?:at least|min(?:imum)?)\s+(\d(?:\.\d)?)\s*stars?",
    re.I,
)
RATING_WORDS_RE = re.compile(r"\b(?:highly|well|top|best)[\s-]rated\b|\bgood reviews\b|\bbest reviewed\b", re.I)
UOM_RE = re.compile(
    rf"\b(?:size\s+(?:\d+(?:\.\d+)?[a-z]?|x{{0,3}}[sml]|xx?l|xs)\b"
    rf"|\d+(?:\.\d+)?\s*x\s*\d+(?:\.\d+)?(?:\s*x\s*\d+(?:\.\d+)?)?(?:\s*(?:{lexicon.UNITS})\b)?"
    rf"|\d+(?:/\d+)?(?:\.\d+)?\s*-?\s*(?:{lexicon.UNITS})\b\.?"
    rf"|\d+(?:-\d+)?\s*(?:months?|years?|yrs?)(?:\s*old)?\b"
    rf"|\d+t\b)",
    re.I,
)
QUANTITY_RE = re.compile(
    r"\b(?:(?:pack|set|box|case|bag|bundle)\s+of\s+(?:\d+|one|two|three|four|five|six|ten|twelve)"
    r"|(?:\d+|one|two|three|four|five|six|ten|twelve)\s*-?\s*(?:pack|packs|pk|ct|count|pieces?|pcs|piece|pairs?|sets?|rolls?|capsules|tablets|sheets|bags)"
    r"|\d+x\b|in bulk|bulk|multipack)\b",
    re.I,
)

SLOT_ORDER = ("category", "brand", "color", "material", "department", "size", "feature", "style")


@dataclass(frozen=True)
class Slot:
    type: str
    value: Any
    text: str
    start: int
    end: int
    negated: bool = False


@dataclass(frozen=True)
class Correction:
    original: str
    corrected: str
    start: int
    end: int


@dataclass
class ParsedQuery:
    raw: str
    intent: str = "product_search"
    slots: list[Slot] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    min_rating: Decimal | None = None
    price_hint: str | None = None  # "cheap" or "premium" when words, not numbers, spoke of price
    corrections: list[Correction] = field(default_factory=list)
    corrected: str | None = None
    free_text: str = ""
    # The query as the retrievers should read it: typos fixed; price, rating and negated words removed;
    # merchandisers' synonyms added.
    search_text: str = ""
    # Synonyms that widened this query: {"term", "alternatives", "synonym_ids"}.
    synonyms: list[dict[str, Any]] = field(default_factory=list)

    def values(self, slot_type: str, *, negated: bool = False) -> list[Any]:
        return [s.value for s in self.slots if s.type == slot_type and s.negated == negated]

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "intent": self.intent,
            "slots": [asdict(s) for s in self.slots],
            "price_min": str(self.price_min) if self.price_min is not None else None,
            "price_max": str(self.price_max) if self.price_max is not None else None,
            "min_rating": str(self.min_rating) if self.min_rating is not None else None,
            "price_hint": self.price_hint,
            "corrected": self.corrected,
            "corrections": [asdict(c) for c in self.corrections],
            "free_text": self.free_text,
            "search_text": self.search_text,
            "synonyms": self.synonyms,
        }


@dataclass
class _Token:
    text: str
    norm: str
    start: int
    end: int
    used: bool = False


def normalize(text: str) -> str:
    """NFKC, case-folded; keeps every script (a multilingual model may sit behind the same parser)."""
    return unicodedata.normalize("NFKC", text).casefold()


def _norm_token(token: str) -> str:
    token = token.replace("’", "'")
    if token.endswith("'s"):
        token = token[:-2]
    return token.strip("'")


def _hyphen_glued(raw: str, start: int, end: int) -> bool:
    """Whether raw[start:end] is only part of a hyphenated word ("ring" in "o-ring")."""
    before = start >= 2 and raw[start - 1] == "-" and raw[start - 2].isalnum()
    after = end + 1 < len(raw) and raw[end] == "-" and raw[end + 1].isalnum()
    return before or after


def tokenize(text: str) -> list[_Token]:
    folded = normalize(text)
    # NFKC can change lengths for exotic characters; fall back to plain case-folding so spans stay true.
    source = folded if len(folded) == len(text) else text.lower()
    return [_Token(m.group(), _norm_token(m.group()), m.start(), m.end()) for m in TOKEN_RE.finditer(source)]


def _money(match: re.Match) -> Decimal | None:
    for group in match.groups():
        if group:
            return Decimal(group)
    return None


def parse(text: str, vocabulary: Vocabulary, synonyms: SynonymSet | None = None) -> ParsedQuery:
    """``synonyms``: merchandisers' synonyms (``recommend.merchandising``): a phrase that stands for a
    catalog word fills that word's slot ("sneakers" → category Running Shoes), and every synonym's words
    join the text the retrievers read."""
    raw = text[:1000]
    parsed = ParsedQuery(raw=raw)
    lowered = raw.lower()
    claimed: list[tuple[int, int]] = []
    slots: list[Slot] = []

    def claim(start: int, end: int) -> bool:
        if any(start < e and s < end for s, e in claimed):
            return False
        claimed.append((start, end))
        return True

    # 1. Prices: ranges before bounds before bare amounts, so "$20-$50" is not read as "$20".
    for match in PRICE_RANGE_RE.finditer(lowered):
        numbers = [Decimal(g) for g in match.groups() if g]
        if len(numbers) >= 2 and claim(*match.span()):
            low, high = sorted(numbers[:2])
            parsed.price_min, parsed.price_max = low, high
            slots.append(
                Slot(
                    "price",
                    {"min": str(low), "max": str(high)},
                    raw[match.start() : match.end()].strip(),
                    *match.span(),
                )
            )
    for regex, bound in ((PRICE_MAX_RE, "max"), (PRICE_MIN_RE, "min")):
        for match in regex.finditer(lowered):
            amount = _money(match)
            if amount is not None and claim(*match.span()):
                if bound == "max":
                    parsed.price_max = amount
                else:
                    parsed.price_min = amount
                slots.append(Slot("price", {bound: str(amount)}, raw[match.start() : match.end()], *match.span()))
    for match in PRICE_EXACT_RE.finditer(lowered):
        amount = _money(match)
        if amount is not None and claim(*match.span()):
            # "for 25 dollars": a budget; allow a little over it rather than nothing at all.
            parsed.price_max = (amount * Decimal("1.1")).quantize(Decimal("0.01"))
            slots.append(
                Slot("price", {"max": str(parsed.price_max)}, raw[match.start() : match.end()].strip(), *match.span())
            )

    # 2. Ratings.
    for match in RATING_RE.finditer(lowered):
        value = Decimal(match.group(1) or match.group(2))
        if Decimal(0) < value <= Decimal(5) and claim(*match.span()):
            parsed.min_rating = value
            slots.append(Slot("rating", str(value), raw[match.start() : match.end()], *match.span()))
    for match in RATING_WORDS_RE.finditer(lowered):
        if claim(*match.span()):
            parsed.min_rating = parsed.min_rating or Decimal("4.0")
            slots.append(Slot("rating", "4.0", raw[match.start() : match.end()], *match.span()))

    # 3. Sizes with units and quantities.
    for regex, slot_type in ((QUANTITY_RE, "quantity"), (UOM_RE, "uom")):
        for match in regex.finditer(lowered):
            if claim(*match.span()):
                slots.append(Slot(slot_type, match.group().strip(), raw[match.start() : match.end()], *match.span()))

    # 4. Tokens: correct typos, then match vocabulary phrases, longest first.
    tokens = [t for t in tokenize(raw) if not any(s <= t.start < e for s, e in claimed)]
    for token in tokens:
        if (
            token.norm.isalpha()
            and not vocabulary.knows(token.norm)
            and not (synonyms and token.norm in synonyms.words)
        ):
            fixed = vocabulary.correct(token.norm)
            if fixed:
                parsed.corrections.append(Correction(raw[token.start : token.end], fixed, token.start, token.end))
                token.norm = fixed
    if parsed.corrections:
        fixes = {(c.start, c.end): c.corrected for c in parsed.corrections}
        parts, last = [], 0
        for (start, end), word in sorted(fixes.items()):
            parts += [raw[last:start], word]
            last = end
        parts.append(raw[last:])
        parsed.corrected = "".join(parts)

    longest = max(vocabulary.max_phrase_tokens, synonyms.max_phrase_tokens if synonyms else 0)
    expansions: dict[str, list[Alternative]] = {}
    i = 0
    while i < len(tokens):
        matched = False
        # + 2: a window may also hold joining marks ("fast-charging" is three tokens), which the key leaves out.
        for n in range(min(longest + 2, len(tokens) - i), 0, -1):
            window = tokens[i : i + n]
            # A phrase must be contiguous in the text (no claimed span inside it).
            if any(window[k + 1].start - window[k].end > 2 for k in range(n - 1)):
                continue
            if window[0].norm in PHRASE_JOINERS or window[-1].norm in PHRASE_JOINERS:
                continue
            phrase = " ".join(t.norm for t in window if t.norm not in PHRASE_JOINERS)
            entry = vocabulary.lookup(phrase)
            alternatives = synonyms.alternatives(phrase) if synonyms else []
            if alternatives:
                expansions.setdefault(phrase, alternatives)
                if entry is None:
                    # The first alternative the catalog knows gives the slot; the shopper's words stay its text.
                    entry = next((e for a in alternatives if (e := vocabulary.lookup(a.phrase)) is not None), None)
            if entry is None:
                continue
            slot_type, value = entry
            if slot_type == "color" and not _colour_in_context(value, tokens, i, n, vocabulary):
                continue
            start, end = window[0].start, window[-1].end
            if slot_type in ("category", "brand") and _hyphen_glued(raw, start, end):
                continue  # "o-ring" is not a ring, "x-large" not a brand X
            if slot_type == "department" and i > 0 and tokens[i - 1].norm == "for" and not tokens[i - 1].used:
                start = tokens[i - 1].start  # "for women" is one department phrase
                tokens[i - 1].used = True
            for t in window:
                t.used = True
            slots.append(Slot(slot_type, value, raw[start:end], start, end))
            i += n
            matched = True
            break
        if not matched:
            i += 1

    # 5. Price words.
    for token in tokens:
        if token.used:
            continue
        if token.norm in lexicon.CHEAP_WORDS:
            parsed.price_hint = "cheap"
            token.used = True
            slots.append(Slot("price", {"hint": "cheap"}, raw[token.start : token.end], token.start, token.end))
        elif token.norm in lexicon.PREMIUM_WORDS:
            parsed.price_hint = "premium"
            token.used = True
            slots.append(Slot("price", {"hint": "premium"}, raw[token.start : token.end], token.start, token.end))

    # 6. Negations: "not leather", "without hood", "no Nike" negate the next slot or word.
    all_tokens = tokenize(raw)
    slots.sort(key=lambda s: s.start)
    negated_slots: list[Slot] = []
    for k, token in enumerate(all_tokens):
        if token.norm not in lexicon.NEGATIONS and not (token.norm == "non" or token.text.lower().startswith("non-")):
            continue
        if any(s.start <= token.start < s.end for s in slots):
            continue  # part of a catalog phrase: "non-stick" is a feature, not "not stick"
        following = [t for t in all_tokens[k + 1 :] if t.norm not in ("-",)]
        if not following:
            continue
        target = following[0]
        slot = next((s for s in slots if s.start <= target.start < s.end), None)
        if slot is not None and slot.type not in ("price", "rating"):
            negated_slots.append(slot)
        elif slot is None and target.norm.isalpha() and target.norm not in lexicon.STOPWORDS:
            slots.append(
                Slot("term", target.norm, raw[target.start : target.end], target.start, target.end, negated=True)
            )
            target.used = True
        token.used = True
        for t in tokens:
            if t.start == token.start or t.start == target.start:
                t.used = True
    if negated_slots:
        slots = [Slot(s.type, s.value, s.text, s.start, s.end, True) if s in negated_slots else s for s in slots]
    parsed.slots = sorted(slots, key=lambda s: s.start)

    # 7. What is left is free text for the retrievers.
    used_spans = [(s.start, s.end) for s in parsed.slots]
    free = [
        t.norm for t in tokens
        if not t.used and not any(s <= t.start < e for s, e in used_spans)
        and t.norm not in lexicon.STOPWORDS and t.norm not in lexicon.NEGATIONS and (t.norm.isalnum() or len(t.norm) > 1)
    ]  # fmt: skip
    parsed.free_text = " ".join(free)
    removed = [(s.start, s.end) for s in parsed.slots if s.negated or s.type in ("price", "rating")]
    fixes = {(c.start, c.end): c.corrected for c in parsed.corrections}
    parsed.search_text = " ".join(
        fixes.get((t.start, t.end), raw[t.start : t.end])
        for t in all_tokens
        if not any(s <= t.start < e for s, e in removed)
        and (t.norm not in lexicon.NEGATIONS or any(s.start <= t.start < s.end for s in parsed.slots))
        and t.norm.strip(",.;!?")
    )
    if synonyms:
        _expand(parsed, tokens, synonyms, expansions, longest, removed)
    parsed.intent = classify_intent(raw, parsed)
    return parsed


def _expand(
    parsed: ParsedQuery,
    tokens: list[_Token],
    synonyms: SynonymSet,
    expansions: dict[str, list[Alternative]],
    longest: int,
    removed: list[tuple[int, int]],
) -> None:
    """Add the words of every synonym the query used (not those of negated words) to the retrievers' text."""
    kept = [t for t in tokens if not any(s <= t.start < e for s, e in removed)]
    for n in range(min(longest, len(kept)), 0, -1):
        for i in range(len(kept) - n + 1):
            phrase = " ".join(t.norm for t in kept[i : i + n])
            if phrase not in expansions and synonyms.alternatives(phrase):
                expansions[phrase] = synonyms.alternatives(phrase)
    present = set(parsed.search_text.casefold().split())
    added: list[str] = []
    for phrase, alternatives in expansions.items():
        if not any(" ".join(t.norm for t in kept[i : i + len(phrase.split())]) == phrase for i in range(len(kept))):
            continue  # the phrase was negated ("not sneakers"): it excludes, it does not widen
        for alternative in alternatives:
            words = [w for w in alternative.phrase.split() if w not in present]
            added += words
            present.update(words)
        parsed.synonyms.append(
            {
                "term": phrase,
                "alternatives": [a.phrase for a in alternatives],
                "synonym_ids": sorted({a.synonym_id for a in alternatives if a.synonym_id is not None}),
            }
        )
    if added:
        parsed.search_text = f"{parsed.search_text} {' '.join(added)}".strip()


def _colour_in_context(value: object, tokens: list[_Token], i: int, n: int, vocabulary: Vocabulary) -> bool:
    colour = str(value).casefold()
    if colour not in lexicon.AMBIGUOUS_COLORS or colour in vocabulary.catalog_colors:
        return True
    after = tokens[i + n].norm if i + n < len(tokens) else ""
    before = tokens[i - 1].norm if i > 0 else ""
    return after in {"color", "colored", "colour", "coloured", "tone"} or before in {"in", "color", "colour"}


def classify_intent(raw: str, parsed: ParsedQuery) -> str:
    """A rule-based first cut; the assistant issue replaces it with a classifier on the embeddings."""
    words = [t.norm for t in tokenize(raw)]
    text = " ".join(words)
    if not words:
        return "out_of_scope"
    product_slots = [s for s in parsed.slots if s.type in ("category", "brand")]
    if any(w in lexicon.COMPARISON_WORDS for w in words):
        return "comparison"
    if any(p in text for p in lexicon.SERVICE_WORDS if " " in p) or (
        any(w in lexicon.SERVICE_WORDS for w in words) and not product_slots
    ):
        return "customer_service"
    if text in lexicon.CHITCHAT or (len(words) <= 4 and words[0] in {"hi", "hello", "hey", "thanks", "thank", "bye"}):
        return "chit_chat"
    if words[0] in lexicon.QUESTION_STARTS or raw.strip().endswith("?"):
        return "product_question"
    return "product_search"
