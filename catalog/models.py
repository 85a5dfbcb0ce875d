"""Catalog storage: category tree, brands, products with attributes, embeddings and full-text vectors."""

from __future__ import annotations

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.search import SearchVector, SearchVectorField
from django.db import models
from pgvector.django import HnswIndex, VectorField

from catalog.querysets import ProductQuerySet

EMBEDDING_DIM = 384


class Category(models.Model):
    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=200, unique=True)
    parent = models.ForeignKey("self", null=True, blank=True, related_name="children", on_delete=models.PROTECT)
    # Materialised path: "Shoes > Running Shoes" for people, "/shoes/running-shoes/" for descendant queries.
    path = models.CharField(max_length=500, editable=False)
    tree_key = models.CharField(max_length=500, unique=True, editable=False)
    depth = models.PositiveSmallIntegerField(default=0, editable=False)

    class Meta:
        verbose_name_plural = "categories"
        ordering = ["path"]
        constraints = [models.UniqueConstraint(fields=["parent", "name"], name="category_unique_name_per_parent")]
        indexes = [models.Index(fields=["tree_key"], name="category_tree_key_idx", opclasses=["varchar_pattern_ops"])]

    def __str__(self) -> str:
        return self.path


class Brand(models.Model):
    name = models.CharField(max_length=120, unique=True)
    slug = models.SlugField(max_length=140, unique=True)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Product(models.Model):
    sku = models.CharField(max_length=64, unique=True)
    title = models.CharField(max_length=400)
    description = models.TextField(blank=True)
    category = models.ForeignKey(Category, null=True, blank=True, related_name="products", on_delete=models.PROTECT)
    brand = models.ForeignKey(Brand, null=True, blank=True, related_name="products", on_delete=models.SET_NULL)
    price = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    currency = models.CharField(max_length=3, default="USD")
    # Structured attributes: color, material, sizes, gender, style, features, specs (storage, ram, ...).
    attributes = models.JSONField(default=dict, blank=True)
    rating = models.DecimalField(max_digits=2, decimal_places=1, null=True, blank=True)
    review_count = models.PositiveIntegerField(default=0)
    stock = models.IntegerField(default=0)
    is_active = models.BooleanField(default=True)
    image_url = models.URLField(max_length=500, blank=True)
    # Brand, category path and attribute values as words, kept by catalog.services for full-text search.
    search_terms = models.TextField(blank=True, editable=False)
    search_vector = models.GeneratedField(
        expression=SearchVector("title", weight="A", config="english")
        + SearchVector("search_terms", weight="B", config="english")
        + SearchVector("description", weight="C", config="english"),
        output_field=SearchVectorField(),
        db_persist=True,
    )
    # sha256 of the text that gets embedded; the vector is current when it was made from this hash
    # by the configured model (embedding_hash == content_hash and embedding_model == EMBEDDING_MODEL).
    content_hash = models.CharField(max_length=64, blank=True, editable=False)
    embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True, editable=False)
    # The title alone, by the same model and with the same hash: search's re-ranker compares the query
    # with what a product *is* (its title) apart from everything its description mentions. No index:
    # it is read only for the candidates already found.
    title_embedding = VectorField(dimensions=EMBEDDING_DIM, null=True, blank=True, editable=False)
    embedding_hash = models.CharField(max_length=64, blank=True, editable=False)
    embedding_model = models.CharField(max_length=200, blank=True, editable=False)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        ordering = ["id"]
        indexes = [
            HnswIndex(
                name="product_embedding_hnsw",
                fields=["embedding"],
                m=16,
                ef_construction=64,
                opclasses=["vector_cosine_ops"],
            ),
            GinIndex(fields=["search_vector"], name="product_search_vector_gin"),
            GinIndex(fields=["attributes"], name="product_attributes_gin", opclasses=["jsonb_path_ops"]),
            models.Index(fields=["is_active", "category"], name="product_active_category_idx"),
            models.Index(fields=["price"], name="product_price_idx"),
            models.Index(fields=["rating"], name="product_rating_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.sku} {self.title}"

    @property
    def embedding_is_current(self) -> bool:
        from shopguide.embedding import model_name

        return (
            bool(self.embedding_hash)
            and self.title_embedding is not None
            and self.embedding_hash == self.content_hash
            and self.embedding_model == model_name()
        )
