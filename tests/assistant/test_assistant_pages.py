"""The chat panel on storefront pages (htmx partials) and the /assistant/ page without JavaScript."""

from __future__ import annotations

from django.test import Client

from assistant.models import Conversation
from catalog.models import Product
from tests.factories import UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


def test_panel_is_on_every_storefront_page(search_catalog):
    product = Product.objects.get(sku="B1")
    for url in ("/", f"/p/{product.pk}/", "/search?q=boots"):
        html = Client().get(url).content.decode()
        assert 'aria-controls="assistant-panel"' in html, url
        assert 'href="/assistant/"' in html  # without JavaScript the toggle is a link
        assert 'role="log"' in html and 'hx-post="/assistant/messages"' in html
    # The chat page has its own log and form, not a second panel.
    assert 'id="assistant-panel"' not in Client().get("/assistant/").content.decode()


def test_htmx_message_returns_both_messages_with_cards(search_catalog):
    client = Client()
    response = client.post("/assistant/messages", {"text": "hiking boots"}, **HTMX)
    assert response.status_code == 200
    html = response.content.decode()
    assert html.count('class="assistant-msg ') == 2
    assert "assistant-msg--shopper" in html and "assistant-msg--assistant" in html
    assert 'data-surface="assistant"' in html
    boots = Product.objects.get(sku="B1")
    assert f'href="/p/{boots.pk}/"' in html
    assert 'class="assistant-card__reasons"' in html
    assert 'name="text" value="Cheaper"' in html  # quick replies post their words
    assert "<html" not in html
    # The next message continues the same conversation (kept in the session).
    client.post("/assistant/messages", {"text": "cheaper"}, **HTMX)
    assert Conversation.objects.get().messages.count() == 4


def test_product_page_context_goes_with_the_message(search_catalog):
    boots = Product.objects.get(sku="B1")
    html = Client().post("/assistant/messages", {"text": "is it waterproof?", "product_id": boots.pk}, **HTMX)
    assert "Sources" in html.content.decode()
    assert Conversation.objects.get().messages.last().product == boots


def test_comparison_renders_as_a_table(search_catalog):
    client = Client()
    client.post("/assistant/messages", {"text": "hiking boots"}, **HTMX)
    html = client.post("/assistant/messages", {"text": "compare the first two"}, **HTMX).content.decode()
    assert '<table class="assistant-compare">' in html
    assert '<th scope="row">' in html


def test_empty_message_gets_a_notice(db):
    html = Client().post("/assistant/messages", {"text": "  "}, **HTMX).content.decode()
    assert 'role="alert"' in html
    assert not Conversation.objects.exists()


def test_without_javascript_the_page_works(search_catalog):
    client = Client()
    page = client.get("/assistant/")
    assert page.status_code == 200
    assert 'action="/assistant/messages"' in page.content.decode()
    posted = client.post("/assistant/messages", {"text": "hiking boots"})
    assert posted.status_code == 302 and posted["Location"].startswith("/assistant/#m")
    html = client.get("/assistant/").content.decode()
    assert "hiking boots" in html and "Alpine Women&#x27;s Waterproof Hiking Boots" in html
    client.post("/assistant/reset")
    assert "assistant-msg--shopper" not in client.get("/assistant/").content.decode()


def test_panel_log_loads_the_conversation_so_far(search_catalog):
    client = Client()
    assert "Tell me what you" in client.get("/assistant/log", **HTMX).content.decode()
    client.post("/assistant/messages", {"text": "hiking boots"}, **HTMX)
    assert "assistant-msg--shopper" in client.get("/assistant/log", **HTMX).content.decode()


def test_conversation_admin_is_read_only_with_messages(search_catalog):
    client = Client()
    client.post("/assistant/messages", {"text": "hiking boots"}, **HTMX)
    conversation = Conversation.objects.get()
    staff = Client()
    staff.force_login(UserFactory(username="merch", is_staff=True, is_superuser=True))
    listing = staff.get("/admin/assistant/conversation/?intent=product_search")
    assert str(conversation.pk) in listing.content.decode()
    assert str(conversation.pk) not in staff.get("/admin/assistant/conversation/?intent=comparison").content.decode()
    detail = staff.get(f"/admin/assistant/conversation/{conversation.pk}/change/")
    assert detail.status_code == 200 and "hiking boots" in detail.content.decode()
    assert 'name="_save"' not in detail.content.decode()
    assert staff.get("/admin/assistant/faqentry/?q=refund").status_code == 200
