"""Knowledge-graph embeddings of shoppers and products: LightGCN over shopper–product–entity edges.

The graph has four kinds of node:

* shoppers (not paused) with at least one product event;
* *warm* products: those with at least one such event;
* entities of the warm products: their category leaf and its ancestors (prefixes of
  ``Category.tree_key``), their brand, and attribute values (``color``, ``material``, ``style``,
  ``features``, lowercased: ``color:red``, ``features:waterproof``).

Shopper–product edges weigh what the shopper did (purchase > cart add / wishlist > click / view,
a cart removal takes some back), decayed with a half-life counted back from the newest event, then
damped with ``log1p``. Product–entity edges have fixed weights (leaf and brand 1, ancestors and
attribute values 0.5). LightGCN propagates free embeddings over the symmetrically normalised
adjacency (``D^-1/2 A D^-1/2``, a ``torch.sparse`` CSR matrix) for K layers and averages the layers;
BPR loss on (shopper, interacted product, random product) triples, Adam. Shopper and warm product
vectors are the averaged layers.

*Cold* products (no events) are not trained: for a million products that would mean a million free
vectors, their Adam state and a million-row propagation, all for nodes that take no part in the loss
except as negatives. Instead a cold product's vector is what one more propagation step gives a node
whose own embedding is zero: the degree-normalised sum of its entities' vectors. So a new jacket of
a brand and category the shopper likes lands beside the jackets they bought. Only cold products
with at least one trained entity get a row (others would be noise); memory stays at the warm part
of the graph plus one streamed chunk of the catalog. Rough sizing: (shoppers + warm products +
entities) × dim × 4 bytes × ~10 (embedding, Adam state, gradient, the propagated layers), e.g. 1M
shoppers + 300k warm products at 64 dims ≈ 3.5 GB on the `training` worker; interactions cost 32 bytes
per shopper–product pair.

Scores are dot products, as LightGCN is trained; the stored vectors sit in a cosine HNSW index, which
finds the right neighbourhood but loses the popularity the norm carries (BENCHMARKS.md: HR@10 0.054
cosine vs 0.064 dot on Beauty), so a consumer should re-rank the candidates it fetches by inner product.

Deterministic for a given seed and database content (single-process torch, seeded generator, rows
in id order).
"""

from __future__ import annotations

import logging
import math
import time
import warnings
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np
import torch
from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from tqdm import tqdm

from catalog.models import Product
from profiles.models import Event, ProductGraphVector, Profile, Shopper

logger = logging.getLogger(__name__)

# How much each kind of event says about a shopper's taste (summed per shopper and product).
EVENT_WEIGHTS: dict[str, float] = {
    Event.Kind.PURCHASE: 4.0,
    Event.Kind.CART_ADD: 2.0,
    Event.Kind.WISHLIST: 2.0,
    Event.Kind.CLICK: 1.0,
    Event.Kind.VIEW: 1.0,
    Event.Kind.CART_REMOVE: -1.0,
}
HALF_LIFE_DAYS = 90.0
ATTRIBUTE_KEYS = ("color", "material", "style", "features")
LEAF_WEIGHT, ANCESTOR_WEIGHT, BRAND_WEIGHT, ATTRIBUTE_WEIGHT = 1.0, 0.5, 1.0, 0.5
MAX_VALUES_PER_ATTRIBUTE = 8
LOCK_KEY = 0x5347_4B47  # pg advisory lock: one training at a time, whatever the number of workers

DEFAULT_EPOCHS = 10  # bench/graph_training.py: more overfits the demo data and gains ~0.002 HR@10 on Beauty
DEFAULT_LAYERS = 3
DEFAULT_LR = 0.02
DEFAULT_BATCH_SIZE = 16_384
DEFAULT_REG = 1e-4
DEFAULT_TEMPERATURE: float | None = None  # None: dot-product scores (LightGCN); else cosine / temperature
STORE_BATCH_SIZE = 2_000


class GraphTrainingError(Exception):
    """The training cannot run as asked (wrong dimension, another run in progress)."""


# --------------------------------------------------------------------------------------------
# The graph, as arrays (no database): built from interactions and each warm product's entities
# --------------------------------------------------------------------------------------------


