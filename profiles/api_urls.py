from __future__ import annotations

from django.urls import path

from profiles import apis
from shopguide.cache_policy import personal

urlpatterns = [
    path("events", personal(apis.EventRecordApi.as_view()), name="api-event-record"),
    # Privacy: the signed-in shopper's own data (no id in the path: nobody can name someone else's).
    path("me", personal(apis.MeDeleteApi.as_view()), name="api-me-delete"),
    path("me/profile", personal(apis.MeProfileApi.as_view()), name="api-me-profile"),
    path("me/export", personal(apis.MeExportApi.as_view()), name="api-me-export"),
]
