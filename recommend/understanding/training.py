"""Training the slot tagger (``manage.py train_understanding``): examples, features, k-fold cross-validation, fit.

Examples come from a QueryNER-style CoNLL file (the train split only: this module never reads a dev file) and
from sentences generated from the shop's own vocabulary (``recommend.understanding.generate``). The one
hyper-parameter (the inverse L2 strength ``C``) is chosen by cross-validation on those examples.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass

import numpy as np

from catalog import demo
from recommend.search import lexicon
from recommend.search.evaluation import read_conll, slot_spans, without_leading_for
from recommend.search.parser import merge_learned, parse_rules
from recommend.search.vocabulary import Vocabulary, base_vocabulary
from recommend.understanding import generate, refinement, tagger
from recommend.understanding.generate import Vocab
from recommend.understanding.refinement import RefinementHead
from recommend.understanding.tagger import RuleMark, Tagger, features, marks_for, spans, words_of
from shopguide import embedding

SEED = 20261207
HIDDEN = 256
# Networks averaged: 5 beat 1 by 0.009 micro-F1 in 5-fold cross-validation on the QueryNER train split.
MEMBERS = 5
ALPHAS = (1e-3, 1e-2)  # the L2 strengths cross-validation chooses from
# Department spans are scored and learned without a leading "for" (the test split's convention: the people
# word is the department, "for" is a preposition).
DEPARTMENT_WITHOUT_FOR = True


@dataclass
class Example:
    words: list[str]
    tags: list[str]
    source: str  # "queryner" or "generated"


def rule_marks(words: list[str], vocabulary: Vocabulary) -> list[RuleMark | None]:
    """What the rule parser says of each word of ``" ".join(words)`` (as ``parser.merge_learned`` asks)."""
    text = " ".join(words)
    return marks_for(parse_rules(text, vocabulary).slots, words_of(text))


def conll_examples(path) -> list[Example]:
    examples = []
    for query in read_conll(path):
        tags = ["O"] * len(query.tokens)
        for kind, start, end in query.spans:
            if (
                DEPARTMENT_WITHOUT_FOR
                and kind == "department"
                and end - start > 1
                and query.tokens[start].lower() == "for"
            ):
                start += 1
            tags[start] = f"B-{kind}"
            for k in range(start + 1, end):
                tags[k] = f"I-{kind}"
        examples.append(Example(list(query.tokens), tags, "queryner"))
    return examples


def people_words(examples: list[Example]) -> list[str]:
    """The words QueryNER's annotators label a department in at least half the places they appear ("women",
    "toddler", "seniors", "cops"), read from the train split: a department the tagger reads in other words
    ("bedroom": 1 of 16 times, "gym": 0 of 11) is not one."""
    seen: Counter[str] = Counter()
    department: Counter[str] = Counter()
    for example in examples:
        if example.source != "queryner":
            continue
        for word, tag in zip(example.words, example.tags, strict=True):
            key = tagger.people_key(word)
            seen[key] += 1
            department[key] += tag.endswith("-department")
    return sorted(w for w in seen if w and department[w] * 2 >= seen[w] and department[w] > 0)


def featurize(examples: list[Example], vocabulary: Vocabulary, *, progress: bool = False) -> list[np.ndarray]:
    # The words as the run time sees them (edge punctuation trimmed): ``tagger.words_of``.
    _, states = embedding.encode_words(
        [[w.text for w in words_of(" ".join(e.words))] for e in examples], batch_size=128
    )
    rows = []
    items: Iterable = zip(examples, states, strict=True)
    if progress:
        from tqdm import tqdm

        items = tqdm(items, total=len(examples), desc="features", unit="query")
    for example, state in items:
        words = [w.text for w in words_of(" ".join(example.words))]
        rows.append(features(state, words, rule_marks(example.words, vocabulary)))
    return rows


def fit(
    xs: list[np.ndarray], tags: list[list[str]], *, alpha: float, members: int = MEMBERS, seed: int = SEED
) -> Tagger:
    """``members`` networks on the same examples, seeds ``seed``, ``seed + 1``, …; the tagger averages them."""
    from sklearn.neural_network import MLPClassifier  # training only: the web process never imports sklearn

    x = np.vstack(xs).astype(np.float32)
    y = [t for seq in tags for t in seq]
    labels = ["O", *sorted({t for t in y if t != "O"}, key=lambda t: (t[2:], t[0]))]
    mean = x.mean(axis=0)
    scale = x.std(axis=0)
    scale[scale < 1e-6] = 1.0
    standard = (x - mean) / scale
    target = [labels.index(t) for t in y]
    networks = []
    for member in range(members):
        model = MLPClassifier(
            hidden_layer_sizes=(HIDDEN,), alpha=alpha, early_stopping=True, random_state=seed + member, max_iter=200
        )
        model.fit(standard, target)
        (w0, w1), (b0, b1) = model.coefs_, model.intercepts_
        # Output columns in the order of ``labels``; a label this fit never saw is never predicted.
        weights = np.zeros((w1.shape[0], len(labels)), dtype=np.float32)
        bias = np.full(len(labels), -30.0, dtype=np.float32)
        for column, label_index in enumerate(model.classes_):
            weights[:, label_index], bias[label_index] = w1[:, column], b1[column]
        networks.append([(w0.astype(np.float32), b0.astype(np.float32)), (weights, bias)])
    return Tagger(labels, networks, mean, scale)


def span_scores(gold: list[list[str]], predicted: list[list[str]], kinds: Iterable[str]) -> dict:
    kinds = tuple(kinds)
    return set_scores(
        [{s for s in spans(g) if s[0] in kinds} for g in gold],
        [{s for s in spans(p) if s[0] in kinds} for p in predicted],
        kinds,
    )


def folds(n: int, k: int, seed: int = SEED) -> list[list[int]]:
    order = list(range(n))
    random.Random(seed).shuffle(order)
    return [order[i::k] for i in range(k)]


def cross_validate(
    xs: list[np.ndarray], tags: list[list[str]], *, alpha: float, k: int, kinds: Iterable[str], scored: list[bool]
) -> tuple[dict, dict[int, list[str]]]:
    """k-fold figures over the examples marked ``scored`` (the others are always in training), and each scored
    example's out-of-fold tags."""
    predicted: dict[int, list[str]] = {}
    for held in folds(len(xs), k):
        held_set = set(held)
        train = [i for i in range(len(xs)) if i not in held_set]
        tagger = fit([xs[i] for i in train], [tags[i] for i in train], alpha=alpha)
        for i in held:
            if scored[i]:
                predicted[i] = tagger.tag(xs[i])
    order = sorted(predicted)
    return span_scores([tags[i] for i in order], [predicted[i] for i in order], kinds), predicted