@dataclass
class Interactions:
    """One row per (shopper, product) pair: decayed event weight and when it last happened."""

    shopper_ids: np.ndarray  # int64 database ids
    product_ids: np.ndarray  # int64
    weights: np.ndarray  # float32, > 0
    last_seen: np.ndarray  # float64 epoch seconds

    def __len__(self) -> int:
        return len(self.shopper_ids)

    def subset(self, mask: np.ndarray) -> Interactions:
        return Interactions(self.shopper_ids[mask], self.product_ids[mask], self.weights[mask], self.last_seen[mask])


@dataclass
class Graph:
    shopper_ids: np.ndarray  # database id of shopper node i
    product_ids: np.ndarray  # database id of (warm) product node j
    entity_keys: list[str]  # key of entity node k ("brand:7", "cat:/shoes/boots/", "color:red")
    pair_shopper: np.ndarray  # node index of each interaction's shopper
    pair_product: np.ndarray  # node index of each interaction's product
    pair_weight: np.ndarray  # edge weight
    link_product: np.ndarray  # product–entity edges: product index, entity index, weight
    link_entity: np.ndarray
    link_weight: np.ndarray

    @property
    def sizes(self) -> tuple[int, int, int]:
        return len(self.shopper_ids), len(self.product_ids), len(self.entity_keys)

    def entity_degrees(self) -> np.ndarray:
        return np.bincount(self.link_entity, weights=self.link_weight, minlength=len(self.entity_keys))

    def adjacency(self) -> torch.Tensor:
        """Symmetric ``D^-1/2 A D^-1/2`` over nodes [shoppers | products | entities], CSR."""
        s, p, e = self.sizes
        rows = np.concatenate([self.pair_shopper, self.link_product + s])
        cols = np.concatenate([self.pair_product + s, self.link_entity + s + p])
        vals = np.concatenate([self.pair_weight, self.link_weight]).astype(np.float64)
        n = s + p + e
        degree = np.bincount(rows, weights=vals, minlength=n) + np.bincount(cols, weights=vals, minlength=n)
        inv_sqrt = np.zeros(n)
        inv_sqrt[degree > 0] = 1.0 / np.sqrt(degree[degree > 0])
        norm = (vals * inv_sqrt[rows] * inv_sqrt[cols]).astype(np.float32)
        indices = torch.from_numpy(np.stack([np.concatenate([rows, cols]), np.concatenate([cols, rows])]))
        coo = torch.sparse_coo_tensor(
            indices, torch.from_numpy(np.concatenate([norm, norm])), (n, n), check_invariants=False
        ).coalesce()
        with warnings.catch_warnings():
            # CSR is "beta" in torch, yet it is the fast path for sparse @ dense on CPU (≈3× COO).
            warnings.simplefilter("ignore", UserWarning)
            return coo.to_sparse_csr()


def product_entities(tree_key: str | None, brand_id: int | None, attributes: object) -> list[tuple[str, float]]:
    """The entity nodes a product links to, with edge weights."""
    links: list[tuple[str, float]] = []
    if tree_key:
        parts = [part for part in tree_key.strip("/").split("/") if part]
        for depth in range(len(parts), 0, -1):
            key = "cat:/" + "/".join(parts[:depth]) + "/"
            links.append((key, LEAF_WEIGHT if depth == len(parts) else ANCESTOR_WEIGHT))
    if brand_id:
        links.append((f"brand:{brand_id}", BRAND_WEIGHT))
    if isinstance(attributes, dict):
        for name in ATTRIBUTE_KEYS:
            values = attributes.get(name)
            values = values if isinstance(values, list) else [values]
            seen: set[str] = set()
            for value in values[:MAX_VALUES_PER_ATTRIBUTE]:
                if isinstance(value, str) and value.strip() and value.strip().lower() not in seen:
                    seen.add(value.strip().lower())
                    links.append((f"{name}:{value.strip().lower()}", ATTRIBUTE_WEIGHT))
    return links


