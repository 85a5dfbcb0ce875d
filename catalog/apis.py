"""Catalog REST API: product listing and detail, category tree."""

from __future__ import annotations

from decimal import Decimal

from django.shortcuts import get_object_or_404
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import serializers
from rest_framework.exceptions import ValidationError
from rest_framework.generics import ListAPIView, RetrieveAPIView
from rest_framework.permissions import AllowAny

from catalog import selectors
from catalog.models import Brand, Category, Product


class BrandOutput(serializers.ModelSerializer):
    class Meta:
        model = Brand
        fields = ["id", "name", "slug"]


class CategoryRefOutput(serializers.ModelSerializer):
    class Meta:
        model = Category
        fields = ["id", "name", "slug", "path"]


class ProductOutput(serializers.ModelSerializer):
    brand = BrandOutput(read_only=True)
    category = CategoryRefOutput(read_only=True)
    url = serializers.SerializerMethodField()

    class Meta:
        model = Product
        fields = [
            "id", "sku", "title", "description", "brand", "category", "price", "currency", "attributes",
            "rating", "review_count", "stock", "image_url", "url",
        ]  # fmt: skip

    def get_url(self, obj: Product) -> str:
        return f"/p/{obj.pk}/"


class CategoryOutput(serializers.ModelSerializer):
    # A root category has no parent: the schema must say null is allowed.
    parent = serializers.PrimaryKeyRelatedField(read_only=True, allow_null=True)
    product_count = serializers.IntegerField(read_only=True)

    class Meta:
        model = Category
        fields = ["id", "name", "slug", "path", "depth", "parent", "product_count"]


class ProductListInput(serializers.Serializer):
    category = serializers.SlugField(required=False, help_text="category slug; includes its subcategories")
    brand = serializers.ListField(child=serializers.SlugField(), required=False, help_text="brand slug, repeatable")
    min_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=Decimal(0))
    max_price = serializers.DecimalField(max_digits=12, decimal_places=2, required=False, min_value=Decimal(0))
    min_rating = serializers.DecimalField(max_digits=2, decimal_places=1, required=False, min_value=0, max_value=5)
    in_stock = serializers.BooleanField(required=False, default=False)
    sort = serializers.ChoiceField(choices=list(selectors.SORTS), required=False, default="relevance")

    def validate(self, attrs: dict) -> dict:
        low, high = attrs.get("min_price"), attrs.get("max_price")
        if low is not None and high is not None and low > high:
            raise ValidationError({"min_price": "must not be greater than max_price"})
        return attrs


@extend_schema(
    parameters=[
        ProductListInput,
        OpenApiParameter("page", int, description="page number, from 1"),
        OpenApiParameter("page_size", int, description="items per page, at most 100"),
    ]
)
class ProductListApi(ListAPIView):
    """Active products, filtered and sorted; paginated."""

    serializer_class = ProductOutput
    permission_classes = [AllowAny]
    filter_backends: list = []

    def get_queryset(self):
        params = self.request.query_params.copy()
        data = {k: params.get(k) for k in params if k != "brand"}
        if "brand" in params:
            data["brand"] = params.getlist("brand")
        data.pop("page", None)
        data.pop("page_size", None)
        form = ProductListInput(data=data)
        form.is_valid(raise_exception=True)
        values = form.validated_data
        category = None
        if values.get("category"):
            category = selectors.category_by_slug(values["category"])
            if category is None:
                raise ValidationError({"category": f"unknown category {values['category']!r}"})
        filters = selectors.ProductFilters(
            category=category,
            brands=tuple(values.get("brand") or ()),
            min_price=values.get("min_price"),
            max_price=values.get("max_price"),
            min_rating=values.get("min_rating"),
            in_stock=values["in_stock"],
            sort=values["sort"],
        )
        return selectors.product_list(filters=filters)


class ProductDetailApi(RetrieveAPIView):
    serializer_class = ProductOutput
    permission_classes = [AllowAny]

    def get_object(self) -> Product:
        return get_object_or_404(Product.objects.active().for_listing(), pk=self.kwargs["pk"])


class CategoryListApi(ListAPIView):
    """The whole category tree, flat and ordered by path; ``parent`` links a node to its parent."""

    serializer_class = CategoryOutput
    permission_classes = [AllowAny]
    pagination_class = None
    filter_backends: list = []

    def get_queryset(self):
        return selectors.categories_with_counts()
