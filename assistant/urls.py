"""The assistant's storefront pages: the chat page (works without JavaScript) and the panel's htmx endpoints."""

from __future__ import annotations

from django.urls import path

from assistant import views
from shopguide.cache_policy import personal

app_name = "assistant"

urlpatterns = [
    path("assistant/", personal(views.chat_page), name="chat"),
    path("assistant/log", personal(views.chat_log), name="log"),
    path("assistant/messages", personal(views.message_post), name="messages"),
    path("assistant/reset", personal(views.conversation_reset), name="reset"),
]
