"""The chat panel on every storefront page (htmx) and the plain /assistant/ page that works without JavaScript.

The visitor's current conversation is kept in the session; it is loaded with their shopper, so a
conversation id left in a session that another shopper now owns is simply started afresh.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.cache import patch_vary_headers
from django.views.decorators.http import require_GET, require_POST

from assistant import dialogue, selectors, services
from assistant.apis import MAX_TEXT
from catalog.views import HtmxHttpRequest, storefront_context, wants_partial
from profiles.services import shopper_for_request
from shopguide.text import one_line
from shopguide.throttling import throttle_posts

SESSION_CONVERSATION_KEY = "assistant_conversation_id"


def _current_conversation(request: HtmxHttpRequest, *, create_shopper: bool):
    shopper = shopper_for_request(request, create=create_shopper)
    conversation = selectors.conversation_for_shopper(
        conversation_id=request.session.get(SESSION_CONVERSATION_KEY), shopper=shopper
    )
    return shopper, conversation


def _start() -> dict[str, list[str]]:
    return {"assistant_start_suggestions": dialogue.START_SUGGESTIONS}


@require_GET
def chat_page(request: HtmxHttpRequest) -> HttpResponse:
    _, conversation = _current_conversation(request, create_shopper=False)
    views = selectors.conversation_messages(conversation=conversation) if conversation else []
    context = {**storefront_context(), "assistant_messages": views, "hide_assistant_panel": True, **_start()}
    return render(request, "assistant/chat.html", context)


@require_GET
def chat_log(request: HtmxHttpRequest) -> HttpResponse:
    """The panel's log when it first opens: the conversation so far, or a greeting."""
    _, conversation = _current_conversation(request, create_shopper=False)
    views = selectors.conversation_messages(conversation=conversation) if conversation else []
    response = render(request, "assistant/partials/_log.html", {"assistant_messages": views, **_start()})
    patch_vary_headers(response, ["Cookie"])
    return response


@require_POST
@throttle_posts("assistant")  # the same counter as the API's: one budget per account or address
def message_post(request: HtmxHttpRequest) -> HttpResponse:
    text = one_line(request.POST.get("text", ""))
    product_id = request.POST.get("product_id", "").strip()
    if not text or len(text) > MAX_TEXT:
        problem = "Please type a message." if not text else f"Please keep it under {MAX_TEXT} characters."
        if wants_partial(request):
            return render(request, "assistant/partials/_notice.html", {"notice": problem})
        messages.error(request, problem)
        return HttpResponseRedirect(reverse("assistant:chat"))
    shopper, conversation = _current_conversation(request, create_shopper=True)
    try:
        turn = services.message_post(
            conversation_id=conversation.pk if conversation else None,
            text=text,
            product_id=int(product_id) if product_id.isdigit() else None,
            shopper=shopper,
            user=request.user,
        )
    except services.ProductNotFound:
        turn = services.message_post(
            conversation_id=conversation.pk if conversation else None, text=text, shopper=shopper, user=request.user
        )
    request.session[SESSION_CONVERSATION_KEY] = str(turn.conversation_id)
    if not wants_partial(request):
        return HttpResponseRedirect(reverse("assistant:chat") + f"#m{turn.message_id}")
    return render(request, "assistant/partials/_messages.html", {"assistant_messages": _turn_views(turn)})


def _turn_views(turn: services.Turn) -> list[selectors.MessageView]:
    """The two new messages as the log draws them, straight from the turn (no reread)."""
    now = timezone.now()
    return [
        selectors.MessageView(turn.shopper_message_id or 0, "shopper", turn.shopper_text, turn.intent, now),
        selectors.MessageView(
            turn.message_id or 0,
            "assistant",
            turn.reply,
            turn.intent,
            now,
            products=turn.products,
            comparison=turn.comparison,
            citations=turn.citations,
            suggestions=turn.suggestions,
            links=turn.links,
        ),
    ]


@require_POST
def conversation_reset(request: HtmxHttpRequest) -> HttpResponse:
    """Start over: the next message opens a new conversation (the old one stays stored)."""
    request.session.pop(SESSION_CONVERSATION_KEY, None)
    if wants_partial(request):
        return render(request, "assistant/partials/_log.html", {"assistant_messages": [], **_start()})
    return HttpResponseRedirect(reverse("assistant:chat"))
