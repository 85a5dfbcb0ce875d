"""Signals other apps listen to, so profiles never imports them (dependencies point one way)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that folds an anonymous shopper into an account's, before the anonymous
# one is deleted: receivers move what they own (cart lines, orders). Arguments: source, target (Shopper).
shopper_merging = Signal()
