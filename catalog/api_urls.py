from __future__ import annotations

from django.urls import path

from catalog import apis

urlpatterns = [
    path("products", apis.ProductListApi.as_view(), name="api-product-list"),
    path("products/<int:pk>", apis.ProductDetailApi.as_view(), name="api-product-detail"),
    path("categories", apis.CategoryListApi.as_view(), name="api-category-list"),
]
