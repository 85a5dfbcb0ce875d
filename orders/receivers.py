"""Signal receivers: profiles announces a merge, orders moves what it owns (profiles never imports orders)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from orders import services
from profiles.models import Shopper
from profiles.signals import shopper_erasing, shopper_merging


@receiver(shopper_merging, dispatch_uid="orders.cart_merge")
def move_cart_and_orders(sender: Any, *, source: Shopper, target: Shopper, **kwargs: Any) -> None:
    services.cart_merge(source=source, target=target)


@receiver(shopper_erasing, dispatch_uid="orders.settle_for_erasure")
def settle_orders_before_erasure(sender: Any, *, shopper_ids: list[int], **kwargs: Any) -> None:
    services.orders_settle_for_erasure(shopper_ids=shopper_ids)