def build_graph(interactions: Interactions, entities: Iterable[tuple[int, list[tuple[str, float]]]] = ()) -> Graph:
    """Index shoppers, the interacted products and their entities.

    ``entities`` yields (product id, links) for interacted products (others are ignored); it may be a
    stream, so the links of half a million products become int arrays as they come.
    """
    shopper_ids, pair_shopper = np.unique(interactions.shopper_ids, return_inverse=True)
    product_ids, pair_product = np.unique(interactions.product_ids, return_inverse=True)
    product_index = {pid: j for j, pid in enumerate(product_ids.tolist())}
    entity_index: dict[str, int] = {}
    link_product, link_entity, link_weight = array("q"), array("q"), array("f")
    for pid, links in entities:
        j = product_index.get(pid)
        if j is None:
            continue
        for key, weight in links:
            link_product.append(j)
            link_entity.append(entity_index.setdefault(key, len(entity_index)))
            link_weight.append(weight)
    return Graph(
        shopper_ids=shopper_ids,
        product_ids=product_ids,
        entity_keys=list(entity_index),
        pair_shopper=pair_shopper.astype(np.int64),
        pair_product=pair_product.astype(np.int64),
        pair_weight=np.log1p(interactions.weights).astype(np.float32),
        link_product=np.frombuffer(link_product, dtype=np.int64).copy(),
        link_entity=np.frombuffer(link_entity, dtype=np.int64).copy(),
        link_weight=np.frombuffer(link_weight, dtype=np.float32).copy(),
    )


# --------------------------------------------------------------------------------------------
# Training (plain torch)
# --------------------------------------------------------------------------------------------


class _SymmetricSpmm(torch.autograd.Function):
    """``A @ x`` for a symmetric sparse ``A``: the gradient is ``A @ g`` again, which skips torch's
    generic sparse backward (it transposes and coalesces on every call, several times slower)."""

    @staticmethod
    def forward(ctx, adjacency: torch.Tensor, x: torch.Tensor) -> torch.Tensor:  # type: ignore[override]
        ctx.adjacency = adjacency
        return torch.sparse.mm(adjacency, x)

    @staticmethod
    def backward(ctx, grad: torch.Tensor) -> tuple[None, torch.Tensor]:  # type: ignore[override]
        return None, torch.sparse.mm(ctx.adjacency, grad.contiguous())


def _propagate(adjacency: torch.Tensor, ego: torch.Tensor, layers: int) -> torch.Tensor:
    out, acc = ego, ego
    for _ in range(layers):
        out = _SymmetricSpmm.apply(adjacency, out)
        acc = acc + out
    return acc / (layers + 1)


