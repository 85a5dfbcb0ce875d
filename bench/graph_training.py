"""Graph embeddings (profiles/graph.py): training time and leave-last-out HR@10 / NDCG@10 vs popularity.

    SHOPGUIDE_DATA_DIR=.data .venv/bin/python bench/graph_training.py [--source demo,beauty] [--epochs 40]

For each source, every shopper's last interacted item is held out, the model trains on the rest, and
each shopper's held-out item is ranked against every candidate they have not interacted with in
training; popularity (distinct training shoppers per item) is ranked the same way in the same run.

* ``demo``: the events in the configured database (generate them first with
  ``manage.py generate_demo_catalog --products 20000 --shoppers 3300``), read by the very loader
  the service uses; candidates are all active products: trained ones, plus cold ones placed from
  their category/brand/attributes (a held-out product nobody else touched is one of those).
* ``beauty``: ``../shared/data/recs/beauty/sequences.txt`` (read in place, never copied), no side
  information, every item in the training part is a candidate. Published on the *next* item (not in
  the file), full ranking: PopRec HR@10 0.0152, SASRec 0.0605; here the last item of each line is the
  target, as the data README suggests for validation.

Ranking uses cosine (what the stored vectors are queried with) and, for reference, the dot product
the model was trained with. Ties are broken by item index, the same way for every method.
Results print as markdown and land in bench/results/graph-<date>.json.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import sys
import time
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "shopguide.settings")

import django  # noqa: E402

django.setup()

from django.conf import settings  # noqa: E402

from profiles import graph  # noqa: E402

# ../shared beside a checkout, ../../shared beside a worktree under wt/.
SHARED = next(
    (d / "shared" for d in (ROOT.parent, ROOT.parent.parent) if (d / "shared").is_dir()), ROOT.parent / "shared"
)
BEAUTY = SHARED / "data" / "recs" / "beauty" / "sequences.txt"
K = 10


def split_last(interactions: graph.Interactions) -> tuple[graph.Interactions, np.ndarray, np.ndarray]:
    """(training pairs, shopper ids, held-out item ids): each shopper's most recent item, when they have ≥ 2."""
    order = np.lexsort((interactions.product_ids, interactions.last_seen, interactions.shopper_ids))
    shoppers = interactions.shopper_ids[order]
    last = np.ones(len(order), dtype=bool)
    last[:-1] = shoppers[1:] != shoppers[:-1]
    first = np.ones(len(order), dtype=bool)
    first[1:] = shoppers[1:] != shoppers[:-1]
    held = last & ~first  # the last pair of shoppers with at least two
    mask = np.ones(len(order), dtype=bool)
    mask[order[held]] = False
    return interactions.subset(mask), shoppers[held], interactions.product_ids[order][held]


def rank_metrics(
    user_vectors: np.ndarray,
    item_vectors: np.ndarray,
    train_items: list[np.ndarray],
    targets: np.ndarray,
    *,
    chunk: int = 512,
) -> tuple[float, float]:
    """HR@K and NDCG@K of ``targets`` (item indexes, -1 = not rankable) over every non-training item."""
    hits = ndcg = 0.0
    n_items = item_vectors.shape[0]
    arange = np.arange(n_items)
    for start in range(0, len(targets), chunk):
        scores = user_vectors[start : start + chunk] @ item_vectors.T
        for row, (target, seen) in enumerate(
            zip(targets[start : start + chunk], train_items[start : start + chunk], strict=True)
        ):
            if target < 0:
                continue
            s = scores[row]
            s[seen] = -np.inf
            t = s[target]
            if not np.isfinite(t):
                continue
            rank = int((s > t).sum() + ((s == t) & (arange < target)).sum())
            if rank < K:
                hits += 1
                ndcg += 1.0 / np.log2(rank + 2)
    return hits / len(targets), ndcg / len(targets)


def _category_popularity(shares, item_cat, popularity, train_items, targets, chunk: int = 256) -> tuple[float, float]:
    hits = ndcg = 0.0
    for start in range(0, len(targets), chunk):
        # Per shopper: score = share of their history in the item's category × the item's popularity.
        scores = shares[start : start + chunk][:, item_cat] * popularity[None, :]
        h, n = rank_metrics(
            np.eye(len(scores), dtype=np.float32), scores.T.copy(), train_items[start : start + chunk],
            targets[start : start + chunk],
        )  # fmt: skip
        hits += h * len(scores)
        ndcg += n * len(scores)
    return hits / len(targets), ndcg / len(targets)


