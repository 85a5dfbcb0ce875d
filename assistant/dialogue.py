"""One turn of the shopping assistant: a shopper's words (and the page's product) to a grounded reply.

    a pending question of ours answered ("What will you use them for?" → "Hiking Boots")  ─┐
    a refinement of the last search ("cheaper", "in blue", "not Nike", "show more",         ├▶ search again
      "more like the second one")                                                          ─┘
    "talk to a human"                         ─▶ a support ticket
    otherwise intents.classify(text):
        unsure            ─▶ ask what they mean, with suggestions (never a guess)
        product_search    ─▶ recommend.search (results with the engine's reasons) + at most one question
                             when it splits the results well (use / budget / size)
        product_question  ─▶ the page's (or a named / shown) product ─▶ answers.product_answer, cited
        comparison        ─▶ 2–4 products (shown ones, names) ─▶ compare.compare: table + summary
        customer_service  ─▶ the FAQ entry nearest the question (cited) + the shopper's own orders for
                             order / delivery / refund questions (sign in first when anonymous);
                             CONTACT ─▶ a support ticket
        chit_chat, out_of_scope ─▶ a short reply and what the assistant can do

Every fact in a reply comes from the catalog, the engines' reasons, the FAQ or the shopper's orders;
``llm.rephrase`` may reword a grounded reply but gets only those facts. The conversation's ``state``
carries what the next turn builds on: the last search (words, refinements, filters, page), the products
shown and a question we asked.
"""

from __future__ import annotations

import re
import statistics
from collections import Counter
from dataclasses import dataclass, field, replace
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.urls import reverse

from assistant import answers, compare, faq, intents, llm, references
from assistant import text as T
from assistant.language import other_language
from assistant.models import Intent, ServiceCategory
from catalog.models import Product
from profiles.models import Shopper
from recommend.recs import engine as recs
from recommend.search.engine import SearchFilters, SearchResult, search
from recommend.search.parser import GENERIC_WORDS, SENTENCE_BREAK, ParsedQuery, Slot, message_vector, parse
from recommend.search.retrieval import query_vector
from recommend.search.vocabulary import get_vocabulary, singular
from recommend.understanding import refinement

SHOWN = 6  # products in one reply
LOOKED_AT = 12  # results a clarifying question is judged on
MAX_COMPARED = 4
# A result counts as relevant to a question about the results when the words matched it or it is this
# close in meaning (all-MiniLM-L6-v2 cosine; the long tail of a small catalog sits below 0.45).
RELEVANT_SIMILARITY = 0.5
QUESTION_MIN_RESULTS = 5  # fewer relevant results than this: just show them
PRICE_SPREAD = 3.0  # most expensive relevant result at least this many times the cheapest: ask the budget
SIZE_MIN_DISTINCT = 4
ORDER_TOPICS = {ServiceCategory.ORDER, ServiceCategory.DELIVERY, ServiceCategory.REFUND}
RECENT_ORDERS = 3
# A "product question" this close to an FAQ entry is about the shop's policy ("can I return this if it doesn't
# fit?", "does this ship for free?": 0.46, 0.52), not the product ("is it waterproof?", "is this in stock?",
# "what sizes does it come in": 0.04, 0.23, 0.06); measured on hand-written questions, not an evaluation set.
POLICY_SIMILARITY = 0.28

ORDINALS = {
    "first": 0, "1st": 0, "second": 1, "2nd": 1, "third": 2, "3rd": 2, "fourth": 3, "4th": 3,
    "fifth": 4, "5th": 4, "sixth": 5, "6th": 5, "last": -1,
}  # fmt: skip
ORDINAL_RE = re.compile(rf"\b(?:{'|'.join(ORDINALS)})\b", re.I)
HUMAN_RE = re.compile(
    r"\b(?:talk|speak|chat)\s+(?:to|with)\s+(?:a\s+|an\s+|some)?(?:human|person|agent|someone|representative|"
    r"real person|customer service|support)\b|\b(?:human|live)\s+agent\b|\breal\s+person\b",
    re.I,
)
SHOW_MORE_RE = re.compile(
    r"^\s*(?:show\s+(?:me\s+)?more|more\s+(?:results|options|please)|next(?:\s+page)?|more)\s*[.!]?\s*$", re.I
)
SIMILAR_RE = re.compile(
    r"\b(?:more|something|others?|anything)\s+like\b|\bsimilar\s+to\b|\blike\s+the\s+\w+\s+one\b"
    r"|\b(?:something|anything|others?|more|ones?|items?|products?)\s+similar\b|^\s*similar\b",
    re.I,
)
# "… but cheaper", "cheaper ones like this": similar items under the anchor's price.
CHEAPER_WORD_RE = re.compile(r"\b(?:cheaper|less\s+expensive|more\s+affordable|lower\s+price[ds]?|budget)\b", re.I)
# Similar items keep to the anchor's price range: from half to twice its price.
PRICE_RANGE = (Decimal("0.5"), Decimal("2"))
CHEAPER_RE = re.compile(
    r"^\s*(?:(?:something|anything|any(?:thing)?|show\s+(?:me\s+)?|got\s+)?(?:a\s+bit\s+|much\s+)?"
    r"(?:cheaper|less\s+expensive|more\s+affordable|lower\s+price[ds]?)(?:\s+ones?|\s+options?)?(?:\s+please)?)\s*[.!?]?\s*$",
    re.I,
)
QUESTION_START_RE = re.compile(
    r"^\s*(?:is|are|does|do|did|can|could|will|would|should|how|what|which|why|where|when|who|has|have)\b", re.I
)
FIRST_N_RE = re.compile(r"\b(?:first|top)\s+(two|three|four|2|3|4)\b", re.I)
NUMBERS = {"two": 2, "three": 3, "four": 4, "2": 2, "3": 3, "4": 4}
# More of a quality than a product on screen: "bigger than the second one", "quieter than these". Other products
# are wanted (the search narrowed), not a verdict between those shown ("which is quieter?").
THAN_SHOWN_RE = re.compile(
    r"\b(?:\w+er|more\s+\w+|less\s+\w+|better|worse)\b(?:\s+[\w'-]+){0,3}?\s+than\s+(?:the\s+)?"
    r"(?:first|second|third|fourth|last|\d(?:st|nd|rd|th)|these|those|them|this|that|it|ones?\b)",
    re.I,
)
# Asking after another value of what was searched: "what about suede?", "how about the blue one instead".
WHAT_ABOUT_RE = re.compile(r"^\s*(?:ok(?:ay)?\s*,?\s*|and\s+|so\s+|hmm+\s*,?\s*)?(?:what|how)\s+about\b", re.I)
# Words that weigh products against each other: a message with them is not a narrowed search.
WEIGHING_RE = re.compile(r"\b(?:vs\.?|versus|compared?|comparison|difference|which)\b", re.I)
# "where is MY order": the shopper's own orders; "how long does a refund take": the FAQ alone.
PERSONAL_RE = re.compile(r"\b(?:my|mine|i|i've|i'm|me)\b", re.I)
THEM_RE = re.compile(r"\b(?:them|these|those|both|all)\b", re.I)
GREETING_RE = re.compile(r"^\s*(?:hi|hello|hey|hiya|good\s+(?:morning|afternoon|evening)|howdy)\b", re.I)
THANKS_RE = re.compile(r"\b(?:thanks|thank\s+you|thx|cheers|great|perfect|awesome)\b", re.I)
BYE_RE = re.compile(r"\b(?:bye|goodbye|see\s+you|that'?s\s+all)\b", re.I)

