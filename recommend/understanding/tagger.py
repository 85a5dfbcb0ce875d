"""The learned slot tagger: which words of a shopper's message are a colour, a material, a department, a price,
a size, a quantity, a brand or the product type — a small head on the shipped encoder's word states.

Each word (a whitespace-separated piece of the text) is described by
  * its state in the encoder's last layer (the mean of its sub-words), from the same pass as the query vector,
    and its two neighbours' states (where a span begins and ends: +0.008 micro-F1, +0.03 colour F1 in 5-fold
    cross-validation on the QueryNER train split);
  * what the catalog vocabulary and the patterns say of it and of its neighbours (the rule parser's slot type,
    B/I, negated), so the catalog's own words are known without being learned, and the head decides when to
    believe them ("cream" in "ice cream", "stainless steel" as one material);
  * its shape (digits, "$", first/last word).
A multinomial logistic regression gives each word a BIO tag's probabilities; a Viterbi pass keeps the tag
sequence valid (I-x only after B-x or I-x). Inference is numpy only (no scikit-learn in the web process).

The weights are produced by ``manage.py train_understanding`` and shipped beside this file
(``tagger.npz`` with ``tagger.json``: seed, data, command line, cross-validated figures).
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommend.search import lexicon
from shopguide import blas

WEIGHTS = Path(__file__).with_name("tagger.npz")
REPORT = Path(__file__).with_name("tagger.json")
# Words QueryNER's train split labels a department at least half the time (``training.people_words``), written
# by ``manage.py train_understanding`` beside the weights.
PEOPLE_WORDS = Path(__file__).with_name("people_words.json")

# The rule parser's slot types, as features (what the vocabulary and the patterns say of a word).
RULE_TYPES = (
    "category", "brand", "color", "material", "department", "size", "feature", "style",
    "price", "rating", "uom", "quantity", "term",
)  # fmt: skip
WORD_RE = re.compile(r"\S+")
EDGE_PUNCT = ".,;:!?()[]{}\"'"
_RULE_INDEX = {t: i for i, t in enumerate(RULE_TYPES)}
# Per word and per neighbour: type one-hot, begins-a-slot, negated.
_RULE_WIDTH = len(RULE_TYPES) + 2
SHAPE_FEATURES = ("has_digit", "is_number", "dollar", "first", "last", "for", "negation", "cheap", "premium", "bias")
CHEAP = {w for w in lexicon.CHEAP_WORDS if " " not in w}
PREMIUM = {w for w in lexicon.PREMIUM_WORDS if " " not in w}


@dataclass(frozen=True)
class Word:
    text: str  # as typed, without edge punctuation
    start: int
    end: int


@dataclass(frozen=True)
class RuleMark:
    """What the rule parser said of one word: its slot type, whether it begins the slot, whether negated."""

    type: str
    begins: bool
    negated: bool


def words_of(text: str) -> list[Word]:
    """The words the tagger labels: whitespace-separated pieces, edge punctuation trimmed (a piece that is only
    punctuation stays whole), with exact character spans."""
    words = []
    for match in WORD_RE.finditer(text):
        piece, start = match.group(), match.start()
        left = len(piece) - len(piece.lstrip(EDGE_PUNCT))
        right = len(piece.rstrip(EDGE_PUNCT))
        if right <= left:
            left, right = 0, len(piece)
        words.append(Word(piece[left:right], start + left, start + right))
    return words


def marks_for(slots: list, words: list[Word]) -> list[RuleMark | None]:
    """What the rule parser's slots (anything with ``type``, ``start``, ``end``, ``negated``) say of each word."""
    marks: list[RuleMark | None] = [None] * len(words)
    for slot in slots:
        for i, word in enumerate(words):
            if word.start < slot.end and slot.start < word.end and marks[i] is None:
                marks[i] = RuleMark(slot.type, begins=slot.start >= word.start, negated=slot.negated)
    return marks


def features(states: np.ndarray, words: list[str], marks: list[RuleMark | None]) -> np.ndarray:
    """One row per word: encoder states of the word and its two neighbours, rule marks of the same, shape."""
    n = len(words)
    rules = np.zeros((n + 2, _RULE_WIDTH), dtype=np.float32)  # padded: row 0 and n+1 are "no word"
    for i, mark in enumerate(marks):
        if mark is not None and mark.type in _RULE_INDEX:
            rules[i + 1, _RULE_INDEX[mark.type]] = 1.0
            rules[i + 1, -2] = float(mark.begins)
            rules[i + 1, -1] = float(mark.negated)
    shape = np.zeros((n, len(SHAPE_FEATURES)), dtype=np.float32)
    for i, word in enumerate(words):
        lowered = word.casefold()
        shape[i] = (
            any(c.isdigit() for c in word),
            bool(re.fullmatch(r"\$?\d+(?:[.,]\d+)?", word)),
            "$" in word,
            i == 0,
            i == n - 1,
            lowered == "for",
            lowered in lexicon.NEGATIONS or lowered.endswith("n't"),
            lowered in CHEAP,
            lowered in PREMIUM,
            1.0,
        )
    padded = np.zeros((n + 2, states.shape[1]), dtype=np.float32)  # the neighbours' states; zeros past the ends
    padded[1:-1] = states
    return np.hstack([states.astype(np.float32), padded[:-2], padded[2:], rules[1:-1], rules[:-2], rules[2:], shape])


