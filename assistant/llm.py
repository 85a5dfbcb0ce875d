"""Optional rephrasing of a grounded answer through any OpenAI-compatible chat-completions endpoint.

The plain answer is always complete; the LLM may only make it read better. Its text is used only when
every number in it (prices, sizes, counts, hours) and every colour, material or feature word it names
appears in the plain answer or the grounding facts; otherwise, and on any error or timeout, and when
``LLM_BASE_URL`` is empty, the plain answer is returned (and the reason logged).
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Sequence
from functools import cache

from django.conf import settings

from assistant import text as T

logger = logging.getLogger(__name__)

SYSTEM_PROMPT = (
    "You rephrase a shop assistant's answer so it reads naturally and warmly. Use only the facts in the "
    "answer and the listed catalog facts. Do not add, change or round any number, price, size, colour, "
    "material, feature or claim. Keep it short. Reply with the rephrased answer only."
)
# Spelled-out numbers an LLM likes to write: each must stand for a number in the grounding.
NUMBER_WORDS = {
    "zero": 0,
    "one": 1,
    "two": 2,
    "three": 3,
    "four": 4,
    "five": 5,
    "six": 6,
    "seven": 7,
    "eight": 8,
    "nine": 9,
    "ten": 10,
    "eleven": 11,
    "twelve": 12,
    "fifteen": 15,
    "twenty": 20,
    "thirty": 30,
    "forty": 40,
    "fifty": 50,
    "hundred": 100,
    "thousand": 1000,
}
# Claims that change what a product is; checked like colours and materials.
FEATURE_TERMS = (
    "waterproof",
    "water resistant",
    "wireless",
    "wired",
    "cordless",
    "corded",
    "noise cancelling",
    "noise canceling",
    "insulated",
    "breathable",
    "vegan",
    "organic",
    "gluten free",
    "machine washable",
    "dishwasher safe",
    "oven safe",
    "rechargeable",
    "refurbished",
    "handmade",
    "recycled",
)
MAX_GROWTH = 3  # a rephrasing more than 3× longer than the answer is not a rephrasing


class LLMError(Exception):
    pass


def enabled() -> bool:
    return bool(settings.LLM_BASE_URL)


def rephrase(*, text: str, grounding: Sequence[str]) -> str:
    """``text`` reworded by the configured LLM when that adds no fact; ``text`` itself otherwise."""
    if not enabled() or not text.strip():
        return text
    try:
        candidate = _complete(text=text, grounding=grounding)
    except Exception as exc:  # the plain answer is complete: any LLM failure falls back to it
        logger.warning("LLM rephrasing failed, plain answer used: %s", exc)
        return text
    problem = unsupported(candidate, [text, *grounding])
    if problem:
        logger.info("LLM rephrasing rejected, plain answer used: %s", problem)
        return text
    return candidate


def unsupported(candidate: str, sources: Sequence[str]) -> str:
    """Why ``candidate`` says something the sources do not ("" when everything it states is in them)."""
    if not candidate.strip():
        return "empty reply"
    source = " \n ".join(sources)
    if len(candidate) > MAX_GROWTH * max(len(sources[0]) if sources else 0, 80):
        return f"reply is {len(candidate)} characters long"
    known_numbers = T.numbers(source) | {_spelled(w) for w in T.words(source) if w in NUMBER_WORDS}
    for number in sorted(T.numbers(candidate)):
        if number not in known_numbers:
            return f"number {number} is not in the answer or the catalog facts"
    for word in T.words(candidate):
        if word in NUMBER_WORDS and word != "one" and _spelled(word) not in known_numbers:
            return f"number {word!r} is not in the answer or the catalog facts"
    for term in _attribute_terms():
        if T.has_phrase(candidate, term) and not T.has_phrase(source, term):
            return f"{term!r} is not in the answer or the catalog facts"
    return ""


def _spelled(word: str):
    from decimal import Decimal

    return Decimal(NUMBER_WORDS[word]).normalize()


@cache
def _attribute_terms() -> tuple[str, ...]:
    """Colours, materials and feature words from the catalog's vocabulary, longest first."""
    from recommend.search import lexicon

    terms = {T.norm(t) for t in (*lexicon.COLORS, *lexicon.MATERIALS, *FEATURE_TERMS)}
    terms -= {T.norm(c) for c in lexicon.AMBIGUOUS_COLORS}  # "clear", "natural": ordinary words too
    return tuple(sorted((t for t in terms if t), key=len, reverse=True))


def _complete(*, text: str, grounding: Sequence[str]) -> str:
    facts = "\n".join(f"- {g}" for g in grounding if g.strip()) or "- (none)"
    body = {
        "model": settings.LLM_MODEL,
        "temperature": 0,
        "messages": [
            {"role": "system", "content": SYSTEM_PROMPT},
            {"role": "user", "content": f"Catalog facts:\n{facts}\n\nAnswer to rephrase:\n{text}"},
        ],
    }
    headers = {"Content-Type": "application/json", "Accept": "application/json"}
    if settings.LLM_API_KEY:
        headers["Authorization"] = f"Bearer {settings.LLM_API_KEY}"
    url = settings.LLM_BASE_URL.rstrip("/") + "/chat/completions"
    request = urllib.request.Request(url, data=json.dumps(body).encode("utf-8"), headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=settings.LLM_TIMEOUT) as response:  # noqa: S310 (configured URL)
            payload = json.loads(response.read().decode("utf-8"))
    except urllib.error.HTTPError as exc:
        raise LLMError(f"HTTP {exc.code} from {url}") from exc
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        raise LLMError(f"no reply from {url}: {getattr(exc, 'reason', exc)}") from exc
    except ValueError as exc:
        raise LLMError(f"reply from {url} is not JSON") from exc
    try:
        content = payload["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError) as exc:
        raise LLMError("reply has no choices[0].message.content") from exc
    if not isinstance(content, str):
        raise LLMError("reply content is not text")
    return re.sub(r"\s+", " ", content).strip()
