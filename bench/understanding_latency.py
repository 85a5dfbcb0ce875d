"""What the understanding step costs per message: ``parse()`` with the learned tagger beside the rules alone, in
the same run, on the phrasing set's texts (and QueryNER's when given), against the demo shop's vocabulary.

    .venv/bin/python bench/understanding_latency.py [--conll ../shared/data/nlu/dev/queryner.conll] [--repeat 3]

- *rules*: ``parse(learned=False)``, the patterns and the vocabulary alone (the baseline);
- *learned, cold*: the first parse of a text: the encoder pass for the words' states plus the tagger;
- *learned, warm*: the same text again (the tags are remembered per process, as on a repeated query);
- *encoder pass*: ``embedding.encode_words`` alone for the same words, so "learned cold − encoder pass − rules"
  is what the tagger, the merge and the Viterbi pass add.
No database is used (the vocabulary is built from the demo catalog's definitions), and no shared cache: the
parser keeps a text's tags in Redis too, which would make every run after the first "warm" (the parser's cache is
replaced by Django's dummy cache here; *warm* is the per-process memo).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")

import django  # noqa: E402

django.setup()

from django.core.cache.backends.dummy import DummyCache  # noqa: E402

from recommend.search import parser  # noqa: E402
from recommend.search.evaluation import read_conll  # noqa: E402
from recommend.understanding import evaluation, tagger, training  # noqa: E402
from shopguide import embedding  # noqa: E402


def timed(fn, texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        started = time.perf_counter()
        fn(text)
        out.append((time.perf_counter() - started) * 1000)
    return out


def summary(name: str, ms: list[float]) -> str:
    ms = sorted(ms)
    p95 = ms[min(len(ms) - 1, int(0.95 * len(ms)))]
    return f"{name:<34}{statistics.median(ms):>9.3f}{p95:>9.3f}"


def main() -> None:
    args = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    args.add_argument("--conll", type=Path, help="also time these queries (a QueryNER CoNLL file)")
    args.add_argument("--repeat", type=int, default=3, help="runs of each measurement; the best median is kept")
    options = args.parse_args()
    parser.cache = DummyCache("understanding-bench", {})  # every cold pass computes its tags
    vocabulary, _ = training.demo_vocabularies()
    texts = [case.text for case in evaluation.read_cases()]
    if options.conll:
        texts += [" ".join(query.tokens) for query in read_conll(options.conll)]
    embedding.encode(["warm up the model"])
    parser.parse("warm up the tagger", vocabulary, learned=True)
    print(f"{len(texts)} texts, {len(tagger.shipped().members)} tagger networks; ms per text (p50, p95)")
    print(f"{'':<34}{'p50':>9}{'p95':>9}")
    results: dict[str, list[list[float]]] = {"rules": [], "encoder": [], "cold": [], "warm": []}
    for _ in range(options.repeat):
        parser._learned_tags.cache_clear()
        results["rules"].append(timed(lambda t: parser.parse(t, vocabulary, learned=False), texts))
        results["encoder"].append(
            timed(lambda t: embedding.encode_words([[w.text for w in tagger.words_of(t)]]), texts)
        )
        results["cold"].append(timed(lambda t: parser.parse(t, vocabulary, learned=True), texts))
        results["warm"].append(timed(lambda t: parser.parse(t, vocabulary, learned=True), texts))
    best = {k: min(v, key=statistics.median) for k, v in results.items()}
    print(summary("rules (baseline)", best["rules"]))
    print(summary("encoder pass (words' states)", best["encoder"]))
    print(summary("learned, cold (encoder + tagger)", best["cold"]))
    print(summary("learned, warm (tags remembered)", best["warm"]))
    extra = [c - e - r for c, e, r in zip(best["cold"], best["encoder"], best["rules"], strict=True)]
    print(summary("learned beyond encoder and rules", extra))


if __name__ == "__main__":
    main()
