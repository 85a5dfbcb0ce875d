"""Writes about carts and orders: add, change, remove, check out, cancel, merge at login.

Stock is decremented with a conditional UPDATE (``stock >= quantity``) inside the checkout's
transaction, so two concurrent checkouts can never sell more than there is: the second one's
UPDATE matches no row and the whole order rolls back.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import connection, transaction
from django.db.models import F

from catalog.models import Product
from orders.models import Cart, CartLine, Order, OrderLine
from orders.selectors import line_problem
from profiles.models import Event, Shopper
from profiles.privacy import ErasureRefused
from profiles.services import EventInput, event_record_many

MAX_LINE_QUANTITY = 99  # per product per cart: a typo ("100" for "10") should not empty the warehouse
# Where in a list the product was added from (1 = first), kept on the cart_add event: a Postgres integer column,
# and a category page has no last page to bound it by.
MAX_POSITION = 2_147_483_647
ORDER_NUMBER_SEQUENCE = "orders_order_number_seq"  # created by migration 0002


class OrderError(Exception):
    """The state forbids the action. ``code`` is stable (API clients branch on it), ``detail`` is for people."""

    def __init__(self, code: str, detail: str) -> None:
        super().__init__(detail)
        self.code = code
        self.detail = detail


def _surface(surface: str) -> str:
    return surface if surface in Event.Surface.values else Event.Surface.DIRECT


def _cart_for(shopper: Shopper, *, lock: bool = False) -> Cart:
    cart, _ = Cart.objects.get_or_create(shopper=shopper)
    if lock:
        cart = Cart.objects.select_for_update().get(pk=cart.pk)
    return cart


def _sellable_product(product_id: int) -> Product:
    product = Product.objects.active().filter(pk=product_id).only("id", "title", "price", "stock", "is_active").first()
    if product is None or product.price is None:
        raise OrderError("product_unavailable", "This product is not for sale.")
    return product


def _check_quantity(product: Product, quantity: int) -> None:
    if quantity < 1:
        raise OrderError("invalid_quantity", "The quantity must be at least 1.")
    if quantity > MAX_LINE_QUANTITY:
        raise OrderError("invalid_quantity", f"At most {MAX_LINE_QUANTITY} of one product per order.")
    problem = line_problem(product=product, quantity=quantity)
    if problem:
        raise OrderError("insufficient_stock", problem)


def cart_line_add(
    *,
    shopper: Shopper,
    product_id: int,
    quantity: int = 1,
    surface: str = Event.Surface.DIRECT,
    position: int | None = None,
    query: str = "",
) -> CartLine:
    """Put ``quantity`` more of a product in the cart (never more than is in stock); records ``cart_add``."""
    if position is not None and not 1 <= position <= MAX_POSITION:
        raise OrderError("invalid_position", f"The list position must be a whole number from 1 to {MAX_POSITION}.")
    with transaction.atomic():
        cart = _cart_for(shopper, lock=True)
        product = _sellable_product(product_id)
        line = CartLine.objects.filter(cart=cart, product=product).first()
        in_cart = line.quantity if line else 0
        if quantity < 1:  # checked apart: "1 + (-1)" would otherwise pass as a valid total
            raise OrderError("invalid_quantity", "The quantity must be at least 1.")
        _check_quantity(product, in_cart + quantity)
        if line is None:
            line = CartLine.objects.create(cart=cart, product=product, quantity=quantity)
        else:
            line.quantity = in_cart + quantity
            line.save(update_fields=["quantity"])
        cart.save(update_fields=["updated_at"])
        event_record_many(
            shopper=shopper,
            events=[
                EventInput(
                    kind=Event.Kind.CART_ADD,
                    product_id=product.pk,
                    surface=_surface(surface),
                    position=position,
                    query=query,
                    price=product.price,
                )
            ],
        )
    return line


def cart_line_set_quantity(
    *, shopper: Shopper, product_id: int, quantity: int, surface: str = Event.Surface.DIRECT
) -> CartLine | None:
    """Set a line's quantity; 0 removes it. More records ``cart_add``, fewer ``cart_remove``."""
    if quantity == 0:
        cart_line_remove(shopper=shopper, product_id=product_id, surface=surface)
        return None
    with transaction.atomic():
        cart = _cart_for(shopper, lock=True)
        line = CartLine.objects.filter(cart=cart, product_id=product_id).select_related("product").first()
        if line is None:
            raise OrderError("not_in_cart", "This product is not in your cart.")
        if quantity == line.quantity:
            return line
        if quantity > line.quantity:
            # Only growing a line needs stock; shrinking one that exceeds stock is how a shopper fixes it.
            _check_quantity(_sellable_product(product_id), quantity)
        elif quantity < 1:
            raise OrderError("invalid_quantity", "The quantity must be at least 1.")
        kind = Event.Kind.CART_ADD if quantity > line.quantity else Event.Kind.CART_REMOVE
        line.quantity = quantity
        line.save(update_fields=["quantity"])
        cart.save(update_fields=["updated_at"])
        event_record_many(
            shopper=shopper,
            events=[EventInput(kind=kind, product_id=product_id, surface=_surface(surface), price=line.product.price)],
        )
    return line


