from __future__ import annotations

from django.urls import path

from recommend import apis, recs_apis
from shopguide.cache_policy import personal

urlpatterns = [
    path("search", apis.ProductSearchApi.as_view(), name="api-search"),
    path("autocomplete", apis.SearchAutocompleteApi.as_view(), name="api-autocomplete"),
    path("recommendations/for-you", personal(recs_apis.RecommendationForYouApi.as_view()), name="api-recs-for-you"),
    path("recommendations/trending", recs_apis.RecommendationTrendingApi.as_view(), name="api-recs-trending"),
    path(
        "recommendations/recently-viewed",
        personal(recs_apis.RecommendationRecentlyViewedApi.as_view()),
        name="api-recs-recently-viewed",
    ),
    path("products/<int:pk>/similar", recs_apis.ProductSimilarApi.as_view(), name="api-product-similar"),
    path(
        "products/<int:pk>/bought-together",
        recs_apis.ProductBoughtTogetherApi.as_view(),
        name="api-product-bought-together",
    ),
    path("cart/recommendations", personal(recs_apis.CartRecommendationsApi.as_view()), name="api-cart-recommendations"),
]
