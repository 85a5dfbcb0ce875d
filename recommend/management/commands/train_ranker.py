from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
from django.core.management.base import BaseCommand, CommandError, CommandParser
from tqdm import tqdm

from catalog.models import Product
from recommend.search import engine, relevance, rerank, retrieval, vocabulary
from recommend.search.parser import parse

TOP = 10
STEPS = (-1.0, -0.5, -0.25, -0.1, -0.05, 0.05, 0.1, 0.25, 0.5, 1.0)
METHODS = ("pairwise", "ascent")
PAIRS_PER_QUERY = 300  # a sample of each query's (better, worse) pairs: enough, and a long query no heavier
PAIRWISE_C = 0.01  # inverse L2 strength on standardised features: strong, as 118 judged queries are few


@dataclass
class QuerySet:
    """Every query of one judged set as padded arrays: features (Q × N × F), gains (Q × N), ideal DCG."""

    name: str
    features: np.ndarray
    gains: np.ndarray
    valid: np.ndarray  # Q × N: False where a query has fewer than N candidates
    idcg: np.ndarray

    def ndcg(self, weights: np.ndarray, rows: np.ndarray | None = None) -> float:
        rows = np.arange(len(self.idcg)) if rows is None else rows
        if len(rows) == 0:
            return 0.0
        scores = np.where(self.valid[rows], self.features[rows] @ weights, -np.inf)
        # The best TOP per query without sorting all candidates (argpartition), then those TOP in order.
        top = np.argpartition(-scores, TOP - 1, axis=1)[:, :TOP]
        order = np.argsort(-np.take_along_axis(scores, top, axis=1), axis=1, kind="stable")
        top = np.take_along_axis(top, order, axis=1)
        gains = np.take_along_axis(self.gains[rows], top, axis=1)
        dcg = (gains / np.log2(np.arange(2, TOP + 2))).sum(axis=1)
        idcg = self.idcg[rows]
        return float(np.where(idcg > 0, dcg / np.where(idcg > 0, idcg, 1), 0).mean())