def cart_line_remove(*, shopper: Shopper, product_id: int, surface: str = Event.Surface.DIRECT) -> None:
    """Take a product out of the cart; records ``cart_remove``. Removing what is not there changes nothing."""
    with transaction.atomic():
        cart = _cart_for(shopper, lock=True)
        line = CartLine.objects.filter(cart=cart, product_id=product_id).select_related("product").first()
        if line is None:
            raise OrderError("not_in_cart", "This product is not in your cart.")
        price = line.product.price
        line.delete()
        cart.save(update_fields=["updated_at"])
        event_record_many(
            shopper=shopper,
            events=[
                EventInput(kind=Event.Kind.CART_REMOVE, product_id=product_id, surface=_surface(surface), price=price)
            ],
        )


def _next_order_number() -> str:
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(%s)", [ORDER_NUMBER_SEQUENCE])
        (value,) = cursor.fetchone()
    return f"SG-{value:06d}"


def order_place(*, shopper: Shopper) -> Order:
    """Turn the cart into an order: copy sku/title/price, take the stock, empty the cart, record purchases.

    Raises OrderError (nothing changes) when the cart is empty or any line cannot be bought as it is.
    """
    if shopper.user_id is None:
        raise OrderError("not_authenticated", "Sign in to place an order.")
    with transaction.atomic():
        # Locking the cart serialises a double-submitted checkout: the second finds the cart empty.
        cart = _cart_for(shopper, lock=True)
        # Rows locked in product order so two checkouts sharing products cannot deadlock.
        lines = list(CartLine.objects.filter(cart=cart).order_by("product_id"))
        if not lines:
            raise OrderError("cart_empty", "Your cart is empty.")
        products = {
            p.pk: p
            for p in Product.objects.filter(pk__in=[line.product_id for line in lines])
            .select_for_update()
            .order_by("pk")
            .only("id", "sku", "title", "price", "currency", "stock", "is_active")
        }
        for line in lines:
            problem = line_problem(product=products[line.product_id], quantity=line.quantity)
            if problem:
                raise OrderError("insufficient_stock", problem)
        currencies = {products[line.product_id].currency for line in lines}
        if len(currencies) > 1:
            raise OrderError("mixed_currency", "Products priced in different currencies must be ordered separately.")
        for line in lines:
            # Conditional update: even without the row lock above it could never take stock below zero.
            taken = Product.objects.filter(pk=line.product_id, stock__gte=line.quantity).update(
                stock=F("stock") - line.quantity
            )
            if not taken:
                raise OrderError("insufficient_stock", f"{products[line.product_id].title} just sold out.")
        total = sum((products[line.product_id].price * line.quantity for line in lines), Decimal("0.00"))
        order = Order.objects.create(
            shopper=shopper, number=_next_order_number(), total=total, currency=currencies.pop()
        )
        OrderLine.objects.bulk_create(
            [
                OrderLine(
                    order=order,
                    product_id=line.product_id,
                    sku=products[line.product_id].sku,
                    title=products[line.product_id].title,
                    unit_price=products[line.product_id].price,
                    quantity=line.quantity,
                )
                for line in lines
            ]
        )
        CartLine.objects.filter(cart=cart).delete()
        cart.save(update_fields=["updated_at"])
        event_record_many(
            shopper=shopper,
            events=[
                EventInput(
                    kind=Event.Kind.PURCHASE,
                    product_id=line.product_id,
                    order_id=order.number,
                    price=products[line.product_id].price,
                )
                for line in lines
            ],
        )
    return order