START_SUGGESTIONS = ["waterproof hiking boots", "headphones under $100", "Where is my order?", "Talk to a human"]


# --- What a turn gives back ------------------------------------------------------------------------


@dataclass
class Card:
    """A product in a reply, with the reasons the engine that placed it gave."""

    product: Product
    reasons: list[dict[str, str]] = field(default_factory=list)


@dataclass
class Reply:
    intent: str
    text: str
    confidence: float | None = None
    products: list[Card] = field(default_factory=list)
    # {"products": [Product], "rows": [{"label": str, "values": [str]}], "summary": str}
    comparison: dict[str, Any] | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)  # {"label", "url"}: sign in, a ticket
    product: Product | None = None  # what the turn was about (a product question's product)
    ticket_id: int | None = None
    # The structured request the turn was read as (``understood``): act, slots, price bounds, references.
    understood: dict[str, Any] | None = None


@dataclass
class TurnInput:
    text: str
    state: dict[str, Any]
    shopper: Shopper | None
    signed_in: bool
    page_product: Product | None = None
    transcript: str = ""  # the conversation so far, for a support ticket
    conversation_id: Any = None
    reading: llm.Proposal | None = None  # the LLM's validated reading (``llm_reading``), asked before the turn


# --- The turn ----------------------------------------------------------------------------------------


def handle(turn: TurnInput) -> tuple[Reply, dict[str, Any]]:
    """The reply to one message and the conversation's next state."""
    state = dict(turn.state or {})
    shown = _products_by_ids(state.get("shown", []))
    language = other_language(turn.text, get_vocabulary())
    if language is not None:
        proposal = turn.reading  # None without an LLM, or when its reading did not validate
        if proposal is None:
            return _other_language(language), state
        reply = _proposed(turn, state, shown, proposal, confidence=None)
        reply.text = f"(I read your message as “{proposal.english}”.) {reply.text}"
        return reply, state

    pending = state.pop("pending", None)
    if pending and state.get("search"):
        reply = _answer_to_question(turn, state, pending)
        if reply is not None:
            return reply, state
    act, prediction = dialogue_act(
        turn.text,
        has_search=bool(state.get("search")),
        has_anchor=bool(shown or turn.page_product is not None or state.get("focus")),
        last_query=(state.get("search") or {}).get("text"),
    )
    reply = _routed(turn, state, shown, act, prediction)
    reply.understood = understood(
        turn.text, act, shown=shown, page_product=turn.page_product, has_search=bool(state.get("search"))
    )
    return reply, state


def _routed(
    turn: TurnInput,
    state: dict[str, Any],
    shown: list[Product],
    act: str,
    prediction: intents.IntentPrediction | None,
) -> Reply:
    if act == REFINE:
        return _refinement(turn, state, shown)
    if act == SIMILAR:
        return _more_like(turn, state, shown)
    if act == HANDOFF or prediction is None:  # "talk to a human"
        return _handoff(turn, state, category=ServiceCategory.CONTACT, confidence=None)
    confidence = float(prediction.confidence)
    if act == UNSURE:
        if turn.reading is not None:  # the LLM's validated reading
            return _proposed(turn, state, shown, turn.reading, confidence=confidence)
        return _clarify(turn, shown, confidence)
    if act == Intent.PRODUCT_SEARCH:
        return _new_search(turn, state, confidence)
    if act == Intent.PRODUCT_QUESTION:
        return _product_question(turn, state, shown, confidence)
    if act == Intent.COMPARISON:
        return _comparison(turn, state, shown, confidence)
    if act == Intent.CUSTOMER_SERVICE:
        if prediction.category == ServiceCategory.CONTACT:
            return _handoff(turn, state, category=ServiceCategory.CONTACT, confidence=confidence)
        return _customer_service(turn, prediction.category, confidence)
    if act == Intent.CHIT_CHAT:
        return _chit_chat(turn, confidence)
    return _out_of_scope(confidence)


REFINE, SIMILAR, HANDOFF, UNSURE = "refine", "similar", "handoff", "unsure"


def llm_reading(text: str) -> llm.Proposal | None:
    """The configured LLM's validated reading of a message the learned models cannot read (another language, or
    an unsure intent head), else None; called before the turn's transaction (a network call). Without an LLM,
    nothing is asked."""
    if not llm.enabled() or not text.strip():
        return None
    if other_language(text, get_vocabulary()) is None and not intents.classify(text).unsure:
        return None
    return llm.propose(text, knows=_catalog_knows)


def _proposed(
    turn: TurnInput, state: dict[str, Any], shown: list[Product], proposal: llm.Proposal, *, confidence: float | None
) -> Reply:
    """The reply to a message the learned models could not read, as the LLM's validated reading says
    (``llm.propose``): its search, or the English message routed by the act it names."""
    english = replace(turn, text=proposal.english)
    if proposal.act == Intent.PRODUCT_SEARCH:
        return _new_search(replace(turn, text=proposal.search), state, confidence)
    if proposal.act == Intent.PRODUCT_QUESTION:
        return _product_question(english, state, shown, confidence)
    if proposal.act == Intent.COMPARISON:
        return _comparison(english, state, shown, confidence)
    if proposal.act == Intent.CUSTOMER_SERVICE:
        reading = intents.classify(proposal.english)
        if reading.intent != Intent.CUSTOMER_SERVICE or reading.category == ServiceCategory.CONTACT:
            return _handoff(english, state, category=ServiceCategory.CONTACT, confidence=confidence)
        return _customer_service(english, reading.category, confidence)
    if proposal.act == Intent.CHIT_CHAT:
        return _chit_chat(english, confidence)
    return _out_of_scope(confidence)