class Command(BaseCommand):
    help = (
        "Learn the search re-ranker's weights (recommend/search/ranker.json) from judged queries: DIR… with "
        "products.tsv, queries.tsv, qrels.tsv, as for evaluate_search (same evaluation databases). Pairwise "
        "logistic regression (default) or coordinate ascent on NDCG@10, each set counting equally; prints k-fold "
        "cross-validated NDCG@10 of plain fusion and of the learned ranker per set, then fits on all queries "
        "and writes the weights."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("folders", nargs="+", type=Path)
        parser.add_argument("--limit", type=int, default=0, help="the first N queries of each set only")
        parser.add_argument("--folds", type=int, default=3)
        parser.add_argument("--out", type=Path, default=rerank.WEIGHTS_FILE)
        parser.add_argument("--dry-run", action="store_true", help="cross-validate only; write nothing")
        parser.add_argument(
            "--method",
            choices=METHODS,
            default="pairwise",
            help="pairwise: logistic regression on within-query pairs (L2); ascent: coordinate ascent on NDCG@10",
        )

    def handle(
        self, *args, folders: list[Path], limit: int, folds: int, out: Path, dry_run: bool, method: str, **options
    ):
        fit = self._fit_pairwise if method == "pairwise" else self._fit_ascent
        sets = []
        for folder in folders:
            try:
                judgements = relevance.read_judgements(folder, limit=limit)
            except FileNotFoundError as exc:
                raise CommandError(str(exc)) from exc
            with relevance.judged_database(folder):
                relevance.load_judged_catalog(folder, write=self.stdout.write)
                sets.append(self._collect(folder.resolve().name, judgements))

        rng = np.random.default_rng(7)
        folds_of = [rng.integers(0, folds, size=len(s.idcg)) for s in sets]
        baseline = rerank.rrf_only().weights
        self.stdout.write(f"{'set':<14}{'queries':>8}{'fusion (cv)':>13}{'learned (cv)':>14}")
        for i, qs in enumerate(sets):
            plain, learned = [], []
            for fold in range(folds):
                train = [(s, np.flatnonzero(f != fold)) for s, f in zip(sets, folds_of, strict=True)]
                weights = fit(train)
                held = np.flatnonzero(folds_of[i] == fold)
                plain.append(qs.ndcg(baseline, held) * len(held))
                learned.append(qs.ndcg(weights, held) * len(held))
            n = len(qs.idcg)
            self.stdout.write(f"{qs.name:<14}{n:>8}{sum(plain) / n:>13.4f}{sum(learned) / n:>14.4f}")

        weights = fit([(s, np.arange(len(s.idcg))) for s in sets])
        fitted = {s.name: round(s.ndcg(weights), 4) for s in sets}
        self.stdout.write(
            "weights: " + ", ".join(f"{f}={w:+.4f}" for f, w in zip(rerank.FEATURES, weights, strict=True))
        )
        self.stdout.write(f"NDCG@10 on all queries with these weights (not held out): {fitted}")
        if dry_run:
            return
        out.write_text(
            json.dumps(
                {
                    "features": list(rerank.FEATURES),
                    "weights": [round(float(w), 6) for w in weights],
                    "trained_on": ", ".join(f"{s.name} ({len(s.idcg)} queries)" for s in sets),
                    "method": method,
                    "ndcg@10_train": fitted,
                },
                indent=2,
            )
            + "\n"
        )
        rerank.learned.cache_clear()
        self.stdout.write(f"wrote {out}")

    def _collect(self, name: str, judgements: relevance.Judgements) -> QuerySet:
        """Candidates and features of every query, exactly as search builds them before re-ranking."""
        sku_by_id = dict(Product.objects.values_list("id", "sku"))
        rows = []
        for query_id, text in tqdm(judgements.queries.items(), desc=f"features {name}", unit="query"):
            parsed = parse(text, vocabulary.get_vocabulary())
            constraints = engine.build_constraints(parsed, engine.SearchFilters(), vocabulary.get_vocabulary())
            search_text = parsed.search_text
            context = engine.QueryContext.of(search_text)
            fused, dense, keyword = engine._retrieve(search_text, engine._where(constraints), context)
            ids = [pk for pk, _ in fused]
            features = rerank.candidate_features(
                ids,
                text=search_text,
                vector=context.vector,
                idf=context.idf,
                dense=dense,
                keyword=keyword,
                lengths=retrieval.average_lengths(context.version),
            )
            qrels = judgements.qrels[query_id]
            gains = np.array([qrels.get(sku_by_id[pk], 0.0) for pk in ids])
            ideal = sorted((g for g in qrels.values() if g > 0), reverse=True)[:TOP]
            idcg = sum(g / np.log2(i + 2) for i, g in enumerate(ideal))
            rows.append((features, gains, idcg))
        width = max([TOP, *(len(r[1]) for r in rows)])
        q = len(rows)
        features = np.zeros((q, width, len(rerank.FEATURES)))
        gains = np.zeros((q, width))
        valid = np.zeros((q, width), dtype=bool)
        for i, (f, g, _) in enumerate(rows):
            features[i, : len(g)] = f
            gains[i, : len(g)] = g
            valid[i, : len(g)] = True
        return QuerySet(name, features, gains, valid, np.array([r[2] for r in rows]))

    def _fit_pairwise(self, train: list[tuple[QuerySet, np.ndarray]]) -> np.ndarray:
        """Logistic regression on feature differences of pairs (a better-judged and a worse-judged candidate
        of one query): RankNet's loss on a linear scorer. Each set counts equally, each query equally within
        its set; features standardised so one L2 strength suits them all. Deterministic (seeded sample)."""
        from sklearn.linear_model import LogisticRegression

        rng = np.random.default_rng(7)
        diffs, weights = [], []
        for qs, rows in train:
            for q in rows:
                valid = qs.valid[q]
                gains, features = qs.gains[q][valid], qs.features[q][valid]
                better, worse = np.nonzero(gains[:, None] > gains[None, :])
                if not len(better):
                    continue
                if len(better) > PAIRS_PER_QUERY:
                    keep = rng.choice(len(better), PAIRS_PER_QUERY, replace=False)
                    better, worse = better[keep], worse[keep]
                diffs.append(features[better] - features[worse])
                weights.append(np.full(len(better), 1.0 / (len(rows) * len(better))))
        if not diffs:
            return rerank.rrf_only().weights.copy()
        x = np.vstack(diffs)
        w = np.concatenate(weights)
        # Both orders of every pair, so the classes balance and no intercept is needed.
        x, y, w = np.vstack([x, -x]), np.r_[np.ones(len(w)), np.zeros(len(w))], np.r_[w, w]
        spread = x.std(axis=0)
        spread[spread == 0] = 1.0
        model = LogisticRegression(C=PAIRWISE_C, fit_intercept=False, max_iter=3000)
        model.fit(x / spread, y, sample_weight=w * len(w) / w.sum())
        return model.coef_[0] / spread

    def _fit_ascent(self, train: list[tuple[QuerySet, np.ndarray]]) -> np.ndarray:
        """Coordinate ascent from plain fusion: each set's mean NDCG@10 counts equally."""

        def objective(w: np.ndarray) -> float:
            values = [qs.ndcg(w, rows) for qs, rows in train if len(rows)]
            return float(np.mean(values)) if values else 0.0

        weights = rerank.rrf_only().weights.copy()
        # Steps in units of each feature's spread, so one grid suits cosines and 1/(60+rank) alike.
        spread = np.concatenate([qs.features[qs.valid] for qs, _ in train]).std(axis=0)
        spread = np.where(spread > 0, 1.0 / np.where(spread > 0, spread, 1), 0.0) * 0.02
        best = objective(weights)
        for _ in range(6):
            improved = False
            for j in range(len(weights)):
                if spread[j] == 0:
                    continue
                for step in STEPS:
                    trial = weights.copy()
                    trial[j] += step * spread[j]
                    value = objective(trial)
                    if value > best + 1e-5:
                        best, weights, improved = value, trial, True
            if not improved:
                break
        return weights
