"""Reads about carts and orders, shaped so templates and serializers never query per line."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal

from django.db.models import Prefetch, QuerySet, Sum
from django.http import HttpRequest

from catalog.models import Product
from orders.models import Cart, CartLine, Order, OrderLine
from profiles.models import Shopper
from profiles.services import SESSION_SHOPPER_KEY


@dataclass(frozen=True)
class CartRow:
    """One cart line as the shopper reads it, with what stands in the way of buying it."""

    line: CartLine
    product: Product
    quantity: int
    unit_price: Decimal | None
    line_total: Decimal | None
    problem: str  # "" when the line can be bought as it is

    @property
    def product_id(self) -> int:
        return self.product.pk


@dataclass(frozen=True)
class CartView:
    rows: list[CartRow]
    total: Decimal
    currency: str
    item_count: int

    @property
    def is_empty(self) -> bool:
        return not self.rows

    @property
    def can_check_out(self) -> bool:
        return bool(self.rows) and not any(row.problem for row in self.rows)


def line_problem(*, product: Product, quantity: int) -> str:
    """Why ``quantity`` of ``product`` cannot be bought now ("" when it can). Shared by cart and checkout."""
    if not product.is_active or product.price is None:
        return f"{product.title} is no longer sold."
    if product.stock <= 0:
        return f"{product.title} is out of stock."
    if quantity > product.stock:
        return f"Only {product.stock} of {product.title} left in stock."
    return ""


def cart_lines(*, shopper: Shopper) -> QuerySet[CartLine]:
    return (
        CartLine.objects.filter(cart__shopper=shopper)
        .select_related("product__brand", "product__category")
        .defer("product__embedding", "product__title_embedding", "product__search_vector")
        .order_by("added_at", "id")
    )


def cart_product_ids(*, shopper: Shopper | None) -> list[int]:
    """The products in the shopper's cart, the newest line first (one query, no products loaded)."""
    if shopper is None:
        return []
    return list(
        CartLine.objects.filter(cart__shopper=shopper).order_by("-added_at", "-id").values_list("product_id", flat=True)
    )


def cart_view(*, shopper: Shopper | None) -> CartView:
    """The shopper's cart with line totals, the total and any line that cannot be bought as it is."""
    if shopper is None:
        return CartView(rows=[], total=Decimal("0.00"), currency="USD", item_count=0)
    rows = []
    for line in cart_lines(shopper=shopper):
        product = line.product
        price = product.price
        rows.append(
            CartRow(
                line=line,
                product=product,
                quantity=line.quantity,
                unit_price=price,
                line_total=price * line.quantity if price is not None else None,
                problem=line_problem(product=product, quantity=line.quantity),
            )
        )
    total = sum((row.line_total for row in rows if row.line_total is not None), Decimal("0.00"))
    currency = rows[0].product.currency if rows else "USD"
    return CartView(rows=rows, total=total, currency=currency, item_count=sum(row.quantity for row in rows))


def cart_item_count(*, shopper: Shopper | None) -> int:
    if shopper is None:
        return 0
    return CartLine.objects.filter(cart__shopper=shopper).aggregate(n=Sum("quantity"))["n"] or 0


def cart_item_count_for_request(request: HttpRequest) -> int:
    """Items in the visitor's cart in at most one query, and none for a visitor who has no shopper yet.

    Runs on every page (header), so it never creates a shopper and never loads one just to count.
    """
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        lines = CartLine.objects.filter(cart__shopper__user=user)
    else:
        session = getattr(request, "session", None)
        shopper_id = session.get(SESSION_SHOPPER_KEY) if session is not None else None
        if not shopper_id:
            return 0
        lines = CartLine.objects.filter(cart__shopper_id=shopper_id, cart__shopper__user__isnull=True)
    return lines.aggregate(n=Sum("quantity"))["n"] or 0


def order_list(*, shopper: Shopper | None) -> QuerySet[Order]:
    """The shopper's own orders, newest first, lines prefetched (two queries however many orders)."""
    if shopper is None:
        return Order.objects.none()
    return Order.objects.filter(shopper=shopper).prefetch_related(
        Prefetch("lines", queryset=OrderLine.objects.order_by("id"))
    )


def order_for_shopper(*, shopper: Shopper | None, number: str) -> Order | None:
    """One of the shopper's orders by number; None for anyone else's (never reveals that it exists)."""
    return order_list(shopper=shopper).filter(number=number).first()


def cart_for_shopper(*, shopper: Shopper) -> Cart | None:
    return Cart.objects.filter(shopper=shopper).first()
