"""Is a message a change to the last search ("anything cheaper?", "actually blue instead", "no leather",
"more like the first one") or something new? A logistic head on the sentence vector, asked only when there is a
last search to change. Trained by ``manage.py train_understanding`` on phrasings generated here from the shop's
vocabulary (refinements against new requests and questions); its threshold is chosen by cross-validation.
"""

from __future__ import annotations

import functools
import io
import random
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from recommend.understanding.generate import PRICE_FORMS, Vocab, sentence

WEIGHTS = Path(__file__).with_name("refinement.npz")

# A refinement names what changes, relative to what is shown; it rarely names a new kind of product.
_REFINE_TEMPLATES = [
    "anything cheaper?", "cheaper ones", "something cheaper", "cheaper please", "less expensive options",
    "got anything more affordable", "a bit cheaper?", "lower price?", "too expensive", "these are too pricey",
    "anything nicer?", "more premium ones", "higher end options", "something better quality",
    "show me more", "more", "more options please", "next page", "what else do you have", "any others?",
    "actually {color} instead", "in {color}?", "{color} ones", "do they come in {color}", "what about {color}",
    "only {color}", "{color} please", "maybe {color}", "rather {color}", "any in {color}?", "same but {color}",
    "what about {material}", "{material} ones?", "only {material} please", "in {material} instead",
    "no {color}", "not {color}", "without {material}", "nothing in {color}", "anything but {color}",
    "no {material} please", "not {brand}", "other than {brand}", "skip {brand}", "{material}-free ones",
    "only {department}", "for {department}", "{department} ones", "just {department}'s",
    "{brand} only", "any from {brand}?", "just {brand}", "what about {brand}",
    "under {price}", "below {price}", "less than {price}", "max {price}", "no more than {price}", "up to {price}",
    "over {price}", "between {price} and {price2}", "around {price}", "budget is {price}",
    "bigger sizes?", "smaller ones", "in size {size}?", "size {size}", "do you have {size}",
    "more like the first one", "similar to the second one", "like the last one but cheaper",
    "more like this", "something similar", "similar but cheaper", "like that one but in {color}",
    "better rated ones", "only 4 stars and up", "with good reviews", "in stock only", "newest first",
    "sort by price", "cheapest first", "highest rated first", "anything lighter?", "smaller?", "bigger?",
    "waterproof ones?", "only waterproof", "ones with {feature}", "without the {feature}",
    "the ones with {feature}", "show me the ones with {feature}", "just the ones with a {feature}",
    "i'd rather have a {degree} one", "a {degree} one?", "{degree} ones please", "something a bit {degree}",
    "something more {style}", "more {style} ones", "hmm, more {style}", "filter to {color}", "filter by {brand}",
    "those but in {color}", "same thing in size {size}", "same but for {department}", "any of those in {material}?",
    "i need it in {color}", "make it {color}", "switch to {material}", "change the colour to {color}",
    "can i see them in {color}", "{color} would be better", "not those, {color} ones", "the {color} ones only",
]  # fmt: skip
# New things: a product type, a question about something, a service matter, small talk.
_NEW_TEMPLATES = [
    "do you sell {product}?", "how long does shipping take", "where is my order", "i want to return something",
    "what is your return policy", "is this waterproof?", "how much does it weigh", "what is it made of",
    "compare the first two", "which one is better", "thanks!", "hello", "who are you", "what's the weather like",
    "tell me a joke", "can i pay with paypal", "my package arrived damaged", "i need help with my account",
    "is the {color} one in stock?", "does it come with a warranty", "i changed my mind, i need {product}",
    "now i need {product}", "also looking for {product}", "what about {product} for {department}",
    "forget that, i need {product}", "different thing: {product}", "is the second one {degree}?",
    "which of these is the {degree2}", "does the first one have a {feature}?", "can i return it if it's too {degree}",
    "how do i track my parcel", "ok thanks, that's all", "what are your opening hours",
]  # fmt: skip


_DEGREES = ["longer", "shorter", "bigger", "smaller", "lighter", "warmer", "thinner", "wider", "taller", "softer"]
_SUPERLATIVES = ["lightest", "warmest", "cheapest", "longest", "smallest", "best rated", "most comfortable"]


@dataclass
class RefinementHead:
    weights: np.ndarray  # (dim,)
    bias: float
    threshold: float

    def probability(self, vectors: np.ndarray) -> np.ndarray:
        return 1.0 / (1.0 + np.exp(-(vectors @ self.weights + self.bias)))

    def to_bytes(self) -> bytes:
        buffer = io.BytesIO()
        np.savez_compressed(
            buffer,
            weights=self.weights.astype(np.float32),
            bias=np.array(self.bias),
            threshold=np.array(self.threshold),
        )
        return buffer.getvalue()

    @classmethod
    def from_bytes(cls, blob: bytes) -> RefinementHead:
        with np.load(io.BytesIO(blob), allow_pickle=False) as data:
            return cls(data["weights"], float(data["bias"]), float(data["threshold"]))


@functools.cache
def shipped() -> RefinementHead | None:
    return RefinementHead.from_bytes(WEIGHTS.read_bytes()) if WEIGHTS.is_file() else None


def _fill(template: str, vocab: Vocab, rng: random.Random) -> str:
    price = rng.choice([20, 30, 40, 50, 75, 100, 150, 200])
    cue, form = rng.choice(PRICE_FORMS[:6])
    del cue
    return template.format(
        color=rng.choice(vocab.colors), material=rng.choice(vocab.materials),
        brand=rng.choice(vocab.brands) if vocab.brands else "them", department=rng.choice(["women", "men", "kids"]),
        price=form.format(n=price, m=price + 50), price2=f"${price + 50}", size=rng.choice(["8", "10", "xl", "m", "42"]),
        feature=rng.choice(["hood", "pockets", "bluetooth", "handle", "lid", "zipper"]),
        product=rng.choice(vocab.product_types), degree=rng.choice(_DEGREES), degree2=rng.choice(_SUPERLATIVES),
        style=rng.choice(["modern", "classic", "casual", "minimal", "vintage", "sporty", "elegant", "rustic"]),
    )  # fmt: skip


def examples(vocab: Vocab, count: int, seed: int) -> tuple[list[str], list[int]]:
    """``count`` texts, about a third refinements (label 1), the rest new requests, questions and other turns."""
    rng = random.Random(seed)
    texts, labels = [], []
    for k in range(count):
        kind = k % 3
        if kind == 0:
            text, label = _fill(rng.choice(_REFINE_TEMPLATES), vocab, rng), 1
        elif kind == 1:
            text, label = _fill(rng.choice(_NEW_TEMPLATES), vocab, rng), 0
        else:
            words, _ = sentence(vocab, rng)
            text, label = " ".join(words), 0
        if rng.random() < 0.3:
            text = text.lower()
        texts.append(text)
        labels.append(label)
    return texts, labels


def refines(vector: np.ndarray) -> bool | None:
    """Whether a message (its sentence vector) changes the last search; None without a trained head."""
    head = shipped()
    if head is None:
        return None
    return bool(head.probability(vector[None, :])[0] >= head.threshold)
