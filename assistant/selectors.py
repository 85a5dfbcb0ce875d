"""Assistant reads: a shopper's own conversation and its messages, redrawn from what was stored."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from typing import Any

from assistant.dialogue import Card
from assistant.models import Conversation, Message
from catalog.models import Product
from profiles.models import Shopper


@dataclass
class MessageView:
    """A stored message as the chat panel and the API show it (the products loaded, in stored order)."""

    id: int
    role: str
    text: str
    intent: str
    created_at: Any
    products: list[Card] = field(default_factory=list)
    comparison: dict[str, Any] | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)


def conversation_for_shopper(
    *, conversation_id: uuid.UUID | str | None, shopper: Shopper | None
) -> Conversation | None:
    """The shopper's own conversation; None for anyone else's (never says that it exists)."""
    if conversation_id is None or shopper is None:
        return None
    try:
        conversation_id = uuid.UUID(str(conversation_id))
    except ValueError:
        return None
    return Conversation.objects.filter(pk=conversation_id, shopper=shopper).first()


def message_views(*, messages: list[Message]) -> list[MessageView]:
    """Messages with their products, in two queries however many messages."""
    ids: set[int] = set()
    for message in messages:
        payload = message.payload or {}
        ids.update(p["id"] for p in payload.get("products", []))
        ids.update((payload.get("comparison") or {}).get("products", []))
    products = Product.objects.for_listing().in_bulk(list(ids)) if ids else {}
    views = []
    for message in messages:
        payload = message.payload or {}
        comparison = payload.get("comparison")
        if comparison:
            comparison = {**comparison, "products": [products[pk] for pk in comparison["products"] if pk in products]}
        views.append(
            MessageView(
                id=message.pk,
                role=message.role,
                text=message.text,
                intent=message.intent,
                created_at=message.created_at,
                products=[
                    Card(products[p["id"]], p.get("reasons", []))
                    for p in payload.get("products", [])
                    if p["id"] in products
                ],
                comparison=comparison,
                citations=payload.get("citations", []),
                suggestions=payload.get("suggestions", []),
                links=payload.get("links", []),
            )
        )
    return views


def conversation_messages(*, conversation: Conversation) -> list[MessageView]:
    return message_views(messages=list(conversation.messages.all()))
