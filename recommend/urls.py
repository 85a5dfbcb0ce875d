"""Storefront search pages (the JSON API lives in recommend/api_urls.py)."""

from __future__ import annotations

from django.urls import path

from recommend import views

app_name = "recommend"

urlpatterns = [
    # No trailing slash: the search form in every page's header has always pointed at /search.
    path("search", views.search_page, name="search"),
    path("search/suggest", views.search_suggest, name="suggest"),
]