@dataclass
class Embeddings:
    shoppers: np.ndarray  # (shoppers, dim) float32, rows as Graph.shopper_ids
    products: np.ndarray  # (warm products, dim)
    entities: np.ndarray  # (entities, dim)
    losses: list[float] = field(default_factory=list)  # mean BPR loss per epoch

    def cold_product_vectors(
        self, graph: Graph, links: list[list[tuple[str, float]]], entity_index: dict[str, int], degrees: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Vectors of products that were not trained, from their known entities; (mask of those with any, vectors)."""
        out = np.zeros((len(links), self.entities.shape[1]), dtype=np.float32)
        has = np.zeros(len(links), dtype=bool)
        for i, product_links in enumerate(links):
            known = [(entity_index[key], w) for key, w in product_links if key in entity_index]
            if not known:
                continue
            index = np.fromiter((k for k, _ in known), dtype=np.int64, count=len(known))
            weight = np.fromiter((w for _, w in known), dtype=np.float64, count=len(known))
            # One LightGCN step into a node with a zero embedding: sum_e w_pe / sqrt(d_p d_e) * E_e.
            coef = weight / np.sqrt(weight.sum() * degrees[index])
            out[i] = (coef[:, None] * self.entities[index]).sum(axis=0)
            has[i] = True
        return has, out


def train_embeddings(
    graph: Graph,
    *,
    epochs: int,
    dim: int,
    seed: int,
    layers: int = DEFAULT_LAYERS,
    lr: float = DEFAULT_LR,
    batch_size: int = DEFAULT_BATCH_SIZE,
    reg: float = DEFAULT_REG,
    temperature: float | None = DEFAULT_TEMPERATURE,
    progress: bool = False,
) -> Embeddings:
    """LightGCN + BPR with uniform negative products; positives drawn in proportion to edge weight."""
    s, p, e = graph.sizes
    if not len(graph.pair_shopper) or p < 2:
        raise GraphTrainingError("not enough interactions to train on (need at least two products)")
    generator = torch.Generator().manual_seed(seed)
    adjacency = graph.adjacency()
    ego = torch.nn.Parameter(torch.randn(s + p + e, dim, generator=generator) * 0.1)
    optimizer = torch.optim.Adam([ego], lr=lr)
    users = torch.from_numpy(graph.pair_shopper)
    items = torch.from_numpy(graph.pair_product) + s
    cdf = torch.cumsum(torch.from_numpy(graph.pair_weight).double(), 0)
    n = len(users)
    steps = math.ceil(n / batch_size)
    losses: list[float] = []
    bar = tqdm(range(epochs), desc="Graph training", unit="epoch", disable=not progress)
    for epoch in bar:
        started = time.monotonic()
        # searchsorted on the cumulative weights, not multinomial: that one stops at 2^24 categories.
        picks = torch.searchsorted(cdf, torch.rand(n, generator=generator, dtype=torch.float64) * cdf[-1])
        picks = picks.clamp_(max=n - 1)
        negatives = torch.randint(0, p, (n,), generator=generator) + s
        total = 0.0
        for step in range(steps):
            chunk = slice(step * batch_size, (step + 1) * batch_size)
            u, i, j = users[picks[chunk]], items[picks[chunk]], negatives[chunk]
            final = _propagate(adjacency, ego, layers)
            fu, fi, fj = final[u], final[i], final[j]
            if temperature:
                # Score by cosine, as the stored vectors are queried (HNSW, vector_cosine_ops).
                fu, fi, fj = (torch.nn.functional.normalize(x, dim=1) for x in (fu, fi, fj))
            margin = ((fu * fi).sum(1) - (fu * fj).sum(1)) / (temperature or 1.0)
            penalty = (ego[u].square().sum() + ego[i].square().sum() + ego[j].square().sum()) / (2 * len(u))
            loss = -torch.nn.functional.logsigmoid(margin).mean() + reg * penalty
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            total += loss.item() * len(u)
        losses.append(total / n)
        bar.set_postfix(loss=f"{losses[-1]:.4f}")
        logger.info(
            "graph training epoch %d/%d: loss %.4f (%.1fs)", epoch + 1, epochs, losses[-1], time.monotonic() - started
        )
    bar.close()
    with torch.no_grad():
        final = _propagate(adjacency, ego.detach(), layers).numpy()
    return Embeddings(
        shoppers=final[:s].copy(), products=final[s : s + p].copy(), entities=final[s + p :].copy(), losses=losses
    )


# --------------------------------------------------------------------------------------------
# Reading the database
# --------------------------------------------------------------------------------------------


def load_interactions(*, chunk_size: int = 50_000) -> Interactions:
    """Every (shopper, product) pair with a positive weight, shoppers who paused personalisation left out."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT max(created_at) FROM {Event._meta.db_table} WHERE product_id IS NOT NULL")
        (newest,) = cursor.fetchone()
    if newest is None:
        return Interactions(*(np.zeros(0, dtype=t) for t in (np.int64, np.int64, np.float32, np.float64)))
    kinds = list(EVENT_WEIGHTS)
    case = " ".join("WHEN %s THEN %s" for _ in kinds)
    sql = f"""
        SELECT e.shopper_id, e.product_id,
               SUM(CASE e.kind {case} ELSE 0 END
                   * power(0.5, extract(epoch FROM (%s - e.created_at))::float8 / %s))::float8 AS weight,
               extract(epoch FROM max(e.created_at))::float8 AS last_seen
        FROM {Event._meta.db_table} e
        JOIN {Shopper._meta.db_table} s ON s.id = e.shopper_id
        WHERE e.product_id IS NOT NULL AND e.kind = ANY(%s) AND NOT s.personalization_paused
        GROUP BY e.shopper_id, e.product_id
        HAVING SUM(CASE e.kind {case} ELSE 0 END) > 0
        ORDER BY e.shopper_id, e.product_id
    """  # noqa: S608 (table names come from the models, values are parameters)
    pairs = [v for kind in kinds for v in (kind, EVENT_WEIGHTS[kind])]
    params = [*pairs, newest, HALF_LIFE_DAYS * 86400.0, kinds, *pairs]
    chunks: list[np.ndarray] = []
    # A server-side cursor, and numpy per chunk: ten million events never sit in this process as
    # Python objects, only their (shopper, product) pairs, 32 bytes each.
    with transaction.atomic(), connection.chunked_cursor() as cursor:
        cursor.execute(sql, params)
        while rows := cursor.fetchmany(chunk_size):
            chunks.append(np.asarray(rows, dtype=np.float64))
    table = np.concatenate(chunks) if chunks else np.zeros((0, 4))
    return Interactions(
        shopper_ids=table[:, 0].astype(np.int64),
        product_ids=table[:, 1].astype(np.int64),
        weights=table[:, 2].astype(np.float32),
        last_seen=table[:, 3].copy(),
    )


