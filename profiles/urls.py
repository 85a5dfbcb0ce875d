"""The shopper's privacy pages (the JSON API lives in profiles/api_urls.py)."""

from __future__ import annotations

from django.urls import path

from profiles import views

app_name = "profiles"

urlpatterns = [
    path("account/interests/", views.interests_page, name="interests"),
    path("account/interests/remove", views.interest_remove, name="interest-remove"),
    path("account/interests/restore", views.interest_restore, name="interest-restore"),
    path("account/interests/personalization", views.personalization_set, name="personalization"),
    path("account/export/", views.export_download, name="export"),
    path("account/delete/", views.account_delete, name="account-delete"),
    path("account/deleted/", views.account_deleted, name="account-deleted"),
]