def _catalog_knows(word: str) -> bool:
    """Whether the shop's vocabulary holds a word (its titles, categories, brands, values, and the parser's own
    words): what an LLM's proposed search may be made of."""
    known = get_vocabulary().known_words
    return word in known or singular(word) in known


# Words that point back at the products shown while asking for a kind of them.
ONES_RE = re.compile(
    r"\b(?:the|those|these|only|just)\s+ones\b|\bones\s+(?:with|without|that|in)\b|\b(?:a|an)\s+\w+er\s+one\b", re.I
)


def dialogue_act(
    text: str, *, has_search: bool, has_anchor: bool, last_query: str | None = None
) -> tuple[str, intents.IntentPrediction | None]:
    """What a message does, given the conversation: REFINE the last search, ask for items SIMILAR to a product
    on screen, HANDOFF to a person, or an intent of the learned classifier (UNSURE when it is not sure and the
    words name nothing the shop carries). The prediction comes with the intents, None otherwise.
    ``last_query``: the last search's words, when there is one."""
    if has_search and (SHOW_MORE_RE.match(text) or CHEAPER_RE.match(text)):
        return REFINE, None
    if SIMILAR_RE.search(text) and has_anchor:
        return SIMILAR, None
    if HUMAN_RE.search(text):
        return HANDOFF, None
    if intents.mostly_not_words(text):  # "asdf qwer zxcv": never a change to the search, whatever the tagger reads
        return UNSURE, intents.classify(text)
    parsed = parse(text, get_vocabulary())
    # "What about suede?" asks for another value of that search; "what about the first one?" asks about a product.
    asks_another_value = WHAT_ABOUT_RE.match(text) and not _names_shown(text)
    if (
        has_search
        and (not QUESTION_START_RE.match(text) or asks_another_value)
        and not _names_a_kind(parsed)
        and _is_refinement_by_rules(parsed)
    ):
        return REFINE, None  # only constraints ("less than 100", "size 10.5?", "the kids version"): the search changes
    if has_search and not QUESTION_START_RE.match(text) and not _names_a_kind(parsed) and _excludes_values(parsed):
        return REFINE, None  # "no mesh backs, they dig into me": leaving out what the shop sells narrows what is shown
    if has_search and ONES_RE.search(text) and not QUESTION_START_RE.match(text) and not _names_a_kind(parsed):
        return REFINE, None  # "show me the ones with a hood", "a longer one": what is shown, narrowed
    if has_search and THAN_SHOWN_RE.search(text) and not QUESTION_START_RE.match(text) and not WEIGHING_RE.search(text):
        return REFINE, None  # "a bit bigger than the second one": more of that, not which of those
    if has_search and not _names_shown(text) and _same_kind(parsed, last_query):
        return REFINE, None  # "waterproof hiking boots would be better" after "hiking boots": that search, changed
    prediction = intents.classify(text, vector=message_vector(parsed))  # the understanding step's encoder pass
    # A confident comparison, service matter or product question is not a change to the search, whatever the
    # refinement head says of it ("compare the first two" also speaks of what is shown).
    asks_something_else = not prediction.unsure and prediction.intent in (
        Intent.COMPARISON, Intent.CUSTOMER_SERVICE, Intent.PRODUCT_QUESTION,
    )  # fmt: skip
    if has_search and not asks_something_else and is_refinement(text, parsed):
        return REFINE, None
    if _asks_for_a_product(text, parsed) and (
        prediction.unsure
        or prediction.intent in (Intent.OUT_OF_SCOPE, Intent.CHIT_CHAT)
        or (prediction.intent != Intent.PRODUCT_SEARCH and _excludes_values(parsed))
    ):
        # "frying pan, non-stick but not ceramic": a product with what it must (not) be, in the catalog's values, is
        # a search; the head, taught on fewer such sentences, may read it as something else.
        return Intent.PRODUCT_SEARCH, intents.IntentPrediction(
            Intent.PRODUCT_SEARCH.value, "", prediction.confidence, False
        )
    if prediction.intent != Intent.PRODUCT_SEARCH and _only_catalog_words(text, parsed):
        # "laptop", "red wool scarf under 40": a request made only of what the shop carries is a search, whatever
        # the head makes of so few words.
        return Intent.PRODUCT_SEARCH, intents.IntentPrediction(
            Intent.PRODUCT_SEARCH.value, "", prediction.confidence, False
        )
    if prediction.intent == Intent.PRODUCT_QUESTION and not prediction.unsure:
        # "can I return this if it doesn't fit?" on a product page is about the shop's policy: the FAQ answers it.
        nearest = faq.faq_search(text, limit=1)
        if nearest and nearest[0].similarity >= POLICY_SIMILARITY:
            return Intent.CUSTOMER_SERVICE, intents.IntentPrediction(
                Intent.CUSTOMER_SERVICE.value, nearest[0].entry.category, prediction.confidence, False
            )
    if prediction.unsure and prediction.intent == Intent.CUSTOMER_SERVICE:
        # Most likely a service matter, and one of the shop's answers is about it ("it stopped working", "how do I
        # send it back"): that answer, with a person on offer, serves better than asking what was meant.
        nearest = faq.faq_search(text, limit=1)
        if nearest and nearest[0].similarity >= POLICY_SIMILARITY:
            return Intent.CUSTOMER_SERVICE, intents.IntentPrediction(
                Intent.CUSTOMER_SERVICE.value, nearest[0].entry.category, prediction.confidence, False
            )
    if prediction.unsure and prediction.intent == Intent.PRODUCT_QUESTION and has_anchor and "?" in text:
        # Most likely a question, asked with products in view: about them (the answer says plainly what the
        # catalog does not know), rather than "what did you mean?".
        return Intent.PRODUCT_QUESTION, replace(prediction, unsure=False)
    if prediction.unsure:
        # Unsure what kind of message it is, but it names a kind of product (the tagger's product type) or a
        # category or brand the shop carries, and asks nothing: a search is the useful reading, not a question.
        # The head's best guess is a search and the words name a product ("got any rain jackets in green?"), or the
        # message asks nothing and names one.
        names_product = _names_catalog_things(parsed) or _names_a_product(parsed)
        if names_product and ("?" not in text or prediction.intent == Intent.PRODUCT_SEARCH):
            return Intent.PRODUCT_SEARCH, prediction
        return UNSURE, prediction
    return prediction.intent, prediction


