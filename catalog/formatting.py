"""How catalog values read to a shopper: money and price ranges (shared by selectors' facet labels and templates)."""

from __future__ import annotations

from decimal import Decimal

CURRENCY_SYMBOLS = {"USD": "$", "EUR": "€", "GBP": "£"}
# Price bands are numbers without a currency; most of the catalog is priced in dollars.
DEFAULT_CURRENCY = "USD"


def format_money(amount: Decimal | int | float | None, currency: str = DEFAULT_CURRENCY, *, whole: bool = False) -> str:
    """ "$79.99", "€1,250.00", "CAD 15.00"; with ``whole``, "$25" rather than "$25.00" (for range labels)."""
    if amount is None:
        return ""
    amount = Decimal(str(amount))
    number = f"{amount:,.0f}" if whole and amount == amount.to_integral_value() else f"{amount:,.2f}"
    code = (currency or DEFAULT_CURRENCY).upper()
    symbol = CURRENCY_SYMBOLS.get(code)
    return f"{symbol}{number}" if symbol else f"{code} {number}"


def price_range_label(low: Decimal | None, high: Decimal | None, *, upper_exclusive: bool = False) -> str:
    """A band reads "Under $25" / "$25 – $50" / "$200 & up"; a typed-in range reads "Up to $70"."""
    money = lambda value: format_money(value, whole=True)  # noqa: E731
    if low is None and high is None:
        return "Any price"
    if low is None:
        return f"Under {money(high)}" if upper_exclusive else f"Up to {money(high)}"
    if high is None:
        return f"{money(low)} & up"
    return f"{money(low)} – {money(high)}"
