"""A visitor's conversations and tickets follow them into the account they sign in to."""

from __future__ import annotations

import pytest

from assistant.models import Conversation, Message, SupportTicket
from profiles.models import Shopper
from profiles.services import shopper_merge
from tests.factories import ShopperFactory

pytestmark = pytest.mark.django_db


def test_signing_in_keeps_the_visitors_chat_and_ticket():
    visitor = Shopper.objects.create(session_key="visit-chat")
    account = ShopperFactory()
    chat = Conversation.objects.create(shopper=visitor)
    Message.objects.create(conversation=chat, role=Message.Role.SHOPPER, text="where is my parcel?")
    ticket = SupportTicket.objects.create(shopper=visitor, conversation=chat, summary="parcel late")

    shopper_merge(source=visitor, target=account)

    assert not Shopper.objects.filter(pk=visitor.pk).exists()
    chat.refresh_from_db()
    ticket.refresh_from_db()
    assert chat.shopper_id == account.pk and ticket.shopper_id == account.pk
    assert list(chat.messages.values_list("text", flat=True)) == ["where is my parcel?"]