# The acts of the understanding step's evaluation (tests/data/understanding_phrasings.jsonl) for each route.
ACT_NAMES = {
    REFINE: "refine", HANDOFF: "service", UNSURE: "unsure", Intent.PRODUCT_SEARCH: "new_search",
    Intent.PRODUCT_QUESTION: "product_question", Intent.COMPARISON: "compare", Intent.CUSTOMER_SERVICE: "service",
    Intent.CHIT_CHAT: "chit_chat", Intent.OUT_OF_SCOPE: "out_of_scope",
}  # fmt: skip


def understood(
    text: str, act: str, *, shown: list[Product], page_product: Product | None = None, has_search: bool = False
) -> dict[str, Any]:
    """The structured request a message was read as: its dialogue act (``ACT_NAMES``), the slots with their
    character spans and negation scope, price bounds and hint, spelling corrections, and the products it refers to
    by id (among those on screen: "this", "the second one", "the cheaper one"; none for a new search)."""
    parsed = parse(text, get_vocabulary())
    if act == SIMILAR:  # "something similar but cheaper": anchored on a product, the search changes or begins
        name = "refine" if has_search else "new_search"
    else:
        name = ACT_NAMES.get(act, str(act))
    refers = [] if act == Intent.PRODUCT_SEARCH else references.referenced(text, shown=shown, page_product=page_product)
    if act == SIMILAR and not refers and page_product is not None:
        refers = [page_product]  # "something similar but cheaper" on a product page: that product
    return {
        "act": name,
        "slots": [
            {"type": s.type, "text": s.text, "start": s.start, "end": s.end, "negated": s.negated, "hard": s.hard}
            for s in parsed.slots
        ],
        "price_min": str(parsed.price_min) if parsed.price_min is not None else None,
        "price_max": str(parsed.price_max) if parsed.price_max is not None else None,
        "price_hint": parsed.price_hint,
        "product_type": parsed.product_type,
        "corrected": parsed.corrected,
        "references": [p.pk for p in refers],
    }


def act_name(text: str, context: dict[str, Any]) -> str:
    """The act ``handle`` would take for ``text`` in a context of {"last_query", "on_product", "shown"}."""
    if other_language(text, get_vocabulary()) is not None:
        return "out_of_scope"
    has_search = bool(context.get("last_query"))
    act, _ = dialogue_act(
        text,
        has_search=has_search,
        has_anchor=bool(context.get("shown") or context.get("on_product")),
        last_query=context.get("last_query"),
    )
    if act == SIMILAR:
        return "refine" if has_search else "new_search"
    return ACT_NAMES.get(act, str(act))


def _names_a_product(parsed: ParsedQuery) -> bool:
    """The tagger read a product type in words the catalog uses (its titles, categories, attributes): it finds a
    product type in most strings, "asdf qwerty" included."""
    return bool(parsed.product_type) and _catalog_words(parsed.product_type)


def _catalog_words(text: str) -> bool:
    known = get_vocabulary().known_words
    words = [w.casefold() for w in re.findall(r"[^\W\d_]+", text)]
    return bool(words) and all(w in known or singular(w) in known for w in words)


def _only_catalog_words(text: str, parsed: ParsedQuery) -> bool:
    """The message names a category or brand the shop carries and says nothing else but constraints."""
    return (
        "?" not in text
        and not QUESTION_START_RE.match(text)
        and any(s.type in ("category", "brand") and s.hard and not s.negated for s in parsed.slots)
        and not _content_words(parsed.free_text)
    )


def _excludes_values(parsed: ParsedQuery) -> bool:
    """The message leaves out something the catalog names (a colour, material, brand, style, feature, category)."""
    return any(s.negated and s.hard and s.type != "term" for s in parsed.slots)


def _asks_for_a_product(text: str, parsed: ParsedQuery) -> bool:
    """A statement naming a product and what it must or must not be, in values the catalog knows (a price alone is
    not enough: "cheap flights to paris")."""
    names = any(s.type == "category" and not s.negated for s in parsed.slots)
    constrained = any(s.hard and s.type not in ("category", "price", "rating", "term") for s in parsed.slots)
    return names and constrained and "?" not in text and not QUESTION_START_RE.match(text)


def _names_catalog_things(parsed: ParsedQuery) -> bool:
    """A category or brand the catalog holds, or a product phrase in its words ("laptop sleeve")."""
    return any(
        slot.type in ("category", "brand") and not slot.negated and (slot.hard or _catalog_words(slot.text))
        for slot in parsed.slots
    )


def grounded(reply: Reply) -> Reply:
    """Let the optional LLM reword a reply that rests on cited facts, given only those facts."""
    if not reply.citations:
        return reply

    reply.text = llm.rephrase(text=reply.text, grounding=[str(c["text"]) for c in reply.citations])
    return reply


# --- Search: new, refined, answered ------------------------------------------------------------------


def _search_state(text: str) -> dict[str, Any]:
    return {"text": text, "fragments": [], "category": None, "min_price": None, "max_price": None, "page": 1}


def _filters(search_state: dict[str, Any]) -> SearchFilters:
    def money(value: Any) -> Decimal | None:
        return Decimal(value) if value not in (None, "") else None

    return SearchFilters(
        category=search_state.get("category"),
        min_price=money(search_state.get("min_price")),
        max_price=money(search_state.get("max_price")),
    )


def _query_text(search_state: dict[str, Any]) -> str:
    return " ".join([search_state["text"], *(f["text"] for f in search_state.get("fragments", []))]).strip()


def _run_search(turn: TurnInput, search_state: dict[str, Any]) -> SearchResult:
    shopper = turn.shopper
    personal = shopper is not None and not shopper.personalization_paused
    return search(
        q=_query_text(search_state),
        filters=_filters(search_state),
        page=search_state.get("page", 1),
        page_size=LOOKED_AT if search_state.get("page", 1) == 1 else SHOWN,
        shopper_id=shopper.pk if personal else None,
        log=search_state.get("page", 1) == 1,
        personalize=personal,
        surface="assistant",  # analytics: the assistant's queries are not search-box impressions
    )


def _new_search(turn: TurnInput, state: dict[str, Any], confidence: float | None) -> Reply:
    state["search"] = _search_state(turn.text)
    state["asked"] = []
    return _search_reply(turn, state, confidence, may_ask=True)


