"""Customer service with personal data: a signed-in shopper's orders, a sign-in prompt for anonymous
visitors, and the hand-off to a human as a support ticket that merchandisers see and close in admin."""

from __future__ import annotations

from decimal import Decimal

from django.test import Client

from assistant.models import Conversation, SupportTicket
from assistant.services import MAX_OPEN_TICKETS
from orders.models import Order
from tests.assistant.conftest import client_for, say
from tests.factories import UserFactory


def test_order_status_for_a_signed_in_shopper(faq_entries, alice, bob):
    Order.objects.create(shopper=alice, number="SG-2611-000001", status=Order.Status.SHIPPED, total=Decimal("45.00"))
    Order.objects.create(shopper=bob, number="SG-2611-000002", status=Order.Status.PLACED, total=Decimal("9.00"))
    turn = say(client_for(alice), "where is my order?")
    assert "SG-2611-000001" in turn["reply"] and "shipped" in turn["reply"]
    assert "SG-2611-000002" not in turn["reply"]
    assert any(c["source"] == "order" and c["field"] == "SG-2611-000001" for c in turn["citations"])
    assert {"label": "Your orders", "url": "/account/"} in turn["links"]


def test_anonymous_shopper_is_asked_to_sign_in(faq_entries):
    turn = say(Client(), "where is my order?")
    assert "Sign in" in turn["reply"]
    assert turn["links"][0]["label"] == "Sign in"
    assert not any(c["source"] == "order" for c in turn["citations"])


def test_talk_to_a_human_opens_a_ticket_visible_in_admin(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "hiking boots")
    turn = say(client, "I want to talk to a human please", conversation_id=first["conversation_id"])
    ticket = SupportTicket.objects.get()
    assert f"#{ticket.pk}" in turn["reply"]
    assert ticket.shopper == alice and ticket.status == SupportTicket.Status.OPEN
    assert ticket.conversation == Conversation.objects.get(pk=first["conversation_id"])
    assert "Shopper: hiking boots" in ticket.transcript
    assert "Shopper: I want to talk to a human please" in ticket.transcript
    assert ticket.category == "CONTACT"

    staff = Client()
    staff.force_login(UserFactory(username="merch", is_staff=True, is_superuser=True))
    listing = staff.get("/admin/assistant/supportticket/?status__exact=open")
    assert listing.status_code == 200
    assert "I want to talk to a human please" in listing.content.decode()
    staff.post(
        "/admin/assistant/supportticket/", {"action": "close_tickets", "_selected_action": [ticket.pk]}, follow=True
    )
    ticket.refresh_from_db()
    assert ticket.status == SupportTicket.Status.CLOSED


# --- Issue 16, finding 2: "talk to a human" opened a ticket per message, anonymously --------------------------


def test_an_anonymous_visitor_is_asked_to_sign_in_before_a_ticket_is_opened(search_catalog):
    turn = say(Client(), "I want to talk to a human please")
    assert turn["intent"] == "customer_service"
    assert "Sign in first" in turn["reply"] and "ticket" not in turn["reply"]
    assert turn["links"][0]["label"] == "Sign in"
    assert not SupportTicket.objects.exists()


def test_asking_again_in_the_same_conversation_adds_to_its_open_ticket(search_catalog, alice):
    client = client_for(alice)
    first = say(client, "I want to talk to a human please")
    again = say(client, "hello? a human please, my parcel is late", conversation_id=first["conversation_id"])

    ticket = SupportTicket.objects.get()
    assert f"ticket #{ticket.pk}" in first["reply"]
    assert f"already with our customer service team: ticket #{ticket.pk}" in again["reply"]
    assert "my parcel is late" in ticket.transcript
    # Once the team closed it, asking again opens a new one.
    ticket.status = SupportTicket.Status.CLOSED
    ticket.save(update_fields=["status"])
    third = say(client, "talk to a human", conversation_id=first["conversation_id"])
    newer = SupportTicket.objects.exclude(pk=ticket.pk).get()
    assert f"passed this conversation to our customer service team: ticket #{newer.pk}" in third["reply"]


def test_a_shopper_holds_at_most_a_few_open_tickets(search_catalog, alice):
    client = client_for(alice)
    for _ in range(MAX_OPEN_TICKETS):  # a new conversation each time: one ticket each
        assert "passed this conversation" in say(client, "I want to talk to a human please")["reply"]

    refused = say(client, "I want to talk to a human please")

    assert f"You already have {MAX_OPEN_TICKETS} open requests" in refused["reply"]
    assert SupportTicket.objects.filter(shopper=alice).count() == MAX_OPEN_TICKETS
