from __future__ import annotations

from django.urls import path

from orders import apis
from shopguide.cache_policy import personal

urlpatterns = [
    path("cart", personal(apis.CartGetApi.as_view()), name="api-cart"),
    path("cart/lines", personal(apis.CartLineAddApi.as_view()), name="api-cart-line-add"),
    path("cart/lines/<int:product_id>", personal(apis.CartLineDetailApi.as_view()), name="api-cart-line"),
    path("orders", personal(apis.OrderListPlaceApi.as_view()), name="api-order-list"),
    path("orders/<str:number>", personal(apis.OrderDetailApi.as_view()), name="api-order-detail"),
    path("orders/<str:number>/cancel", personal(apis.OrderCancelApi.as_view()), name="api-order-cancel"),
]