def structured_request_scores(
    examples: list[Example], predicted: dict[int, list[str]], vocabulary: Vocabulary, kinds: Iterable[str]
) -> dict:
    """What the whole understanding step (rules, then ``merge_learned`` with the out-of-fold tags) scores on the
    examples with predictions, spans as ``evaluate_query_parser`` scores them (department without a leading "for")."""
    kinds = tuple(kinds)
    gold, made = [], []
    for i, tags in sorted(predicted.items()):
        words = examples[i].words
        parsed = parse_rules(" ".join(words), vocabulary)
        merge_learned(parsed, vocabulary, tags=tuple(tags))
        gold.append(without_leading_for({s for s in spans(examples[i].tags) if s[0] in kinds}, words))
        made.append(without_leading_for({s for s in slot_spans(parsed.slots, words) if s[0] in kinds}, words))
    return set_scores(gold, made, kinds)


def set_scores(gold: list[set], predicted: list[set], kinds: tuple[str, ...]) -> dict:
    tp, fp, fn = Counter(), Counter(), Counter()
    for gs, ps in zip(gold, predicted, strict=True):
        for s in gs & ps:
            tp[s[0]] += 1
        for s in ps - gs:
            fp[s[0]] += 1
        for s in gs - ps:
            fn[s[0]] += 1

    def f1(t: int, p: int, n: int) -> float:
        return round(2 * t / (2 * t + p + n), 4) if t else 0.0

    per_type = {k: {"f1": f1(tp[k], fp[k], fn[k]), "support": tp[k] + fn[k]} for k in kinds}
    return {"micro_f1": f1(sum(tp.values()), sum(fp.values()), sum(fn.values())), "per_type": per_type}


