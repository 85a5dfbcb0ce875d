"""Catalog writes: categories, brands, product upserts and embeddings."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any

import redis
from django.conf import settings
from django.db import connection, transaction
from django.utils.text import slugify
from tqdm import tqdm

from catalog.models import Brand, Category, Product
from shopguide import embedding

logger = logging.getLogger(__name__)

CATEGORY_SEPARATOR = ">"
# Products changed by one write up to this many are embedded by id; a larger write sends one sweep.
EMBED_BY_ID_LIMIT = 1000


class CatalogError(Exception):
    """A catalog write that the data forbids."""


@dataclass(frozen=True)
class ProductInput:
    """One product as it comes in (import, demo generator, admin), before it is tied to rows."""

    sku: str
    title: str
    description: str = ""
    category_path: str = ""
    brand: str = ""
    price: Decimal | None = None
    currency: str = "USD"
    attributes: dict[str, Any] = field(default_factory=dict)
    rating: Decimal | None = None
    review_count: int = 0
    stock: int = 0
    is_active: bool = True
    image_url: str = ""


@dataclass
class UpsertResult:
    created: int = 0
    updated: int = 0
    product_ids: list[int] = field(default_factory=list)


def split_category_path(path: str) -> list[str]:
    return [part.strip() for part in path.split(CATEGORY_SEPARATOR) if part.strip()]


def category_ensure_path(*, path: str, cache: dict[str, Category] | None = None) -> Category | None:
    """Return the leaf of "A > B > C", creating missing levels. Empty path: no category."""
    names = split_category_path(path)
    if not names:
        return None
    cache = {} if cache is None else cache
    parent: Category | None = None
    for depth in range(len(names)):
        display = f" {CATEGORY_SEPARATOR} ".join(names[: depth + 1])
        category = cache.get(display)
        if category is None:
            tree_key = (
                "/" + "/".join(slugify(n, allow_unicode=True) or f"c{abs(hash(n))}" for n in names[: depth + 1]) + "/"
            )
            category = Category.objects.filter(tree_key=tree_key).first()
            if category is None:
                category = Category.objects.create(
                    name=names[depth],
                    slug=_unique_slug(Category, tree_key.strip("/").replace("/", "-")),
                    parent=parent,
                    path=display,
                    tree_key=tree_key,
                    depth=depth,
                )
            cache[display] = category
        parent = category
    return parent


def brand_ensure(*, name: str, cache: dict[str, Brand] | None = None) -> Brand | None:
    name = name.strip()
    if not name:
        return None
    cache = {} if cache is None else cache
    key = name.casefold()
    brand = cache.get(key)
    if brand is None:
        brand = Brand.objects.filter(name__iexact=name).first()
        if brand is None:
            brand = Brand.objects.create(name=name, slug=_unique_slug(Brand, name))
        cache[key] = brand
    return brand


def _unique_slug(model: type[Category] | type[Brand], text: str) -> str:
    base = (slugify(text, allow_unicode=True) or "item")[:120]
    slug, n = base, 1
    while model.objects.filter(slug=slug).exists():
        n += 1
        slug = f"{base}-{n}"
    return slug


def attribute_words(attributes: dict[str, Any]) -> list[str]:
    """Attribute values as plain words (lists flattened), for full-text search and embeddings."""
    words: list[str] = []
    for key in sorted(attributes):
        value = attributes[key]
        values = value if isinstance(value, list) else [value]
        for v in values:
            if isinstance(v, bool):
                if v:
                    words.append(key.replace("_", " "))
            elif v not in (None, ""):
                words.append(str(v))
    return words


def search_terms_for(product: Product) -> str:
    parts = [
        product.brand.name if product.brand else "",
        product.category.path.replace(">", " ") if product.category else "",
    ]
    parts += attribute_words(product.attributes or {})
    return " ".join(p for p in parts if p)


def embedding_text(product: Product) -> str:
    """The text a product's vector is made from: what a shopper would say about it, most telling first."""
    parts = [product.title]
    if product.brand:
        parts.append(f"Brand: {product.brand.name}")
    if product.category:
        parts.append(f"Category: {product.category.path}")
    words = attribute_words(product.attributes or {})
    if words:
        parts.append(", ".join(words))
    if product.description:
        # The model reads 256 word pieces at most; the opening of a description carries its meaning.
        parts.append(product.description[:600])
    return ". ".join(parts)


