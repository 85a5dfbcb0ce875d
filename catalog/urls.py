"""Storefront pages (the JSON API lives in catalog/api_urls.py)."""

from __future__ import annotations

from django.urls import path

from catalog import views

app_name = "catalog"

urlpatterns = [
    path("", views.home, name="home"),
    # str, not slug: category slugs may hold non-ASCII letters (slugify(allow_unicode=True)).
    path("c/<str:slug>/", views.category_detail, name="category"),
    path("p/<int:pk>/", views.product_page, name="product"),
]
