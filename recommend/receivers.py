"""What recommend does when profiles announces a change to a shopper (profiles never imports recommend)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from profiles.models import Shopper
from profiles.signals import shopper_merging
from recommend.models import SearchLog


@receiver(shopper_merging, dispatch_uid="recommend.searchlog_merge")
def searchlog_merge(sender: Any, *, source: Shopper, target: Shopper, **kwargs: Any) -> None:
    # SearchLog.shopper cascades (erasure must remove a person's queries), so the anonymous shopper's
    # searches move to the account before the anonymous shopper is deleted, or the merge would lose them.
    SearchLog.objects.filter(shopper=source).update(shopper=target)