UPSERT_FIELDS = [
    "title", "description", "category", "brand", "price", "currency", "attributes", "rating",
    "review_count", "stock", "is_active", "image_url", "search_terms", "content_hash", "updated_at",
]  # fmt: skip


def product_upsert_many(
    *, items: Sequence[ProductInput], batch_size: int = 2000, progress: bool = False, embed: bool = True
) -> UpsertResult:
    """Insert or update products by sku in one transaction; changed products are embedded after commit."""
    result = UpsertResult()
    categories: dict[str, Category] = {}
    brands: dict[str, Brand] = {}
    with transaction.atomic():
        bar = tqdm(total=len(items), unit="product", desc="Saving", disable=not progress)
        for start in range(0, len(items), batch_size):
            chunk = items[start : start + batch_size]
            existing = set(Product.objects.filter(sku__in=[i.sku for i in chunk]).values_list("sku", flat=True))
            rows = [_product_from_input(i, categories, brands) for i in chunk]
            saved = Product.objects.bulk_create(
                rows, update_conflicts=True, unique_fields=["sku"], update_fields=UPSERT_FIELDS
            )
            result.product_ids.extend(p.pk for p in saved)
            result.updated += len(existing)
            result.created += len(chunk) - len(existing)
            bar.update(len(chunk))
        bar.close()
        if embed and result.product_ids:
            ids = result.product_ids if len(result.product_ids) <= EMBED_BY_ID_LIMIT else None
            transaction.on_commit(lambda: _send_embed_task(ids))
        if result.product_ids:
            transaction.on_commit(catalog_version_bump)
    return result


CATALOG_VERSION_KEY = "catalog:version"


