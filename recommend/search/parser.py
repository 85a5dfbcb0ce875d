"""Query understanding: a shopper's words to slots with their spans, price and rating bounds, negations, typo
corrections and the remaining free text: patterns and the catalog vocabulary, then the learned tagger
(``recommend.understanding``). The dialogue act comes from the learned intent head (``understanding.acts``).

Order of work: patterns that need the raw text (prices, ratings, sizes with units, quantities) claim
their character spans first; then the remaining tokens are matched greedily, longest phrase first,
against the vocabulary (catalog categories, brands, attribute values, built-in colours/materials/
departments), after unknown words have been corrected against that same vocabulary.
"""

from __future__ import annotations

import functools
import hashlib
import logging
import re
import threading
import unicodedata
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.cache import cache
from rapidfuzz.distance import DamerauLevenshtein
from sklearn.feature_extraction.text import ENGLISH_STOP_WORDS

from recommend.merchandising.synonyms import Alternative, SynonymSet
from recommend.search import lexicon, retrieval
from recommend.search.vocabulary import PHRASE_JOINERS, Vocabulary, english_words, norm_phrase
from recommend.understanding import tagger as tagger_module
from shopguide import embedding

logger = logging.getLogger(__name__)

TOKEN_RE = re.compile(r"\$?\d+(?:[.,/]\d+)*(?:x\d+(?:\.\d+)?)*[a-z\"]*|[^\W\d_]+(?:['’][^\W\d_]+)*|[^\w\s]", re.UNICODE)
# An amount as shoppers type it: "80", "79.99", "1,200", "$2,000", "1k", "2.5k" (``_amount`` reads it).
NUM = r"(\d{1,3}(?:,\d{3})+(?:\.\d{1,2})?|\d+(?:\.\d{1,2})?(?:k\b)?)"
# A bare number followed by a unit or a count is a measure, not a price ("at least 30 inches", "over 2 people").
NOT_A_MEASURE = rf"(?!\s*-?\s*(?:%|(?:{lexicon.UNITS}|stars?|people|persons|seats?|pieces?|pcs|pack|year|years|yrs|months?|days?|hours?|kids|guests|players)\b))"
MONEY = rf"(?:\$\s?{NUM}|(?<![\d.,]){NUM}\s?(?:dollars?|usd|bucks|\$)|(?<![\d.,]){NUM}(?![\d.,]?\d){NOT_A_MEASURE})"
PRICE_MAX_RE = re.compile(
    rf"(?:\b(?:under|below|less than|cheaper than|up to|upto|max(?:imum)?|no more than|not more than|at most|within"
    rf"|not over|not above|nothing over|nothing above|budget(?:\s+(?:of|is))?:?)|<=?)\s*{MONEY}"
    # after the amount: "80 or less", "1500 max", "50 tops"
    rf"|{MONEY}\s*(?:or\s+(?:less|under|below|lower|cheaper)|and\s+(?:under|below|less)|max(?:imum)?\b|tops\b|at\s+most\b)"
    # a lower bound said not to be crossed: "I don't want to spend over 600", "nothing more than 40"
    rf"|\b(?:don'?t|do\s+not|won'?t|can'?t|cannot|not|no|nothing|never)\b[\w\s']{{0,24}}?\b(?:spend|pay|go|cost|costs|costing)?\s*(?:more\s+than|over|above|exceeding|beyond)\s*{MONEY}",
    re.I,
)
PRICE_MIN_RE = re.compile(
    rf"(?:\b(?:over|above|more than|at least|min(?:imum)?|starting at|no less than|not less than)|>=?)\s*{MONEY}"
    rf"|{MONEY}\s*(?:or\s+(?:more|above|higher)|and\s+(?:up|above|over)|min(?:imum)?\b)",
    re.I,
)
PRICE_RANGE_RE = re.compile(
    rf"(?:\b(?:between|from)\s*)?\$\s?{NUM}\s*(?:-|–|to|and)\s*\$?\s?{NUM}(?:\s*(?:dollars?|usd|bucks))?"
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
# Clothing and shoe sizes said without the word "size": "in a 10.5", "in an 8", "waist 32", "34 waist", "2T". The
# number alone is the size's text; its value is "size <n>", as "size 10.5" gives.
SIZE_WORDS_RE = re.compile(
    r"\b(?:waist|inseam)\s+(?P<waist>\d{2})\b|\b(?P<waist2>\d{2})\s*(?:waist|inseam)\b"
    r"|\bin\s+(?:an?\s+)?(?P<shoe>\d{1,2}(?:\.5)?)(?![\d.,%$\w])(?!\s*(?:waist|inseam)\b)"
    r"(?!\s*-?\s*(?:colou?rs?|shades?|styles?|sizes?|weeks?|minutes?|mins?|secs?|seconds?|dollars?|bucks|usd|"
    rf"{lexicon.UNITS}|stars?|people|persons|seats?|pieces?|pcs|pack|years?|yrs|months?|days?|hours?)\b)"
    r"|\b(?P<toddler>[1-5]t)\b",
    re.I,
)
QUANTITY_RE = re.compile(
    r"\b(?:(?:pack|set|box|case|bag|bundle)\s+of\s+(?:\d+|one|two|three|four|five|six|ten|twelve)"
    r"|(?:\d+|one|two|three|four|five|six|ten|twelve)\s*-?\s*(?:pack|packs|pk|ct|count|pieces?|pcs|piece|pairs?|sets?|rolls?|capsules|tablets|sheets|bags)"
    r"|\d+x\b|in bulk|bulk|multipack)\b",
    re.I,
)

# Price meaning without a number, in more than one word: "less expensive", "not too pricey", "lower priced",
# "more affordable", "too expensive" (said of what is shown: wanting cheaper).
CHEAP_PHRASE_RE = re.compile(
    r"\b(?:less|not\s+(?:too|so|that|very))\s+(?:expensive|pricey|costly|pricy)\b"
    r"|\blower[\s-]+pric(?:e|ed|es)\b|\bmore\s+affordable\b|\btoo\s+(?:expensive|pricey|pricy|costly)\b"
    r"|\b(?:low|lower|small|smaller|tight)\s+budget\b|\bon\s+a\s+budget\b"
    r"|\b(?:nothing|not)\s+(?:too\s+|that\s+|very\s+)?(?:fancy|expensive|pricey|pricy|costly)\b",
    re.I,
)
# Premium in more than one word or in a word-joining mark: "high-end", "higher end", "top of the line".
PREMIUM_PHRASE_RE = re.compile(r"\bhigh(?:er)?[\s-]+end\b|\btop[\s-]+(?:of[\s-]+the[\s-]+line|end|shelf)\b", re.I)
SLOT_ORDER = ("category", "brand", "color", "material", "department", "size", "feature", "style")


@dataclass(frozen=True)
class Slot:
    type: str
    value: Any
    text: str
    start: int
    end: int
    negated: bool = False
    # False: evidence the learned tagger found but the catalog vocabulary does not know; it stays in the words the
    # retrievers read and never becomes a filter ("slots are evidence, not walls").
    hard: bool = True
    # For an exclusion, the characters that say it, cue included ("nothing made of leather", "leather-free").
    said: tuple[int, int] | None = None


@dataclass(frozen=True)
class Correction:
    original: str
    corrected: str
    start: int
    end: int


@dataclass
class ParsedQuery:
    raw: str
    intent: str = ""  # the dialogue act (``recommend.understanding.acts``), set by search; "" until then
    slots: list[Slot] = field(default_factory=list)
    price_min: Decimal | None = None
    price_max: Decimal | None = None
    min_rating: Decimal | None = None
    price_hint: str | None = None  # "cheap" or "premium" when words, not numbers, spoke of price
    product_type: str | None = None  # the words the learned tagger read as the product type (the head)
    corrections: list[Correction] = field(default_factory=list)
    corrected: str | None = None
    free_text: str = ""
    # The query as the retrievers should read it: typos fixed; price, rating and negated words removed;
    # merchandisers' synonyms added.
    search_text: str = ""
    # Synonyms that widened this query: {"term", "alternatives", "synonym_ids"}.
    synonyms: list[dict[str, Any]] = field(default_factory=list)

    def values(self, slot_type: str, *, negated: bool = False) -> list[Any]:
        return [s.value for s in self.slots if s.type == slot_type and s.hard and s.negated == negated]

    def to_dict(self) -> dict[str, Any]:
        return {
            "raw": self.raw,
            "intent": self.intent,
            "slots": [asdict(s) for s in self.slots],
            "price_min": str(self.price_min) if self.price_min is not None else None,
            "price_max": str(self.price_max) if self.price_max is not None else None,
            "min_rating": str(self.min_rating) if self.min_rating is not None else None,
            "price_hint": self.price_hint,
            "product_type": self.product_type,
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


def _amount(text: str) -> Decimal:
    """ "1,200" → 1200, "2.5k" → 2500."""
    text = text.replace(",", "").casefold()
    if text.endswith("k"):
        return Decimal(text[:-1]) * 1000
    return Decimal(text)


def _money(match: re.Match) -> Decimal | None:
    for group in match.groups():
        if group:
            return _amount(group)
    return None


# The characters of a query the parser reads. The search API refuses a longer one (400 query_too_long); the search
# page searches its start and says so. A bound on work and on the search log, far above what people type.
MAX_QUERY_LENGTH = 1000


def query_too_long(text: str) -> bool:
    """Whether ``text`` is longer than a search reads (the one check the API and the search page share)."""
    return len(text) > MAX_QUERY_LENGTH


# The words of a query the parser reads (see query_head).
MAX_QUERY_TERMS = 32
_TERM_RE = re.compile(r"[^\W_]+", re.UNICODE)


def query_head(text: str) -> str:
    """The part of a query that is read: up to MAX_QUERY_TERMS words and MAX_QUERY_LENGTH characters.

    What a shopper types is a few words; a pasted paragraph of hundreds of distinct words would cost a typo
    lookup, a tagger pass and a full-text term each, for one request (a cheap way to slow the shop down).
    """
    text = text[:MAX_QUERY_LENGTH]
    for count, match in enumerate(_TERM_RE.finditer(text), start=1):
        if count == MAX_QUERY_TERMS:
            return text[: match.end()]
    return text


def query_cost(text: str) -> int:
    """What a search spends of the caller's search budget (THROTTLE_SEARCH_RATE): 1 for up to 8 words, one more
    for every 8 words after (a 32-word query, the most that is read, costs 4): work grows with the words read."""
    words = len(_TERM_RE.findall(query_head(text)))
    return 1 + max(0, words - 1) // 8


def parse(
    text: str, vocabulary: Vocabulary, synonyms: SynonymSet | None = None, *, learned: bool | None = None
) -> ParsedQuery:
    """A shopper's words to a structured request: the patterns and the catalog vocabulary propose slots, the
    learned tagger (``recommend.understanding``) confirms, extends, negates or adds to them
    (``UNDERSTANDING_LEARNED``; off: the rules alone, the fallback)."""
    if learned is None:
        learned = settings.UNDERSTANDING_LEARNED
    return parse_rules(text, vocabulary, synonyms, learned=learned)


def parse_rules(
    text: str, vocabulary: Vocabulary, synonyms: SynonymSet | None = None, *, learned: bool = False
) -> ParsedQuery:
    """``synonyms``: merchandisers' synonyms (``recommend.merchandising``): a phrase that stands for a
    catalog word fills that word's slot ("sneakers" → category Running Shoes), and every synonym's words
    join the text the retrievers read."""
    raw = query_head(text)
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
        numbers = [_amount(g) for g in match.groups() if g]
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
    for match in SIZE_WORDS_RE.finditer(lowered):
        group = next(g for g in ("waist", "waist2", "shoe", "toddler") if match.group(g))
        start, end = match.span(group) if group in ("shoe", "toddler") else match.span()
        if claim(start, end):
            slots.append(Slot("uom", f"size {match.group(group).upper()}", raw[start:end], start, end))
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
            if slot_type == "category" and i > 0 and tokens[i - 1].norm in DEGREES:
                continue  # "not too short": a length, not shorts
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

    # 5. Price words: phrases first ("less expensive" is cheap, not premium), then single words.
    for regex, hint in ((CHEAP_PHRASE_RE, "cheap"), (PREMIUM_PHRASE_RE, "premium")):
        for match in regex.finditer(lowered):
            if not any(match.start() <= t.start < match.end() and t.used for t in tokens):
                parsed.price_hint = hint
                for t in tokens:
                    if match.start() <= t.start < match.end():
                        t.used = True
                slots.append(Slot("price", {"hint": hint}, raw[match.start() : match.end()], *match.span()))
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

    # 6. Negations: "not leather", "without hood", "no Nike", "anything but red", "nothing made of wool",
    # "leather-free" negate the next slot or word (and the values joined to it: "no red or blue").
    all_tokens = tokenize(raw)
    slots.sort(key=lambda s: s.start)
    negated: dict[int, tuple[int, int]] = {}  # id of a negated slot -> the characters that say it
    added: list[Slot] = []

    def slot_at(position: int) -> Slot | None:
        return next((s for s in slots if s.start <= position < s.end), None)

    def negate(slot: Slot, cue_start: int) -> None:
        negated[id(slot)] = (min(cue_start, slot.start), slot.end)
        for t in tokens:
            if cue_start <= t.start < slot.end:
                t.used = True

    k = 0
    while k < len(all_tokens):
        cue = _negation_cue(all_tokens, k)
        token = all_tokens[k]
        if not cue or slot_at(token.start) is not None:
            # "free" after a value: "leather-free", "leather free" (unless the catalog knows the phrase: "gluten free")
            if token.norm == "free" and slot_at(token.start) is None and k > 0:
                before = all_tokens[k - 1] if all_tokens[k - 1].norm != "-" else all_tokens[k - 2] if k > 1 else None
                slot = slot_at(before.start) if before is not None else None
                if slot is not None and slot.type not in ("price", "rating") and token.start - slot.end <= 2:
                    negate(slot, slot.start)
                    negated[id(slot)] = (slot.start, token.end)
                    for t in tokens:
                        if t.start == token.start:
                            t.used = True
            k += 1
            continue
        j = k + cue
        while (
            j < len(all_tokens)
            and j - (k + cue) < 3
            and all_tokens[j].norm in NEGATION_FILLER
            and slot_at(all_tokens[j].start) is None
        ):
            j += 1  # "nothing made of wool", "no more of the red"
        if j >= len(all_tokens):
            break
        target = all_tokens[j]
        slot = slot_at(target.start)
        if slot is not None and slot.type not in ("price", "rating"):
            negate(slot, token.start)
            # "no red or blue", "not nike, adidas": joined values of the same kind are excluded too, and after "or"
            # any value ("no brass or copper": a material, then a word the catalog also knows as a colour)
            rest = [t for t in all_tokens if t.start >= slot.end]
            while len(rest) >= 2 and rest[0].norm in ("or", "and", "nor", ",", "/"):
                following = slot_at(rest[1].start)
                alike = following is not None and (
                    following.type == slot.type
                    or (rest[0].norm in ("or", "nor", "/") and {following.type, slot.type} <= VALUE_TYPES)
                )
                if not alike or WANTED_AFTER.match(raw[following.end :]):
                    # "not leather, suede is fine": the value after the list is wanted
                    break
                negate(following, following.start)
                rest = [t for t in all_tokens if t.start >= following.end]
        elif (
            slot is None
            and target.norm.isalpha()
            and target.norm not in lexicon.STOPWORDS
            and target.norm not in NOT_EXCLUSIONS
        ):
            end = target.end
            head = slot_at(all_tokens[j + 1].start) if j + 1 < len(all_tokens) else None
            if head is not None and head.type == "category" and raw[target.end : head.start].strip(" -") == "":
                # "not a robot vacuum", "minus the card games": a word the catalog does not know and the product it
                # describes, one exclusion (a catalog value before it is excluded alone: "no plastic toys")
                end = head.end
                slots.remove(head)
            term = Slot("term", norm_phrase(raw[target.start : end]), raw[target.start : end], target.start, end,
                        negated=True, said=(token.start, end))  # fmt: skip
            added.append(term)
            for t in tokens:
                if token.start <= t.start <= target.start:
                    t.used = True
            # "not from nike or adidas": a word the catalog does not know, joined by "or", is excluded with it
            while (
                j + 2 < len(all_tokens)
                and all_tokens[j + 1].norm in ("or", "nor", "/")
                and all_tokens[j + 2].norm.isalpha()
                and all_tokens[j + 2].norm not in lexicon.STOPWORDS
                and slot_at(all_tokens[j + 2].start) is None
                and not WANTED_AFTER.match(raw[all_tokens[j + 2].end :])
            ):
                j += 2
                other = all_tokens[j]
                added.append(
                    Slot(
                        "term",
                        other.norm,
                        raw[other.start : other.end],
                        other.start,
                        other.end,
                        negated=True,
                        said=(other.start, other.end),
                    )
                )
                for t in tokens:
                    if t.start == other.start:
                        t.used = True
        k = j + 1
    for slot in slots:  # the cue after the value: "wool is a no", "leather not please"
        after = NEGATION_AFTER.match(raw, slot.end) if slot.type not in ("price", "rating") else None
        if after is not None and id(slot) not in negated:
            negate(slot, slot.start)
            negated[id(slot)] = (slot.start, after.end())
    slots = [
        Slot(s.type, s.value, s.text, s.start, s.end, True, s.hard, negated[id(s)]) if id(s) in negated else s
        for s in slots
    ] + added
    parsed.slots = sorted(slots, key=lambda s: s.start)
    if learned:
        merge_learned(parsed, vocabulary)
        for slot in parsed.slots:
            for t in tokens:
                if slot.said and slot.said[0] <= t.start < slot.said[1]:
                    t.used = True

    recipients = [
        s for s in parsed.slots if s.type == "department" and not s.negated and POSSESSIVE.search(raw, 0, s.start)
    ]
    if recipients:  # "for my wife": who it is for, not the department asked for ("a drill for my wife")
        parsed.slots = [s for s in parsed.slots if s not in recipients]
    # Words a slot held that the learned step or the line above let go ("books" in "a lamp for reading books",
    # "wife") are free text again: what the message says beyond its slots.
    covered = [s.said or (s.start, s.end) for s in parsed.slots] + [(s.start, s.end) for s in parsed.slots]
    for t in tokens:
        if t.used and not any(a <= t.start < b for a, b in covered):
            t.used = False

    wanted_words = []  # "suede is fine": the words that keep a value wanted say nothing to search for
    for slot in parsed.slots:
        wanted = WANTED_AFTER.match(raw, slot.end) if not slot.negated else None
        if wanted is not None:
            wanted_words.append((slot.end, wanted.end()))
            for t in tokens:
                if slot.end <= t.start < wanted.end():
                    t.used = True

    # 7. What is left is free text for the retrievers (evidence-only slots leave their words there).
    used_spans = [(s.start, s.end) for s in parsed.slots if s.hard]
    free = [
        t.norm for t in tokens
        if not t.used and not any(s <= t.start < e for s, e in used_spans)
        and t.norm not in lexicon.STOPWORDS and t.norm not in lexicon.NEGATIONS and (t.norm.isalnum() or len(t.norm) > 1)
    ]  # fmt: skip
    parsed.free_text = " ".join(free)
    removed = [s.said or (s.start, s.end) for s in parsed.slots if s.negated or s.type in ("price", "rating")]
    removed += wanted_words
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
    return parsed


TAGS_TTL = 7 * 24 * 3600  # as query vectors

# The learned tagger's types, as slot types.
LEARNED_SLOTS = {"color": "color", "material": "material", "department": "department", "UoM": "uom",
                 "quantity": "quantity", "price": "price", "creator": "brand"}  # fmt: skip
# Word-list types the tagger must confirm: a rule slot of these types the tagger does not see is dropped
# ("cream" in "ice cream sandwich", "natural" in "natural deodorant").
CONFIRMED_BY_TAGGER = ("color", "material", "uom", "quantity")
# Words around a colour or material that say it is the attribute asked for, with no product named: "in navy",
# "in a nude or berry shade", "brown instead", "the grey ones" (the tagger, taught on product queries, may miss it).
ATTRIBUTE_BEFORE = re.compile(r"\b(?:in|the)\s+(?:(?:a|an|the|some)\s+)?(?:\w+\s+(?:or|and|/)\s+)?$", re.I)
ATTRIBUTE_AFTER = re.compile(r"\s*(?:instead|ones?|version|shades?|colou?rs?|tones?)\b", re.I)
# Types the tagger may add where the rules saw nothing (evidence only unless the vocabulary knows the words). Any
# other type (colours) only when the vocabulary names the words so: the rules propose an ambiguous colour ("orange",
# "tan", "clear") only in context, the tagger reads it from the sentence. In 5-fold cross-validation on the QueryNER
# train split that took colour F1 from 0.763 to 0.778; adding every colour the tagger saw cost more precision than
# it gave recall (BENCHMARKS.md "Understanding, second pass").
ADDED_BY_TAGGER = ("material", "department", "uom", "quantity", "brand", "category")
NEGATION_AFFIXES = re.compile(r"^(?:non-?)|(?:-?free)$", re.I)


@functools.lru_cache(maxsize=8192)
def _learned_tags(words: tuple[str, ...], marks: tuple[tagger_module.RuleMark | None, ...]) -> tuple[str, ...]:
    """The words' tags: from this process, else from the shared cache (as query vectors are), else computed."""
    key = (
        "qtags:"
        + hashlib.sha256(f"{embedding.model_name()}|{tagger_module.digest()}|{words!r}|{marks!r}".encode()).hexdigest()
    )
    try:
        cached = cache.get(key)
    except Exception:  # the cache is down: compute, and serve anyway
        cached = None
    if cached is not None:
        return tuple(cached.split(" ")) if cached else ()
    tags = _tag_words(words, marks)[0]
    try:
        cache.set(key, " ".join(tags), timeout=TAGS_TTL)
    except Exception:
        logger.debug("tags not cached: cache unavailable")
    return tags


def _tag_words(words: tuple[str, ...], marks: tuple[tagger_module.RuleMark | None, ...]) -> tuple[tuple[str, ...], Any]:
    """The words' tags and the sentence vector of ``" ".join(words)``, from one encoder pass."""
    tagger = tagger_module.shipped()
    if tagger is None or not words:
        return (), None
    vectors, states = embedding.encode_words([list(words)])
    tags = tuple(tagger.tag(tagger_module.features(states[0], list(words), list(marks))))
    retrieval.remember_query_vector(" ".join(words), vectors[0])  # the act and the search read it, any process
    with _vectors_lock:
        _learned_tags_vectors[words] = vectors[0]
        while len(_learned_tags_vectors) > _VECTORS_KEPT:
            del _learned_tags_vectors[next(iter(_learned_tags_vectors))]
    return tags, vectors[0]


# The sentence vectors of the last texts tagged (bounded, oldest out first): a search whose words are exactly the
# message's reads its query vector from the tagger's pass instead of encoding the same words again.
_learned_tags_vectors: dict[tuple[str, ...], Any] = {}
_vectors_lock = threading.Lock()
_VECTORS_KEPT = 256


def _words(parsed: ParsedQuery) -> tuple[str, ...]:
    return tuple(w.text for w in tagger_module.words_of(parsed.raw))


def is_plain(parsed: ParsedQuery) -> bool:
    """Whether the search text is the message's words (most queries: nothing excluded, no price taken out)."""
    return _same_text(parsed.search_text, " ".join(_words(parsed)))


def message_vector(parsed: ParsedQuery) -> Any:
    """The sentence vector of the message as typed (what the intent head reads: "?" and "!" count). From the
    tagger's encoder pass when the message is its words (no edge punctuation), else the shared cache, else encoded.
    None for an empty message."""
    if not parsed.raw.strip():
        return None
    words = _words(parsed)
    if _same_text(" ".join(words), parsed.raw):
        vector = _learned_tags_vectors.get(words)
        if vector is not None:
            return vector
    return retrieval.query_vector(parsed.raw)


def _same_text(a: str, b: str) -> bool:
    return " ".join(a.casefold().split()) == " ".join(b.casefold().split())


def words_vector(parsed: ParsedQuery) -> Any:
    """The vector of ``parsed.search_text`` from the tagger's encoder pass in this process, when that text is the
    message's words (most plain queries), else None."""
    return _learned_tags_vectors.get(_words(parsed)) if is_plain(parsed) else None


def _trimmed(raw: str, start: int, end: int, others: list[Slot]) -> tuple[int, int]:
    """A product-type span without leading articles and without words another slot holds ("women's" in "women's
    running shoes" stays the department)."""
    for slot in sorted(others, key=lambda s: s.start):
        if slot.start <= start < slot.end:
            start = slot.end
        elif start < slot.start < end:
            end = slot.start if slot.start - start > end - slot.end else end
            if slot.start < end:
                start = max(start, slot.end)
    while start < end and raw[start].isspace():
        start += 1
    while start < end and raw[end - 1].isspace():
        end -= 1
    words = raw[start:end].split(" ")
    while len(words) > 1 and words[0].casefold() in ARTICLES:
        start += len(words[0]) + 1
        words = words[1:]
    # The noun phrase ends where a preposition or a relative pronoun attaches what it is for ("a kettle that boils
    # fast", "a case for my headphones": the case). "Of" stays inside ("a pair of boots", "a set of knives").
    cut = next(
        (
            m
            for m in re.finditer(r"[a-z]+", raw[start:end], re.I)
            if m.start()
            and (m.group().casefold() in NOUN_PHRASE_ENDS or _misspelt_cue(m.group().casefold()) is not None)
        ),
        None,
    )
    if cut is not None:
        end = start + len(raw[start : start + cut.start()].rstrip())
    return start, end


ARTICLES = frozenset(("a", "an", "the", "some", "any", "my", "your"))


def _product_type_slots(slots: list[Slot], raw: str, start: int, end: int) -> list[Slot]:
    """The product type the tagger read (``raw[start:end]``, "waterproof hiking boots", "headphones case") and the
    catalog's categories inside it: the last one (the head noun) stands for the whole phrase, the ones before it
    are modifiers ("headphones" in "headphones case"). With no category inside, the phrase is evidence only."""
    inside = [s for s in slots if s.type == "category" and not s.negated and start <= s.start and s.end <= end]
    others = [s for s in slots if s not in inside]
    if any(s.start < end and start < s.end and s.type in ("brand", "category") for s in others):
        return slots  # the phrase runs into a brand or another category: keep what the catalog says
    if inside:
        head = max(inside, key=lambda s: s.end)
        if not _parts(raw, head.end, end):  # nothing but filler after it: the catalog's category is the head noun
            return [*others, Slot("category", head.value, raw[start:end], start, end, hard=head.hard)]
        # A noun the catalog does not name as a category comes last ("laptop sleeve"): that is what is wanted, and
        # the category before it only describes it. Evidence, not a filter on the wrong category.
        return [*others, Slot("category", norm_phrase(raw[start:end]), raw[start:end], start, end, hard=False)]
    return [*others, Slot("category", norm_phrase(raw[start:end]), raw[start:end], start, end, hard=False)]


JOINED_TO_PRODUCT = ("core_product_type", "modifier", "occasion", "shape")


def _product_phrases(
    spans: list[tuple[str, int, int]],
    words: list[tagger_module.Word],
    marks: list[tagger_module.RuleMark | None],
    raw: str,
) -> list[tuple[str, int, int]]:
    """The tagger's spans with each product noun phrase whole: the tagger labels words one at a time, and reads a
    compound noun as two product types ("puffer" "jacket", "fountain" "pen") or a describing noun before the
    product as a modifier ("motorcycle" "helmet", "electric" "toothbrush"). Spans that touch (nothing but spaces or a
    hyphen between the words) and end in a product type no other slot holds are one phrase, the last word its head
    noun. Words another slot holds (a colour, a feature) are cut off it again in ``_trimmed``."""
    out: list[tuple[str, int, int]] = []
    for kind, i, j in spans:
        last = out[-1] if out else None
        if (
            last is not None
            and kind == "core_product_type"
            and last[0] in JOINED_TO_PRODUCT
            and last[2] == i
            and raw[words[i - 1].end : words[i].start].strip(" -") == ""
            and not SPLITTING.search(raw, words[i].start, words[j - 1].end)  # "jackets & coats": a list, not a noun
            and any(
                (marks[k] is None or marks[k].type == "category") and words[k].text.casefold() not in GENERIC_WORDS
                for k in range(i, j)
            )
        ):
            out[-1] = ("core_product_type", last[1], j)
            continue
        out.append((kind, i, j))
    return out


# A possessive right before a people word: the person the present is for ("my wife", "our son's"), not a department.
POSSESSIVE = re.compile(r"\b(?:my|our|his|your|their)\s+(?:(?:little|big|older|younger|eldest|youngest)\s+)?$", re.I)


TRAILING_FILLER = frozenset(("and", "or", "please"))


def _people(text: str) -> bool:
    """Whether words the tagger read as a department name people (``tagger.people_words``) or an age."""
    people = tagger_module.people_words()
    words = re.findall(r"[\w'’-]+", text)
    return not people or any(tagger_module.people_key(w) in people or any(c.isdigit() for c in w) for w in words)


def _touching(raw: str, end: int, start: int) -> bool:
    """Whether a span ending at ``end`` and one starting at ``start`` overlap or touch (spaces or a hyphen between)."""
    return start <= end or raw[end:start].strip(" -") == ""


def _said_as_attribute(raw: str, slot: Slot) -> bool:
    return bool(ATTRIBUTE_BEFORE.search(raw, 0, slot.start) or ATTRIBUTE_AFTER.match(raw, slot.end))


def _is_size(slot: Slot) -> bool:
    return slot.type == "uom" and str(slot.value).startswith("size ")


def _merged_bounds(slots: list[Slot]) -> dict[str, str]:
    merged: dict[str, str] = {}
    for slot in slots:
        if isinstance(slot.value, dict):
            merged.update(slot.value)
    return merged


def merge_learned(parsed: ParsedQuery, vocabulary: Vocabulary, tags: tuple[str, ...] | None = None) -> None:
    """Let the learned tagger confirm, extend, negate or add to the rules' slots (evidence, not walls).
    ``tags``: the words' tags when already known (cross-validation), else the shipped tagger's."""
    raw = parsed.raw
    words = tagger_module.words_of(raw)
    if not words:
        return
    marks = tagger_module.marks_for(parsed.slots, words)
    if tags is None:
        tags = _learned_tags(tuple(w.text for w in words), tuple(marks))
    if not tags:
        return
    slots = list(parsed.slots)
    confirmed: set[int] = set()  # ids of rule slots the tagger agreed with
    # A slot the vocabulary read through a typo it corrected ("blak" → black) stands without the tagger: the tagger
    # sees the misspelt word, which it cannot know.
    confirmed.update(id(s) for s in slots if any(c.start < s.end and s.start < c.end for c in parsed.corrections))
    for kind, i, j in _product_phrases(tagger_module.spans(list(tags)), words, marks, raw):
        negated = kind.startswith("not_")
        if (
            negated
            and (
                DEGREE_BEFORE.search(raw, 0, words[i].start)  # "aren't too short": a degree, not an exclusion
                or words[i].text.casefold() in NOT_EXCLUSIONS
                or not (
                    _cue_before(raw, words[i].start)
                    or NEGATION_AFFIXES.search(words[i].text)
                    or NEGATION_AFTER.match(raw[words[j - 1].end :])
                )
            )
        ):
            kind = kind[4:]  # an exclusion needs a word that says so in its clause ("no", "other than", "-free")
            negated = False
        base = kind[4:] if negated else kind
        start, end = words[i].start, words[j - 1].end
        said = (start, end)
        if negated:
            # The value without its glued cue ("leather-free", "non-leather"); the cue words before it are part of
            # what says the exclusion (back to the previous word the tagger gave a meaning).
            value_text = NEGATION_AFFIXES.sub("", raw[start:end])
            offset = raw[start:end].find(value_text) if value_text else 0
            start, end = start + max(offset, 0), start + max(offset, 0) + len(value_text or raw[start:end])
            k = i - 1
            while k >= 0 and tags[k] == "O" and i - k <= 4 and marks[k] is None:
                k -= 1
            said = (words[k + 1].start if k + 1 < i else said[0], said[1])
        overlapping = [s for s in slots if s.start < end and start < s.end]
        if (
            not negated
            and not overlapping
            and any(s.negated and s.said and s.said[0] <= start < s.said[1] for s in slots)
        ):
            continue  # a word of the cue that says an exclusion ("steer" in "steer clear of brown")
        excluded = next(
            (
                s
                for s in slots
                if s.type == "term" and s.negated and s.start <= start and end > s.end and _touching(raw, s.end, start)
            ),
            None,
        )
        if base == "core_product_type" and excluded is not None:
            # "not a robot vacuum", "minus the card games": the describing word and its product, one exclusion
            text = raw[excluded.start : end]
            said = (excluded.said[0] if excluded.said else excluded.start, end)
            slots[slots.index(excluded)] = Slot("term", norm_phrase(text), text, excluded.start, end, True, True, said)
            continue
        if base == "core_product_type" and not negated:
            start, end = _trimmed(raw, start, end, [s for s in slots if s.type != "category"])
            if MEASURE_OF.match(raw[start:]):
                continue  # "a pair of boots", "a set of knives": the product comes after "of"
            if start < end:
                slots = _product_type_slots(slots, raw, start, end)
                if parsed.product_type is None or any(
                    s.type == "category" and s.hard and s.start == start for s in slots
                ):
                    parsed.product_type = raw[start:end]
            continue
        slot_type = "category" if base == "core_product_type" else LEARNED_SLOTS.get(base)
        if slot_type is None:
            continue
        if slot_type in ("uom", "quantity"):  # "size 6 and in blush": the size without the joining word
            while j - 1 > i and words[j - 1].text.casefold() in TRAILING_FILLER:
                j -= 1
            end = words[j - 1].end
            sizes = [s for s in overlapping if _is_size(s) and not s.text.casefold().startswith("size")]
            if slot_type == "uom" and sizes:  # "waist 32", "in a 10.5 then": the size as SIZE_WORDS_RE read it
                confirmed.update(id(s) for s in sizes)
                continue
        if slot_type == "price":
            rule_prices = [s for s in overlapping if s.type == "price"]
            word = raw[start:end].casefold()
            if rule_prices and not all(start <= s.start and s.end <= end for s in rule_prices):
                confirmed.update(id(s) for s in rule_prices)  # the tagger saw part of a price phrase: keep it whole
                continue
            if rule_prices:  # the patterns' bounds, the tagger's wider boundaries ("under $30", "cheap price")
                for s in rule_prices:
                    slots.remove(s)
                value = rule_prices[0].value if len(rule_prices) == 1 else _merged_bounds(rule_prices)
                new = Slot("price", value, raw[start:end], start, end)
            elif word in lexicon.CHEAP_WORDS | lexicon.PREMIUM_WORDS:
                hint = "cheap" if word in lexicon.CHEAP_WORDS else "premium"
                parsed.price_hint = hint
                new = Slot("price", {"hint": hint}, raw[start:end], start, end)
            else:
                new = Slot("price", {}, raw[start:end], start, end, hard=False)
            slots.append(new)
            confirmed.add(id(new))
            continue
        same = [s for s in overlapping if s.type == slot_type]
        other = [
            s for s in overlapping if s.type != slot_type and (s.type not in CONFIRMED_BY_TAGGER or id(s) in confirmed)
        ]
        if other and not negated:
            continue  # the catalog names these words as something else (a category, a brand): keep that
        if negated and (same or other):
            # An exclusion the rules read as wanted ("anything but red"): the same slots, negated; not a later value
            # the words keep wanted ("not leather, suede is fine": the tagger does not see the comma).
            covered = sorted(same or other, key=lambda s: s.start)
            for s in covered:
                if s is not covered[0] and WANTED_AFTER.match(raw[s.end :]):
                    confirmed.add(id(s))
                    continue
                # from the first cue to this value's end (the tagger's span may run on over a value kept wanted)
                wider = (min(said[0], s.said[0]), max(s.said[1], s.end)) if s.said else (said[0], s.end)
                negated_slot = Slot(s.type, s.value, s.text, s.start, s.end, True, s.hard, wider)
                slots[slots.index(s)] = negated_slot
                confirmed.add(id(negated_slot))
            continue
        entry = vocabulary.lookup(norm_phrase(raw[start:end]))
        if entry is not None and entry[0] == slot_type:
            value, hard = entry[1], True
        elif same:
            value, hard = same[0].value, True
        elif negated:
            value, hard = norm_phrase(raw[start:end]), True  # an exclusion rules out what the words say
        else:
            value, hard = norm_phrase(raw[start:end]), False
        known = entry is not None and entry[0] == slot_type  # the vocabulary names these words so
        if slot_type == "uom" and all(w.casefold() in GENERIC_WORDS for w in raw[start:end].split()):
            continue  # no measure in these words ("make it" in "make it size 9")
        if slot_type == "department" and not (known or same or negated or _people(raw[start:end])):
            continue  # "a lamp for the bedroom": a room, not people (QueryNER's annotators agree: 1 time in 16)
        if not value or (not same and not negated and slot_type not in ADDED_BY_TAGGER and not known):
            continue
        for s in same:
            slots.remove(s)
        is_negated = negated or any(s.negated for s in same)
        rule_said = [s.said for s in same if s.negated and s.said]
        if is_negated and rule_said:  # what says the exclusion: the rules' cue and the tagger's, the wider
            said = (min([r[0] for r in rule_said] + ([said[0]] if negated else [])), max(r[1] for r in rule_said))
        elif is_negated and not negated:
            said = (start, end)
        if is_negated:
            bare = NEGATION_AFFIXES.sub("", raw[start:end])
            at = raw.find(bare, start, end) if bare else -1
            if at >= 0:
                start, end = at, at + len(bare)
        new = Slot(slot_type, value, raw[start:end], start, end, is_negated, hard, said if is_negated else None)
        slots.append(new)
        confirmed.add(id(new))
    bare = not any(s.type == "category" for s in slots)
    kept = [
        s
        for s in slots
        if s.type not in CONFIRMED_BY_TAGGER
        or id(s) in confirmed
        or s.negated
        or _is_size(s)
        or (bare and s.type in ("color", "material") and s.hard and _said_as_attribute(raw, s))
    ]
    parsed.slots = _without_purposes(_joined_product_words(_one_per_span(_tidied(kept, raw, vocabulary)), raw), raw)
    named = [s for s in parsed.slots if s.type == "category" and not s.negated]
    if parsed.product_type and not any(parsed.product_type in s.text or s.text in parsed.product_type for s in named):
        parsed.product_type = named[0].text if named else None  # what it was for is not the product wanted
    at = raw.find(parsed.product_type) if parsed.product_type else -1
    if at >= 0:  # the product type without generic words: the last part ("jigsaw puzzle, something")
        parts = _parts(raw, at, at + len(parsed.product_type))
        parsed.product_type = raw[slice(*parts[-1])] if parts else None
    if parsed.price_hint and not any(isinstance(s.value, dict) and "hint" in s.value for s in parsed.slots):
        parsed.price_hint = None


# Words that never name a product, a brand or an attribute on their own: English function words (scikit-learn's
# list, less the few that are also goods or attributes) and the generic nouns and fillers of shopping talk.
GENERIC_WORDS = (
    frozenset(ENGLISH_STOP_WORDS)
    - {"fire", "bill", "thick", "thin", "top", "bottom", "front", "side", "back", "down", "full", "empty", "system"}
) | frozenset(
    "one ones option options kind kinds type types thing things stuff item items product products page version "
    "versions pls plz thanks ok okay hmm actually instead maybe just let's lets similar like different new want need "
    "looking show find got have else same what which anything something style material brand color colour size "
    "price make give try prefer rather switch change".split()
)
SPLITTING = re.compile(r"\s*(?:[,;:/]|\s-\s|\band\b|\bor\b|&)\s*", re.I)
TIDIED_TYPES = ("category", "brand", "feature", "style", "department", "color", "material", "term")


def _tidied(slots: list[Slot], raw: str, vocabulary: Vocabulary) -> list[Slot]:
    """The learned spans without what cannot be a value: a span the catalog does not name is cut at commas and
    conjunctions ("jigsaw puzzle, something"), loses the function words and punctuation at its edges ("actually
    blue", "a"), and is dropped when nothing is left ("ones", "this", "what")."""
    out = []
    for slot in slots:
        if slot.type not in TIDIED_TYPES or vocabulary.lookup(norm_phrase(slot.text)) is not None:
            out.append(slot)
            continue
        for start, end in _parts(raw, slot.start, slot.end):
            if (start, end) == (slot.start, slot.end):
                out.append(slot)
                continue
            text = raw[start:end]
            entry = vocabulary.lookup(norm_phrase(text))
            if entry is not None and entry[0] == slot.type:
                value, hard = entry[1], True
            elif end == slot.end and slot.type != "term":
                value, hard = slot.value, slot.hard  # the head noun kept ("new trail running shoes"): its reading
            elif slot.type in ("category", "term") or not slot.hard:
                value, hard = norm_phrase(text), slot.hard and slot.type == "term"
            else:
                value, hard = slot.value, slot.hard  # the rules' value, read from the words kept
            said = slot.said if slot.said is None else (min(slot.said[0], start), max(slot.said[1], end))
            out.append(Slot(slot.type, value, text, start, end, slot.negated, hard, said))
    return out


def _parts(raw: str, start: int, end: int) -> list[tuple[int, int]]:
    """``raw[start:end]`` cut at separators, each part trimmed of generic words and marks; empty parts left out."""
    parts, at = [], start
    for match in SPLITTING.finditer(raw, start, end):
        parts.append((at, match.start()))
        at = match.end()
    parts.append((at, end))
    out = []
    for a, b in parts:
        words = [m for m in re.finditer(r"[\w'’]+(?:-[\w'’]+)*", raw[a:b])]
        while words and words[0].group().casefold() in GENERIC_WORDS:
            words.pop(0)
        while words and words[-1].group().casefold() in GENERIC_WORDS:
            words.pop()
        if words:
            out.append((a + words[0].start(), a + words[-1].end()))
    return out


def _one_per_span(slots: list[Slot]) -> list[Slot]:
    """One reading of the same words: the catalog's (hard) before the tagger's, in text order."""
    best: dict[tuple[int, int, bool], Slot] = {}
    for slot in slots:
        key = (slot.start, slot.end, slot.negated)
        if key not in best or (slot.hard and not best[key].hard):
            best[key] = slot
    return sorted(best.values(), key=lambda s: s.start)


def _joined_product_words(slots: list[Slot], raw: str) -> list[Slot]:
    """Two of the catalog's categories side by side are one product type, named by the last (the head noun):
    "laptop backpack" is a backpack. (A word only the tagger calls a product, "warm" in "warm jackets", stays
    apart: it may be a modifier.)"""
    out: list[Slot] = []
    for slot in slots:
        last = out[-1] if out else None
        if (
            last is not None
            and slot.type == last.type == "category"
            and slot.hard
            and last.hard
            and not slot.negated
            and not last.negated
            and raw[last.end : slot.start].strip(" -") == ""
        ):
            out[-1] = Slot("category", slot.value, raw[last.start : slot.end], last.start, slot.end, hard=slot.hard)
            continue
        out.append(slot)
    return out


# A noun after one of these, once the product has been named, says what it is for or about, not what is wanted:
# "headphones for the gym", "a blender for smoothies", "books about dinosaurs", "a watch with a leather strap".
PURPOSE_PREPOSITIONS = frozenset("for about with to on in at during from of into around".split())
RELATIVE_WORDS = frozenset(("that", "which", "who", "where"))
SENTENCE_BREAK = re.compile(r"[,;:.!?()]|\s-\s", re.I)
LIST_JOINERS = re.compile(r"\b(?:and|or|plus|also)\b|&", re.I)
# A preposition before a noun, with only determiners between: "for the living room", "in my kitchen".
PURPOSE_LEAD = re.compile(r"\b([a-z]+)\s+(?:(?:a|an|the|my|our|his|her|your|their|some|this|that)\s+)*$", re.I)
NOUN_PHRASE_ENDS = (PURPOSE_PREPOSITIONS - {"of"}) | RELATIVE_WORDS
# How many, not what: "a pair of boots", "two sets of sheets", "a pack of socks".
MEASURE_OF = re.compile(r"(?:pairs?|sets?|packs?|box(?:es)?|bunch|couple|dozens?|lots?|handful)\s+of\b", re.I)
CLAUSE_BREAK = re.compile(rf"{SENTENCE_BREAK.pattern}|{LIST_JOINERS.pattern}|\bbut\b", re.I)
# What names the thing wanted without naming a product ("something for the garden", "a gift for …").
WANTED_THINGS = frozenset("something stuff things gift gifts present presents idea ideas".split())
WANTED_RE = re.compile(rf"\b(?:{'|'.join(sorted(WANTED_THINGS))})\b", re.I)


def _after_purpose_word(raw: str, start: int, end: int) -> bool:
    """Whether the words between a product named earlier (ending at ``start``) and a later noun (at ``end``) attach
    that noun to it, in the same clause: a preposition or a relative pronoun, with any words between ("a
    moisturizer for sensitive skin", "a watch with a leather strap", "a table that seats six"); a comma, colon or
    "and" starts a new clause ("a tent, a stove and a lantern")."""
    segment = raw[start:end]
    breaks = list(CLAUSE_BREAK.finditer(segment))
    if breaks:
        segment = segment[breaks[-1].end() :]
    return any(w in PURPOSE_PREPOSITIONS or w in RELATIVE_WORDS for w in re.findall(r"[a-z]+", segment.casefold()))


def _without_purposes(slots: list[Slot], raw: str) -> list[Slot]:
    """Product words that do not name the product wanted, left to the words so that a category guess never filters
    for them:
    - what the product is for, after a preposition or a relative pronoun once a product or "something" has been
      named ("a lamp for reading books", "a case for my laptop", "a table that seats six");
    - a place or purpose said first, when a product is named elsewhere ("for the living room, a floor lamp");
    - a noun the catalog does not know, in another part of the sentence than the product ("sweaters, nothing made of
      wool, it makes me itch"; "switching gears: a gas grill"). The product is the first category the catalog
      knows, else the first one named."""
    wanted = sorted((s for s in slots if s.type == "category" and not s.negated), key=lambda s: s.start)
    dropped: set[int] = set()
    kept: list[Slot] = []
    for slot in wanted:
        named = [s.end for s in kept if s.end <= slot.start]
        named += [m.end() for m in WANTED_RE.finditer(raw, 0, slot.start)]
        if named and _after_purpose_word(raw, max(named), slot.start):
            dropped.add(id(slot))
        else:
            kept.append(slot)
    led = {
        id(s)
        for s in kept
        if (lead := PURPOSE_LEAD.search(raw, 0, s.start)) and lead.group(1).casefold() in PURPOSE_PREPOSITIONS
    }
    if any(id(s) not in led for s in kept):
        dropped |= led
    rest = [s for s in kept if id(s) not in dropped]
    anchor = next((s for s in rest if s.hard), rest[0] if rest else None)
    for slot in rest:
        if anchor is None or slot is anchor or slot.hard:
            continue
        first, second = sorted((slot, anchor), key=lambda s: s.start)
        between = raw[first.end : second.start]
        if SENTENCE_BREAK.search(between) and not LIST_JOINERS.search(between):  # "a tent, and a sleeping bag": both
            dropped.add(id(slot))
    return [slot for slot in slots if id(slot) not in dropped]


# Words that say "not" before what they exclude, longest first (tokens as ``tokenize`` gives them).
NEGATION_CUES = sorted(
    [tuple(c.split()) for c in (
        "anything but", "anything except", "anything other than", "other than", "apart from", "except for",
        "don't want", "dont want", "do not want", "don't like", "rather not", "allergic to", "stay away from",
        "avoid", "skip", "excluding", "exclude", "except", "never", "minus", "without", "not", "no", "nothing",
        "none", "non", "nor", "hate", "dislike", "can't stand", "cant stand", "not a fan of", "isn't",
        "aren't", "is not", "are not", "no more", "steer clear of", "pass on", "any colour but",
        "any color but", "any colour except", "any color except", "any brand but", "any brand except",
        "w / o", "sans", "besides", "anything besides", "anything bar", "neither", "instead of", "rather than",
        "keep away from", "ditch", "lose the", "get rid of", "hide the", "hide all", "filter out", "leave out",
        "remove the", "remove all",
        "prefer not", "no longer", "not into", "don't trust", "dont trust", "do not trust", "don't show",
        "dont show", "do not show", "don't need", "dont need", "do not need", "not keen on", "no thanks to",
    )],
    key=len, reverse=True,
)  # fmt: skip
VALUE_TYPES = frozenset(("color", "material", "brand", "style", "feature"))
# Words between a cue and what it excludes: "nothing made of wool", "no more of the red", "without any lace",
# "never want plastic", "no longer want nylon", "not keen on wool" ("not too bulky" is a degree: "too" is not here).
NEGATION_FILLER = frozenset(
    "made of from in with any anything a an the that is are more kind type - want wanna need longer keen on "
    "really have get buy not another me us".split()
)
# Words after an excluded value that say so: "wool is a no", "leather not please".
NEGATION_AFTER = re.compile(r"\s*(?:(?:is|are|'s)\s+a\s+(?:no|no-go|dealbreaker)|,?\s*not\s+(?:please|thanks))\b", re.I)
# Words after a value that keep it wanted although an exclusion comes just before: "not leather, suede is fine".
WANTED_AFTER = re.compile(
    r"\s*(?:(?:is|are|'s)\s+(?:fine|ok|okay|good|great|better)|instead|only|works|would\s+be\s+(?:fine|great|good))\b",
    re.I,
)


CLAUSE_BOUNDARIES = frozenset((",", ";", ".", "!", "?", ":", "-", "but"))


# Words after "not" that say how the shopper feels, not what to leave out: "not sure which size", "not fussed".
DEGREES = frozenset(("too", "so", "very", "overly"))
NOT_EXCLUSIONS = frozenset("sure certain bothered fussed picky fussy convinced".split()) | DEGREES
# Sayings with a negation word that exclude nothing: "without a doubt", "no rush", "never mind", "no worries".
NOT_EXCLUSIONS |= frozenset("doubt rush hurry worries worry problem problems idea clue mind matter offense".split())
# A degree before a value: "that aren't too short" asks for a length, it does not exclude shorts.
DEGREE_BEFORE = re.compile(r"\b(?:too|so|very|overly)\s+$", re.I)


def _cue_before(raw: str, position: int) -> bool:
    """Whether a negation cue stands before ``position`` in the same clause."""
    before = tokenize(raw[:position])
    k = len(before) - 1
    while k >= 0 and before[k].norm not in CLAUSE_BOUNDARIES:
        if _negation_cue(before, k):
            return True
        k -= 1
    return False


LONGEST_CUE = max(len(c) for c in NEGATION_CUES)
# One-word cues long enough to be read through a typo ("wihtout", "anythign but", "excpet", "nothign").
TYPO_CUES = tuple(c[0] for c in NEGATION_CUES if len(c) == 1 and len(c[0]) >= 6) + ("anything",)


@functools.lru_cache(maxsize=4096)
def _misspelt_cue(word: str) -> str | None:
    """The cue a misspelt word stands for: one edit or swap away, and not an English word itself ("expect")."""
    if len(word) < 6 or not word.isalpha() or word in english_words():
        return None
    return next((cue for cue in TYPO_CUES if DamerauLevenshtein.distance(word, cue, score_cutoff=1) <= 1), None)


def _negation_cue(tokens: list[_Token], k: int) -> int:
    """How many tokens a negation cue starting at ``tokens[k]`` spans (0: none). "non-leather" is one token."""
    if tokens[k].text.lower().startswith("non-"):
        return 1
    norms = [t.norm for t in tokens[k : k + LONGEST_CUE]]
    if norms and (typo := _misspelt_cue(norms[0])) is not None:
        norms[0] = typo
    for cue in NEGATION_CUES:
        if tuple(norms[: len(cue)]) == cue:
            return len(cue)
    return 0


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
