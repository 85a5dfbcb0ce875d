"""Offline evaluation of the recommender on real shoppers' histories (``manage.py evaluate_recommendations``).

A folder with ``sequences.txt`` (``user_id item item …`` in time order, one shopper a line) and
``items.tsv`` (``item_id, title``). Everything the shop's "for you" uses is trained on the histories
with the shop's own code and parameters: transitions (``signals.transitions``), title embeddings
(the configured sentence-transformers model), graph vectors (``profiles.graph``, LightGCN) and
popularity. Each shopper is then ranked by ``blend.blend`` exactly as ``engine.for_you`` ranks a
shopper of the shop: the same history window, the same candidates per source (exact top-k here where
the shop asks pgvector's HNSW index), the same weights; every item in the shopper's history is left
out, every other item is a candidate (full ranking).

Without a hold-out file each line's last item is kept aside and the rest is the history; with one
(``user_id, item_id`` tab-separated, a header) the whole line is history and the named item the target.
Lines with nothing to find (a shopper the hold-out does not name, a single item) still train the
signals, as every shopper's events do in the shop; only the others are scored.

Baselines in the same run: popularity (shoppers per item) and a plain item-transition kNN (items
that directly followed the shopper's last item, by count).
"""

from __future__ import annotations

import html
import math
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from django.conf import settings
from tqdm import tqdm

from recommend.recs import blend, signals

CUTOFF = 10


class DatasetError(Exception):
    """The folder or hold-out file is not in the expected layout; the message names file and line."""


@dataclass
class Dataset:
    item_ids: list[str]  # index → item id
    titles: list[str]
    users: list[str]
    histories: list[list[int]]  # training part, oldest first
    targets: np.ndarray  # item index per user; -1: an item nobody has seen (always a miss)
    # Lines of shoppers with nothing to find (not in the hold-out file, or a single item): they train
    # the signals as every shopper's events do in the shop, and are not scored.
    others: list[list[int]] = field(default_factory=list)

    @property
    def n_items(self) -> int:
        return len(self.item_ids)


def read_dataset(folder: Path, *, holdout: Path | None = None) -> Dataset:
    sequences_path, items_path = folder / "sequences.txt", folder / "items.tsv"
    for path in (sequences_path, items_path):
        if not path.is_file():
            raise DatasetError(f"{path} is missing (expected sequences.txt and items.tsv in {folder})")
    index: dict[str, int] = {}
    titles: list[str] = []
    with items_path.open(encoding="utf-8") as handle:
        header = handle.readline().rstrip("\n").split("\t")
        if header[:1] != ["item_id"]:
            raise DatasetError(f"{items_path}:1: expected a header starting with item_id, got {header!r}")
        for line_number, line in enumerate(handle, start=2):
            item, _, title = line.rstrip("\n").partition("\t")
            if not item:
                raise DatasetError(f"{items_path}:{line_number}: empty item id")
            if item not in index:
                index[item] = len(index)
                titles.append(html.unescape(title).strip())

    def item_index(item: str) -> int:
        if item not in index:  # in a history but not in items.tsv: an item without a title
            index[item] = len(index)
            titles.append("")
        return index[item]

    users: list[str] = []
    full: list[list[int]] = []
    with sequences_path.open(encoding="utf-8") as handle:
        for line_number, line in enumerate(handle, start=1):
            parts = line.split()
            if not parts:
                continue
            if len(parts) < 2:
                raise DatasetError(f"{sequences_path}:{line_number}: a user id and at least one item expected")
            users.append(parts[0])
            full.append([item_index(item) for item in parts[1:]])
    if holdout is None:
        keep = [i for i, items in enumerate(full) if len(items) >= 2]
        histories = [full[i][:-1] for i in keep]
        targets = np.array([full[i][-1] for i in keep], dtype=np.int64)
        others = [items for items in full if len(items) < 2]
        users = [users[i] for i in keep]
    else:
        wanted = _read_holdout(holdout)
        row = {user: i for i, user in enumerate(users)}
        missing = [user for user in wanted if user not in row]
        if missing:
            raise DatasetError(
                f"{holdout}: {len(missing)} users have no history in {sequences_path}, e.g. {missing[0]}"
            )
        order = list(wanted)
        histories = [full[row[user]] for user in order]
        others = [items for user, items in zip(users, full, strict=True) if user not in wanted]
        targets = np.array([index.get(wanted[user], -1) for user in order], dtype=np.int64)
        users = order
    item_ids = [None] * len(index)
    for item, i in index.items():
        item_ids[i] = item
    return Dataset(item_ids, titles, users, histories, targets, others)  # type: ignore[arg-type]


