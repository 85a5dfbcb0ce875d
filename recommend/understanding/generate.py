"""Training sentences generated from a shop's own vocabulary: its product types, brands, colours, materials and
departments in many phrasings of requests, negation and price, labelled word by word as QueryNER labels them
(``core_product_type``, ``creator``, ``color``, ``material``, ``department``, ``price``) plus ``not_<type>`` for
an excluded value. Negation is learned from these: QueryNER queries hardly ever exclude anything.

The phrasings are written here from how shoppers talk, not from any evaluation file.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from typing import TYPE_CHECKING

from recommend.search import lexicon

if TYPE_CHECKING:
    from recommend.search.vocabulary import Vocabulary

NEGATABLE = ("color", "material", "creator", "core_product_type")

# Each cue: words before the excluded value, words after it ("-free" is glued to the value).
NEGATION_CUES = [
    ("no", ""), ("not", ""), ("without", ""), ("anything but", ""), ("nothing made of", ""), ("nothing in", ""),
    ("other than", ""), ("except", ""), ("excluding", ""), ("but not", ""), ("but no", ""), ("avoid", ""),
    ("i don't want", ""), ("dont want", ""), ("no more", ""), ("never", ""), ("not in", ""), ("not made of", ""),
    ("none in", ""), ("minus", ""), ("w/o", ""), ("skip the", ""), ("anything except", ""), ("nothing", ""),
    ("", "-free"), ("non-", ""), ("", "free"), ("no", "please"), ("not", "though"), ("hate", ""),
    ("allergic to", ""), ("rather not", ""), ("no", "at all"), ("apart from", ""), ("anything other than", ""),
    ("never want", "again"), ("i'm done with", ""), ("stay away from", ""), ("not a fan of", ""), ("can't stand", ""),
    ("no longer want", ""), ("none of the", ""), ("anything that isn't", ""), ("that isn't", ""), ("which aren't", ""),
    ("not too keen on", ""), ("don't like", ""), ("dislike", ""), ("leave out the", ""), ("not", "ones"),
    ("no", "stuff"), ("please no", ""), ("", "is a no"), ("", "not please"), ("absolutely no", ""), ("done with", ""),
]  # fmt: skip
# Words between two excluded values of one kind: "no red or blue", "excluding white and cream", "not wool, nylon".
JOINERS = ["or", "and", "nor", ",", "/", "or any", "and no"]
# Words after a value that keep it wanted although an exclusion came just before: "not leather, suede is fine".
WANTED_AFTER = ["is fine", "is ok", "is okay", "is good", "instead", "works", "would be great", "please", "only"]
OPENERS = [
    "", "", "", "i need", "i'm looking for", "show me", "looking for", "do you have", "find me", "i want",
    "can you find", "any", "searching for", "need", "got any", "recommend", "i would like", "help me find",
    "where are the", "i'd love some", "suggest", "do you carry", "do you guys stock", "do you sell", "have you got",
    "is there a", "are there any", "any chance you have", "what have you got in", "my son needs", "for my wife,",
]  # fmt: skip
PRICE_FORMS = [
    ("under", "${n}"), ("under", "{n}"), ("below", "{n} dollars"), ("less than", "${n}"), ("max", "{n}"),
    ("no more than", "${n}"), ("up to", "{n}"), ("at most", "${n}"), ("cheaper than", "${n}"),
    ("within", "{n} bucks"), ("over", "${n}"), ("above", "{n}"), ("at least", "${n}"), ("more than", "{n} dollars"),
    ("around", "${n}"), ("between", "{n} and {m}"), ("from", "${n} to ${m}"), ("", "${n}-${m}"),
    ("for", "${n}"), ("budget", "${n}"), ("", "{n} dollars or less"), ("", "${n} or under"),
]  # fmt: skip
PRICE_WORDS = sorted(w for w in lexicon.CHEAP_WORDS | lexicon.PREMIUM_WORDS if " " not in w)


@dataclass
class Vocab:
    """What the generator draws from."""

    product_types: list[str]
    brands: list[str]
    colors: list[str]
    materials: list[str]
    departments: list[str]


class _Sentence:
    def __init__(self) -> None:
        self.words: list[str] = []
        self.tags: list[str] = []

    def add(self, text: str, kind: str | None = None) -> None:
        for k, word in enumerate(text.split()):
            self.words.append(word)
            self.tags.append("O" if kind is None else f"{'B' if k == 0 else 'I'}-{kind}")

    def glue(self, suffix: str) -> None:
        """Attach ``suffix`` to the last word ("leather" + "-free")."""
        self.words[-1] += suffix


def _negated(s: _Sentence, rng: random.Random, kind: str, value: str, pool: list[str] | None = None) -> None:
    """An excluded ``value`` with one of the cues; with ``pool``, sometimes a second value of its kind joined to it
    (excluded as well) or a value after it that stays wanted ("not leather, suede is fine")."""
    before, after = rng.choice(NEGATION_CUES)
    if pool and not after and before not in ("non-", "") and rng.random() < 0.35:
        s.add(before)
        s.add(value, f"not_{kind}")
        other = rng.choice([v for v in pool if v != value] or pool)
        if rng.random() < 0.7:  # both excluded
            s.add(rng.choice(JOINERS))
            s.add(other, f"not_{kind}")
        else:  # the second one is wanted
            s.add(rng.choice([",", "but", ", but", "-"]))
            s.add(other, kind)
            s.add(rng.choice(WANTED_AFTER))
        return
    if after.startswith("-") or after == "free":
        if after == "free":
            s.add(value, f"not_{kind}")
            s.add("free")
        else:
            s.add(value, f"not_{kind}")
            s.glue(after)
        return
    if before == "non-":
        s.add(value, f"not_{kind}")
        s.words[-len(value.split())] = "non-" + s.words[-len(value.split())]
        return
    s.add(before)
    s.add(value, f"not_{kind}")
    if after:
        s.add(after)


def _price(s: _Sentence, rng: random.Random) -> None:
    if rng.random() < 0.25:
        s.add(rng.choice(PRICE_WORDS), "price")
        return
    cue, form = rng.choice(PRICE_FORMS)
    n = rng.choice([5, 10, 15, 20, 25, 30, 40, 50, 60, 75, 80, 99, 100, 120, 150, 200, 250, 300, 500, 1000])
    m = n + rng.choice([10, 20, 50, 100])
    s.add(f"{cue} {form.format(n=n, m=m)}".strip(), "price")


def sentence(vocab: Vocab, rng: random.Random) -> tuple[list[str], list[str]]:
    s = _Sentence()
    opener = rng.choice(OPENERS)
    if opener:
        s.add(opener)
    parts = []
    if vocab.colors and rng.random() < 0.45:
        parts.append(("color", rng.choice(vocab.colors)))
    if vocab.materials and rng.random() < 0.3:
        parts.append(("material", rng.choice(vocab.materials)))
    if vocab.brands and rng.random() < 0.25:
        parts.append(("creator", rng.choice(vocab.brands)))
    for kind, value in parts:
        s.add(value, kind)
    s.add(rng.choice(vocab.product_types), "core_product_type")
    if vocab.departments and rng.random() < 0.3:
        if rng.random() < 0.5:
            s.add("for")
        s.add(rng.choice(vocab.departments), "department")
    tail = rng.random()
    if tail < 0.55:  # an exclusion, the positive part first so the scope must be learned
        kinds = [k for k in NEGATABLE if (k != "creator" or vocab.brands)]
        kind = rng.choice(kinds)
        pool = {
            "color": vocab.colors, "material": vocab.materials, "creator": vocab.brands,
            "core_product_type": vocab.product_types,
        }[kind]  # fmt: skip
        if pool:
            if rng.random() < 0.2 and len(s.words) > 0:
                # the exclusion first: "no leather please, looking for boots"
                first = _Sentence()
                _negated(first, rng, kind, rng.choice(pool), pool)
                first.add(rng.choice([",", "-", ".", "so", "but"]))
                s.words, s.tags = first.words + s.words, first.tags + s.tags
            else:
                if rng.random() < 0.5:
                    s.add(rng.choice([",", "but", "and", "-", "just", "only", ""]) or "but")
                _negated(s, rng, kind, rng.choice(pool), pool)
    if rng.random() < 0.35:
        if rng.random() < 0.3:
            s.add(rng.choice(["and", ",", "for"]))
        _price(s, rng)
    if rng.random() < 0.1 and vocab.colors:  # a positive value after the exclusion: "no leather, in black"
        s.add(rng.choice(["in", "preferably", "ideally in"]))
        s.add(rng.choice(vocab.colors), "color")
    if rng.random() < 0.15:
        s.add(rng.choice(["please", "thanks", "?", "asap", "for a gift"]))
    words = [w for w in s.words if w]
    return words, [t for w, t in zip(s.words, s.tags, strict=True) if w]


def sentences(vocab: Vocab, count: int, seed: int) -> list[tuple[list[str], list[str]]]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        words, tags = sentence(vocab, rng)
        if rng.random() < 0.3:
            words = [w.lower() for w in words]
        out.append((words, tags))
    return out


def vocab_of(vocabulary: Vocabulary) -> Vocab:
    """What the generator draws from, read from a shop's vocabulary (its categories, brands and values)."""
    by_type: dict[str, set[str]] = {}
    for phrase, (slot_type, _) in vocabulary.phrases.items():
        by_type.setdefault(slot_type, set()).add(phrase)
    return Vocab(
        product_types=sorted(by_type.get("category", ())),
        brands=sorted(by_type.get("brand", ())),
        colors=sorted(by_type.get("color", ())),
        materials=sorted(by_type.get("material", ())),
        departments=sorted(by_type.get("department", ())),
    )
