"""Refining a search from what was understood: the query a shopper would have typed without one constraint.

A chip on the search page ("women", "under $120", "not leather") stands for words of the query; removing
the chip means searching again with those words cut out. The parser keeps every slot's character span
in ``parsed.raw``, so the cut is exact: no re-phrasing, the shopper's other words stay as typed.
"""

from __future__ import annotations

import re

from recommend.search import lexicon
from recommend.search.engine import Constraint
from recommend.search.parser import ParsedQuery, Slot

# A negated slot's span covers only the thing negated ("leather"); its "not " / "non-" goes with it.
_NEGATION_BEFORE = re.compile(
    r"(?:\b(?:" + "|".join(re.escape(w) for w in sorted(lexicon.NEGATIONS, key=len, reverse=True)) + r"))\s*-?\s*$",
    re.IGNORECASE,
)
_FOR_BEFORE = re.compile(r"\bfor\s+$", re.IGNORECASE)
# What may sit between two values of one constraint ("red or blue", "red, blue"): cut along with them.
_CONNECTOR_GAP = re.compile(r"^[\s,/&+]*(?:\b(?:or|and)\b)?[\s,/&+]*$", re.IGNORECASE)
_EDGE_CONNECTORS = re.compile(r"^(?:[\s,;/&+-]|\b(?:and|or)\b)+|(?:[\s,;/&+-]|\b(?:and|or)\b)+$", re.IGNORECASE)


def constraint_slots(parsed: ParsedQuery, constraint: Constraint) -> list[Slot]:
    """The slots of the query that made ``constraint`` (empty for one picked in the UI)."""
    if constraint.source != "query":
        return []
    if constraint.kind in ("price", "rating"):
        # One constraint from every bound in the words ("over $50 ... under $120"); "cheap" is a hint, not a bound.
        return [
            s
            for s in parsed.slots
            if s.type == constraint.kind and not (isinstance(s.value, dict) and "hint" in s.value)
        ]
    if constraint.negated:
        return [constraint.slot] if constraint.slot is not None else []
    # Positive values of one kind are OR-ed into one constraint ("red or blue"); a size is the only
    # unit-of-measure slot that becomes a constraint.
    return [
        s
        for s in parsed.slots
        if s.type == constraint.kind
        and s.hard
        and not s.negated
        and (s.type != "uom" or str(s.value).startswith("size "))
    ]


def constraint_spans(parsed: ParsedQuery, constraint: Constraint) -> list[tuple[int, int]]:
    """Character spans of ``parsed.raw`` that say ``constraint``, merged and in order."""
    spans = []
    for slot in constraint_slots(parsed, constraint):
        start, end = slot.start, slot.end
        if slot.negated and slot.said is not None:
            start, end = slot.said  # the cue with the value: "anything but red", "leather-free"
        elif slot.negated:
            match = _NEGATION_BEFORE.search(parsed.raw, 0, slot.start)
            if match is not None:
                start = match.start()
        elif slot.type == "department":
            match = _FOR_BEFORE.search(parsed.raw, 0, slot.start)  # "for men": the people word and its "for"
            if match is not None:
                start = match.start()
        spans.append((start, end))
    merged: list[tuple[int, int]] = []
    for start, end in sorted(spans):
        if merged and (start <= merged[-1][1] or _CONNECTOR_GAP.match(parsed.raw[merged[-1][1] : start])):
            merged[-1] = (merged[-1][0], max(end, merged[-1][1]))
        else:
            merged.append((start, end))
    return merged


def query_without(parsed: ParsedQuery, constraint: Constraint) -> str:
    """The query with the words behind ``constraint`` cut out, tidied; unchanged when none are known."""
    spans = constraint_spans(parsed, constraint)
    if not spans:
        return parsed.raw
    parts, last = [], 0
    for start, end in spans:
        parts.append(parsed.raw[last:start])
        last = end
    parts.append(parsed.raw[last:])
    text = " ".join(" ".join(parts).split())
    text = re.sub(r"\s+([,;.!?])", r"\1", text)
    text = re.sub(r"([,;])(?:\s*[,;])+", r"\1", text)
    return _EDGE_CONNECTORS.sub("", text).strip()
