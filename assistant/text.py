"""Text handling shared by grounded answers, comparisons, references and the LLM guard.

Unicode-clean: NFKC then casefold (not lower), word characters by Unicode class, typographic
apostrophes and dashes folded, so "Water‑Resistant", "water resistant" and "WATER-RESISTANT" meet.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from decimal import Decimal, InvalidOperation
from typing import Any

import numpy as np

# Words and numbers; a number keeps a unit glued to it ("5g", "4k", "3xl"), as shoppers write them.
WORD_RE = re.compile(r"\d+(?:[.,]\d+)*[^\W\d_]*|[^\W\d_]+(?:'[^\W\d_]+)*", re.UNICODE)
# A sentence ends at . ! ? … (or their full-width forms) followed by space; "15.6-inch" stays whole.
SENTENCE_END_RE = re.compile(r"(?<=[.!?…。！？])\s+|\n+")
_DASHES = dict.fromkeys(map(ord, "‐‑‒–—―−_/"), " ")
APOSTROPHES = dict.fromkeys(map(ord, "’‘`´ʼ"), "'")
NEGATION_WORDS = frozenset({"not", "no", "without", "non", "never", "isn't", "aren't", "doesn't", "don't", "nor"})
STOPWORDS = frozenset(
    """a an the and or of for to in on with by at from is are be been was were it its it's this that these those
    they them their one ones i i'm me my we you your do does did can could would should will has have had
    which what who how about any some there here please tell show me us than then so very just""".split()
)


def norm(text: str) -> str:
    """NFKC, casefold, typographic apostrophes folded, dashes/slashes/underscores as spaces, single spaces."""
    folded = unicodedata.normalize("NFKC", text).casefold().translate(APOSTROPHES).translate(_DASHES)
    folded = folded.replace("-", " ")
    return " ".join(folded.split())


def words(text: str) -> list[str]:
    """The normalised words and numbers of a text, in order."""
    return WORD_RE.findall(norm(text))


def has_phrase(haystack: str, phrase: str) -> bool:
    """Whether the normalised phrase occurs in the normalised text as whole words."""
    needle = norm(phrase)
    if not needle:
        return False
    return re.search(rf"(?<!\w){re.escape(needle)}(?!\w)", norm(haystack)) is not None


def sentences(text: str) -> list[str]:
    return [s.strip() for s in SENTENCE_END_RE.split(text or "") if len(s.strip()) > 2]


def join_words(items: Sequence[str]) -> str:
    """ "a", "a and b", "a, b and c"."""
    items = [str(i) for i in items]
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def value_text(value: Any) -> str:
    """An attribute value as the catalog states it: lists joined with commas."""
    if isinstance(value, list | tuple):
        return ", ".join(value_text(v) for v in value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, dict):
        return ", ".join(f"{k}: {value_text(v)}" for k, v in value.items())
    return str(value)


def value_items(value: Any) -> list[str]:
    if isinstance(value, list | tuple):
        return [value_text(v) for v in value]
    return [value_text(value)]


def money(amount: Decimal | None, currency: str = "USD") -> str:
    if amount is None:
        return ""
    symbol = {"USD": "$", "EUR": "€", "GBP": "£", "JPY": "¥"}.get(currency.upper())
    number = f"{amount:,.0f}" if amount == amount.to_integral() else f"{amount:,.2f}"
    return f"{symbol}{number}" if symbol else f"{number} {currency}"


def numbers(text: str) -> set[Decimal]:
    """Every number written in digits, as a value ("$1,299.00" and "1299" are the same number)."""
    found = set()
    for raw in re.findall(r"\d+(?:,\d{3})*(?:\.\d+)?|\d+(?:\.\d+)?", unicodedata.normalize("NFKC", text)):
        try:
            found.add(Decimal(raw.replace(",", "")).normalize())
        except InvalidOperation:  # pragma: no cover - the pattern only admits digits
            continue
    return found


def cosine_best(query: np.ndarray, rows: np.ndarray) -> tuple[int, float]:
    """Index and cosine of the row nearest to the query (vectors are unit length)."""
    scores = rows @ query
    best = int(np.argmax(scores))
    return best, float(scores[best])


def unique(items: Iterable[Any]) -> list[Any]:
    seen: set[Any] = set()
    out = []
    for item in items:
        if item not in seen:
            seen.add(item)
            out.append(item)
    return out
