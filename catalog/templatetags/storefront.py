"""Template filters for the storefront: how prices read."""

from __future__ import annotations

from decimal import Decimal

from django import template

from catalog.formatting import DEFAULT_CURRENCY, format_money

register = template.Library()


@register.filter
def money(amount: Decimal | None, currency: str = DEFAULT_CURRENCY) -> str:
    """{{ product.price|money:product.currency }} → "$79.99"; empty when there is no price."""
    return format_money(amount, currency)
