"""Signal receivers: profiles announces a merge, the assistant moves what it owns (profiles never imports it)."""

from __future__ import annotations

from typing import Any

from django.dispatch import receiver

from assistant.models import Conversation, SupportTicket
from profiles.models import Shopper
from profiles.signals import shopper_merging


@receiver(shopper_merging, dispatch_uid="assistant.conversations_merge")
def conversations_merge(sender: Any, *, source: Shopper, target: Shopper, **kwargs: Any) -> None:
    # Conversations and tickets cascade with their shopper (erasure), so the visitor's, deleted after the
    # merge, would vanish at sign-in: the chat a shopper just had, and a ticket they just opened.
    Conversation.objects.filter(shopper=source).update(shopper=target)
    SupportTicket.objects.filter(shopper=source).update(shopper=target)
