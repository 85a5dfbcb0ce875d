from __future__ import annotations

from django.urls import path

from orders import apis

urlpatterns = [
    path("cart", apis.CartGetApi.as_view(), name="api-cart"),
    path("cart/lines", apis.CartLineAddApi.as_view(), name="api-cart-line-add"),
    path("cart/lines/<int:product_id>", apis.CartLineDetailApi.as_view(), name="api-cart-line"),
    path("orders", apis.OrderListPlaceApi.as_view(), name="api-order-list"),
    path("orders/<str:number>", apis.OrderDetailApi.as_view(), name="api-order-detail"),
    path("orders/<str:number>/cancel", apis.OrderCancelApi.as_view(), name="api-order-cancel"),
]
