"""The shopper's privacy pages (the JSON API lives in profiles/api_urls.py)."""

from __future__ import annotations

from django.urls import path

from profiles import views
from shopguide.cache_policy import personal

app_name = "profiles"

urlpatterns = [
    path("account/interests/", personal(views.interests_page), name="interests"),
    path("account/interests/remove", personal(views.interest_remove), name="interest-remove"),
    path("account/interests/restore", personal(views.interest_restore), name="interest-restore"),
    path("account/interests/personalization", personal(views.personalization_set), name="personalization"),
    path("account/export/", personal(views.export_download), name="export"),
    path("account/delete/", personal(views.account_delete), name="account-delete"),
    path("account/deleted/", views.account_deleted, name="account-deleted"),
]