def _search_reply(
    turn: TurnInput, state: dict[str, Any], confidence: float | None, *, may_ask: bool, lead: str = ""
) -> Reply:
    search_state = state["search"]
    result = _run_search(turn, search_state)
    hits = result.hits[:SHOWN]
    state["last_shown"] = state.get("shown", [])
    state["shown"] = [hit.product.pk for hit in hits]
    query = _query_text(search_state)
    cards = [Card(hit.product, [r.as_dict() for r in hit.reasons]) for hit in hits]
    if not hits and search_state.get("page", 1) > 1:
        search_state["page"] -= 1
        state["shown"] = state.get("last_shown", [])
        return Reply(
            Intent.PRODUCT_SEARCH, f"That's everything I found for “{query}”.", confidence, suggestions=["Cheaper"]
        )
    if not hits:
        text = (lead + " " if lead else "") + f"I found nothing for “{query}”. Could you say it in other words?"
        return Reply(Intent.PRODUCT_SEARCH, text.strip(), confidence, suggestions=START_SUGGESTIONS[:2])

    understood = [c.label for c in result.constraints]
    text = lead + " " if lead else ""
    if search_state.get("page", 1) > 1:
        text += f"Here are more results for “{query}”"
    else:
        text += f"Here {'is what' if len(hits) == 1 else 'are the best matches'} I found for “{query}”"
    text += f" ({', '.join(understood)})." if understood else "."
    if result.relaxed:
        dropped = ", ".join(f"“{c.label}”" for c in result.relaxed)
        text += f" Nothing matched {dropped}, so I left it out."

    question = _clarifying_question(result, state) if may_ask else None
    if question is not None:
        kind, ask, options = question
        state["pending"] = {"kind": kind, "options": options}
        state.setdefault("asked", []).append(kind)
        return Reply(Intent.PRODUCT_SEARCH, f"{text} {ask}", confidence, products=cards, suggestions=list(options))
    suggestions = ["Cheaper", "Show more"]
    if len(hits) >= 2:
        suggestions += ["More like the first one", "Compare the first two"]
    return Reply(Intent.PRODUCT_SEARCH, text, confidence, products=cards, suggestions=suggestions)


def _relevant(result: SearchResult) -> list[Any]:
    return [
        hit
        for hit in result.hits[:LOOKED_AT]
        if hit.keyword_rank is not None or (hit.similarity or 0.0) >= RELEVANT_SIMILARITY
    ]