def normalise(x: np.ndarray) -> np.ndarray:
    norms = np.linalg.norm(x, axis=1, keepdims=True)
    return x / np.where(norms > 0, norms, 1.0)


def evaluate(
    name: str,
    interactions: graph.Interactions,
    entities_for,
    cold_items,
    args: argparse.Namespace,
    category_of: dict[int, int] | None = None,
) -> dict:
    train, held_shoppers, held_items = split_last(interactions)
    started = time.perf_counter()
    g = graph.build_graph(train, entities_for(np.unique(train.product_ids).tolist()))
    build_seconds = time.perf_counter() - started
    started = time.perf_counter()
    emb = graph.train_embeddings(
        g, epochs=args.epochs, dim=args.dim, seed=args.seed, layers=args.layers, lr=args.lr,
        batch_size=args.batch_size, reg=args.reg, temperature=args.temperature, progress=True,
    )  # fmt: skip
    train_seconds = time.perf_counter() - started

    # Candidates: trained items, then cold ones (demo: placed from their entities; beauty: none).
    item_ids = g.product_ids.tolist()
    item_vectors = [emb.products]
    for ids, vectors in cold_items(g, emb):
        item_ids.extend(ids)
        item_vectors.append(vectors)
    item_vectors = np.concatenate(item_vectors)
    item_index = {pid: i for i, pid in enumerate(item_ids)}
    shopper_index = {sid: i for i, sid in enumerate(g.shopper_ids.tolist())}
    users = np.stack([emb.shoppers[shopper_index[s]] for s in held_shoppers])
    targets = np.array([item_index.get(int(p), -1) for p in held_items])
    seen_by: dict[int, list[int]] = {}
    for s, p in zip(train.shopper_ids.tolist(), train.product_ids.tolist(), strict=True):
        seen_by.setdefault(s, []).append(item_index[p])
    train_items = [np.asarray(seen_by[int(s)], dtype=np.int64) for s in held_shoppers]

    started = time.perf_counter()
    hr_cos, ndcg_cos = rank_metrics(normalise(users), normalise(item_vectors), train_items, targets)
    hr_dot, ndcg_dot = rank_metrics(users, item_vectors, train_items, targets)
    popularity = np.zeros((1, len(item_ids)), dtype=np.float32)
    np.add.at(popularity[0], np.array([item_index[p] for p in train.product_ids.tolist()]), 1.0)
    hr_pop, ndcg_pop = rank_metrics(
        np.ones((len(targets), 1), dtype=np.float32), popularity.T.copy(), train_items, targets
    )
    baselines = {"popularity": {"hr@10": round(hr_pop, 4), "ndcg@10": round(ndcg_pop, 4)}}
    if category_of is not None:
        # A stronger heuristic: popularity × the share of the shopper's training items in the item's category.
        cats = {c: k for k, c in enumerate(sorted(set(category_of.values()), key=str))}
        item_cat = np.array([cats[category_of.get(pid)] for pid in item_ids])
        shares = np.zeros((len(targets), len(cats)), dtype=np.float32)
        for row, seen in enumerate(train_items):
            np.add.at(shares[row], item_cat[seen], 1.0)
        hr_cat, ndcg_cat = _category_popularity(shares, item_cat, popularity[0] + 1.0, train_items, targets)
        baselines["category_popularity"] = {"hr@10": round(hr_cat, 4), "ndcg@10": round(ndcg_cat, 4)}
    eval_seconds = time.perf_counter() - started
    cold_targets = int(sum(1 for p in held_items if int(p) not in set(g.product_ids.tolist())))
    return {
        "source": name,
        "shoppers": int(g.sizes[0]),
        "items_trained": int(g.sizes[1]),
        "items_ranked": len(item_ids),
        "entities": int(g.sizes[2]),
        "training_pairs": len(train),
        "evaluated_shoppers": len(targets),
        "held_out_items_cold": cold_targets,
        "epochs": args.epochs,
        "final_loss": round(emb.losses[-1], 4),
        "build_seconds": round(build_seconds, 1),
        "train_seconds": round(train_seconds, 1),
        "eval_seconds": round(eval_seconds, 1),
        "graph_cosine": {"hr@10": round(hr_cos, 4), "ndcg@10": round(ndcg_cos, 4)},
        "graph_dot": {"hr@10": round(hr_dot, 4), "ndcg@10": round(ndcg_dot, 4)},
        **baselines,
    }


