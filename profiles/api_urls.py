from __future__ import annotations

from django.urls import path

from profiles import apis

urlpatterns = [
    path("events", apis.EventRecordApi.as_view(), name="api-event-record"),
]
