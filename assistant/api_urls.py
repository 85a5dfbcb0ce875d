from __future__ import annotations

from django.urls import path

from assistant import apis
from shopguide.cache_policy import personal

urlpatterns = [
    path("assistant/messages", personal(apis.AssistantMessagePostApi.as_view()), name="api-assistant-messages"),
    path(
        "assistant/conversations/<uuid:conversation_id>",
        personal(apis.AssistantConversationDetailApi.as_view()),
        name="api-assistant-conversation",
    ),
]