def catalog_version_bump() -> None:
    """Tell readers that derive data from the catalog (the search vocabulary) that it changed."""
    from django.core.cache import cache

    try:
        try:
            cache.incr(CATALOG_VERSION_KEY)
        except (ValueError, redis.ResponseError):
            # No version (a new or flushed Redis, an evicted key) or not a number: start from the clock, never
            # from 1, so a vocabulary still cached under an old small version is not taken for this catalog's.
            cache.set(CATALOG_VERSION_KEY, time.time_ns() // 1000, timeout=None)
    except Exception:
        logger.warning("catalog version not bumped: cache unavailable; readers refresh when it returns")


def _send_embed_task(ids: list[int] | None) -> None:
    from catalog.tasks import embed_products

    try:
        embed_products.delay(product_ids=ids)
    except Exception:
        # The broker is down: the rows are saved; the periodic stale sweep embeds them later.
        logger.warning(
            "could not queue embedding of %s products; the stale sweep will catch up", len(ids or []) or "all"
        )


def _product_from_input(item: ProductInput, categories: dict[str, Category], brands: dict[str, Brand]) -> Product:
    product = Product(
        sku=item.sku,
        title=item.title,
        description=item.description,
        category=category_ensure_path(path=item.category_path, cache=categories),
        brand=brand_ensure(name=item.brand, cache=brands),
        price=item.price,
        currency=item.currency,
        attributes=item.attributes,
        rating=item.rating,
        review_count=item.review_count,
        stock=item.stock,
        is_active=item.is_active,
        image_url=item.image_url,
    )
    product.search_terms = search_terms_for(product)
    product.content_hash = embedding.content_hash(embedding_text(product))
    return product


def product_refresh_derived(*, product: Product) -> Product:
    """Recompute search terms and content hash after an edit (admin); embed on commit if the text changed."""
    with transaction.atomic():
        product.search_terms = search_terms_for(product)
        product.content_hash = embedding.content_hash(embedding_text(product))
        product.save()
        if not product.embedding_is_current:
            pk = product.pk
            transaction.on_commit(lambda: _send_embed_task([pk]))
        transaction.on_commit(catalog_version_bump)
    return product


def product_embed(
    *,
    product_ids: Iterable[int] | None = None,
    chunk_size: int | None = None,
    progress: bool = False,
    on_progress: Callable[[int, int], None] | None = None,
) -> int:
    """Embed products whose vectors are missing or stale; returns how many products were written.
    ``on_progress(done, total)``: called after every chunk (the admin's operation progress).
    Each chunk (``chunk_size``, default EMBEDDING_CHUNK_SIZE) is encoded and committed on its own.

    Each product gets two vectors from the same model: its embedding text (title, brand, category,
    attributes, description) and its title alone. A product whose embedding text *is* its title gets
    one vector for both; one whose text vector is current but whose title vector is missing (a catalog
    embedded before title vectors existed) gets its title encoded only.

    Idempotent: only stale products are read, and each vector is written with a compare-and-set on
    the content hash it was made from, so an edit made meanwhile is never overwritten by an old vector
    (that edit queued its own embedding).
    """
    model = embedding.model_name()
    chunk_size = chunk_size or settings.EMBEDDING_CHUNK_SIZE
    qs = Product.objects.embedding_stale(model).select_related("brand", "category").order_by("id")
    if product_ids is not None:
        qs = qs.filter(id__in=list(product_ids))
    total = qs.count()
    written, last_id = 0, 0
    bar = tqdm(total=total, unit="product", desc="Embedding", disable=not progress)
    while True:
        chunk = list(qs.filter(id__gt=last_id)[:chunk_size])
        if not chunk:
            break
        last_id = chunk[-1].id
        texts = [embedding_text(p) for p in chunk]
        hashes = [embedding.content_hash(t) for t in texts]
        current = [
            p.embedding is not None and p.embedding_model == model and p.embedding_hash == h
            for p, h in zip(chunk, hashes, strict=True)
        ]
        stale = [i for i, ok in enumerate(current) if not ok]
        vectors: list[Any] = [p.embedding for p in chunk]
        for i, v in zip(stale, embedding.encode([texts[i] for i in stale]), strict=True):
            vectors[i] = v
        own_title = [i for i, p in enumerate(chunk) if p.title != texts[i]]
        titles: list[Any] = list(vectors)  # the text is the title: one vector serves both
        for i, v in zip(own_title, embedding.encode([chunk[i].title for i in own_title]), strict=True):
            titles[i] = v
        rows = [
            (p.id, embedding.vector_literal(v), embedding.vector_literal(t), h)
            for p, v, t, h in zip(chunk, vectors, titles, hashes, strict=True)
        ]
        written += _write_vectors(rows, model)
        bar.update(len(chunk))
        if on_progress is not None:
            on_progress(bar.n, total)
    bar.close()
    return written


def _write_vectors(rows: list[tuple[int, str, str, str]], model: str) -> int:
    from psycopg2.extras import execute_values

    with transaction.atomic(), connection.cursor() as cursor:
        execute_values(
            cursor.cursor,
            """
            UPDATE catalog_product AS p
               SET embedding = v.vec::vector, title_embedding = v.title_vec::vector, embedding_hash = v.hash,
                   embedding_model = v.model
              FROM (VALUES %s) AS v (id, vec, title_vec, hash, model)
             WHERE p.id = v.id AND p.content_hash = v.hash
            """,
            [(pk, vec, title_vec, digest, model) for pk, vec, title_vec, digest in rows],
            page_size=len(rows),
        )
        return cursor.rowcount
