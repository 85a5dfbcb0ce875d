from __future__ import annotations

from django.urls import path

from assistant import apis

urlpatterns = [
    path("assistant/messages", apis.AssistantMessagePostApi.as_view(), name="api-assistant-messages"),
    path(
        "assistant/conversations/<uuid:conversation_id>",
        apis.AssistantConversationDetailApi.as_view(),
        name="api-assistant-conversation",
    ),
]
