"""The security suite's shop: alice (owner of everything personal), bob (another shopper with his own
history), an anonymous visitor and a merchandiser made the way the demo makes one (staff, in the
Merchandiser group, not superuser).

Every personal marker of alice's holds the word "alice" (her username, email, order number, secret
search, removed interest, conversation text), so "nothing of alice's in this body" is one check.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import AbstractUser
from django.test import Client

from assistant.models import Conversation, Message
from assistant.views import SESSION_CONVERSATION_KEY
from orders.models import CartLine, Order
from profiles.models import Event, Profile, Shopper
from recommend.models import ItemNeighbor
from shopguide.roles import MERCHANDISER
from tests.factories import CategoryFactory, ProductFactory
from tests.profiles.privacy_helpers import Person, person

CALLERS = ["owner", "other", "anonymous", "merchandiser"]
ALICE_CHAT = "alice-chat: do the lighthouse boots run small?"
ALICE_REPLY = "alice-reply: they run half a size small."


@pytest.fixture(autouse=True)
def _own_search_vocabulary():
    """The search vocabulary is cached in the shared Redis under the catalog's version, which a rolled-back
    test never bumps (it is bumped on commit): this suite's catalog must not become the next test's vocabulary."""
    from catalog.services import catalog_version_bump
    from recommend.search import vocabulary

    catalog_version_bump()
    vocabulary.reset()
    yield
    catalog_version_bump()
    vocabulary.reset()


@dataclass
class World:
    alice: Person
    bob: Person
    merchandiser: AbstractUser
    conversation: Conversation
    lantern: object  # what shoppers went on to after anyone's first product ("because you viewed ...")
    socks: object  # what was bought with it ("goes with ... in your cart")


def merchandiser_user() -> AbstractUser:
    """The demo's own merchandiser (shopguide.demo.ensure_merchandiser): staff, not superuser, in the
    Merchandiser group with exactly its permissions (shopguide/roles.py)."""
    from shopguide.demo import MERCHANDISER_USERNAME, ensure_merchandiser

    ensure_merchandiser("pw-for-tests-123")
    user = get_user_model().objects.get(username=MERCHANDISER_USERNAME)
    assert user.is_staff and not user.is_superuser and user.groups.filter(name=MERCHANDISER).exists()
    return user


@pytest.fixture
def world(db) -> World:
    alice = person("alice")
    Profile.objects.filter(shopper=alice.shopper).update(removed_interests=["brand:alice-only"])
    conversation = Conversation.objects.create(shopper=alice.shopper, state={})
    Message.objects.create(conversation=conversation, role=Message.Role.SHOPPER, text=ALICE_CHAT)
    Message.objects.create(conversation=conversation, role=Message.Role.ASSISTANT, text=ALICE_REPLY)
    bob = person("bob")
    # Personal recommendations need something to recommend: a complement in a third category, reached
    # from each shopper's own first product, so "for you" and "complete your purchase" rest on history.
    camping = CategoryFactory(name="Camping Gear", tree_key="/camping-gear/", slug="camping-gear")
    lantern = ProductFactory(sku="SEC-LANTERN", title="Lighthouse Lantern", category=camping)
    socks = ProductFactory(sku="SEC-SOCKS", title="Merino Trail Socks", category=camping)
    for someone in (alice, bob):
        first = someone.products[0]
        ItemNeighbor.objects.create(product=first, neighbor=lantern, kind=ItemNeighbor.Kind.NEXT, score=0.9)
        ItemNeighbor.objects.create(product=first, neighbor=socks, kind=ItemNeighbor.Kind.BOUGHT, score=0.9)
    return World(
        alice=alice,
        bob=bob,
        merchandiser=merchandiser_user(),
        conversation=conversation,
        lantern=lantern,
        socks=socks,
    )


def client_as(world: World, caller: str, **kwargs) -> Client:
    """A client for one caller. Every session holds alice's conversation id, as if it had been planted
    there: only alice's own session may get anything out of it."""
    client = Client(**kwargs)
    user = {"owner": world.alice.user, "other": world.bob.user, "merchandiser": world.merchandiser}.get(caller)
    if user is not None:
        client.force_login(user)
    session = client.session
    session[SESSION_CONVERSATION_KEY] = str(world.conversation.pk)
    session.save()
    return client


@pytest.fixture
def clients(world) -> dict[str, Client]:
    return {caller: client_as(world, caller) for caller in CALLERS}


def alice_state(world: World) -> dict:
    """Everything of alice's that a call by someone else must leave exactly as it was."""
    alice = world.alice
    user = get_user_model().objects.filter(pk=alice.user.pk).first()
    shopper = Shopper.objects.filter(pk=alice.shopper.pk).first()
    profile = Profile.objects.filter(shopper=alice.shopper).first()
    return {
        "user": user and (user.username, user.email, user.is_staff, user.is_superuser, user.is_active),
        "paused": shopper and shopper.personalization_paused,
        "affinities": profile and profile.affinities,
        "removed": profile and profile.removed_interests,
        "cart": sorted(CartLine.objects.filter(cart__shopper=alice.shopper).values_list("product_id", "quantity")),
        "orders": sorted(Order.objects.filter(shopper=alice.shopper).values_list("number", "status", "total")),
        "events": Event.objects.filter(shopper=alice.shopper).count(),
        "messages": list(
            Message.objects.filter(conversation=world.conversation).values_list("role", "text").order_by("id")
        ),
        "conversation_shopper": Conversation.objects.filter(pk=world.conversation.pk)
        .values_list("shopper_id", flat=True)
        .first(),
    }


def body_text(response) -> str:
    if getattr(response, "streaming", False):
        return b"".join(response.streaming_content).decode()
    return response.content.decode()
