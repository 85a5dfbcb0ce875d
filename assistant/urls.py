"""The assistant's storefront pages: the chat page (works without JavaScript) and the panel's htmx endpoints."""

from __future__ import annotations

from django.urls import path

from assistant import views

app_name = "assistant"

urlpatterns = [
    path("assistant/", views.chat_page, name="chat"),
    path("assistant/log", views.chat_log, name="log"),
    path("assistant/messages", views.message_post, name="messages"),
    path("assistant/reset", views.conversation_reset, name="reset"),
]