def demo(args: argparse.Namespace) -> dict:
    from profiles.models import Event

    started = time.perf_counter()
    interactions = graph.load_interactions()
    load_seconds = time.perf_counter() - started
    events = Event.objects.filter(product__isnull=False).count()
    from catalog.models import Product

    category_of = dict(Product.objects.values_list("id", "category_id"))
    result = evaluate(
        "demo", interactions, graph.iter_product_entities, graph.iter_cold_products, args, category_of=category_of
    )
    return result | {"events": events, "load_seconds": round(load_seconds, 1)}


def beauty(args: argparse.Namespace) -> dict:
    users: list[int] = []
    items: list[int] = []
    order: list[int] = []
    item_codes: dict[str, int] = {}
    with args.beauty.open(encoding="utf-8") as handle:
        for u, line in enumerate(handle):
            parts = line.split()
            for position, code in enumerate(parts[1:]):
                users.append(u)
                items.append(item_codes.setdefault(code, len(item_codes)))
                order.append(position)
    # Aggregate repeats into one weighted pair, last position kept (the loader does the same in SQL).
    keys = np.asarray(users, dtype=np.int64) * 1_000_000 + np.asarray(items, dtype=np.int64)
    unique, inverse = np.unique(keys, return_inverse=True)
    weights = np.bincount(inverse).astype(np.float32)
    last = np.zeros(len(unique))
    np.maximum.at(last, inverse, np.asarray(order, dtype=np.float64))
    interactions = graph.Interactions(unique // 1_000_000, unique % 1_000_000, weights, last)
    result = evaluate("beauty", interactions, lambda ids: (), lambda g, emb: iter(()), args)
    return result | {"events": len(users)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--source", default="demo,beauty")
    parser.add_argument("--epochs", type=int, default=graph.DEFAULT_EPOCHS)
    parser.add_argument("--dim", type=int, default=settings.GRAPH_EMBEDDING_DIM)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--layers", type=int, default=graph.DEFAULT_LAYERS)
    parser.add_argument("--lr", type=float, default=graph.DEFAULT_LR)
    parser.add_argument("--batch-size", type=int, default=graph.DEFAULT_BATCH_SIZE)
    parser.add_argument("--reg", type=float, default=graph.DEFAULT_REG)
    parser.add_argument(
        "--temperature", type=float, default=graph.DEFAULT_TEMPERATURE, help="cosine scores / T (default: dot)"
    )
    parser.add_argument(
        "--entity-weights",
        default=None,
        help="leaf,ancestor,brand,attribute edge weights (default: profiles.graph's)",
    )
    parser.add_argument("--beauty", type=Path, default=BEAUTY)
    args = parser.parse_args()
    if args.entity_weights:
        graph.LEAF_WEIGHT, graph.ANCESTOR_WEIGHT, graph.BRAND_WEIGHT, graph.ATTRIBUTE_WEIGHT = map(
            float, args.entity_weights.split(",")
        )
    import torch

    results = {
        "date": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} cores, torch threads {torch.get_num_threads()}",
        "runs": [],
    }
    for source in args.source.split(","):
        run = {"demo": demo, "beauty": beauty}[source](args)
        results["runs"].append(run)
        print(json.dumps(run, indent=1), flush=True)

    print(f"\n{results['machine']}, {results['date']}")
    print("\n| data | method | HR@10 | NDCG@10 |\n|---|---|---:|---:|")
    for r in results["runs"]:
        for method in ("graph_cosine", "graph_dot", "popularity", "category_popularity"):
            if method in r:
                print(f"| {r['source']} | {method} | {r[method]['hr@10']:.4f} | {r[method]['ndcg@10']:.4f} |")
        print(f"| {r['source']} | training time (graph build + {r['epochs']} epochs) | "
              f"{r['build_seconds'] + r['train_seconds']:.0f} s | {r['training_pairs']:,} pairs |")  # fmt: skip
    out = ROOT / "bench" / "results"
    out.mkdir(parents=True, exist_ok=True)
    (out / f"graph-{results['date'][:16].replace(':', '')}.json").write_text(json.dumps(results, indent=2))


if __name__ == "__main__":
    main()