def _read_holdout(path: Path) -> dict[str, str]:
    if not path.is_file():
        raise DatasetError(f"{path} does not exist")
    out: dict[str, str] = {}
    with path.open(encoding="utf-8") as handle:
        handle.readline()  # header
        for line_number, line in enumerate(handle, start=2):
            if not line.strip():
                continue
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 2 or not parts[0] or not parts[1]:
                raise DatasetError(f"{path}:{line_number}: expected user_id<TAB>item_id, got {line.rstrip()!r}")
            if parts[0] in out:
                raise DatasetError(f"{path}:{line_number}: user {parts[0]} is held out twice")
            out[parts[0]] = parts[1]
    return out


# --------------------------------------------------------------------------------------------
# Training: the shop's signals, on the histories
# --------------------------------------------------------------------------------------------


@dataclass
class Model:
    transitions: sp.csr_matrix
    embeddings: np.ndarray  # (items, dim), unit rows (zero for items without a title)
    graph_users: np.ndarray  # (users, graph dim)
    graph_items: np.ndarray  # (items, graph dim); zero rows for items the graph did not see
    popularity: np.ndarray  # shoppers per item
    seconds: dict[str, float] = field(default_factory=dict)


def train(dataset: Dataset, *, progress: bool = False, graph_epochs: int | None = None, seed: int = 0) -> Model:
    from profiles import graph
    from shopguide.embedding import encode

    seconds: dict[str, float] = {}
    started = time.monotonic()
    # Scored shoppers first, so a scored shopper's index is its row in the graph's shopper vectors.
    histories = dataset.histories + dataset.others
    transitions = signals.transitions(histories, n_items=dataset.n_items)
    seconds["transitions"] = time.monotonic() - started

    started = time.monotonic()
    texts = [title or "" for title in dataset.titles]
    has_text = np.array([bool(t) for t in texts])
    embeddings = np.zeros((dataset.n_items, settings.EMBEDDING_DIM), dtype=np.float32)
    if has_text.any():
        encoded = encode([t for t in texts if t], progress=progress)
        embeddings[has_text] = encoded / np.linalg.norm(encoded, axis=1, keepdims=True).clip(1e-12)
    seconds["embeddings"] = time.monotonic() - started

    started = time.monotonic()
    pairs = {(u, i) for u, items in enumerate(histories) for i in items}
    users = np.fromiter((u for u, _ in pairs), dtype=np.int64, count=len(pairs))
    items = np.fromiter((i for _, i in pairs), dtype=np.int64, count=len(pairs))
    order = np.lexsort((items, users))
    users, items = users[order], items[order]
    interactions = graph.Interactions(users, items, np.ones(len(users), dtype=np.float32), np.zeros(len(users)))
    graph_model = graph.build_graph(interactions)
    trained = graph.train_embeddings(
        graph_model,
        epochs=graph_epochs or graph.DEFAULT_EPOCHS,
        dim=settings.GRAPH_EMBEDDING_DIM,
        seed=seed,
        progress=progress,
    )
    graph_users = np.zeros((len(histories), settings.GRAPH_EMBEDDING_DIM), dtype=np.float32)
    graph_users[graph_model.shopper_ids] = trained.shoppers
    graph_items = np.zeros((dataset.n_items, settings.GRAPH_EMBEDDING_DIM), dtype=np.float32)
    graph_items[graph_model.product_ids] = trained.products
    seconds["graph"] = time.monotonic() - started

    popularity = np.bincount(items, minlength=dataset.n_items).astype(np.float64)
    return Model(transitions, embeddings, graph_users, graph_items, popularity, seconds)


# --------------------------------------------------------------------------------------------
# Ranking: the shop's "for you", over arrays
# --------------------------------------------------------------------------------------------


def _top(scores: np.ndarray, k: int) -> np.ndarray:
    k = min(k, len(scores))
    top = np.argpartition(-scores, k - 1)[:k]
    return top[np.lexsort((top, -scores[top]))]


