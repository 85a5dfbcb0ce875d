from __future__ import annotations

from django.urls import path

from recommend import apis

urlpatterns = [
    path("search", apis.ProductSearchApi.as_view(), name="api-search"),
    path("autocomplete", apis.SearchAutocompleteApi.as_view(), name="api-autocomplete"),
]