def _entity_rows(queryset) -> Iterator[tuple[int, list[tuple[str, float]]]]:
    rows = queryset.order_by("id").values_list("id", "category__tree_key", "brand_id", "attributes")
    for pid, tree_key, brand_id, attributes in rows.iterator(chunk_size=5_000):
        yield pid, product_entities(tree_key, brand_id, attributes)


def iter_product_entities(
    product_ids: Iterable[int], *, chunk_size: int = 10_000
) -> Iterator[tuple[int, list[tuple[str, float]]]]:
    """(id, entity links) of the given products in id order, read in chunks."""
    ids = sorted(product_ids)
    for start in range(0, len(ids), chunk_size):
        yield from _entity_rows(Product.objects.filter(id__in=ids[start : start + chunk_size]))


def iter_cold_products(
    graph: Graph, embeddings: Embeddings, *, chunk_size: int = 5_000
) -> Iterator[tuple[list[int], np.ndarray]]:
    """(ids, vectors) of active products outside the trained graph, chunk by chunk, in id order."""
    warm = set(graph.product_ids.tolist())
    entity_index = {key: k for k, key in enumerate(graph.entity_keys)}
    degrees = graph.entity_degrees()
    ids: list[int] = []
    links: list[list[tuple[str, float]]] = []

    def flush() -> tuple[list[int], np.ndarray]:
        has, vectors = embeddings.cold_product_vectors(graph, links, entity_index, degrees)
        return [pid for pid, keep in zip(ids, has, strict=True) if keep], vectors[has]

    for pid, product_links in _entity_rows(Product.objects.active()):
        if pid in warm:
            continue
        ids.append(pid)
        links.append(product_links)
        if len(ids) >= chunk_size:
            yield flush()
            ids, links = [], []
    if ids:
        yield flush()


# --------------------------------------------------------------------------------------------
# The service
# --------------------------------------------------------------------------------------------


@dataclass
class TrainReport:
    shoppers: int = 0
    products_trained: int = 0
    products_inferred: int = 0  # cold products placed from their entities
    entities: int = 0
    interactions: int = 0  # (shopper, product) pairs
    epochs: int = 0
    dim: int = 0
    seed: int = 0
    final_loss: float | None = None
    rows_removed: int = 0  # product rows and shopper vectors of a previous run that this one no longer has
    load_seconds: float = 0.0
    train_seconds: float = 0.0
    store_seconds: float = 0.0
    trained_at: datetime | None = None
    skipped: str = ""  # why nothing was trained, when nothing was

    def summary(self) -> str:
        if self.skipped:
            return f"Graph training skipped: {self.skipped}"
        loss = f"{self.final_loss:.4f}" if self.final_loss is not None else "-"
        return (
            f"Graph embeddings ({self.dim} dims, {self.epochs} epochs, seed {self.seed}, final loss {loss}): "
            f"{self.shoppers} shoppers, {self.products_trained} products trained and {self.products_inferred} "
            f"placed from their category/brand/attributes, {self.entities} entities, {self.interactions} "
            f"shopper-product pairs; {self.rows_removed} stale vectors cleared. "
            f"Load {self.load_seconds:.1f}s, train {self.train_seconds:.1f}s, store {self.store_seconds:.1f}s."
        )


def _batches(ids: list[int], vectors: np.ndarray, size: int) -> Iterator[tuple[list[int], np.ndarray]]:
    for start in range(0, len(ids), size):
        yield ids[start : start + size], vectors[start : start + size]


def _store_shoppers(ids: list[int], vectors: np.ndarray, trained_at: datetime) -> None:
    for batch_ids, batch in _batches(ids, vectors, STORE_BATCH_SIZE):
        with transaction.atomic():
            # Shoppers merged or erased since the events were read have no row to attach to.
            alive = set(Shopper.objects.filter(id__in=batch_ids).values_list("id", flat=True))
            Profile.objects.bulk_create(
                [
                    Profile(shopper_id=sid, graph_vector=vector, graph_trained_at=trained_at)
                    for sid, vector in zip(batch_ids, batch, strict=True)
                    if sid in alive
                ],
                update_conflicts=True,
                unique_fields=["shopper"],
                update_fields=["graph_vector", "graph_trained_at"],
            )


