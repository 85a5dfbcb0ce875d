"""Optional help from any OpenAI-compatible chat-completions endpoint (``LLM_BASE_URL``; without it, nothing here
is called and everything still works).

* ``rephrase``: a grounded answer reworded. The plain answer is always complete; the LLM may only make it read
  better. Its text is used only when every number in it (prices, sizes, counts, hours) and every colour, material
  or feature word it names appears in the plain answer or the grounding facts; otherwise, and on any error or
  timeout, the plain answer is returned (and the reason logged).
* ``propose``: when the learned understanding cannot read a message (another language, or the intent head is
  unsure), the LLM proposes a structured request as JSON (``PROPOSAL_SCHEMA``): the act, the message in English,
  and the products asked for. It is used only when it validates: a known act, and a search made of words the
  catalog vocabulary knows with no number the shopper did not write.
"""

from __future__ import annotations

import json
import logging
import re
import urllib.error
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass
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
    content = _chat(SYSTEM_PROMPT, f"Catalog facts:\n{facts}\n\nAnswer to rephrase:\n{text}")
    return re.sub(r"\s+", " ", content).strip()


# --- Proposing a structured request


ACTS = ("product_search", "product_question", "comparison", "customer_service", "chit_chat", "out_of_scope")
PROPOSAL_SCHEMA = {
    "type": "object",
    "properties": {
        "language": {"type": "string", "description": "ISO 639-1 code of the message's language"},
        "act": {"type": "string", "enum": list(ACTS)},
        "english": {"type": "string", "description": "the message in English"},
        "search": {"type": "string", "description": "the products asked for, in English catalog words, or ''"},
    },
    "required": ["language", "act", "english", "search"],
    "additionalProperties": False,
}
PROPOSAL_PROMPT = (
    "You read one message a shopper wrote to an online shop's assistant, in any language. Reply with one JSON "
    "object only, with: language (ISO 639-1 code), act (product_search: they want products; product_question: "
    "they ask about a product; comparison; customer_service: orders, returns, delivery, payment, account; "
    "chit_chat; out_of_scope: anything a shop does not do), english (the message in English, meaning unchanged), "
    "search (for product_search: the products asked for in plain English shop words, with colours, materials, "
    "exclusions as 'no <thing>' and price bounds as 'under <number>'; else ''). Do not add anything the shopper "
    "did not say."
)
MAX_PROPOSAL_CHARS = 300


@dataclass(frozen=True)
class Proposal:
    language: str
    act: str
    english: str
    search: str


def propose(text: str, *, knows: Callable[[str], bool]) -> Proposal | None:
    """The LLM's reading of ``text`` as a structured request, or None (no LLM, an error, or a reading that does
    not validate). ``knows(word)``: whether the catalog vocabulary knows a word of the proposed search."""
    if not enabled() or not text.strip():
        return None
    try:
        content = _chat(PROPOSAL_PROMPT, text[:1000], schema=PROPOSAL_SCHEMA)
        proposal = _proposal(json.loads(_json_object(content)))
    except (LLMError, ValueError, TypeError) as exc:
        logger.warning("LLM reading failed, the message is answered without it: %s", exc)
        return None
    problem = _unsupported_proposal(proposal, text, knows)
    if problem:
        logger.info("LLM reading rejected: %s", problem)
        return None
    return proposal


def _json_object(content: str) -> str:
    """The JSON object in a reply (some servers wrap it in a code fence)."""
    start, end = content.find("{"), content.rfind("}")
    if start < 0 or end < start:
        raise ValueError("reply holds no JSON object")
    return content[start : end + 1]


def _proposal(data: object) -> Proposal:
    if not isinstance(data, dict):
        raise ValueError("reply is not a JSON object")
    fields = {}
    for key in ("language", "act", "english", "search"):
        value = data.get(key, "")
        if not isinstance(value, str):
            raise ValueError(f"{key} is not text")
        fields[key] = re.sub(r"\s+", " ", value).strip()
    return Proposal(**fields)


def _unsupported_proposal(proposal: Proposal, text: str, knows: Callable[[str], bool]) -> str:
    if proposal.act not in ACTS:
        return f"unknown act {proposal.act!r}"
    if not proposal.english or len(proposal.english) > MAX_PROPOSAL_CHARS or len(proposal.search) > MAX_PROPOSAL_CHARS:
        return "english missing, or a reading longer than a message"
    if proposal.act == "product_search" and not proposal.search:
        return "a search without words"
    unknown = [w for w in T.words(proposal.search) if not any(c.isdigit() for c in w) and not knows(w)]
    if unknown:
        return f"search words the catalog does not know: {', '.join(unknown[:5])}"
    invented = T.numbers(proposal.search) - T.numbers(text)
    if invented:
        return f"numbers the shopper did not write: {', '.join(map(str, sorted(invented)))}"
    return ""


def _chat(system: str, user: str, *, schema: dict | None = None) -> str:
    """The reply's text to one system + user message (``schema``: ask for JSON of that shape)."""
    body: dict = {
        "model": settings.LLM_MODEL,
        "temperature": 0,
        "messages": [{"role": "system", "content": system}, {"role": "user", "content": user}],
    }
    if schema is not None:
        body["response_format"] = {
            "type": "json_schema",
            "json_schema": {"name": "structured_request", "schema": schema, "strict": True},
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
    return content