@dataclass
class Tagger:
    """An average of small networks: probabilities = mean over members of
    softmax(relu(standardised x @ w0 + b0) @ w1 + b1) over ``labels`` (members differ only in their seed)."""

    labels: list[str]  # "O", "B-color", "I-color", "B-not_color", …
    members: list[list[tuple[np.ndarray, np.ndarray]]]  # per member: (weights (in, out), bias (out,)) per layer
    mean: np.ndarray  # feature standardisation
    scale: np.ndarray

    def log_probabilities(self, x: np.ndarray) -> np.ndarray:
        with blas.one_thread():
            return self._log_probabilities(x)

    def _log_probabilities(self, x: np.ndarray) -> np.ndarray:
        standard = ((x - self.mean) / self.scale).astype(np.float32)
        total = np.zeros((len(x), len(self.labels)), dtype=np.float64)
        for layers in self.members:
            z = standard
            for i, (w, b) in enumerate(layers):
                z = z @ w + b
                if i < len(layers) - 1:
                    z = np.maximum(z, 0)
            z = z - z.max(axis=1, keepdims=True)
            exp = np.exp(z)
            total += exp / exp.sum(axis=1, keepdims=True)
        return np.log(total / len(self.members) + 1e-12)

    def tag(self, x: np.ndarray) -> list[str]:
        """The most probable valid BIO sequence."""
        if len(x) == 0:
            return []
        return viterbi(self.log_probabilities(x), self.labels)

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        arrays = {
            "labels": np.array(self.labels), "mean": self.mean.astype(np.float32),
            "scale": self.scale.astype(np.float32), "members": np.array(len(self.members)),
            "layers": np.array(len(self.members[0])),
        }  # fmt: skip
        for m, layers in enumerate(self.members):
            for i, (w, b) in enumerate(layers):
                arrays[f"m{m}_w{i}"], arrays[f"m{m}_b{i}"] = w.astype(np.float32), b.astype(np.float32)
        np.savez_compressed(buffer, **arrays)
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> Tagger:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            members, layers = int(data["members"]), int(data["layers"])
            return cls(
                [str(x) for x in data["labels"]],
                [[(data[f"m{m}_w{i}"], data[f"m{m}_b{i}"]) for i in range(layers)] for m in range(members)],
                data["mean"],
                data["scale"],
            )


@functools.cache
def _transitions(labels: tuple[str, ...]) -> np.ndarray:
    """0 where label j may follow label i, -inf where BIO forbids it (I-x after anything but B-x / I-x)."""
    allowed = np.zeros((len(labels), len(labels)), dtype=np.float64)
    for j, label in enumerate(labels):
        if label.startswith("I-"):
            kind = label[2:]
            for i, previous in enumerate(labels):
                if previous not in (f"B-{kind}", f"I-{kind}"):
                    allowed[i, j] = -np.inf
    return allowed


def viterbi(log_probs: np.ndarray, labels: list[str]) -> list[str]:
    transitions = _transitions(tuple(labels))
    start = np.array([-np.inf if label.startswith("I-") else 0.0 for label in labels])
    score = log_probs[0] + start
    back = np.zeros(log_probs.shape, dtype=np.int64)
    for t in range(1, len(log_probs)):
        candidates = score[:, None] + transitions
        back[t] = candidates.argmax(axis=0)
        score = candidates.max(axis=0) + log_probs[t]
    path = [int(score.argmax())]
    for t in range(len(log_probs) - 1, 0, -1):
        path.append(int(back[t, path[-1]]))
    return [labels[i] for i in reversed(path)]


def spans(tags: list[str]) -> list[tuple[str, int, int]]:
    """(type, first word, last word + 1) for every BIO span."""
    out, i = [], 0
    while i < len(tags):
        if tags[i] != "O":
            kind, j = tags[i][2:], i + 1
            while j < len(tags) and tags[j] == f"I-{kind}":
                j += 1
            out.append((kind, i, j))
            i = j
        else:
            i += 1
    return out


@functools.cache
def shipped() -> Tagger | None:
    """The trained tagger shipped with the code, or None when it has not been trained."""
    return Tagger.from_bytes(WEIGHTS.read_bytes()) if WEIGHTS.is_file() else None


def people_key(word: str) -> str:
    """A word as ``people_words`` keeps it: case-folded, without a possessive ending ("women's" → "women")."""
    return re.sub(r"['’]s?$", "", word.casefold())


@functools.cache
def people_words() -> frozenset[str]:
    """The shipped people words (empty when not trained: then the tagger's departments stand as read)."""
    return frozenset(json.loads(PEOPLE_WORDS.read_text())) if PEOPLE_WORDS.is_file() else frozenset()


@functools.cache
def digest() -> str:
    """Names the shipped weights (cached tags are only reused with the weights that made them)."""
    return hashlib.sha256(WEIGHTS.read_bytes()).hexdigest()[:16] if WEIGHTS.is_file() else "none"


def report() -> dict:
    return json.loads(REPORT.read_text()) if REPORT.is_file() else {}
