from __future__ import annotations

from django.urls import path

from profiles import apis

urlpatterns = [
    path("events", apis.EventRecordApi.as_view(), name="api-event-record"),
    # Privacy: the signed-in shopper's own data (no id in the path: nobody can name someone else's).
    path("me", apis.MeDeleteApi.as_view(), name="api-me-delete"),
    path("me/profile", apis.MeProfileApi.as_view(), name="api-me-profile"),
    path("me/export", apis.MeExportApi.as_view(), name="api-me-export"),
]