def demo_vocabularies() -> tuple[Vocabulary, Vocab]:
    """The demo shop's vocabulary, from the demo catalog's definitions (no database needed): the parser's
    (for the rule features) and the generator's."""
    parser_vocab = base_vocabulary()
    product_types, colors, materials = set(), set(), set()
    for top in demo.TOP_CATEGORIES:
        parser_vocab.add(top.name, "category", top.name.lower())
        for sub in top.subcategories:
            parser_vocab.add(sub.name, "category", sub.name.lower())
            names = [sub.name, sub.term, *sub.nouns]
            product_types.update(n.lower() for n in names if "{" not in n)
            colors.update(sub.colors)
            materials.update(sub.materials)
            for feature in sub.features:
                parser_vocab.add(feature, "feature", feature)
            for style in sub.styles:
                parser_vocab.add(style, "style", style)
    for color in colors:
        parser_vocab.add(color, "color", color)
    for material in materials:
        parser_vocab.add(material, "material", material)
    # The words of its product titles, as ``catalog_vocabulary`` adds a catalog's title words.
    parser_vocab.known_words.update(w for phrase in product_types for w in phrase.split() if len(w) >= 3)
    brands = [b.name for b in demo.BRANDS]
    for brand in brands:
        parser_vocab.add(brand, "brand", brand)
    departments = sorted({*lexicon.DEPARTMENTS, "women's", "men's", "kids'", "boys'", "girls'"})
    generator_vocab = Vocab(
        product_types=sorted(product_types),
        brands=brands,
        colors=sorted(colors | set(lexicon.COLORS)),
        materials=sorted(materials | set(lexicon.MATERIALS)),
        departments=departments,
    )
    return parser_vocab.finish(), generator_vocab


def generated_examples(vocab: Vocab, count: int, seed: int = SEED) -> list[Example]:
    return [Example(words, tags, "generated") for words, tags in generate.sentences(vocab, count, seed)]


def train_refinement(vocab: Vocab, *, count: int = 3000, k: int = 5, seed: int = SEED) -> tuple[RefinementHead, dict]:
    """The refinement head and its k-fold figures; the threshold is the one with the best cross-validated accuracy."""
    from sklearn.linear_model import LogisticRegression  # training only

    texts, labels = refinement.examples(vocab, count, seed)
    x = embedding.encode(texts)
    y = np.array(labels)
    scores = np.zeros(len(y))
    for held in folds(len(y), k, seed):
        mask = np.ones(len(y), dtype=bool)
        mask[held] = False
        model = LogisticRegression(C=1.0, max_iter=1000).fit(x[mask], y[mask])
        scores[held] = model.predict_proba(x[held])[:, 1]
    grid = np.round(np.arange(0.2, 0.81, 0.05), 2)
    accuracy = {float(t): float(((scores >= t) == (y == 1)).mean()) for t in grid}
    threshold = max(accuracy, key=lambda t: (accuracy[t], -abs(t - 0.5)))
    model = LogisticRegression(C=1.0, max_iter=1000).fit(x, y)
    head = RefinementHead(model.coef_[0].astype(np.float32), float(model.intercept_[0]), threshold)
    return head, {"examples": len(y), "cv_accuracy": round(accuracy[threshold], 4), "threshold": threshold}