def _store_products(ids: list[int], vectors: np.ndarray, trained_at: datetime) -> None:
    for batch_ids, batch in _batches(ids, vectors, STORE_BATCH_SIZE):
        with transaction.atomic():
            alive = set(Product.objects.filter(id__in=batch_ids).values_list("id", flat=True))
            ProductGraphVector.objects.bulk_create(
                [
                    ProductGraphVector(product_id=pid, vector=vector, trained_at=trained_at)
                    for pid, vector in zip(batch_ids, batch, strict=True)
                    if pid in alive
                ],
                update_conflicts=True,
                unique_fields=["product"],
                update_fields=["vector", "trained_at"],
            )


def graph_train(
    *,
    epochs: int = DEFAULT_EPOCHS,
    dim: int | None = None,
    seed: int = 0,
    progress: bool = False,
    layers: int = DEFAULT_LAYERS,
    lr: float = DEFAULT_LR,
    batch_size: int = DEFAULT_BATCH_SIZE,
) -> TrainReport:
    """Train the graph model on all events and replace every stored graph vector (shoppers and products).

    Rows of a previous run that this one does not produce (shoppers without events any more, products
    gone cold with no known entity) are cleared, so the stored set is always one run's output.
    """
    dim = settings.GRAPH_EMBEDDING_DIM if dim is None else dim
    if dim != settings.GRAPH_EMBEDDING_DIM:
        raise GraphTrainingError(
            f"dim {dim} does not match the stored vectors' GRAPH_EMBEDDING_DIM ({settings.GRAPH_EMBEDDING_DIM})"
        )
    if epochs < 1:
        raise GraphTrainingError("epochs must be at least 1")
    report = TrainReport(epochs=epochs, dim=dim, seed=seed)
    if settings.TORCH_THREADS:
        torch.set_num_threads(settings.TORCH_THREADS)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_lock(%s)", [LOCK_KEY])
        (locked,) = cursor.fetchone()
    if not locked:
        report.skipped = "another graph training is running"
        return report
    try:
        return _train_and_store(report, progress=progress, layers=layers, lr=lr, batch_size=batch_size)
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_unlock(%s)", [LOCK_KEY])


def _train_and_store(report: TrainReport, *, progress: bool, layers: int, lr: float, batch_size: int) -> TrainReport:
    started = time.monotonic()
    interactions = load_interactions()
    if len(interactions) == 0 or len(np.unique(interactions.product_ids)) < 2:
        report.skipped = "not enough product events to train on"
        return report
    graph = build_graph(interactions, iter_product_entities(np.unique(interactions.product_ids).tolist()))
    report.shoppers, report.products_trained, report.entities = graph.sizes
    report.interactions = len(interactions)
    report.load_seconds = time.monotonic() - started
    logger.info(
        "graph: %d shoppers, %d products, %d entities, %d pairs",
        report.shoppers,
        report.products_trained,
        report.entities,
        report.interactions,
    )

    started = time.monotonic()
    embeddings = train_embeddings(
        graph,
        epochs=report.epochs,
        dim=report.dim,
        seed=report.seed,
        layers=layers,
        lr=lr,
        batch_size=batch_size,
        progress=progress,
    )
    report.final_loss = embeddings.losses[-1]
    report.train_seconds = time.monotonic() - started

    started = time.monotonic()
    trained_at = report.trained_at = timezone.now()
    _store_shoppers(graph.shopper_ids.tolist(), embeddings.shoppers, trained_at)
    _store_products(graph.product_ids.tolist(), embeddings.products, trained_at)
    for ids, vectors in iter_cold_products(graph, embeddings):
        _store_products(ids, vectors, trained_at)
        report.products_inferred += len(ids)
    with transaction.atomic():
        removed, _ = ProductGraphVector.objects.filter(trained_at__lt=trained_at).delete()
        removed += Profile.objects.filter(graph_trained_at__lt=trained_at).update(
            graph_vector=None, graph_trained_at=None
        )
    report.rows_removed = removed
    report.store_seconds = time.monotonic() - started
    logger.info("%s", report.summary())
    return report
