"""Account, cart and order pages (the JSON API lives in orders/api_urls.py)."""

from __future__ import annotations

from django.contrib.auth import views as auth_views
from django.urls import path

from orders import views
from shopguide.cache_policy import personal
from shopguide.throttling import throttle_login_posts

app_name = "orders"

urlpatterns = [
    path("account/", personal(views.account), name="account"),
    path("account/signup/", views.signup, name="signup"),
    path(
        "account/login/",
        throttle_login_posts(auth_views.LoginView.as_view(redirect_authenticated_user=True)),
        name="login",
    ),
    path("account/logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("account/orders/<str:number>/", personal(views.order_detail), name="order_detail"),
    path("account/orders/<str:number>/cancel/", personal(views.order_cancel), name="order_cancel"),
    path("cart/", personal(views.cart), name="cart"),
    path("cart/add/", personal(views.cart_add), name="cart_add"),
    path("cart/<int:product_id>/", personal(views.cart_update), name="cart_update"),
    path("cart/<int:product_id>/remove/", personal(views.cart_remove), name="cart_remove"),
    path("checkout/", personal(views.checkout), name="checkout"),
]
