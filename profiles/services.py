"""Writes about shoppers: who is shopping, what they did. Events are committed before anything is queued."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal

from django.db import IntegrityError, transaction
from django.http import HttpRequest
from django.utils import timezone

from profiles.models import Event, Shopper

SESSION_SHOPPER_KEY = "shopper_id"  # survives login's session-key rotation, so the visit can be merged


@dataclass(frozen=True)
class EventInput:
    kind: str
    product_id: int | None = None
    query: str = ""
    surface: str = Event.Surface.DIRECT
    position: int | None = None
    order_id: str = ""
    price: Decimal | None = None
    client_event_id: str | None = None
    created_at: datetime | None = None


@dataclass(frozen=True)
class RecordResult:
    created: int
    duplicates: int


def shopper_for_request(request: HttpRequest, *, create: bool = True) -> Shopper | None:
    """The shopper behind a request: the account's when logged in, else this browser session's."""
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        shopper = Shopper.objects.filter(user=user).first()
        if shopper is None and create:
            try:
                with transaction.atomic():
                    shopper = Shopper.objects.create(user=user)
            except IntegrityError:  # created by a concurrent request
                shopper = Shopper.objects.get(user=user)
        return shopper
    session = getattr(request, "session", None)
    if session is None:
        return None
    shopper_id = session.get(SESSION_SHOPPER_KEY)
    if shopper_id:
        shopper = Shopper.objects.filter(pk=shopper_id, user__isnull=True).first()
        if shopper is not None:
            return shopper
    if not create:
        return None
    # The session key rotates at login; the shopper keeps the first one as a stable anonymous id.
    shopper = Shopper.objects.create(session_key=uuid.uuid4().hex)
    session[SESSION_SHOPPER_KEY] = shopper.pk
    return shopper


def event_record_many(*, shopper: Shopper, events: list[EventInput]) -> RecordResult:
    """Store events (idempotent by client_event_id), then, once committed, ask for a profile refresh."""
    now = timezone.now()
    rows = [
        Event(
            shopper=shopper,
            kind=e.kind,
            product_id=e.product_id,
            query=e.query[:500],
            surface=e.surface,
            position=e.position,
            order_id=e.order_id,
            price=e.price,
            client_event_id=e.client_event_id or None,
            created_at=e.created_at or now,
        )
        for e in events
    ]
    with transaction.atomic():
        before = Event.objects.filter(shopper=shopper).count() if rows else 0
        Event.objects.bulk_create(rows, ignore_conflicts=True, batch_size=500)
        created = Event.objects.filter(shopper=shopper).count() - before
        transaction.on_commit(lambda: profile_refresh_schedule(shopper_id=shopper.pk))
    return RecordResult(created=created, duplicates=len(rows) - created)


def profile_refresh_schedule(*, shopper_id: int) -> None:
    """Queue a (coalesced) profile refresh. Implemented with the profile task (issue 4)."""