def recommend(
    model: Model, user: int, history: list[int], *, k: int = CUTOFF, weights: blend.Weights = blend.DEFAULT_WEIGHTS
) -> list[int]:
    """The shop's for-you ranking of one shopper, over the model's arrays (see ``engine.for_you``)."""
    recent = blend.recent_history(reversed(history))
    seen = set(history)
    per_source = blend.CANDIDATES_PER_SOURCE + len(seen)  # the shop's queries over-fetch the same way

    def neighbours(item: int) -> list[tuple[int, float]]:
        row = model.transitions
        start, end = row.indptr[item], row.indptr[item + 1]
        return list(zip(row.indices[start:end].tolist(), row.data[start:end].tolist(), strict=True))

    transitions = blend.aggregate_transitions(recent, neighbours)

    content: dict[int, tuple[float, int | None]] = {}
    vectors = model.embeddings[recent]
    query = blend.history_vector(vectors[np.abs(vectors).sum(axis=1) > 0])
    if query is not None:
        cosines = model.embeddings @ query
        candidates = [i for i in _top(cosines, per_source).tolist() if i not in seen][: blend.CANDIDATES_PER_SOURCE]
        anchor = model.embeddings[candidates] @ vectors.T  # cosine to each history item
        for row, item in enumerate(candidates):
            content[item] = (float(cosines[item]), recent[int(np.argmax(anchor[row]))])

    graph_scores: dict[int, float] = {}
    user_vector = model.graph_users[user]
    if user_vector.any():
        # As the shop: nearest by cosine (the HNSW index), scored by dot product.
        norms = np.linalg.norm(model.graph_items, axis=1).clip(1e-12)
        dots = model.graph_items @ user_vector
        candidates = [i for i in _top(dots / norms, per_source).tolist() if i not in seen]
        graph_scores = {i: float(dots[i]) for i in candidates[: blend.CANDIDATES_PER_SOURCE]}

    popular = [i for i in _top(model.popularity, per_source).tolist() if i not in seen][: blend.CANDIDATES_PER_SOURCE]
    ranked = blend.blend(
        transitions=transitions,
        content=content,
        graph=graph_scores,
        popularity={i: float(model.popularity[i]) for i in popular},
        exclude=seen,
        weights=weights,
    )
    return [entry.item for entry in ranked[:k]]


# --------------------------------------------------------------------------------------------
# Baselines and metrics
# --------------------------------------------------------------------------------------------


def popularity_ranker(model: Model) -> Callable[[int, list[int]], list[int]]:
    order = _top(model.popularity, len(model.popularity)).tolist()

    def rank(user: int, history: list[int]) -> list[int]:
        seen = set(history)
        out: list[int] = []
        for item in order:
            if item not in seen:
                out.append(item)
                if len(out) == CUTOFF:
                    break
        return out

    return rank


def item_knn_ranker(dataset: Dataset, model: Model) -> Callable[[int, list[int]], list[int]]:
    """Plain item-transition kNN: items that directly followed the last item, by count; popularity fills."""
    histories = dataset.histories + dataset.others
    rows = [a for items in histories for a in items[:-1]]
    cols = [b for items in histories for b in items[1:]]
    counts = sp.csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(dataset.n_items, dataset.n_items))
    fill = popularity_ranker(model)

    def rank(user: int, history: list[int]) -> list[int]:
        seen = set(history)
        row = counts[history[-1]]
        pairs = sorted(
            ((-v, -model.popularity[i], i) for i, v in zip(row.indices, row.data, strict=True) if i not in seen)
        )
        out = [i for _, _, i in pairs[:CUTOFF]]
        for item in fill(user, history):
            if len(out) == CUTOFF:
                break
            if item not in out:
                out.append(item)
        return out

    return rank


@dataclass
class Scores:
    hr: float
    ndcg: float
    users: int

    def as_dict(self) -> dict[str, float]:
        return {"hr@10": round(self.hr, 4), "ndcg@10": round(self.ndcg, 4)}


def score(
    dataset: Dataset, rank: Callable[[int, list[int]], list[int]], *, progress: bool = False, desc: str = ""
) -> Scores:
    hits = 0
    gain = 0.0
    users = range(len(dataset.histories))
    for user in tqdm(users, desc=desc, unit="shopper", disable=not progress, mininterval=1.0):
        target = int(dataset.targets[user])
        if target < 0:
            continue
        ranked = rank(user, dataset.histories[user])
        if target in ranked[:CUTOFF]:
            position = ranked.index(target)
            hits += 1
            gain += 1.0 / math.log2(position + 2)
    n = len(dataset.histories)
    return Scores(hits / n if n else 0.0, gain / n if n else 0.0, n)
