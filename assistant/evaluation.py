"""Scores the intent classifier on a folder laid out like ``shared/data/nlu/dev``.

* ``bitext.tsv`` (text, intent, category): customer-service requests; right when the prediction is
  customer_service with the same category.
* ``product_questions.tsv`` (text): questions about a product; right when product_question.
* ``shopping_requests.tsv`` (text): shoppers asking for products; right when product_search.
* ``clinc150.tsv`` (text, intent): ``oos`` lines are right when out_of_scope or chit_chat; lines of
  the ``small_talk`` domain (``../clinc150_domains.json``) when chit_chat. The other in-domain lines
  (banking, travel…) are reported as the share classed out_of_scope, so that "everything is out of
  scope" cannot pass unnoticed.
"""

from __future__ import annotations

import csv
import json
import time
from collections import Counter
from pathlib import Path

from assistant import intents
from assistant.models import Intent

FILES = ("bitext.tsv", "product_questions.tsv", "shopping_requests.tsv", "clinc150.tsv")
METRICS = (
    "bitext_category_accuracy",
    "product_question_recall",
    "shopping_request_recall",
    "clinc_oos_recall",
    "clinc_smalltalk_recall",
)


class EvaluationInputError(ValueError):
    """A file the evaluation needs is missing or malformed."""


def _read(path: Path, columns: tuple[str, ...]) -> list[dict[str, str]]:
    if not path.is_file():
        raise EvaluationInputError(f"{path} is missing")
    csv.field_size_limit(1 << 20)
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle, delimiter="\t")
        missing = [c for c in columns if c not in (reader.fieldnames or [])]
        if missing:
            raise EvaluationInputError(f"{path} has no column {', '.join(missing)}")
        return [row for row in reader if (row.get("text") or "").strip()]


def _share(hits: list[bool]) -> float:
    return round(sum(hits) / len(hits), 4) if hits else 0.0


def evaluate(folder: Path) -> dict:
    folder = Path(folder)
    domains_path = folder / ".." / "clinc150_domains.json"
    bitext = _read(folder / "bitext.tsv", ("text", "intent", "category"))
    questions = _read(folder / "product_questions.tsv", ("text",))
    requests = _read(folder / "shopping_requests.tsv", ("text",))
    clinc = _read(folder / "clinc150.tsv", ("text", "intent"))
    if not domains_path.is_file():
        raise EvaluationInputError(f"{domains_path.resolve()} is missing (CLINC intent → domain map, next to {folder})")
    domains = json.loads(domains_path.read_text())
    domain_of = {intent: domain for domain, names in domains.items() for intent in names}

    texts = [r["text"] for r in bitext + questions + requests + clinc]
    intents.current_head()  # load (or fit) the head before the clock starts
    started = time.perf_counter()
    predictions = intents.classify_many(texts)
    batch_seconds = time.perf_counter() - started
    # The real per-message path (cached query vector, one row): timed on a sample.
    sample = texts[:: max(1, len(texts) // 200)][:200]
    started = time.perf_counter()
    for text in sample:
        intents.classify(text)
    single_ms = (time.perf_counter() - started) * 1000 / max(1, len(sample))

    it = iter(predictions)
    bitext_p = [next(it) for _ in bitext]
    question_p = [next(it) for _ in questions]
    request_p = [next(it) for _ in requests]
    clinc_p = [next(it) for _ in clinc]

    oos, small_talk, in_domain = [], [], []
    for row, p in zip(clinc, clinc_p, strict=True):
        if row["intent"] == "oos":
            oos.append(p.intent in (Intent.OUT_OF_SCOPE, Intent.CHIT_CHAT))
        elif domain_of.get(row["intent"]) == "small_talk":
            small_talk.append(p.intent == Intent.CHIT_CHAT)
        else:
            in_domain.append(p.intent == Intent.OUT_OF_SCOPE)
    bitext_hits = [
        p.intent == Intent.CUSTOMER_SERVICE and p.category == row["category"]
        for row, p in zip(bitext, bitext_p, strict=True)
    ]
    result = {
        "bitext_category_accuracy": _share(bitext_hits),
        "product_question_recall": _share([p.intent == Intent.PRODUCT_QUESTION for p in question_p]),
        "shopping_request_recall": _share([p.intent == Intent.PRODUCT_SEARCH for p in request_p]),
        "clinc_oos_recall": _share(oos),
        "clinc_smalltalk_recall": _share(small_talk),
    }
    return {
        "metrics": result,
        "support": {
            "bitext": len(bitext),
            "product_questions": len(questions),
            "shopping_requests": len(requests),
            "clinc_oos": len(oos),
            "clinc_small_talk": len(small_talk),
            "clinc_in_domain": len(in_domain),
        },
        "clinc_in_domain_out_of_scope": _share(in_domain),
        "confusion": {
            "bitext": dict(Counter(p.intent for p in bitext_p)),
            "product_questions": dict(Counter(p.intent for p in question_p)),
            "shopping_requests": dict(Counter(p.intent for p in request_p)),
            "clinc": dict(Counter(p.intent for p in clinc_p)),
        },
        "unsure_share": _share([p.unsure for p in predictions]),
        "timing": {
            "texts": len(texts),
            "batch_ms_per_text": round(batch_seconds * 1000 / max(1, len(texts)), 3),
            "classify_ms_per_call": round(single_ms, 3),
        },
    }
