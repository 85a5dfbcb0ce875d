"""Storefront search pages and recommendation rows (the JSON API lives in recommend/api_urls.py)."""

from __future__ import annotations

from django.urls import path

from recommend import recs_views, views
from shopguide.cache_policy import personal

app_name = "recommend"

urlpatterns = [
    # No trailing slash: the search form in every page's header has always pointed at /search.
    path("search", views.search_page, name="search"),
    path("search/suggest", views.search_suggest, name="suggest"),
    # Rows for the home, product and cart pages: an htmx slot there loads them, a plain link shows them as a page.
    path("recommendations/", personal(recs_views.home_recommendations), name="home_recommendations"),
    path("recommendations/product/<int:pk>", recs_views.product_recommendations, name="product_recommendations"),
    path("recommendations/cart", personal(recs_views.cart_recommendations), name="cart_recommendations"),
]
