"""Carts and orders: what a shopper is about to buy and has bought (checkout without payment)."""

from __future__ import annotations

from django.db import models


class Cart(models.Model):
    shopper = models.OneToOneField("profiles.Shopper", related_name="cart", on_delete=models.CASCADE)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"cart of {self.shopper}"


class CartLine(models.Model):
    cart = models.ForeignKey(Cart, related_name="lines", on_delete=models.CASCADE)
    product = models.ForeignKey("catalog.Product", related_name="+", on_delete=models.CASCADE)
    quantity = models.PositiveIntegerField(default=1)
    added_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["cart", "product"], name="cart_line_unique_product"),
            models.CheckConstraint(condition=models.Q(quantity__gte=1), name="cart_line_quantity_positive"),
        ]

    def __str__(self) -> str:
        return f"{self.quantity} × {self.product_id}"


class Order(models.Model):
    class Status(models.TextChoices):
        PLACED = "placed"
        SHIPPED = "shipped"
        DELIVERED = "delivered"
        CANCELLED = "cancelled"
        RETURNED = "returned"

    # Erasing a shopper keeps their orders for the shop's accounts, detached from the person (null): an order
    # holds no personal data of its own. Open orders are cancelled first, their stock returned (receivers.py).
    shopper = models.ForeignKey(
        "profiles.Shopper", null=True, blank=True, related_name="orders", on_delete=models.SET_NULL
    )
    number = models.CharField(max_length=20, unique=True)  # what the shopper quotes: "SG-2611-000123"
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PLACED)
    total = models.DecimalField(max_digits=12, decimal_places=2)
    currency = models.CharField(max_length=3, default="USD")
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["shopper", "-created_at"], name="order_shopper_recent_idx")]

    def __str__(self) -> str:
        return self.number


class OrderLine(models.Model):
    order = models.ForeignKey(Order, related_name="lines", on_delete=models.CASCADE)
    # Title and price are copied at checkout: the order says what was bought even if the product changes.
    product = models.ForeignKey("catalog.Product", null=True, related_name="+", on_delete=models.SET_NULL)
    sku = models.CharField(max_length=64)
    title = models.CharField(max_length=400)
    unit_price = models.DecimalField(max_digits=12, decimal_places=2)
    quantity = models.PositiveIntegerField()

    def __str__(self) -> str:
        return f"{self.quantity} × {self.sku}"

    @property
    def line_total(self):
        return self.unit_price * self.quantity
