"""Offline evaluation of query understanding (QueryNER spans)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from recommend.search.parser import parse
from recommend.search.vocabulary import Vocabulary
from recommend.understanding.tagger import spans

# Our slot types, as QueryNER names them.
QUERYNER_TYPES = {"color": "color", "material": "material", "department": "department", "price": "price",
                  "uom": "UoM", "size": "UoM", "quantity": "quantity"}  # fmt: skip
EVALUATED = ("color", "material", "department", "price", "UoM", "quantity")


@dataclass
class ConllQuery:
    tokens: list[str]
    spans: set[tuple[str, int, int]]  # (type, first token, last token + 1)


def read_conll(path: Path) -> Iterator[ConllQuery]:
    tokens: list[str] = []
    tags: list[str] = []
    for line in [*path.read_text(encoding="utf-8").splitlines(), ""]:
        if not line.strip():
            if tokens:
                yield ConllQuery(tokens, bio_spans(tags))
            tokens, tags = [], []
            continue
        token, _, tag = line.partition("\t")
        tokens.append(token)
        tags.append(tag.strip() or "O")


def bio_spans(tags: list[str]) -> set[tuple[str, int, int]]:
    return set(spans(tags))


def without_leading_for(spans: set[tuple[str, int, int]], tokens: list[str]) -> set[tuple[str, int, int]]:
    """Department spans scored without a leading "for", on both sides: the QueryNER train and dev labels put
    it in the span ("for women"), the test labels do not ("women"); the people word is what matters."""
    out = set()
    for kind, start, end in spans:
        if kind == "department" and end - start > 1 and tokens[start].casefold() == "for":
            start += 1
        out.add((kind, start, end))
    return out


def predicted_spans(tokens: list[str], vocabulary: Vocabulary) -> set[tuple[str, int, int]]:
    return slot_spans(parse(" ".join(tokens), vocabulary).slots, tokens)


def slot_spans(slots: list, tokens: list[str]) -> set[tuple[str, int, int]]:
    """Slots over ``" ".join(tokens)`` as QueryNER (type, first token, last token + 1) spans."""
    offsets, position = [], 0
    for token in tokens:
        offsets.append((position, position + len(token)))
        position += len(token) + 1
    spans = set()
    for slot in slots:
        kind = QUERYNER_TYPES.get(slot.type)
        if kind is None:
            continue
        inside = [k for k, (s, e) in enumerate(offsets) if s >= slot.start and e <= slot.end]
        if inside:
            spans.add((kind, inside[0], inside[-1] + 1))
    return spans


def evaluate_conll(path: Path, vocabulary: Vocabulary) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    for query in read_conll(path):
        gold = without_leading_for({s for s in query.spans if s[0] in EVALUATED}, query.tokens)
        predicted = without_leading_for(predicted_spans(query.tokens, vocabulary), query.tokens)
        for span in predicted & gold:
            tp[span[0]] += 1
        for span in predicted - gold:
            fp[span[0]] += 1
        for span in gold - predicted:
            fn[span[0]] += 1

    def prf(t: int, p: int, n: int) -> dict[str, float]:
        precision = t / (t + p) if t + p else 0.0
        recall = t / (t + n) if t + n else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return {"p": round(precision, 4), "r": round(recall, 4), "f1": round(f1, 4)}

    per_type = {kind: {**prf(tp[kind], fp[kind], fn[kind]), "support": tp[kind] + fn[kind]} for kind in EVALUATED}
    micro = prf(sum(tp.values()), sum(fp.values()), sum(fn.values()))
    return {"micro_f1": micro["f1"], "micro_p": micro["p"], "micro_r": micro["r"], "per_type": per_type}