def _clarifying_question(result: SearchResult, state: dict[str, Any]) -> tuple[str, str, dict[str, str]] | None:
    """One question, only when its answer would split the results well: which kind (use), budget, size."""
    asked = set(state.get("asked", []))
    relevant = _relevant(result)
    if len(relevant) < QUESTION_MIN_RESULTS:
        return None
    kinds = {c.kind for c in result.constraints if not c.negated}

    if "use" not in asked:
        # Also under a category the words named ("shoes"), when its results fall into several of its kinds.
        categories = Counter(hit.product.category for hit in relevant if hit.product.category is not None)
        top = categories.most_common(4)
        if len(top) >= 2 and top[0][1] <= 0.7 * len(relevant) and top[1][1] >= 2:
            options = {category.name: category.slug for category, _ in top}
            return "use", "What will you use them for?", options

    if "budget" not in asked and "price" not in kinds:
        prices = sorted(float(hit.product.price) for hit in relevant if hit.product.price is not None)
        if len(prices) >= QUESTION_MIN_RESULTS and prices[0] > 0 and prices[-1] >= PRICE_SPREAD * prices[0]:
            low = _round_price(prices[len(prices) // 3])
            high = _round_price(prices[(2 * len(prices)) // 3])
            options = {f"Under ${low}": str(low)}
            if high > low:
                options[f"Under ${high}"] = str(high)
            options["Any price"] = ""
            return "budget", "What's your budget?", options

    if "size" not in asked and "uom" not in kinds and "size" not in kinds:
        sizes: Counter[str] = Counter()
        for hit in relevant:
            values = (hit.product.attributes or {}).get("sizes") or []
            sizes.update(str(v) for v in (values if isinstance(values, list) else [values]))
        if len(sizes) >= SIZE_MIN_DISTINCT:
            options = {f"Size {size}": size for size, _ in sizes.most_common(4)}
            return "size", "What size?", options
    return None


def _round_price(value: float) -> int:
    """A budget a shopper would say: 37 → 40, 180 → 200, 1234 → 1250."""
    value = float(value)
    step = 5 if value < 50 else 10 if value < 100 else 50 if value < 1000 else 250
    return int(-(-value // step) * step)


def _answer_to_question(turn: TurnInput, state: dict[str, Any], pending: dict[str, Any]) -> Reply | None:
    """The shopper picked (or typed) one of the options of our question; anything else is a new turn."""
    answer = " ".join(turn.text.casefold().split()).rstrip(".!")
    options = {k.casefold(): v for k, v in pending.get("options", {}).items()}
    if answer not in options:
        return None
    value = options[answer]
    search_state = state["search"]
    search_state["page"] = 1
    kind = pending.get("kind")
    if kind == "use":
        search_state["category"] = value
    elif kind == "budget":
        search_state["max_price"] = value or None
    elif kind == "size":
        _add_fragment(search_state, f"size {value}", {"uom"})
    return _search_reply(turn, state, None, may_ask=True)


def _refinement(turn: TurnInput, state: dict[str, Any], shown: list[Product]) -> Reply:
    """A change to the last search (``dialogue_act`` said so): only what was asked changes."""
    text = turn.text
    search_state = state["search"]
    if SHOW_MORE_RE.match(text):
        search_state["page"] = search_state.get("page", 1) + 1
        return _search_reply(turn, state, None, may_ask=False)
    if CHEAPER_RE.match(text):
        return _cheaper(turn, state, shown)
    parsed = parse(text, get_vocabulary())
    if parsed.price_hint == "cheap" and parsed.price_max is None and not _names_a_kind(parsed):
        return _cheaper(turn, state, shown)  # "anything cheaper?", "too pricey", "something less expensive"
    search_state["page"] = 1
    if parsed.price_max is not None:
        search_state["max_price"] = str(parsed.price_max)
    if parsed.price_min is not None:
        search_state["min_price"] = str(parsed.price_min)
    kept = [s for s in parsed.slots if s.type not in ("price", "rating")]
    changes = _what_changes(parsed, kept)
    if changes:  # values, exclusions, or only words ("a bit lighter than the first one" → "lighter")
        _add_fragment(search_state, changes, _replaced_kinds(kept))
    return _search_reply(turn, state, None, may_ask=False)


def _replaced_kinds(slots: list[Slot]) -> set[str]:
    """A wanted value the catalog knows replaces the search's old one of its kind ("in blue" after "in red"); an
    exclusion, or a word only the tagger reads ("RAM" in "make it 16 GB RAM"), adds to the search."""
    return {s.type for s in slots if not s.negated and s.hard}


def _what_changes(parsed: ParsedQuery, slots: list[Slot]) -> str:
    """The words of a refinement the search reads: its values, an exclusion with its cue ("no leather"), and any
    other word that is not filler ("actually blue instead, please" → "blue"). Exclusions come last, so a wanted
    value never follows one ("not leather, suede is fine" → "suede not leather": "not leather suede" would read
    as excluding both)."""

    def merged(chosen: list[Slot]) -> list[str]:
        spans: list[tuple[int, int]] = []
        for a, b in sorted(s.said if s.negated and s.said else (s.start, s.end) for s in chosen):
            if spans and a <= spans[-1][1]:
                spans[-1] = (spans[-1][0], max(b, spans[-1][1]))
            else:
                spans.append((a, b))
        return [parsed.raw[a:b].strip(" ,;") for a, b in spans]

    reasons = _reason_parts(parsed.raw, slots)
    slots = [s for s in slots if not any(a <= s.start < b for a, b in reasons)]
    wanted, excluded = merged([s for s in slots if not s.negated]), merged([s for s in slots if s.negated])
    said = {w.casefold() for part in wanted + excluded for w in re.findall(r"\w+", part)}
    said |= {w.casefold() for a, b in reasons for w in re.findall(r"\w+", parsed.raw[a:b])}
    words = [w for w in _content_words(parsed.free_text) if w.casefold() not in said]
    return " ".join(wanted + words + excluded)


# The start of a sentence part that says why: a subject, or a word of cause ("it makes my feet sweat", "since …").
REASON_RE = re.compile(
    r"\s*(?:it|it's|its|they|they're|theyre|i|i'm|im|i've|my|mine|we|we're|our|she|he|because|since|cause)\b",
    re.I,
)


def _reason_parts(raw: str, slots: list[Slot]) -> list[tuple[int, int]]:
    """The sentence parts that give a reason (they start with a subject or "because") and hold no value the
    catalog knows, when another part holds one: why, not what ("no leather, it makes my feet sweat"; but "in blue,
    with a hood" wants the hood)."""
    parts, start = [], 0
    for mark in SENTENCE_BREAK.finditer(raw):
        parts.append((start, mark.start()))
        start = mark.end()
    parts.append((start, len(raw)))
    holding = [any(a <= s.start < b and s.hard for s in slots) for a, b in parts]
    if not any(holding):
        return []
    return [(a, b) for (a, b), holds in zip(parts, holding, strict=True) if not holds and REASON_RE.match(raw, a)]


def _cheaper(turn: TurnInput, state: dict[str, Any], shown: list[Product]) -> Reply:
    search_state = state["search"]
    prices = [p.price for p in shown if p.price is not None]
    if prices:
        # Cheaper than what was shown: below the middle of it (below the cheapest would often be nothing).
        ceiling = Decimal(statistics.median(prices)).quantize(Decimal("0.01")) - Decimal("0.01")
        current = search_state.get("max_price")
        if current not in (None, ""):
            ceiling = min(ceiling, Decimal(current))
        search_state["max_price"] = str(max(ceiling, Decimal("0")))
    else:
        _add_fragment(search_state, "cheap", set())
    search_state["page"] = 1
    return _search_reply(turn, state, None, may_ask=False, lead="Cheaper options:")


def is_refinement(text: str, parsed: ParsedQuery) -> bool:
    """Whether a message changes the last search: the learned refinement head (recommend.understanding), which
    reads any phrasing ("anything cheaper?", "actually blue instead"), or a request made only of constraints.
    A message naming a new kind of product is a new search either way."""
    if _names_a_kind(parsed):
        return False
    learned = refinement.refines(query_vector(text)) if settings.UNDERSTANDING_LEARNED else None
    # A message made only of constraints ("nothing made of leather", "under $50") changes the search whatever
    # its phrasing: the understood request says so even where the head has not seen the words.
    return bool(learned) or _is_refinement_by_rules(parsed)


def _same_kind(parsed: ParsedQuery, last_query: str | None) -> bool:
    """The message names the kind of product the last search was for, with other words around it ("wireless
    headphones only", "a corner sofa would be better", "trail running shoes instead" after "running shoes"): that
    search, changed, not a new one. Asked as a question it is not ("are the trail ones waterproof?")."""
    if (
        not last_query
        or QUESTION_START_RE.match(parsed.raw)
        or parsed.raw.rstrip().endswith("?")
        or WEIGHING_RE.search(parsed.raw)
    ):
        return False
    kinds = _kinds(parsed)
    before = _kinds(parse(last_query, get_vocabulary()))
    return bool(kinds) and all(any(kind & other for other in before) for kind in kinds)  # no other kind named


def _names_shown(text: str) -> bool:
    """The message points at products on screen ("the first", "these", "both"): about them, not a new kind."""
    return bool(THEM_RE.search(text) or ORDINAL_RE.search(text))


def _kinds(parsed: ParsedQuery) -> list[frozenset[str]]:
    """The kinds of product a parse names, each as the spellings that name it: a catalog category, or the head
    noun (the last word) of a product phrase in its singular forms."""
    kinds = [
        frozenset((f"category:{s.value}",)) for s in parsed.slots if s.type == "category" and s.hard and not s.negated
    ]
    phrases = [s.text for s in parsed.slots if s.type == "category" and not s.negated] + [parsed.product_type or ""]
    for phrase in phrases:
        words = re.findall(r"[^\W\d_]+", phrase.casefold())
        if words:
            kinds.append(_singular_forms(words[-1]))
    return kinds


def _singular_forms(word: str) -> frozenset[str]:
    """A head noun's possible singulars: "gloves" → glove, "scarves" → scarf, "knives" → knife."""
    forms = {word, singular(word)}
    if word.endswith("ves") and len(word) > 4:
        forms |= {word[:-3] + "f", word[:-3] + "fe"}
    return frozenset(f"head:{form}" for form in forms)


def _names_a_kind(parsed: ParsedQuery) -> bool:
    return any(s.type == "category" and s.hard and not s.negated for s in parsed.slots)


def _is_refinement_by_rules(parsed: ParsedQuery) -> bool:
    """Words that only constrain (a colour, a brand left out, a price, "cheaper") and name no new product."""
    has_constraint = (
        any(s.type != "category" for s in parsed.slots)
        or parsed.price_max is not None
        or parsed.price_min is not None
        or parsed.price_hint is not None
    )
    return has_constraint and not _content_words(parsed.free_text)


def _content_words(text: str) -> list[str]:
    """The words of ``text`` that say something: not filler, not marks."""
    return [w for w in text.split() if any(c.isalpha() for c in w) and w.casefold() not in GENERIC_WORDS]


def _add_fragment(search_state: dict[str, Any], text: str, replaces: set[str]) -> None:
    """Add words to the search; a new colour (say) replaces the old one rather than adding an "or"."""
    if replaces:
        search_state["fragments"] = [
            f for f in search_state.get("fragments", []) if not set(f.get("types", [])) & replaces
        ]
        parsed = parse(search_state["text"], get_vocabulary())
        spans = [(s.start, s.end) for s in parsed.slots if s.type in replaces and not s.negated]
        if spans:
            base = search_state["text"]
            for start, end in sorted(spans, reverse=True):
                base = base[:start] + base[end:]
            search_state["text"] = " ".join(base.split())
    search_state.setdefault("fragments", []).append({"text": text, "types": sorted(replaces)})


def _more_like(turn: TurnInput, state: dict[str, Any], shown: list[Product]) -> Reply:
    anchor = _ordinal_product(turn.text, shown)
    focus = _products_by_ids([state["focus"]]) if state.get("focus") else []
    if anchor is None and re.search(r"\b(?:this|it)\b", turn.text, re.I):
        anchor = turn.page_product or (focus[0] if focus else None)
    if anchor is None:
        resolved = _resolve(turn.text, shown, limit=1)
        anchor = resolved[0] if resolved else None
    if anchor is None and turn.page_product is not None:
        anchor = turn.page_product  # "something similar" on a product page: that product
    if anchor is None:
        return Reply(
            Intent.PRODUCT_SEARCH,
            "Which one do you mean?",
            suggestions=[f"More like the {name} one" for name in ("first", "second", "third")[: len(shown)]],
        )
    cheaper = bool(CHEAPER_WORD_RE.search(turn.text)) and anchor.price is not None
    pool = recs.similar_items(product=anchor, limit=SHOWN * 4, exclude=[anchor.pk])
    similar = [rec for rec in pool if _alike(anchor, rec.product, cheaper=cheaper)][:SHOWN]
    state["shown"] = [rec.product.pk for rec in similar]
    state["focus"] = anchor.pk
    cards = [Card(rec.product, [{"kind": r.kind, "text": r.text} for r in rec.reasons]) for rec in similar]
    if not cards:
        under = f" under its price ({T.money(anchor.price)})" if cheaper else ""
        return Reply(Intent.PRODUCT_SEARCH, f"I found nothing close to {anchor.title}{under}.", product=anchor)
    lead = f"Cheaper products like {anchor.title}:" if cheaper else f"Products like {anchor.title}:"
    return Reply(
        Intent.PRODUCT_SEARCH,
        lead,
        products=cards,
        product=anchor,
        suggestions=["Compare the first two"] if cheaper else ["Cheaper", "Compare the first two"],
    )


def _alike(anchor: Product, candidate: Product, *, cheaper: bool) -> bool:
    """An alternative to ``anchor``: the same kind of product (its category) in its price range, or below its
    price when the shopper asked for cheaper."""
    if anchor.category_id and candidate.category_id != anchor.category_id:
        return False
    if anchor.price is None:
        return True
    if candidate.price is None:
        return False
    if cheaper:
        return candidate.price < anchor.price
    low, high = PRICE_RANGE
    return anchor.price * low <= candidate.price <= anchor.price * high


# --- Products: questions and comparisons ---------------------------------------------------------------


def _ordinal_product(text: str, shown: list[Product]) -> Product | None:
    for word in re.findall(r"[a-z0-9]+", text.casefold()):
        if word in ORDINALS and shown:
            index = ORDINALS[word]
            if -len(shown) <= index < len(shown):
                return shown[index]
    return None


def _resolve(text: str, shown: list[Product], *, limit: int) -> list[Product]:

    return list(references.resolve_products(text, shown=shown, limit=limit))


def _product_question(turn: TurnInput, state: dict[str, Any], shown: list[Product], confidence: float | None) -> Reply:

    product = None
    if _ordinal_product(turn.text, shown) is not None or turn.page_product is None:
        resolved = _resolve(turn.text, shown, limit=1)
        product = resolved[0] if resolved else None
    product = product or turn.page_product
    if product is None:
        return Reply(
            Intent.PRODUCT_QUESTION,
            "Which product do you mean?",
            confidence,
            suggestions=[f"{turn.text.rstrip('?')} — the {name} one" for name in ("first", "second")][: len(shown)],
            products=[Card(p) for p in shown[:3]],
        )
    answer = answers.product_answer(product=product, question=turn.text)
    state["focus"] = product.pk
    return Reply(
        Intent.PRODUCT_QUESTION,
        answer.text,
        confidence,
        products=[Card(product)],
        citations=[_citation(c) for c in answer.citations],
        product=product,
        suggestions=["More like this one", "Compare it with similar products"] if answer.found else [],
    )


def _comparison(turn: TurnInput, state: dict[str, Any], shown: list[Product], confidence: float | None) -> Reply:

    products = _resolve(turn.text, shown, limit=MAX_COMPARED)
    focus = _products_by_ids([state["focus"]]) if state.get("focus") else []
    anchor = turn.page_product or (focus[0] if focus else None)
    if len(products) < 2 and anchor is not None and not (THEM_RE.search(turn.text) and len(shown) >= 2):
        # "compare it with similar products" on a product page: the product and its nearest neighbour.
        products = [anchor, *(p for p in products if p.pk != anchor.pk)]
        if len(products) < 2:
            others = recs.similar_items(product=anchor, limit=2, exclude=[anchor.pk])
            products += [rec.product for rec in others[:1]]
    first_n = FIRST_N_RE.search(turn.text)
    if len(products) < 2 and first_n and len(shown) >= 2:
        products = shown[: NUMBERS[first_n.group(1).casefold()]]
    elif len(products) < 2 and THEM_RE.search(turn.text) and len(shown) >= 2:
        products = shown[: 2 if re.search(r"\b(?:both|two)\b", turn.text, re.I) else MAX_COMPARED]
    if len(products) < 2:
        return Reply(
            Intent.COMPARISON,
            "Which products should I compare? Name two, or search first and say “compare the first two”.",
            confidence,
            suggestions=["Compare the first two"] if len(shown) >= 2 else [],
        )
    result = compare.compare(products=products[:MAX_COMPARED], question=turn.text)
    table = {
        "products": list(result.products),
        "rows": [{"label": str(row.label), "values": [str(v) for v in row.values]} for row in result.rows],
        "summary": str(result.summary),
    }
    state["shown"] = [p.pk for p in result.products]
    return Reply(
        Intent.COMPARISON,
        str(result.summary),
        confidence,
        products=[Card(p) for p in result.products],
        comparison=table,
        citations=[_citation(c) for c in result.citations],
    )


def _citation(citation: Any) -> dict[str, Any]:
    return {
        "source": str(citation.source),
        "field": str(citation.field),
        "text": str(citation.text),
        "product_id": citation.product_id,
    }


# --- Customer service ------------------------------------------------------------------------------------


def _customer_service(turn: TurnInput, category: str, confidence: float | None) -> Reply:

    match = faq.faq_best(turn.text, category=category)
    parts: list[str] = []
    citations: list[dict[str, Any]] = []
    links: list[dict[str, str]] = []
    if category in ORDER_TOPICS and PERSONAL_RE.search(turn.text):
        if turn.signed_in and turn.shopper is not None:
            orders_text, order_citations = _recent_orders(turn.shopper)
            parts.append(orders_text)
            citations += order_citations
            links.append({"label": "Your orders", "url": reverse("orders:account")})
        else:
            parts.append("Sign in and I can look up your orders and their status.")
            links.append({"label": "Sign in", "url": reverse("orders:login") + "?next=" + reverse("assistant:chat")})
    if match is not None:
        parts.append(match.entry.answer)
        citations.append(
            {"source": "faq", "field": f"faq:{match.entry.pk}", "text": match.entry.question, "product_id": None}
        )
    if not parts:
        return Reply(
            Intent.CUSTOMER_SERVICE,
            "I don't have an answer to that. Shall I pass it to our customer service team?",
            confidence,
            suggestions=["Talk to a human"],
        )
    return Reply(
        Intent.CUSTOMER_SERVICE,
        " ".join(parts),
        confidence,
        citations=citations,
        links=links,
        suggestions=["Talk to a human"],
    )


def _recent_orders(shopper: Shopper) -> tuple[str, list[dict[str, Any]]]:
    from orders.selectors import order_list

    orders = list(order_list(shopper=shopper)[:RECENT_ORDERS])
    if not orders:
        return "You have no orders yet.", []
    lines, citations = [], []
    for order in orders:
        line = f"Order {order.number} ({order.created_at:%-d %b %Y}, ${order.total}) is {order.get_status_display().lower()}."
        lines.append(line)
        citations.append({"source": "order", "field": order.number, "text": line, "product_id": None})
    intro = "Your most recent order:" if len(orders) == 1 else f"Your {len(orders)} most recent orders:"
    return f"{intro} {' '.join(lines)}", citations


def _handoff(turn: TurnInput, state: dict[str, Any], *, category: str, confidence: float | None) -> Reply:
    from assistant import services

    if not turn.signed_in or turn.shopper is None:
        # The team answers by account: a ticket from nobody could never be answered (and anyone could file
        # thousands). Sign-in brings this conversation along (conversations follow the visitor into the account).
        return Reply(
            Intent.CUSTOMER_SERVICE,
            "Our customer service team can take this over. Sign in first, so they know who you are and can "
            "reply to you; then ask me again and I'll pass this conversation on.",
            confidence,
            links=[{"label": "Sign in", "url": reverse("orders:login") + "?next=" + reverse("assistant:chat")}],
        )
    try:
        ticket, created = services.support_ticket_open(
            conversation_id=turn.conversation_id,
            shopper=turn.shopper,
            category=category,
            summary=turn.text,
            transcript=turn.transcript,
        )
    except services.TicketLimitReached as full:
        return Reply(
            Intent.CUSTOMER_SERVICE,
            f"You already have {full.open_tickets} open requests with our customer service team. They answer "
            "each within one business day; a new one can be opened once one of them is answered.",
            confidence,
        )
    if not created:
        return Reply(
            Intent.CUSTOMER_SERVICE,
            f"This conversation is already with our customer service team: ticket #{ticket.pk}. "
            "I've added your latest messages to it; they answer within one business day.",
            confidence,
            ticket_id=ticket.pk,
        )
    return Reply(
        Intent.CUSTOMER_SERVICE,
        f"I've passed this conversation to our customer service team: ticket #{ticket.pk}. "
        "They answer within one business day.",
        confidence,
        ticket_id=ticket.pk,
    )


# --- Small talk and everything else -------------------------------------------------------------------------


def _clarify(turn: TurnInput, shown: list[Product], confidence: float) -> Reply:
    suggestions = ["Find a product", "A question about an order", "Talk to a human"]
    if shown:
        suggestions.insert(1, "Compare the first two")
    return Reply(
        "unsure",
        "I'm not sure what you mean. Are you looking for a product, asking about one, or asking about an order?",
        confidence,
        suggestions=suggestions,
    )


def _chit_chat(turn: TurnInput, confidence: float | None) -> Reply:
    if THANKS_RE.search(turn.text):
        text = "You're welcome! Anything else I can find for you?"
    elif BYE_RE.search(turn.text):
        text = "Goodbye, and happy shopping!"
    elif GREETING_RE.search(turn.text):
        text = "Hi! Tell me what you're looking for and I'll find it, compare products or answer questions."
    else:
        text = "I'm ShopGuide's shopping assistant: I find products, compare them and help with orders."
    return Reply(Intent.CHIT_CHAT, text, confidence, suggestions=START_SUGGESTIONS)


def _other_language(language: str) -> Reply:
    return Reply(
        Intent.OUT_OF_SCOPE,
        f"Your message looks like {language}. I can only understand English for now: could you write it in "
        "English? For example “black leather boots under $100” or “where is my order?”.",
        None,
        suggestions=START_SUGGESTIONS,
    )


def _out_of_scope(confidence: float | None) -> Reply:
    return Reply(
        Intent.OUT_OF_SCOPE,
        "Sorry, I can't help with that. I can help with shopping: finding products, comparing them, "
        "and questions about orders, delivery and returns.",
        confidence,
        suggestions=START_SUGGESTIONS,
    )


def _products_by_ids(ids: list[int]) -> list[Product]:
    if not ids:
        return []
    found = Product.objects.for_listing().in_bulk(ids)
    return [found[pk] for pk in ids if pk in found]
