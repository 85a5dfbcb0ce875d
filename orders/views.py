"""Account, cart, checkout and order pages. Views translate HTTP to selectors and services and back.

Every form posts without JavaScript (and redirects after a POST); with htmx the add-to-cart form and
the cart swap only their own region, and the header's cart count follows out of band.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.cache import patch_vary_headers
from django.utils.http import url_has_allowed_host_and_scheme
from django.views.decorators.http import require_http_methods, require_POST

from catalog.views import HtmxHttpRequest, storefront_context, wants_partial
from orders import selectors, services
from orders.forms import SignUpForm
from orders.models import Order
from profiles.models import Event
from profiles.services import shopper_for_request
from shopguide.text import one_line
from shopguide.throttling import throttle_posts


def _int(value: str | None, default: int | None = None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return default


def _safe_next(request: HtmxHttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(target, {request.get_host()}, require_https=request.is_secure()):
        return target
    return fallback


def _vary(response: HttpResponse) -> HttpResponse:
    patch_vary_headers(response, ["HX-Request"])
    return response


STATUS_HELP = {
    Order.Status.PLACED: "We have your order and are getting it ready.",
    Order.Status.SHIPPED: "Your order is on its way.",
    Order.Status.DELIVERED: "Your order has been delivered.",
    Order.Status.CANCELLED: "This order was cancelled; nothing will be sent.",
    Order.Status.RETURNED: "This order was returned.",
}


# --- Accounts -------------------------------------------------------------------------------------


@throttle_posts("signup", by_address=True)
@require_http_methods(["GET", "POST"])
def signup(request: HtmxHttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("orders:account")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        user = form.save()
        # Signing up logs in, so a visitor's cart follows them (profiles merges it on login).
        login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        messages.success(request, f"Welcome, {user.get_username()}! Your account is ready.")
        return redirect(_safe_next(request, reverse("orders:account")))
    context = {**storefront_context(), "form": form, "next": _safe_next(request, "")}
    return render(request, "registration/signup.html", context, status=400 if form.errors else 200)


@login_required
def account(request: HtmxHttpRequest) -> HttpResponse:
    shopper = shopper_for_request(request, create=False)
    orders = list(selectors.order_list(shopper=shopper))
    return render(request, "orders/account.html", {**storefront_context(), "orders": orders})


@login_required
def order_detail(request: HtmxHttpRequest, number: str) -> HttpResponse:
    order = selectors.order_for_shopper(shopper=shopper_for_request(request, create=False), number=number)
    if order is None:
        raise Http404("No such order.")
    return render(
        request,
        "orders/order_detail.html",
        {**storefront_context(), "order": order, "status_help": STATUS_HELP.get(order.status, "")},
    )


@login_required
@require_POST
def order_cancel(request: HtmxHttpRequest, number: str) -> HttpResponse:
    shopper = shopper_for_request(request, create=False)
    if selectors.order_for_shopper(shopper=shopper, number=number) is None:
        raise Http404("No such order.")
    try:
        order = services.order_cancel(shopper=shopper, number=number)
    except services.OrderError as error:
        messages.error(request, error.detail)
    else:
        messages.success(request, f"Order {order.number} is cancelled.")
    return redirect("orders:order_detail", number=number)


# --- Cart -----------------------------------------------------------------------------------------


def cart(request: HtmxHttpRequest) -> HttpResponse:
    context = {"cart": selectors.cart_view(shopper=shopper_for_request(request, create=False))}
    if wants_partial(request):
        return _vary(render(request, "orders/cart.html#cart", context))
    return _vary(render(request, "orders/cart.html", {**storefront_context(), **context}))


@require_POST
def cart_add(request: HtmxHttpRequest) -> HttpResponse:
    product_id = _int(request.POST.get("product_id"))
    quantity = _int(request.POST.get("quantity"), default=1)
    surface = request.POST.get("surface", Event.Surface.DIRECT)
    error = ""
    if product_id is None or quantity is None:
        error = "Choose a product and a quantity."
    else:
        shopper = shopper_for_request(request)
        try:
            services.cart_line_add(
                shopper=shopper,
                product_id=product_id,
                quantity=quantity,
                surface=surface,
                position=_int(request.POST.get("position")),
                query=one_line(request.POST.get("q", ""), limit=500),
            )
        except services.OrderError as exc:
            error = exc.detail
    if wants_partial(request):
        context: dict[str, Any] = {
            "product_id": product_id,
            "surface": surface,
            "position": _int(request.POST.get("position")),
            "q": one_line(request.POST.get("q", ""), limit=500),
            "added": not error,
            "error": error,
            "next": _safe_next(request, ""),
            "show_quantity": request.POST.get("show_quantity") == "1",
            "stock": 1,  # the form stays usable; a refusal says how many are left
        }
        # 200 even on a refusal: htmx swaps only 2xx, and the refusal is what the shopper must read.
        return _vary(render(request, "orders/partials/_add_to_cart_result.html", context))
    if error:
        messages.error(request, error)
        return redirect(_safe_next(request, reverse("orders:cart")))
    messages.success(request, "Added to your cart.")
    return redirect(reverse("orders:cart"))


def _after_cart_change(request: HtmxHttpRequest, error: str) -> HttpResponse:
    if wants_partial(request):
        context = {
            "cart": selectors.cart_view(shopper=shopper_for_request(request, create=False)),
            "error": error,
            "oob_count": True,
        }
        return _vary(render(request, "orders/cart.html#cart", context))
    if error:
        messages.error(request, error)
    return HttpResponseRedirect(reverse("orders:cart"))


@require_POST
def cart_update(request: HtmxHttpRequest, product_id: int) -> HttpResponse:
    quantity = _int(request.POST.get("quantity"))
    error = ""
    shopper = shopper_for_request(request, create=False)
    if quantity is None or quantity < 0:
        error = "Enter a quantity of 0 or more."
    elif shopper is None:
        error = "This product is not in your cart."
    else:
        try:
            services.cart_line_set_quantity(shopper=shopper, product_id=product_id, quantity=quantity)
        except services.OrderError as exc:
            error = exc.detail
    return _after_cart_change(request, error)


@require_POST
def cart_remove(request: HtmxHttpRequest, product_id: int) -> HttpResponse:
    shopper = shopper_for_request(request, create=False)
    error = ""
    try:
        if shopper is None:
            raise services.OrderError("not_in_cart", "This product is not in your cart.")
        services.cart_line_remove(shopper=shopper, product_id=product_id)
    except services.OrderError as exc:
        error = exc.detail
    return _after_cart_change(request, error)


# --- Checkout -------------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
@throttle_posts("checkout")  # the same budget as POST /api/v1/orders
def checkout(request: HtmxHttpRequest) -> HttpResponse:
    shopper = shopper_for_request(request)
    error = ""
    if request.method == "POST":
        try:
            order = services.order_place(shopper=shopper)
        except services.OrderError as exc:
            error = exc.detail
        else:
            messages.success(request, f"Thank you! Your order {order.number} is placed.")
            return redirect("orders:order_detail", number=order.number)
    context = {**storefront_context(), "cart": selectors.cart_view(shopper=shopper), "error": error}
    return render(request, "orders/checkout.html", context, status=409 if error else 200)