def order_cancel(*, shopper: Shopper, number: str) -> Order:
    """Cancel one of the shopper's orders while it is still ``placed``, putting its stock back."""
    with transaction.atomic():
        order = Order.objects.select_for_update().filter(shopper=shopper, number=number).first()
        if order is None:
            raise OrderError("not_found", "No such order.")
        if order.status != Order.Status.PLACED:
            raise OrderError(
                "not_cancellable",
                f"Order {order.number} is {order.get_status_display().lower()} and can no longer be cancelled.",
            )
        _cancel(order)
    return order


def order_status_set(*, order: Order, status: str) -> Order:
    """A merchandiser moves an order through fulfilment; cancelling puts the stock back (once)."""
    if status not in Order.Status.values:
        raise OrderError("invalid_status", f"Unknown status {status!r}.")
    with transaction.atomic():
        order = Order.objects.select_for_update().get(pk=order.pk)
        if order.status == status:
            return order
        if order.status == Order.Status.CANCELLED:
            # Its stock went back on the shelf and may be sold already: reopening would oversell.
            raise OrderError("not_reopenable", f"Order {order.number} was cancelled; place a new order instead.")
        if status == Order.Status.CANCELLED:
            _restore_stock(order)
        order.status = status
        order.save(update_fields=["status", "updated_at"])
    return order


def _cancel(order: Order) -> None:
    """A locked, placed order cancelled: its stock back on the shelf, once."""
    _restore_stock(order)
    order.status = Order.Status.CANCELLED
    order.save(update_fields=["status", "updated_at"])


def _restore_stock(order: Order) -> None:
    for line in order.lines.exclude(product__isnull=True).order_by("product_id"):
        Product.objects.filter(pk=line.product_id).update(stock=F("stock") + line.quantity)


def orders_settle_for_erasure(*, shopper_ids: list[int]) -> list[str]:
    """Before a person's shoppers are erased: cancel their placed orders and put the stock back (returns the
    numbers), so nothing is held for someone who no longer exists. Call inside the erasure's transaction.

    ErasureRefused while an order is on its way: it is being fulfilled and cannot be called back, and the
    person may still need to return it. Delivered, cancelled and returned orders need nothing; all of them
    stay for the shop's accounts, detached from the person (``Order.shopper`` is set null).
    """
    orders = list(Order.objects.select_for_update().filter(shopper_id__in=shopper_ids).order_by("pk"))
    shipped = [o.number for o in orders if o.status == Order.Status.SHIPPED]
    if shipped:
        raise ErasureRefused(
            f"Order {shipped[0]} is on its way. You can delete your account once it has arrived "
            "(or been returned); until then we need your account to deliver it.",
            code="order_in_transit",
        )
    cancelled = []
    for order in orders:
        if order.status == Order.Status.PLACED:
            _cancel(order)
            cancelled.append(order.number)
    return cancelled


def cart_merge(*, source: Shopper, target: Shopper) -> None:
    """Fold an anonymous shopper's cart and orders into the account's (quantities of a shared product add up)."""
    with transaction.atomic():
        source_lines = list(CartLine.objects.filter(cart__shopper=source).order_by("product_id"))
        if source_lines:
            cart = _cart_for(target, lock=True)
            existing = {line.product_id: line for line in CartLine.objects.filter(cart=cart)}
            moved = []
            for line in source_lines:
                mine = existing.get(line.product_id)
                if mine is None:
                    moved.append(line.pk)
                else:
                    mine.quantity += line.quantity
                    mine.save(update_fields=["quantity"])
            # Moved rather than copied, so each line keeps when it was first added.
            CartLine.objects.filter(pk__in=moved).update(cart=cart)
            CartLine.objects.filter(cart__shopper=source).delete()
            cart.save(update_fields=["updated_at"])
        Order.objects.filter(shopper=source).update(shopper=target)
