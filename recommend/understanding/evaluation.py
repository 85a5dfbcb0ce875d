"""Scoring the understanding step on the project's own phrasing set (``tests/data/understanding_phrasings.jsonl``,
written before the tagger was trained and never trained on): slots with their types and negation, price bounds
and hints, and (when a predictor of the dialogue act is given) the act.
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from recommend.search.parser import ParsedQuery, parse
from recommend.search.vocabulary import Vocabulary

PHRASINGS = Path(__file__).resolve().parents[2] / "tests" / "data" / "understanding_phrasings.jsonl"
# A second set, written blind (its writer read only the demo catalog's definitions), after the first had been read
# during development: the held-out figure.
PHRASINGS_B = PHRASINGS.with_name("understanding_phrasings_b.jsonl")
# A third, written blind the same way before session 10's changes and read only as aggregate figures since.
PHRASINGS_C = PHRASINGS.with_name("understanding_phrasings_c.jsonl")
# A fourth, written blind the same way at the start of session 12 and scored on that session's starting code first.
PHRASINGS_D = PHRASINGS.with_name("understanding_phrasings_d.jsonl")
BLIND = (PHRASINGS_B, PHRASINGS_C, PHRASINGS_D)
# A fifth, of exclusions and follow-ups only, written blind at the start of session 13 and then read row by row
# during development, like the first: a development set, not a held-out one.
PHRASINGS_E = PHRASINGS.with_name("understanding_phrasings_e.jsonl")
DEVELOPMENT = (PHRASINGS, PHRASINGS_E)


@dataclass(frozen=True)
class Case:
    id: str
    text: str
    context: dict[str, Any]
    act: str
    slots: frozenset[tuple[str, str, bool]]  # (type, text casefolded, negated)
    price_min: Decimal | None
    price_max: Decimal | None
    price_hint: str | None


def _decimal(value: Any) -> Decimal | None:
    try:
        return None if value in (None, "") else Decimal(str(value))
    except InvalidOperation:
        return None


def read_cases(path: Path = PHRASINGS) -> list[Case]:
    cases = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        row = json.loads(line)
        cases.append(
            Case(
                id=row["id"],
                text=row["text"],
                context=row.get("context") or {},
                act=row["act"],
                slots=frozenset((s["type"], s["text"].casefold(), bool(s["negated"])) for s in row["slots"]),
                price_min=_decimal(row.get("price_min")),
                price_max=_decimal(row.get("price_max")),
                price_hint=row.get("price_hint"),
            )
        )
    return cases


def predicted_slots(parsed: ParsedQuery) -> frozenset[tuple[str, str, bool]]:
    """The parse's slots in the set's terms: sizes as "size", department without a leading "for", prices out."""
    out = set()
    for slot in parsed.slots:
        kind = slot.type
        if kind in ("price", "rating", "quantity"):
            continue
        if kind == "uom":
            if not str(slot.value).startswith("size "):
                continue
            kind = "size"
        text = slot.text.casefold()
        if kind == "department" and text.startswith("for "):
            text = text[4:]
        out.add((kind, text, slot.negated))
    return frozenset(out)


def _same_slots(expected: frozenset, predicted: frozenset) -> bool:
    """Equal sets; an excluded word the catalog does not name ("term") matches an expected exclusion of any type."""
    rest = set(predicted)
    for kind, text, negated in expected:
        match = next((p for p in rest if p[1:] == (text, negated) and (p[0] == kind or p[0] == "term")), None)
        if match is None:
            return False
        rest.remove(match)
    return not rest


def evaluate(
    cases: list[Case],
    vocabulary: Vocabulary,
    *,
    learned: bool = True,
    act_of: Callable[[Case, ParsedQuery], str] | None = None,
) -> dict[str, Any]:
    tp = fp = fn = 0
    exact = negation_cases = negation_exact = price_exact = act_right = 0
    wrong_acts: Counter[str] = Counter()
    misses: list[str] = []
    for case in cases:
        parsed = parse(case.text, vocabulary, learned=learned)
        predicted = predicted_slots(parsed)
        shopping = case.act in ("new_search", "refine")
        expected = case.slots if shopping else frozenset()
        if not shopping:
            predicted_cmp: frozenset = frozenset()
        else:
            predicted_cmp = predicted
        loose = {p[1:] for p in predicted_cmp}
        tp_case = sum(1 for e in expected if (e in predicted_cmp or (("term", *e[1:]) in predicted_cmp)))
        tp += tp_case
        fn += len(expected) - tp_case
        fp += max(0, len(loose) - tp_case)
        slots_ok = _same_slots(expected, predicted_cmp)
        price_ok = not shopping or (
            parsed.price_min == case.price_min
            and parsed.price_max == case.price_max
            and parsed.price_hint == case.price_hint
        )
        price_exact += price_ok
        if any(e[2] for e in expected) or any(p[2] for p in predicted_cmp):
            negation_cases += 1
            ok = {e[1] for e in expected if e[2]} == {p[1] for p in predicted_cmp if p[2]}
            negation_exact += ok
        act_ok = True
        if act_of is not None:
            act = act_of(case, parsed)
            act_ok = act == case.act
            act_right += act_ok
            if not act_ok:
                wrong_acts[f"{case.act}->{act}"] += 1
        if slots_ok and price_ok and act_ok:
            exact += 1
        elif len(misses) < 400:
            misses.append(case.id)
    n = len(cases)
    result: dict[str, Any] = {
        "cases": n,
        "slot_f1": round(2 * tp / (2 * tp + fp + fn), 4) if tp else 0.0,
        "price_exact": round(price_exact / n, 4),
        "negation_scope_exact": round(negation_exact / negation_cases, 4) if negation_cases else 1.0,
        "negation_cases": negation_cases,
        "exact": round(exact / n, 4),
        "misses": misses,
    }
    if act_of is not None:
        result["act_accuracy"] = round(act_right / n, 4)
        result["act_confusions"] = dict(wrong_acts.most_common(12))
    return result
