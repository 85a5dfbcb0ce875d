"""Offline relevance evaluation on judged data (``products.tsv``, ``queries.tsv``, ``qrels.tsv``).

NDCG@10 over the whole catalog: gain = relevance − 1, unjudged products count 0, ideal DCG from the
judged products of each query; Recall@100 over the products with a positive gain. BM25 (bm25s,
Snowball-stemmed title + description) runs over the same products in the same run as the baseline.
"""

from __future__ import annotations

import contextlib
import csv
import math
import re
import statistics
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path


@dataclass
class Judgements:
    queries: dict[str, str]  # query id -> text
    qrels: dict[str, dict[str, float]]  # query id -> product id -> gain


JUDGED_FILES = ("products.tsv", "queries.tsv", "qrels.tsv")


def read_judgements(folder: Path, *, limit: int = 0) -> Judgements:
    """The judged queries of ``folder`` (the first ``limit`` only, when given); FileNotFoundError naming
    the first of products.tsv, queries.tsv, qrels.tsv that is missing."""
    for name in JUDGED_FILES:
        if not (folder / name).exists():
            raise FileNotFoundError(f"{folder / name} not found")
    queries: dict[str, str] = {}
    with (folder / "queries.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            queries[row["query_id"]] = row["query"]
    qrels: dict[str, dict[str, float]] = {}
    with (folder / "qrels.tsv").open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle, delimiter="\t", quoting=csv.QUOTE_NONE):
            qrels.setdefault(row["query_id"], {})[row["product_id"]] = float(row["relevance"]) - 1.0
    judged = {q: t for q, t in queries.items() if q in qrels}
    if limit:
        judged = dict(list(judged.items())[:limit])
    return Judgements(queries=judged, qrels=qrels)


def database_name(folder: Path) -> str:
    """Each judged set gets a database of its own, apart from the shop's catalog."""
    return "shopguide_eval_" + re.sub(r"\W+", "_", folder.resolve().name.lower())


@contextlib.contextmanager
def judged_database(folder: Path) -> Iterator[None]:
    """Run the shop's own code against the judged set's database; the shop's vocabulary afterwards."""
    from recommend.search import vocabulary
    from shopguide.databases import separate_database

    try:
        with separate_database(database_name(folder)):
            yield
    finally:
        vocabulary.reset()


def load_judged_catalog(folder: Path, *, write: Callable[[str], object] = print):
    """Load and embed ``folder/products.tsv`` into the current database (a re-run changes nothing)."""
    from catalog import importers, services
    from recommend.search import vocabulary

    parsed = importers.parse_file(folder / "products.tsv", fmt="tsv", mapping={"sku": "product_id"})
    if parsed.errors:
        write(f"{len(parsed.errors)} product rows skipped, e.g. {parsed.errors[0]}")
    result = services.product_upsert_many(items=parsed.items, embed=False, progress=True)
    write(f"catalog: {len(parsed.items)} products ({result.created} new)")
    embedded = services.product_embed(progress=True)
    write(f"embedded {embedded} products (0 means every vector was current)")
    vocabulary.pin(vocabulary.catalog_vocabulary())
    return parsed


def ndcg_at(ranked: list[str], gains: dict[str, float], k: int = 10) -> float:
    dcg = sum(gains.get(pid, 0.0) / math.log2(i + 2) for i, pid in enumerate(ranked[:k]))
    ideal = sorted((g for g in gains.values() if g > 0), reverse=True)[:k]
    idcg = sum(g / math.log2(i + 2) for i, g in enumerate(ideal))
    return dcg / idcg if idcg > 0 else 0.0


def recall_at(ranked: list[str], gains: dict[str, float], k: int = 100) -> float:
    relevant = {pid for pid, g in gains.items() if g > 0}
    return len(relevant & set(ranked[:k])) / len(relevant) if relevant else 0.0


@dataclass
class RunScores:
    ndcg: list[float] = field(default_factory=list)
    recall: list[float] = field(default_factory=list)
    latencies_ms: list[float] = field(default_factory=list)

    def summary(self) -> dict[str, float]:
        out = {
            "ndcg@10": round(statistics.fmean(self.ndcg), 4) if self.ndcg else 0.0,
            "recall@100": round(statistics.fmean(self.recall), 4) if self.recall else 0.0,
        }
        if self.latencies_ms:
            ordered = sorted(self.latencies_ms)
            out["p50_ms"] = round(percentile(ordered, 50), 2)
            out["p95_ms"] = round(percentile(ordered, 95), 2)
        return out


def percentile(ordered: list[float], pct: float) -> float:
    if not ordered:
        return 0.0
    index = (len(ordered) - 1) * pct / 100
    low, high = math.floor(index), math.ceil(index)
    return ordered[low] + (ordered[high] - ordered[low]) * (index - low)


def score_run(judgements: Judgements, rank: Callable[[str], list[str]], *, timed: bool = False) -> RunScores:
    scores = RunScores()
    for query_id, text in judgements.queries.items():
        started = time.perf_counter()
        ranked = rank(text)
        if timed:
            scores.latencies_ms.append((time.perf_counter() - started) * 1000)
        gains = judgements.qrels[query_id]
        scores.ndcg.append(ndcg_at(ranked, gains))
        scores.recall.append(recall_at(ranked, gains))
    return scores


class BM25Baseline:
    """bm25s over title + description, English stopwords and Snowball stemming."""

    def __init__(self, ids: list[str], texts: list[str]) -> None:
        import bm25s
        import Stemmer

        self._bm25s = bm25s
        self.stemmer = Stemmer.Stemmer("english")
        self.ids = ids
        self.retriever = bm25s.BM25()
        self.retriever.index(
            bm25s.tokenize(texts, stopwords="en", stemmer=self.stemmer, show_progress=False), show_progress=False
        )

    def rank(self, text: str, k: int = 100) -> list[str]:
        tokens = self._bm25s.tokenize([text], stopwords="en", stemmer=self.stemmer, show_progress=False)
        if not tokens.vocab:
            return []
        docs, _ = self.retriever.retrieve(tokens, k=min(k, len(self.ids)), show_progress=False)
        return [self.ids[i] for i in docs[0]]
