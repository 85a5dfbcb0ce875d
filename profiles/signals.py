"""Signals other apps listen to, so profiles never imports them (dependencies point one way)."""

from __future__ import annotations

from django.dispatch import Signal

# Sent inside the transaction that folds an anonymous shopper into an account's, before the anonymous
# one is deleted: receivers move what they own (cart lines, orders). Arguments: source, target (Shopper).
shopper_merging = Signal()

# Sent inside the erasure's transaction, before the shoppers are deleted: receivers settle what must not be lost
# with the person (open orders are cancelled and their stock returned) or raise privacy.ErasureRefused to stop
# the erasure, saying why. Argument: shopper_ids (the account's shopper and this browser's anonymous one).
shopper_erasing = Signal()
