"""Assistant writes: a shopper's message and the assistant's reply (one turn), support tickets."""

from __future__ import annotations

import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from django.db import transaction

from assistant import dialogue
from assistant.models import Conversation, Message, SupportTicket
from catalog.models import Product
from profiles.models import Shopper
from recommend.analytics.services import surface_impression_record
from recommend.models import SurfaceImpression

TRANSCRIPT_MESSAGES = 40
MAX_OPEN_TICKETS = 3  # per shopper: more is spam or impatience, and the team answers in order anyway


class ConversationNotFound(Exception):
    """No such conversation for this shopper (another shopper's is reported the same way)."""


class ProductNotFound(Exception):
    pass


@dataclass
class Turn:
    """What the shopper gets back for one message (the API's output, the chat panel's partial)."""

    conversation_id: uuid.UUID
    intent: str
    reply: str
    products: list[dialogue.Card] = field(default_factory=list)
    comparison: dict[str, Any] | None = None
    citations: list[dict[str, Any]] = field(default_factory=list)
    suggestions: list[str] = field(default_factory=list)
    links: list[dict[str, str]] = field(default_factory=list)
    confidence: float | None = None
    message_id: int | None = None
    shopper_message_id: int | None = None
    shopper_text: str = ""
    latency_ms: float = 0.0
    understood: dict[str, Any] | None = None  # the structured request (``dialogue.understood``)


def _payload(reply: dialogue.Reply) -> dict[str, Any]:
    """What is stored with the assistant's message: ids, not objects, so a page can redraw it later."""
    payload: dict[str, Any] = {
        "products": [{"id": card.product.pk, "reasons": card.reasons} for card in reply.products],
        "citations": reply.citations,
        "suggestions": reply.suggestions,
    }
    if reply.comparison is not None:
        payload["comparison"] = {
            "products": [p.pk for p in reply.comparison["products"]],
            "rows": reply.comparison["rows"],
            "summary": reply.comparison["summary"],
        }
    if reply.links:
        payload["links"] = reply.links
    if reply.ticket_id is not None:
        payload["ticket_id"] = reply.ticket_id
    return payload


def _transcript(conversation: Conversation, text: str) -> str:
    messages = list(conversation.messages.order_by("-created_at", "-id")[:TRANSCRIPT_MESSAGES])
    lines = [f"{m.get_role_display()}: {m.text}" for m in reversed(messages)]
    return "\n".join([*lines, f"Shopper: {text}"])


def message_post(
    *,
    conversation_id: uuid.UUID | None,
    text: str,
    product_id: int | None = None,
    shopper: Shopper,
    user: Any = None,
) -> Turn:
    """One turn: store the shopper's message, work out the reply, store it; a new conversation when no id.

    The conversation row is locked for the turn, so two messages sent at once are answered one after the
    other, each on the state the previous one left.
    """
    started = time.perf_counter()
    text = " ".join(text.split())
    # The optional LLM's reading of a message the learned models cannot read: asked before the transaction, so
    # a network call (up to LLM_TIMEOUT) never holds the conversation's lock.
    reading = dialogue.llm_reading(text)
    with transaction.atomic():
        if conversation_id is None:
            conversation = Conversation.objects.create(shopper=shopper)
        else:
            conversation = Conversation.objects.select_for_update().filter(pk=conversation_id, shopper=shopper).first()
            if conversation is None:
                raise ConversationNotFound(str(conversation_id))
        page_product = None
        if product_id is not None:
            page_product = Product.objects.active().for_listing().filter(pk=product_id).first()
            if page_product is None:
                raise ProductNotFound(str(product_id))
        turn_input = dialogue.TurnInput(
            text=text,
            state=conversation.state,
            shopper=shopper,
            signed_in=bool(user is not None and user.is_authenticated),
            page_product=page_product,
            transcript=_transcript(conversation, text) if conversation_id is not None else f"Shopper: {text}",
            conversation_id=conversation.pk,
            reading=reading,
        )
        asked = Message.objects.create(
            conversation=conversation, role=Message.Role.SHOPPER, text=text, product=page_product
        )
        reply, state = dialogue.handle(turn_input)
        conversation.state = state
        conversation.save(update_fields=["state", "updated_at"])
        latency_ms = (time.perf_counter() - started) * 1000
        answer = Message.objects.create(
            conversation=conversation,
            role=Message.Role.ASSISTANT,
            text=reply.text,
            intent=reply.intent,
            confidence=reply.confidence,
            product=reply.product or page_product,
            payload=_payload(reply),
            latency_ms=round(latency_ms, 2),
        )
        asked.intent, asked.confidence = reply.intent, reply.confidence
        asked.save(update_fields=["intent", "confidence"])
    # The optional LLM rewords the grounded reply after the commit: a network call (up to LLM_TIMEOUT)
    # never holds the conversation's lock or a transaction open. The stored reply follows.
    if reply.products:  # analytics: a reply that shows products is one impression of the assistant surface
        surface_impression_record(surface=SurfaceImpression.Surface.ASSISTANT, products=len(reply.products))
    plain = reply.text
    reply = dialogue.grounded(reply)
    if reply.text != plain:
        latency_ms = (time.perf_counter() - started) * 1000
        Message.objects.filter(pk=answer.pk).update(text=reply.text, latency_ms=round(latency_ms, 2))
    return Turn(
        conversation_id=conversation.pk,
        intent=reply.intent,
        reply=reply.text,
        products=reply.products,
        comparison=reply.comparison,
        citations=reply.citations,
        suggestions=reply.suggestions,
        links=reply.links,
        confidence=reply.confidence,
        message_id=answer.pk,
        shopper_message_id=asked.pk,
        shopper_text=text,
        latency_ms=latency_ms,
        understood=reply.understood,
    )


class TicketLimitReached(Exception):
    """The shopper has as many open tickets as one person may (they are answered in order)."""

    def __init__(self, open_tickets: int) -> None:
        super().__init__(f"{open_tickets} open tickets")
        self.open_tickets = open_tickets


@transaction.atomic
def support_ticket_open(
    *, conversation_id: uuid.UUID | None, shopper: Shopper, category: str, summary: str, transcript: str
) -> tuple[SupportTicket, bool]:
    """Hand a conversation to the team: (ticket, created). A conversation has one open ticket: asking again
    adds to it (its transcript is brought up to date). A shopper holds at most MAX_OPEN_TICKETS open ones;
    beyond that TicketLimitReached. The shopper's row is locked, so concurrent requests count correctly."""
    Shopper.objects.select_for_update().filter(pk=shopper.pk).first()
    open_tickets = SupportTicket.objects.filter(shopper=shopper, status=SupportTicket.Status.OPEN)
    if conversation_id is not None:
        existing = open_tickets.filter(conversation_id=conversation_id).order_by("pk").first()
        if existing is not None:
            existing.transcript = transcript
            existing.save(update_fields=["transcript"])
            return existing, False
    count = open_tickets.count()
    if count >= MAX_OPEN_TICKETS:
        raise TicketLimitReached(count)
    ticket = SupportTicket.objects.create(
        conversation_id=conversation_id,
        shopper=shopper,
        category=category,
        summary=summary[:300],
        transcript=transcript,
    )
    return ticket, True


@transaction.atomic
def support_ticket_close(*, ticket: SupportTicket) -> bool:
    """Close an open ticket; False when it was closed already (a compare-and-set, safe to repeat)."""
    return bool(
        SupportTicket.objects.filter(pk=ticket.pk, status=SupportTicket.Status.OPEN).update(
            status=SupportTicket.Status.CLOSED
        )
    )
